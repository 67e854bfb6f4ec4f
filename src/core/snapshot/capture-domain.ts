/**
 * Captures a suspended (cooperative) or paused (transparent) domain as a DomainImage. The
 * cooperative image holds exactly one vCPU context, vCPU 0's: the guest itself rebuilds the
 * others from their jump buffers. Memory is copied page by page, zero pages left out.
 */
import type { Domain } from "../hypervisor/domain.js";
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import { Slot } from "../hypervisor/domain-shared-state.js";
import { HartState } from "../hypervisor/sbi-numbers.js";
import { PAGE_SIZE } from "../memory/guest-memory.js";
import {
  type DomainImage,
  type DomainRecord,
  IMAGE_MAGIC,
  IMAGE_VERSION,
  ImageError,
  type MemoryPage,
  PAGES_PER_BATCH,
  type SaveMode,
} from "./domain-image.js";

export async function captureDomain(
  runner: DomainRunner,
  domain: Domain,
  mode: SaveMode,
): Promise<DomainImage> {
  if (mode === "cooperative" && !domain.suspended) {
    throw new ImageError(`domain ${domain.name} has not suspended: it cannot be captured cooperatively`);
  }
  const backend = runner.pv.backend(domain.id);
  if (backend === undefined) throw new ImageError(`domain ${domain.name} has no PV state on this runner`);
  const all = await runner.vcpuStates(domain);
  if (mode === "cooperative") {
    for (let v = 1; v < domain.vcpus; v++) {
      if (domain.shared.load(v, Slot.HSM) !== HartState.STOPPED) {
        throw new ImageError(`vCPU ${v} of suspended domain ${domain.name} is still up`);
      }
    }
  }
  const kept = mode === "cooperative" ? all.slice(0, 1) : all;
  const guestTime = mode === "cooperative" ? domain.shared.suspendTime : runner.guestTime(domain);
  const table = backend.table.exportState();
  const records: DomainRecord[] = [
    {
      type: "domain-config",
      name: domain.name,
      vcpus: domain.vcpus,
      memorySize: domain.config.memorySize,
      bootargs: domain.config.bootargs ?? "",
      entry: domain.entry,
      dtbAddress: domain.dtbAddress,
      storeRingGpa: domain.storeRingGpa,
    },
    ...memoryRecords(domain),
    ...kept.map((state): DomainRecord => ({ type: "vcpu", state })),
    { type: "event-channels", state: table },
    { type: "shared-info", gpa: table.sharedInfoGpa },
    { type: "store", state: runner.pv.store.exportDomainSubtree(domain.id) },
    { type: "timers", deadlines: kept.map((s) => ({ vcpu: s.id, deadline: s.timerDeadline })) },
    { type: "time", guestTime },
    { type: "devices", devices: [] },
    { type: "end" },
  ];
  return {
    header: {
      magic: IMAGE_MAGIC,
      version: IMAGE_VERSION,
      xlen: domain.xlen,
      pageSize: PAGE_SIZE,
      vcpus: domain.vcpus,
      mode,
    },
    records,
  };
}

function* memoryRecords(domain: Domain): Generator<DomainRecord> {
  const mem = domain.memory;
  const words = PAGE_SIZE / 4;
  const pages = mem.size / PAGE_SIZE;
  let batch: MemoryPage[] = [];
  for (let pfn = 0; pfn < pages; pfn++) {
    const at = pfn * words;
    let zero = true;
    for (let i = at; i < at + words; i++) {
      if (mem.i32[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) continue;
    batch.push({ pfn, data: mem.u8.slice(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE) });
    if (batch.length === PAGES_PER_BATCH) {
      yield { type: "memory", pages: batch };
      batch = [];
    }
  }
  if (batch.length > 0) yield { type: "memory", pages: batch };
}
