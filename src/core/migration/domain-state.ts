/**
 * The image records a migration sends besides memory: the header and `domain-config`, taken
 * at the start while the domain still runs (they do not change while it lives), and the
 * state records, taken once it is suspended or paused. Migration sends memory itself, round
 * by round from the dirty log, so it cannot use captureDomainRecords as a whole: that
 * generator scans every page for the memory records, which would put a scan of all RAM in
 * the final round's downtime.
 *
 * These are the same records, built the same way, as snapshot/capture-domain.ts builds;
 * the destination checks them with the same loader (restoreDomainFrom).
 */
import type { Domain } from "../hypervisor/domain.js";
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import { Slot } from "../hypervisor/domain-shared-state.js";
import { HartState } from "../hypervisor/sbi-numbers.js";
import { PAGE_SIZE } from "../memory/page.js";
import {
  type DomainRecord,
  IMAGE_MAGIC,
  IMAGE_VERSION,
  type ImageHeader,
  type OnPoweroff,
  type SaveMode,
} from "../snapshot/domain-image.js";
import { MigrationError } from "./migration-error.js";

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
 * only, every other vCPU must be down) or paused (transparent: every context).
 */
export async function stateRecords(
  runner: DomainRunner,
  domain: Domain,
  mode: SaveMode,
): Promise<DomainRecord[]> {
  if (mode === "cooperative" && !domain.suspended) {
    throw new MigrationError(`domain ${domain.name} has not suspended`);
  }
  const backend = runner.pv.backend(domain.id);
  if (backend === undefined) throw new MigrationError(`domain ${domain.name} has no PV state on this runner`);
  const all = await runner.vcpuStates(domain);
  if (mode === "cooperative") {
    for (let v = 1; v < domain.vcpus; v++) {
      if (domain.shared.load(v, Slot.HSM) !== HartState.STOPPED) {
        throw new MigrationError(`vCPU ${v} of suspended domain ${domain.name} is still up`);
      }
    }
  }
  const kept = mode === "cooperative" ? all.slice(0, 1) : all;
  const guestTime = mode === "cooperative" ? domain.shared.suspendTime : runner.guestTime(domain);
  const table = backend.table.exportState();
  return [
    ...kept.map((state): DomainRecord => ({ type: "vcpu", state })),
    { type: "event-channels", state: table },
    { type: "shared-info", gpa: table.sharedInfoGpa },
    { type: "store", state: runner.pv.store.exportDomainSubtree(domain.id) },
    { type: "timers", deadlines: kept.map((s) => ({ vcpu: s.id, deadline: s.timerDeadline })) },
    { type: "time", guestTime },
    { type: "devices", devices: [] },
    { type: "end" },
  ];
}
