/**
 * Restores a DomainImage as a new domain on a runner. Everything is checked before anything
 * is created — the header, the order and count of the records, every page number and size,
 * the vCPU states, the event channel and store states (their own importers are strict) — and
 * a bad image gives one ImageError naming what is wrong, with nothing left behind.
 *
 * Cooperative images: vCPU 0 continues after its suspend call with a1 = 0 ("resumed in a new
 * domain"); the other vCPUs start down, and the guest creates them from its jump buffers.
 * Transparent images: every vCPU continues where it was.
 */
import { Domain, DomainConfigError } from "../hypervisor/domain.js";
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import { SuspendResult } from "../hypervisor/pv-numbers.js";
import type { VcpuState } from "../hypervisor/vcpu-state.js";
import { PAGE_SIZE } from "../memory/guest-memory.js";
import {
  type DomainImage,
  type DomainRecord,
  IMAGE_MAGIC,
  IMAGE_VERSION,
  ImageError,
} from "./domain-image.js";

type RecordOf<T extends DomainRecord["type"]> = Extract<DomainRecord, { type: T }>;

const SINGLE = [
  "domain-config",
  "event-channels",
  "shared-info",
  "store",
  "timers",
  "time",
  "devices",
  "end",
] as const;

export interface RestoreOptions {
  /** The new domain's id (1 and up, unused on the runner's host). */
  readonly id: number;
  /** A new name; the saved one by default. */
  readonly name?: string;
}

export async function restoreDomain(
  runner: DomainRunner,
  image: DomainImage,
  options: RestoreOptions,
): Promise<Domain> {
  const h = image.header;
  if (h?.magic !== IMAGE_MAGIC) throw new ImageError("not a Ferry domain image (bad magic)");
  if (h.version !== IMAGE_VERSION) {
    throw new ImageError(
      `image version ${String(h.version)} is not supported (this Ferry reads ${IMAGE_VERSION})`,
    );
  }
  if (h.xlen !== 32 && h.xlen !== 64) throw new ImageError(`impossible XLEN ${String(h.xlen)}`);
  if (h.pageSize !== PAGE_SIZE) throw new ImageError(`page size ${h.pageSize} is not ${PAGE_SIZE}`);
  if (h.mode !== "cooperative" && h.mode !== "transparent")
    throw new ImageError(`unknown save mode ${String(h.mode)}`);
  const records = image.records;
  const one = <T extends (typeof SINGLE)[number]>(type: T): RecordOf<T> => {
    const found = records.filter((r) => r.type === type);
    if (found.length !== 1) throw new ImageError(`the image has ${found.length} ${type} records, not 1`);
    return found[0] as RecordOf<T>;
  };
  for (const r of records) {
    const known = (SINGLE as readonly string[]).includes(r.type) || r.type === "memory" || r.type === "vcpu";
    if (!known) throw new ImageError(`unknown mandatory record "${String((r as { type: unknown }).type)}"`);
  }
  if (records[0]?.type !== "domain-config") throw new ImageError("the first record is not domain-config");
  if (records.at(-1)?.type !== "end")
    throw new ImageError("the image does not end with an end record (truncated?)");
  const config = one("domain-config");
  if (config.vcpus !== h.vcpus) throw new ImageError(`header says ${h.vcpus} vCPUs, config ${config.vcpus}`);

  let domain: Domain;
  try {
    domain = new Domain(
      options.id,
      {
        name: options.name ?? config.name,
        vcpus: config.vcpus,
        memorySize: config.memorySize,
        kernel: new Uint8Array(0),
        bootargs: config.bootargs,
      },
      { xlen: h.xlen, entry: config.entry, dtbAddress: config.dtbAddress, storeRingGpa: config.storeRingGpa },
    );
  } catch (e) {
    if (e instanceof DomainConfigError) throw new ImageError(`domain-config: ${e.message}`, { cause: e });
    throw e;
  }

  const pages = config.memorySize / PAGE_SIZE;
  for (const r of records) {
    if (r.type !== "memory") continue;
    for (const p of r.pages) {
      if (!Number.isInteger(p.pfn) || p.pfn < 0 || p.pfn >= pages) {
        throw new ImageError(`memory page ${String(p.pfn)} is outside the domain's ${pages} pages`);
      }
      if (!(p.data instanceof Uint8Array) || p.data.length !== PAGE_SIZE) {
        throw new ImageError(`memory page ${p.pfn} is not ${PAGE_SIZE} bytes`);
      }
      domain.memory.u8.set(p.data, p.pfn * PAGE_SIZE);
    }
  }

  const vcpuRecords = records.filter((r): r is RecordOf<"vcpu"> => r.type === "vcpu");
  const wanted = h.mode === "cooperative" ? 1 : config.vcpus;
  if (vcpuRecords.length !== wanted) {
    throw new ImageError(`a ${h.mode} image holds ${wanted} vCPU context(s), this one ${vcpuRecords.length}`);
  }
  const states = vcpuRecords.map((r, i) => {
    const s = r.state;
    if (s?.id !== i) throw new ImageError(`vCPU record ${i} is for vCPU ${String(s?.id)}`);
    if (s.hart?.xlen !== h.xlen)
      throw new ImageError(`vCPU ${i} is RV${String(s.hart?.xlen)}, the image RV${h.xlen}`);
    return h.mode === "cooperative" ? resumedInNewDomain(s) : s;
  });
  const time = one("time").guestTime;
  if (!Number.isFinite(time) || time < 0) throw new ImageError(`impossible guest time ${time}`);
  const sharedInfo = one("shared-info").gpa;
  const table = one("event-channels").state as { sharedInfoGpa?: unknown } | undefined;
  if (table?.sharedInfoGpa !== sharedInfo)
    throw new ImageError("shared-info does not match the event channel state");
  // The timers record repeats what the vCPU states carry: they must agree.
  const timers = one("timers").deadlines;
  const disagree =
    timers.length !== states.length ||
    timers.some((t, i) => t?.vcpu !== states[i]!.id || t.deadline !== states[i]!.timerDeadline);
  if (disagree) throw new ImageError("the timers record does not match the vCPU records");
  one("devices");
  one("end");

  try {
    await runner.addRestored(
      domain,
      states,
      { eventChannels: one("event-channels").state, store: one("store").state },
      time,
    );
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(`the image's state cannot be restored: ${(e as Error).message}`, { cause: e });
  }
  return domain;
}

/** vCPU 0's state with its suspend call returning 0: resumed in a new domain. */
function resumedInNewDomain(s: VcpuState): VcpuState {
  const x = [...s.hart.x];
  x[11] = BigInt(SuspendResult.NEW_DOMAIN);
  return { ...s, hart: { ...s.hart, x } };
}
