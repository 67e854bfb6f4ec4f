/**
 * Restores an image as a new domain on a runner, from an in-memory DomainImage
 * (`restoreDomain`) or from records as they arrive from a file or a connection
 * (`restoreDomainFrom`: the same checks, one implementation).
 *
 * Streaming: the (unregistered) Domain is built from the first record, domain-config — its
 * limits are the Domain's own config checks, made before any memory is allocated — and
 * memory pages are written straight into it as batches arrive, so a restore never holds a
 * second copy of guest RAM. The small records are collected. Only when the stream has ended
 * cleanly with its end record and everything has been checked — the header, the order and
 * count of the records, every page number and size, the vCPU states, the event channel and
 * store states (their own importers are strict) — is the domain handed to the runner. A bad
 * image gives one ImageError naming what is wrong, with nothing left behind: what the runner
 * prepared for the domain while its memory arrived (runner.prepare: the parallel runner's
 * vCPU threads) is released, and the runner never added it nor its PvHost attached it.
 *
 * Cooperative images: vCPU 0 continues after its suspend call with a1 = 0 ("resumed in a new
 * domain"); the other vCPUs start down, and the guest creates them from its jump buffers.
 * Transparent images: every vCPU continues where it was.
 */
import { type BlockDeviceState, checkBlockDeviceStates } from "../devices/block/block-device-spec.js";
import type { DiskImage } from "../devices/block/disk-image.js";
import { Domain, DomainConfigError } from "../hypervisor/domain.js";
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import { SuspendResult } from "../hypervisor/pv-numbers.js";
import type { VcpuState } from "../hypervisor/vcpu-state.js";
import { PAGE_SIZE } from "../memory/guest-memory.js";
import { DISK_CHUNK } from "./disk-data-record.js";
import {
  type DomainImage,
  type DomainRecord,
  IMAGE_MAGIC,
  ImageError,
  type ImageHeader,
  isSupportedVersion,
  ON_POWEROFF_VALUES,
  unsupportedVersionMessage,
} from "./domain-image.js";

type RecordOf<T extends DomainRecord["type"]> = Extract<DomainRecord, { type: T }>;

/** Records an image holds exactly once (memory and vcpu records are counted apart). */
const SINGLE = ["event-channels", "shared-info", "store", "timers", "time", "devices"] as const;
type Single = (typeof SINGLE)[number];

export interface RestoreOptions {
  /** The new domain's id (1 and up, unused on the runner's host). */
  readonly id: number;
  /** A new name; the saved one by default. */
  readonly name?: string;
  /** Add it paused: it runs only when the runner's unpause() is called (migration's commit, restore -p). */
  readonly paused?: boolean;
  /**
   * Opens a disk the image names (the same file, or the same path on shared storage). Without
   * it an image with disks is refused. A failure is the restore's: one message, nothing made.
   */
  readonly openDisk?: (state: BlockDeviceState) => Promise<DiskImage>;
  /**
   * Makes a new, empty image for a disk whose contents the stream carries (disk-data records:
   * a migration that copies its disks), `size` bytes. Without it such a stream is refused.
   * A restore that fails discards what it made.
   */
  readonly receiveDisk?: (state: { devid: number; size: number }) => Promise<ReceivedDisk>;
}

/** A disk image a restore fills from disk-data records. */
export interface ReceivedDisk {
  readonly image: DiskImage;
  /** Where it is, for the restored domain's device state. */
  readonly target: string;
  /** Closes and deletes it (the restore failed). */
  discard(): Promise<void>;
}

/** Restores an in-memory image (the records are checked exactly as a file's are). */
export async function restoreDomain(
  runner: DomainRunner,
  image: DomainImage,
  options: RestoreOptions,
): Promise<Domain> {
  return restoreDomainFrom(runner, image.header, image.records, options);
}

/**
 * Restores the image whose header is `header` from its records, consumed as they come. An
 * ImageError thrown by the record source (a decoder) passes through, and nothing is created.
 */
export async function restoreDomainFrom(
  runner: DomainRunner,
  header: ImageHeader,
  records: AsyncIterable<DomainRecord> | Iterable<DomainRecord>,
  options: RestoreOptions,
): Promise<Domain> {
  checkHeader(header);
  let domain: Domain | undefined;
  const received = new Map<number, { size: number; disk: ReceivedDisk }>();
  try {
    const singles = new Map<string, DomainRecord>();
    const vcpuRecords: RecordOf<"vcpu">[] = [];
    /** The states handed to the runner early (preloadVcpuState), by record. */
    const preloaded: VcpuState[] = [];
    const resumed = (s: VcpuState): VcpuState => (header.mode === "cooperative" ? resumedInNewDomain(s) : s);
    let count = 0;
    let ended = false;
    for await (const r of records) {
      const type = (r as { type?: unknown })?.type;
      if (ended) throw new ImageError(`record ${count} (${String(type)}) follows the end record`);
      if (count++ === 0) {
        if (type !== "domain-config") throw new ImageError("the first record is not domain-config");
        domain = createDomain(header, r as RecordOf<"domain-config">, options);
        // Its threads get ready while the memory arrives (a migration's rounds, a file's pages).
        runner.prepare(domain);
        continue;
      }
      switch (type) {
        case "domain-config":
          throw new ImageError("the image has more than one domain-config record");
        case "memory":
          writePages(domain!, r as RecordOf<"memory">);
          break;
        case "vcpu": {
          const i = vcpuRecords.push(r as RecordOf<"vcpu">) - 1;
          const s = (r as RecordOf<"vcpu">).state;
          // A context that will pass the checks goes to its vCPU now, to be restored while the
          // rest of the image comes (a migration's downtime); the checks throw at the end,
          // once the count of contexts is known.
          const wanted = header.mode === "cooperative" ? 1 : domain!.vcpus;
          if (i < wanted && vcpuRecordProblem(s, i, header.xlen) === undefined) {
            preloaded[i] = resumed(s);
            runner.preloadVcpuState(domain!, preloaded[i]);
          }
          break;
        }
        case "disk-data":
          await receiveChunks(r as RecordOf<"disk-data">, received, options.receiveDisk);
          break;
        case "end":
          ended = true;
          break;
        default:
          if (!(SINGLE as readonly unknown[]).includes(type)) {
            throw new ImageError(`unknown mandatory record "${String(type)}"`);
          }
          if (singles.has(type as Single))
            throw new ImageError(`the image has more than one ${String(type)} record`);
          singles.set(type as Single, r);
      }
    }
    if (domain === undefined) throw new ImageError("the image has no records");
    if (!ended) throw new ImageError("the image does not end with an end record (truncated?)");
    const one = <T extends Single>(type: T): RecordOf<T> => {
      const found = singles.get(type);
      if (found === undefined) throw new ImageError(`the image has no ${type} record`);
      return found as RecordOf<T>;
    };

    const wanted = header.mode === "cooperative" ? 1 : domain.vcpus;
    if (vcpuRecords.length !== wanted) {
      throw new ImageError(
        `a ${header.mode} image holds ${wanted} vCPU context(s), this one ${vcpuRecords.length}`,
      );
    }
    const states = vcpuRecords.map((r, i) => {
      const problem = vcpuRecordProblem(r.state, i, header.xlen);
      if (problem !== undefined) throw new ImageError(problem);
      return preloaded[i] ?? resumed(r.state);
    });
    const time = one("time").guestTime;
    if (typeof time !== "number" || !Number.isFinite(time) || time < 0)
      throw new ImageError(`impossible guest time ${String(time)}`);
    const sharedInfo = one("shared-info").gpa;
    const table = one("event-channels").state as { sharedInfoGpa?: unknown } | undefined;
    if (table?.sharedInfoGpa !== sharedInfo)
      throw new ImageError("shared-info does not match the event channel state");
    // The timers record repeats what the vCPU states carry: they must agree.
    const timers = one("timers").deadlines;
    const disagree =
      !Array.isArray(timers) ||
      timers.length !== states.length ||
      timers.some((t, i) => t?.vcpu !== states[i]!.id || t.deadline !== states[i]!.timerDeadline);
    if (disagree) throw new ImageError("the timers record does not match the vCPU records");
    let devices: BlockDeviceState[];
    try {
      devices = checkBlockDeviceStates(one("devices").devices);
    } catch (e) {
      throw new ImageError(`devices: ${(e as Error).message}`, { cause: e });
    }
    const disks = await openDisks(devices, received, options.openDisk);
    try {
      await runner.addRestored(
        domain,
        states,
        { eventChannels: one("event-channels").state, store: one("store").state, disks },
        time,
        { paused: options.paused === true },
      );
    } catch (e) {
      await Promise.allSettled(disks.map((d) => d.image.close()));
      if (e instanceof ImageError) throw e;
      throw new ImageError(`the image's state cannot be restored: ${(e as Error).message}`, { cause: e });
    }
    return domain;
  } catch (e) {
    // What the runner prepared for the domain, if it got that far; it never added it.
    if (domain !== undefined) await runner.release(domain);
    await Promise.allSettled([...received.values()].map((r) => r.disk.discard()));
    throw e;
  }
}

/** Writes a disk-data record's chunks into the disk it names, made on its first record. */
async function receiveChunks(
  r: RecordOf<"disk-data">,
  received: Map<number, { size: number; disk: ReceivedDisk }>,
  receive: RestoreOptions["receiveDisk"],
): Promise<void> {
  if (receive === undefined)
    throw new ImageError("the image carries disk contents and this host cannot take them");
  let entry = received.get(r.devid);
  if (entry === undefined) {
    try {
      entry = { size: r.size, disk: await receive({ devid: r.devid, size: r.size }) };
    } catch (e) {
      throw new ImageError(`disk ${r.devid}: ${(e as Error).message}`, { cause: e });
    }
    received.set(r.devid, entry);
  }
  if (entry.size !== r.size)
    throw new ImageError(`disk ${r.devid} changes size from ${entry.size} to ${r.size}`);
  for (const c of r.chunks) {
    const offset = c.index * DISK_CHUNK;
    await entry.disk.image.write(offset, c.data.subarray(0, Math.min(DISK_CHUNK, r.size - offset)));
  }
}

/**
 * Every disk of the image: a received copy, or the image the state names, opened; all or none
 * (a failure closes those this opened).
 */
async function openDisks(
  devices: readonly BlockDeviceState[],
  received: ReadonlyMap<number, { size: number; disk: ReceivedDisk }>,
  open: RestoreOptions["openDisk"],
): Promise<{ state: BlockDeviceState; image: DiskImage }[]> {
  for (const devid of received.keys()) {
    if (!devices.some((d) => d.devid === devid))
      throw new ImageError(`disk-data for disk ${devid}, which the domain does not have`);
  }
  const opened: { state: BlockDeviceState; image: DiskImage }[] = [];
  try {
    for (const state of devices) {
      const copy = received.get(state.devid);
      if (copy !== undefined) {
        opened.push({ state: { ...state, target: copy.disk.target }, image: copy.disk.image });
        continue;
      }
      if (open === undefined) throw new Error("this host cannot open disks");
      opened.push({ state, image: await open(state) });
    }
    return opened;
  } catch (e) {
    await Promise.allSettled(opened.filter((d) => !received.has(d.state.devid)).map((d) => d.image.close()));
    throw new ImageError(`disk ${devices[opened.length]!.vdev}: ${(e as Error).message}`, { cause: e });
  }
}

function checkHeader(h: ImageHeader): void {
  if (h?.magic !== IMAGE_MAGIC) throw new ImageError("not a Ferry domain image (bad magic)");
  if (!isSupportedVersion(h.version)) throw new ImageError(unsupportedVersionMessage(h.version));
  if (h.xlen !== 32 && h.xlen !== 64) throw new ImageError(`impossible XLEN ${String(h.xlen)}`);
  if (h.pageSize !== PAGE_SIZE) throw new ImageError(`page size ${h.pageSize} is not ${PAGE_SIZE}`);
  if (h.mode !== "cooperative" && h.mode !== "transparent")
    throw new ImageError(`unknown save mode ${String(h.mode)}`);
}

/** The unregistered shell of the domain: the Domain's own checks are the limits. */
function createDomain(h: ImageHeader, c: RecordOf<"domain-config">, options: RestoreOptions): Domain {
  if (c.vcpus !== h.vcpus) throw new ImageError(`header says ${h.vcpus} vCPUs, config ${String(c.vcpus)}`);
  for (const field of ["name", "bootargs"] as const) {
    if (typeof c[field] !== "string") throw new ImageError(`domain-config: ${field} is not a string`);
  }
  for (const field of ["entry", "dtbAddress", "storeRingGpa"] as const) {
    const v = c[field];
    if (!Number.isSafeInteger(v) || v < 0)
      throw new ImageError(`domain-config: ${field} ${String(v)} is not an address`);
  }
  // Version 2's fields, not used yet: an image that needs what this Ferry lacks is refused.
  if (c.maxVcpus !== c.vcpus) {
    throw new ImageError(
      `domain-config: maxVcpus ${String(c.maxVcpus)} is not vcpus ${String(c.vcpus)} (this Ferry cannot add vCPUs to a domain)`,
    );
  }
  if (!ON_POWEROFF_VALUES.includes(c.onPoweroff)) {
    throw new ImageError(
      `domain-config: onPoweroff "${String(c.onPoweroff)}" is not one of ${ON_POWEROFF_VALUES.join(", ")}`,
    );
  }
  try {
    return new Domain(
      options.id,
      {
        name: options.name ?? c.name,
        vcpus: c.vcpus,
        memorySize: c.memorySize,
        kernel: new Uint8Array(0),
        bootargs: c.bootargs,
      },
      { xlen: h.xlen, entry: c.entry, dtbAddress: c.dtbAddress, storeRingGpa: c.storeRingGpa },
    );
  } catch (e) {
    if (e instanceof DomainConfigError) {
      const asked = `${String(c.vcpus)} vCPUs, ${mebibytes(c.memorySize)} of memory`;
      throw new ImageError(`domain-config: ${e.message} (the image asks for ${asked})`, { cause: e });
    }
    throw e;
  }
}

/**
 * Copies a batch into the domain's memory after checking every page. Pages that follow each
 * other both in memory and in one buffer (a decoder's chunk) go in one copy.
 */
function writePages(domain: Domain, r: RecordOf<"memory">): void {
  const pages = domain.memory.size / PAGE_SIZE;
  const ram = domain.memory.u8;
  if (!Array.isArray(r.pages)) throw new ImageError("a memory record holds no page list");
  let run: Uint8Array | undefined;
  let runPfn = 0;
  for (const p of r.pages) {
    if (!Number.isInteger(p?.pfn) || p.pfn < 0 || p.pfn >= pages) {
      throw new ImageError(`memory page ${String(p?.pfn)} is outside the domain's ${pages} pages`);
    }
    const data = p.data;
    if (!(data instanceof Uint8Array) || data.length !== PAGE_SIZE) {
      throw new ImageError(`memory page ${p.pfn} is not ${PAGE_SIZE} bytes`);
    }
    if (
      run !== undefined &&
      p.pfn === runPfn + run.length / PAGE_SIZE &&
      data.buffer === run.buffer &&
      data.byteOffset === run.byteOffset + run.length
    ) {
      run = new Uint8Array(run.buffer, run.byteOffset, run.length + PAGE_SIZE);
      continue;
    }
    if (run !== undefined) ram.set(run, runPfn * PAGE_SIZE);
    run = data;
    runPfn = p.pfn;
  }
  if (run !== undefined) ram.set(run, runPfn * PAGE_SIZE);
}

function mebibytes(n: unknown): string {
  return typeof n === "number" && Number.isFinite(n)
    ? `${(n / 2 ** 20).toFixed(n % 2 ** 20 ? 2 : 0)} MiB`
    : String(n);
}

/** What is wrong with the state in vCPU record `i` of an RV`xlen` image, if anything. */
function vcpuRecordProblem(s: VcpuState | undefined, i: number, xlen: number): string | undefined {
  if (s?.id !== i) return `vCPU record ${i} is for vCPU ${String(s?.id)}`;
  if (s.hart?.xlen !== xlen) return `vCPU ${i} is RV${String(s.hart?.xlen)}, the image RV${xlen}`;
  return undefined;
}

/** vCPU 0's state with its suspend call returning 0: resumed in a new domain. */
function resumedInNewDomain(s: VcpuState): VcpuState {
  // A malformed state is left for restoreVcpuState to refuse with its own message.
  if (!Array.isArray(s.hart.x)) return s;
  const x = [...s.hart.x];
  x[11] = BigInt(SuspendResult.NEW_DOMAIN);
  return { ...s, hart: { ...s.hart, x } };
}
