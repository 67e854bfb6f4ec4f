/**
 * The PV services one host gives all its domains, as xenstored and Xen's event-channel code
 * do: one store shared by every domain and the toolstack (domain 0), the registry of event
 * channel tables, and a PvBackend per attached domain. A runner attaches each domain it
 * adds (fresh or restored) and detaches it when the domain is gone.
 *
 * A fresh domain gets its store home (`/local/domain/<id>`, owned by it) with `name` and an
 * empty `control`, and an event channel table whose first port is the store's (STORE_PORT,
 * unbound to domain 0). A restored domain gets both back from its image instead.
 *
 * Disks: a BlockBackend per virtual disk (core/devices/block), attached after the domain and
 * closed when it is detached. A capture quiesces them first (no write reaches an image after
 * the domain is captured) and a cancelled suspend resumes them.
 */
import { BlockBackend } from "../devices/block/block-backend.js";
import type { BlockDeviceState } from "../devices/block/block-device-spec.js";
import type { DiskImage } from "../devices/block/disk-image.js";
import type { Domain } from "./domain.js";
import { EventChannelHost } from "./evtchn/event-channel-host.js";
import { EventChannelTable } from "./evtchn/event-channel-table.js";
import { PvBackend } from "./pv-backend.js";
import { STORE_PORT } from "./pv-numbers.js";
import { Store } from "./store/store.js";
import { createStoreRequestHandler, type StoreRequestHandler } from "./store/store-requests.js";
import { StoreRingConnection } from "./store/store-ring.js";

/** What a restored domain brings instead of a fresh setup (validated by the importers). */
export interface PvRestore {
  readonly eventChannels: unknown;
  readonly store: unknown;
  /** The domain's disks, their images opened by the restorer. */
  readonly disks?: readonly { readonly state: BlockDeviceState; readonly image: DiskImage }[];
}

export class PvHost {
  readonly store: Store;
  readonly evtchn = new EventChannelHost();
  private readonly backends = new Map<number, PvBackend>();
  private readonly disks = new Map<number, BlockBackend[]>();
  private readonly handler: StoreRequestHandler;

  constructor(store = new Store()) {
    this.store = store;
    this.handler = createStoreRequestHandler(store, (domid, path, token) =>
      this.backends.get(domid)?.storeRing.watchEvent(path, token),
    );
  }

  backend(domid: number): PvBackend | undefined {
    return this.backends.get(domid);
  }

  /** Sets up a domain's PV state; everything is checked before anything is registered. */
  attach(domain: Domain, restore?: PvRestore): PvBackend {
    const domid = domain.id;
    if (this.backends.has(domid)) throw new Error(`domain ${domid} is already attached to this host`);
    const options = { domid, memory: domain.memory, shared: domain.shared, xlen: domain.xlen };
    const table =
      restore === undefined
        ? new EventChannelTable(options)
        : EventChannelTable.importState(restore.eventChannels, options);
    if (restore === undefined) {
      const [error, port] = table.allocUnbound(0);
      if (error !== 0 || port !== STORE_PORT) throw new Error("the store's event channel is not port 1");
    }
    this.store.introduceDomain(domid);
    try {
      if (restore === undefined) {
        this.store.write(0, `/local/domain/${domid}/name`, domain.name);
        this.store.write(0, `/local/domain/${domid}/control/shutdown`, "");
      } else {
        this.store.importDomainSubtree(domid, restore.store);
      }
      this.evtchn.addDomain(table);
    } catch (e) {
      this.store.releaseDomain(domid);
      throw e;
    }
    const ring = new StoreRingConnection(domain.memory, domain.storeRingGpa, domid, this.handler, () =>
      table.setPending(STORE_PORT),
    );
    const backend = new PvBackend(domid, table, ring, domain.shared);
    this.backends.set(domid, backend);
    try {
      for (const d of restore?.disks ?? []) this.attachDisk(domain, d.state, d.image, true);
    } catch (e) {
      this.detach(domid);
      throw e;
    }
    return backend;
  }

  /**
   * Gives an attached domain a disk served from `image` (which it now owns: it is closed with
   * the domain). `restored`: the disk came with a restored domain (its frontend reconnects,
   * or in a transparent image carries on with the saved ring).
   */
  attachDisk(domain: Domain, state: BlockDeviceState, image: DiskImage, restored = false): BlockBackend {
    const domid = domain.id;
    const pv = this.backends.get(domid);
    if (pv === undefined) throw new Error(`domain ${domid} is not attached to this host`);
    const list = this.disks.get(domid) ?? [];
    if (list.some((d) => d.spec.devid === state.devid))
      throw new Error(`domain ${domid} has ${state.vdev} already`);
    const disk = new BlockBackend(
      {
        domid,
        store: this.store,
        memory: domain.memory,
        portUsable: (port) => pv.unboundToHost(port),
        raise: (port) => pv.table.setPending(port),
        doorbell: (port, ring) => pv.setDoorbell(port, ring),
      },
      state,
      image,
      restored,
    );
    list.push(disk);
    this.disks.set(domid, list);
    return disk;
  }

  /** The domain's disks, in the order they were attached. */
  disksOf(domid: number): readonly BlockBackend[] {
    return this.disks.get(domid) ?? [];
  }

  /** Waits until no disk I/O of the domain is under way, and none starts until `resumeDisks`. */
  async quiesceDisks(domid: number): Promise<void> {
    await Promise.all(this.disksOf(domid).map((d) => d.quiesce()));
  }

  resumeDisks(domid: number): void {
    for (const d of this.disksOf(domid)) d.resume();
  }

  /** Forgets a domain: its event channels close and its store home goes. */
  detach(domid: number): void {
    if (!this.backends.delete(domid)) return;
    for (const d of this.disksOf(domid)) {
      d.removeFromStore();
      void d.close().catch(() => {}); // an image that fails to close has nothing left to lose
    }
    this.disks.delete(domid);
    this.evtchn.removeDomain(domid);
    if (this.store.isIntroduced(domid)) this.store.releaseDomain(domid);
  }
}
