/**
 * The backend of one virtual disk (docs/block-device.md): it publishes the disk in the store,
 * follows the frontend through the Xen device states, and serves the request ring in the
 * frontend's RAM from a DiskImage. It runs on the thread that owns the domain's PV state
 * (PvHost); the frontend's doorbell is a send on its port, forwarded here as a call.
 *
 * Invariants:
 * - nothing the guest wrote is trusted: the ring index is checked against the ring's size
 *   before anything is consumed (a broken ring stops the device, with `error` in the store),
 *   and every request's operation, segments, guest frames and sector range before any I/O
 *   (a bad request gets ERROR, the ring goes on). Guest data is copied out when a write is
 *   consumed, so the guest cannot change it under the I/O.
 * - ordering: a WRITE_BARRIER or FLUSH_DISKCACHE waits for every request consumed before it,
 *   and every request consumed after it waits for it. Other requests overlap.
 * - once `quiesce` has resolved, no I/O of this backend is under way and none starts until
 *   `resume`: the image holds every write the guest was told about, and nothing more arrives.
 * - after `close` or `kill` nothing touches the guest's memory again.
 */

import type { Store } from "../../hypervisor/store/store.js";
import { makePerms } from "../../hypervisor/store/store-permissions.js";
import type { GuestMemory } from "../../memory/guest-memory.js";
import { PAGE_SIZE } from "../../memory/guest-memory.js";
import {
  BlkifOp,
  BlkifRequest,
  BlkifResponse,
  BlkifRing,
  BlkifStatus,
  SECTOR_SIZE,
  SECTORS_PER_PAGE,
  VdiskInfo,
  XenbusState,
} from "./blkif-numbers.js";
import type { BlockDeviceSpec, BlockDeviceState } from "./block-device-spec.js";
import type { DiskImage } from "./disk-image.js";

/** What the backend needs of the hypervisor for its domain. */
export interface BlockBackendHost {
  readonly domid: number;
  readonly store: Store;
  readonly memory: GuestMemory;
  /** Whether `port` is the domain's and unbound to domain 0: a doorbell this backend may use. */
  portUsable(port: number): boolean;
  /** Raises the frontend's port. */
  raise(port: number): void;
  /** Routes the guest's sends on `port` to `ring` (undefined: stop routing). */
  doorbell(port: number, ring: (() => void) | undefined): void;
}

interface Request {
  readonly op: number;
  readonly sector: number;
  /** Guest-physical address and length of each segment, in disk order. */
  readonly segments: readonly { gpa: number; bytes: number }[];
  readonly bytes: number;
}

export class BlockBackend {
  readonly frontendPath: string;
  readonly backendPath: string;
  readonly sectors: number;
  private state: number = XenbusState.INITIALISING;
  private ring: { gpa: number; port: number } | undefined;
  /** Requests consumed / responses produced (free-running u32). */
  private reqCons = 0;
  private rspProd = 0;
  private readonly inflight = new Set<Promise<void>>();
  /** The last barrier or flush: requests consumed after it wait for it. */
  private fence: Promise<void> = Promise.resolve();
  /** Set by `quiesce` (its one settling, shared by every caller), cleared by `resume`. */
  private resting: Promise<void> | undefined;
  private stopped = false;
  /** Why the backend stopped serving (a broken ring, a kill), if it did. */
  error: string | undefined;
  /** While a migration copies the disk: which chunks were written since it last looked. */
  private written: { chunk: number; marks: Uint8Array } | undefined;

  readonly spec: BlockDeviceSpec;

  /**
   * Publishes the disk and waits for the frontend. `restored`: the frontend directory came
   * with the domain's store (a restore or a migration): it is pointed at this backend and,
   * unless the state carries the ring's position (a transparent image: the guest never knew),
   * set back to Initialising, so the guest's resume reconnects as a fresh frontend would.
   */
  constructor(
    private readonly host: BlockBackendHost,
    state: BlockDeviceState,
    private readonly image: DiskImage,
    restored = false,
  ) {
    const { ring: position, ...spec } = state;
    this.spec = spec;
    const { domid, store } = host;
    if (image.size % SECTOR_SIZE !== 0) throw new Error(`${spec.target}: not a whole number of sectors`);
    if (spec.access === "rw" && image.readOnly) throw new Error(`${spec.target}: the image is read-only`);
    this.sectors = image.size / SECTOR_SIZE;
    this.frontendPath = `/local/domain/${domid}/device/vbd/${spec.devid}`;
    this.backendPath = `/local/domain/0/backend/vbd/${domid}/${spec.devid}`;
    const fe = this.frontendPath;
    const be = this.backendPath;
    store.mkdir(0, be);
    store.setPerms(0, be, makePerms({ owner: 0, access: "none", acl: [{ domid, access: "read" }] }));
    const backendNodes: [string, string][] = [
      ["frontend", fe],
      ["frontend-id", String(domid)],
      ["params", spec.target],
      ["type", "file"],
      ["mode", spec.access === "ro" ? "r" : "w"],
      ["dev", spec.vdev],
      ["feature-flush-cache", "1"],
      ["feature-barrier", "1"],
    ];
    for (const [key, value] of backendNodes) store.write(0, `${be}/${key}`, value);
    const frontendNodes: [string, string][] = [
      ["backend", be],
      ["backend-id", "0"],
      ["virtual-device", String(spec.devid)],
      ["device-type", "disk"],
    ];
    const carryOn = restored && position !== undefined;
    if (!carryOn) frontendNodes.push(["state", String(XenbusState.INITIALISING)]);
    for (const [key, value] of frontendNodes) store.write(0, `${fe}/${key}`, value);
    this.setState(XenbusState.INIT_WAIT);
    if (carryOn) this.connect(position);
    store.watch(0, `${fe}/state`, this.watchToken, () => this.frontendChanged());
  }

  /** What a capture saves (after `quiesce`): the disk, and in transparent mode the ring's position. */
  savedState(withRing: boolean): BlockDeviceState {
    const ring = this.ring;
    if (!withRing || ring === undefined) return this.spec;
    const position = {
      gfn: ring.gpa / PAGE_SIZE,
      port: ring.port,
      reqCons: this.reqCons,
      rspProd: this.rspProd,
    };
    return { ...this.spec, ring: position };
  }

  private get watchToken(): string {
    return `vbd-${this.host.domid}-${this.spec.devid}`;
  }

  /** The backend's Xen device state. */
  get xenbusState(): number {
    return this.state;
  }

  private setState(state: number): void {
    this.state = state;
    this.host.store.write(0, `${this.backendPath}/state`, String(state));
  }

  private readFrontend(key: string): string | undefined {
    try {
      return this.host.store.readString(0, `${this.frontendPath}/${key}`);
    } catch {
      return undefined;
    }
  }

  private frontendChanged(): void {
    if (this.stopped) return;
    const fe = Number(this.readFrontend("state") ?? XenbusState.UNKNOWN);
    switch (fe) {
      case XenbusState.INITIALISING:
        // A frontend starting over (a guest reconnecting) finds the backend waiting again.
        if (this.state !== XenbusState.INIT_WAIT) this.disconnect(XenbusState.INIT_WAIT);
        break;
      case XenbusState.INITIALISED:
      case XenbusState.CONNECTED:
        if (this.state === XenbusState.INIT_WAIT) this.connect();
        break;
      case XenbusState.CLOSING:
      case XenbusState.CLOSED:
        if (this.state !== XenbusState.CLOSED) this.disconnect(XenbusState.CLOSED);
        break;
    }
  }

  /** Frontend Initialised (or a saved ring): checks what it offers and serves its ring. */
  private connect(position?: { gfn: number; port: number; reqCons: number; rspProd: number }): void {
    const { memory } = this.host;
    const gfn = position?.gfn ?? parseUnsigned(this.readFrontend("ring-ref"));
    const port = position?.port ?? parseUnsigned(this.readFrontend("event-channel"));
    const gpa = gfn === undefined ? -1 : gfn * PAGE_SIZE;
    if (gfn === undefined || !memory.contains(gpa, PAGE_SIZE)) {
      this.fail(`ring-ref ${String(this.readFrontend("ring-ref"))} is not a page of the domain's RAM`);
      return;
    }
    if (port === undefined || !this.host.portUsable(port)) {
      this.fail(
        `event-channel ${String(this.readFrontend("event-channel"))} is not a port unbound to domain 0`,
      );
      return;
    }
    this.ring = { gpa, port };
    this.reqCons = position?.reqCons ?? 0;
    this.rspProd = position?.rspProd ?? 0;
    const be = this.backendPath;
    const store = this.host.store;
    store.write(0, `${be}/sectors`, String(this.sectors));
    store.write(0, `${be}/sector-size`, String(SECTOR_SIZE));
    store.write(0, `${be}/info`, String(this.spec.access === "ro" ? VdiskInfo.READONLY : 0));
    this.host.doorbell(port, () => this.kick());
    this.setState(XenbusState.CONNECTED);
    this.kick();
  }

  /** Stops serving the ring (requests under way finish, unanswered) and moves to `next`. */
  private disconnect(next: number): void {
    if (this.ring !== undefined) this.host.doorbell(this.ring.port, undefined);
    this.ring = undefined;
    this.setState(next);
  }

  /** The device stops, saying why (a broken frontend, a kill); the frontend sees it closed. */
  private fail(why: string): void {
    this.error = why;
    this.host.store.write(0, `${this.backendPath}/error`, why);
    this.disconnect(XenbusState.CLOSED);
  }

  /** Consumes every request the frontend has produced. Called on each doorbell. */
  kick(): void {
    const ring = this.ring;
    if (ring === undefined || this.resting !== undefined || this.stopped) return;
    const prod = this.loadIndex(BlkifRing.REQ_PROD);
    // At most RING_SIZE requests may be unanswered; more means the indices are garbage.
    if ((prod - this.rspProd) >>> 0 > BlkifRing.SIZE) {
      this.fail(`req_prod ${prod} is more than ${BlkifRing.SIZE} ahead of rsp_prod ${this.rspProd}`);
      return;
    }
    while (this.reqCons !== prod) {
      const slot = ring.gpa + BlkifRing.SLOTS + (this.reqCons % BlkifRing.SIZE) * BlkifRing.SLOT_SIZE;
      const raw = this.host.memory.read(slot, BlkifRing.SLOT_SIZE);
      this.reqCons = (this.reqCons + 1) >>> 0;
      this.start(raw, ring);
    }
  }

  private loadIndex(offset: number): number {
    const { memory } = this.host;
    return Atomics.load(memory.i32, (this.ring!.gpa - memory.base + offset) / 4) >>> 0;
  }

  private start(raw: Uint8Array, ring: { gpa: number; port: number }): void {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const id = view.getBigUint64(BlkifRequest.ID, true);
    const op = view.getUint8(BlkifRequest.OPERATION);
    const checked = this.check(view, op);
    if (typeof checked === "number") {
      this.respond(ring, id, op, checked);
      return;
    }
    const ordered = op === BlkifOp.WRITE_BARRIER || op === BlkifOp.FLUSH_DISKCACHE;
    // Write data is taken now: what the guest changes after the doorbell is not the request.
    const data = op === BlkifOp.WRITE || op === BlkifOp.WRITE_BARRIER ? this.gather(checked) : undefined;
    const before = ordered ? Promise.all([...this.inflight]) : this.fence;
    const work = before
      .then(() => this.perform(checked, data))
      .then(
        (status) => this.respond(ring, id, op, status),
        () => this.respond(ring, id, op, BlkifStatus.ERROR),
      );
    const tracked = work.finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
    if (ordered) this.fence = tracked;
  }

  /** The request, or the status it must be answered with. */
  private check(view: DataView, op: number): Request | number {
    const n = view.getUint8(BlkifRequest.NR_SEGMENTS);
    const sector = Number(view.getBigUint64(BlkifRequest.SECTOR_NUMBER, true));
    if (op > BlkifOp.FLUSH_DISKCACHE) return BlkifStatus.EOPNOTSUPP;
    if (op === BlkifOp.FLUSH_DISKCACHE) return { op, sector: 0, segments: [], bytes: 0 };
    const needsData = op !== BlkifOp.WRITE_BARRIER;
    if (n > BlkifRequest.SEGMENTS_MAX || (needsData && n === 0)) return BlkifStatus.ERROR;
    if (op !== BlkifOp.READ && this.spec.access === "ro") return BlkifStatus.ERROR;
    const segments: { gpa: number; bytes: number }[] = [];
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const at = BlkifRequest.SEGMENTS + i * BlkifRequest.SEGMENT_SIZE;
      const gfn = view.getUint32(at + BlkifRequest.SEG_GFN, true);
      const first = view.getUint8(at + BlkifRequest.SEG_FIRST_SECT);
      const last = view.getUint8(at + BlkifRequest.SEG_LAST_SECT);
      if (first > last || last >= SECTORS_PER_PAGE) return BlkifStatus.ERROR;
      const gpa = gfn * PAGE_SIZE + first * SECTOR_SIZE;
      const length = (last - first + 1) * SECTOR_SIZE;
      if (!this.host.memory.contains(gpa, length)) return BlkifStatus.ERROR;
      segments.push({ gpa, bytes: length });
      bytes += length;
    }
    if (!Number.isSafeInteger(sector) || sector + bytes / SECTOR_SIZE > this.sectors)
      return BlkifStatus.ERROR;
    return { op, sector, segments, bytes };
  }

  private gather(r: Request): Uint8Array {
    const data = new Uint8Array(r.bytes);
    let at = 0;
    for (const s of r.segments) {
      data.set(this.host.memory.read(s.gpa, s.bytes), at);
      at += s.bytes;
    }
    return data;
  }

  private async perform(r: Request, data: Uint8Array | undefined): Promise<number> {
    const offset = r.sector * SECTOR_SIZE;
    switch (r.op) {
      case BlkifOp.READ: {
        const into = new Uint8Array(r.bytes);
        await this.image.read(offset, into);
        if (this.stopped) return BlkifStatus.ERROR;
        let at = 0;
        for (const s of r.segments) {
          this.host.memory.write(s.gpa, into.subarray(at, at + s.bytes));
          at += s.bytes;
        }
        return BlkifStatus.OKAY;
      }
      case BlkifOp.WRITE:
        await this.image.write(offset, data!);
        this.markWritten(offset, data!.length);
        return BlkifStatus.OKAY;
      case BlkifOp.WRITE_BARRIER:
        if (data!.length > 0) await this.image.write(offset, data!);
        this.markWritten(offset, data!.length);
        await this.image.flush();
        return BlkifStatus.OKAY;
      default:
        await this.image.flush();
        return BlkifStatus.OKAY;
    }
  }

  /** Writes a response into the ring, publishes it and raises the port. */
  private respond(ring: { gpa: number; port: number }, id: bigint, op: number, status: number): void {
    // A response for a ring that was torn down (reconnect, close, kill) has nowhere to go.
    if (this.stopped || this.ring !== ring) return;
    const { memory } = this.host;
    const slot = new Uint8Array(16);
    const view = new DataView(slot.buffer);
    view.setBigUint64(BlkifResponse.ID, id, true);
    view.setUint8(BlkifResponse.OPERATION, op);
    view.setInt16(BlkifResponse.STATUS, status, true);
    // memory.write marks the ring's page dirty, the index below included (one page).
    memory.write(ring.gpa + BlkifRing.SLOTS + (this.rspProd % BlkifRing.SIZE) * BlkifRing.SLOT_SIZE, slot);
    this.rspProd = (this.rspProd + 1) >>> 0;
    // The response bytes before the index (seq-cst store): the frontend reads the index first.
    Atomics.store(memory.i32, (ring.gpa - memory.base + BlkifRing.RSP_PROD) / 4, this.rspProd | 0);
    if (this.host.portUsable(ring.port)) this.host.raise(ring.port);
  }

  // ---- copying the disk (a migration without shared storage) -----------------------------

  /** The image's size in bytes. */
  get size(): number {
    return this.image.size;
  }

  /**
   * From now on, remembers which `chunk`-byte pieces of the image writes change. A piece is
   * marked once its write has reached the image, so a copy read before the mark is sent
   * again after it.
   */
  trackWrites(chunk: number): void {
    this.written = { chunk, marks: new Uint8Array(Math.ceil(this.image.size / chunk)) };
  }

  /** The pieces written since tracking began or since the last call, in order; clears them. */
  takeWritten(): number[] {
    const w = this.written;
    if (w === undefined) return [];
    const out: number[] = [];
    for (let i = 0; i < w.marks.length; i++) if (w.marks[i]) out.push(i);
    w.marks.fill(0);
    return out;
  }

  /** How many pieces `takeWritten` would return now. */
  writtenCount(): number {
    let n = 0;
    for (const m of this.written?.marks ?? []) n += m;
    return n;
  }

  stopTracking(): void {
    this.written = undefined;
  }

  /** Reads the image as it is now (for the copy; guest I/O goes on meanwhile). */
  readImage(offset: number, into: Uint8Array): Promise<void> {
    return this.image.read(offset, into);
  }

  private markWritten(offset: number, length: number): void {
    const w = this.written;
    if (w === undefined || length === 0) return;
    for (let i = Math.floor(offset / w.chunk); i * w.chunk < offset + length; i++) w.marks[i] = 1;
  }

  /**
   * Waits until no I/O is under way, with none started after, and the image flushed. Asked
   * again before `resume` (a migration's final round, then its capture), it is the same wait:
   * nothing has been written since, so nothing is flushed twice.
   */
  quiesce(): Promise<void> {
    this.resting ??= (async () => {
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      if (!this.stopped && !this.image.readOnly) await this.image.flush();
    })();
    return this.resting;
  }

  /** Serves the ring again after `quiesce` (a cancelled suspend: same domain, same ring). */
  resume(): void {
    this.resting = undefined;
    this.kick();
  }

  /**
   * The backend dies as a failed driver domain would: requests under way are never answered,
   * the device goes to Closed with `why` as its error, and the image is released.
   */
  async kill(why: string): Promise<void> {
    if (this.stopped) return;
    this.fail(why);
    await this.close();
  }

  /** Stops for good (the domain is gone): lets I/O under way end, then releases the image. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ring !== undefined) this.host.doorbell(this.ring.port, undefined);
    this.ring = undefined;
    try {
      this.host.store.unwatch(0, `${this.frontendPath}/state`, this.watchToken);
    } catch {
      // The watch went with the store's domain already.
    }
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.image.close();
  }

  /** Removes the backend's directory (the frontend's goes with the domain's home). */
  removeFromStore(): void {
    try {
      this.host.store.rm(0, this.backendPath);
    } catch {
      // Already gone.
    }
  }
}

function parseUnsigned(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,10}$/.test(text)) return undefined;
  return Number(text);
}
