/**
 * Captures a suspended (cooperative) or paused (transparent) domain as image records. The
 * cooperative image holds exactly one vCPU context, vCPU 0's: the guest itself rebuilds the
 * others from their jump buffers. Memory goes in batches of up to PAGES_PER_BATCH pages,
 * zero pages left out.
 *
 * `captureDomainRecords` is the streaming form a save to a file or a migration uses: its
 * memory records are produced lazily, batch by batch, and hold *views* of the domain's RAM,
 * so a save never holds a second copy of guest memory. The views are only valid while the
 * domain stays suspended or paused — the caller must write them out (or copy them) before it
 * resumes, releases or destroys the domain. `captureDomain` is the same capture with the
 * page data copied, an in-memory DomainImage that outlives the domain (tests, the
 * deterministic runner).
 */
import type { Domain } from "../hypervisor/domain.js";
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import { Slot } from "../hypervisor/domain-shared-state.js";
import { HartState } from "../hypervisor/sbi-numbers.js";
import { PAGE_SIZE } from "../memory/guest-memory.js";
import { isZeroPage } from "../memory/page.js";
import {
  type DomainImage,
  type DomainRecord,
  IMAGE_MAGIC,
  IMAGE_VERSION,
  ImageError,
  type ImageHeader,
  type MemoryPage,
  type OnPoweroff,
  PAGES_PER_BATCH,
  type SaveMode,
} from "./domain-image.js";

export interface CaptureOptions {
  /** What a guest poweroff does to the restored domain; "destroy" by default. */
  readonly onPoweroff?: OnPoweroff;
  /**
   * Called as memory is scanned — after each memory record is produced, and once at the end
   * — with the pages scanned so far and the domain's total number of pages.
   */
  readonly onProgress?: (scannedPages: number, totalPages: number) => void;
}

/** A captured domain whose records are produced as they are iterated (each iteration rescans). */
export interface CapturedDomain {
  readonly header: ImageHeader;
  readonly records: Iterable<DomainRecord>;
}

/** The image header of `domain` saved in `mode`. */
export function imageHeader(domain: Domain, mode: SaveMode): ImageHeader {
  return {
    magic: IMAGE_MAGIC,
    version: IMAGE_VERSION,
    xlen: domain.xlen,
    pageSize: PAGE_SIZE,
    vcpus: domain.vcpus,
    mode,
  };
}

/** The first record: what the domain is (it does not change while the domain lives). */
export function configRecord(domain: Domain, onPoweroff: OnPoweroff): DomainRecord {
  return {
    type: "domain-config",
    name: domain.name,
    vcpus: domain.vcpus,
    maxVcpus: domain.vcpus,
    memorySize: domain.config.memorySize,
    bootargs: domain.config.bootargs ?? "",
    entry: domain.entry,
    dtbAddress: domain.dtbAddress,
    storeRingGpa: domain.storeRingGpa,
    onPoweroff,
  };
}

/**
 * The records after memory, `end` last, of a domain suspended (cooperative: vCPU 0's context
 * only; every other vCPU must be down) or paused (transparent: every context). Small, and
 * taken at once while the domain is known to be still. Migration sends these after its own
 * memory rounds (core/migration).
 */
export async function stateRecords(
  runner: DomainRunner,
  domain: Domain,
  mode: SaveMode,
): Promise<DomainRecord[]> {
  if (mode === "cooperative" && !domain.suspended) {
    throw new ImageError(`domain ${domain.name} has not suspended: it cannot be captured cooperatively`);
  }
  const backend = runner.pv.backend(domain.id);
  if (backend === undefined) throw new ImageError(`domain ${domain.name} has no PV state on this runner`);
  // Cooperative: vCPU 0's context alone (asking the downed vCPUs' threads would cost the
  // downtime their wake-ups and copies).
  // Disks first come to rest (no write reaches an image after this capture) while vCPU 0's
  // thread answers.
  const [kept] = await Promise.all([
    runner.vcpuStates(domain, mode === "cooperative" ? [0] : undefined),
    runner.pv.quiesceDisks(domain.id),
  ]);
  if (mode === "cooperative") {
    for (let v = 1; v < domain.vcpus; v++) {
      if (domain.shared.load(v, Slot.HSM) !== HartState.STOPPED) {
        throw new ImageError(`vCPU ${v} of suspended domain ${domain.name} is still up`);
      }
    }
  }
  const guestTime = mode === "cooperative" ? domain.shared.suspendTime : runner.guestTime(domain);
  const table = backend.table.exportState();
  return [
    ...kept.map((state): DomainRecord => ({ type: "vcpu", state })),
    { type: "event-channels", state: table },
    { type: "shared-info", gpa: table.sharedInfoGpa },
    { type: "store", state: runner.pv.store.exportDomainSubtree(domain.id) },
    { type: "timers", deadlines: kept.map((s) => ({ vcpu: s.id, deadline: s.timerDeadline })) },
    { type: "time", guestTime },
    {
      type: "devices",
      devices: runner.pv.disksOf(domain.id).map((d) => d.savedState(mode === "transparent")),
    },
    { type: "end" },
  ];
}

export async function captureDomainRecords(
  runner: DomainRunner,
  domain: Domain,
  mode: SaveMode,
  options: CaptureOptions = {},
): Promise<CapturedDomain> {
  const rest = await stateRecords(runner, domain, mode);
  const config = configRecord(domain, options.onPoweroff ?? "destroy");
  const onProgress = options.onProgress;
  return {
    header: imageHeader(domain, mode),
    records: {
      *[Symbol.iterator]() {
        yield config;
        yield* memoryRecords(domain, onProgress);
        yield* rest;
      },
    },
  };
}

/** The in-memory capture: the records of captureDomainRecords, page data copied out of the domain. */
export async function captureDomain(
  runner: DomainRunner,
  domain: Domain,
  mode: SaveMode,
  options: CaptureOptions = {},
): Promise<DomainImage> {
  const { header, records } = await captureDomainRecords(runner, domain, mode, options);
  return { header, records: Array.from(records, copyPages) };
}

function copyPages(r: DomainRecord): DomainRecord {
  if (r.type !== "memory") return r;
  return { type: "memory", pages: r.pages.map((p) => ({ pfn: p.pfn, data: p.data.slice() })) };
}

/** The non-zero pages in batches, each page a view of the domain's RAM. */
function* memoryRecords(domain: Domain, onProgress: CaptureOptions["onProgress"]): Generator<DomainRecord> {
  const mem = domain.memory;
  const words = PAGE_SIZE / 4;
  const pages = mem.size / PAGE_SIZE;
  const i32 = mem.i32;
  let batch: MemoryPage[] = [];
  for (let pfn = 0; pfn < pages; pfn++) {
    if (isZeroPage(i32, pfn * words)) continue;
    batch.push({ pfn, data: mem.u8.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE) });
    if (batch.length === PAGES_PER_BATCH) {
      onProgress?.(pfn + 1, pages);
      yield { type: "memory", pages: batch };
      batch = [];
    }
  }
  if (batch.length > 0) yield { type: "memory", pages: batch };
  onProgress?.(pages, pages);
}
