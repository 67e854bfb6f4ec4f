/**
 * One domain's hypervisor-side PV state, on the thread that owns it (the main thread in
 * both execution modes): its event channel table and its store connection. vCPUs reach it
 * through `VcpuHost.pvCall` for shared_info and the EVTCHNOP calls (sbi-pv.ts serves the
 * rest on the vCPU's own thread).
 *
 * The store's port (STORE_PORT) is allocated unbound to domain 0 when the domain is created,
 * as Xen's toolstack does for xenstored, and named in the device tree with the ring page. A
 * send on it from the guest is the ring's doorbell; the backend answers by raising it.
 */

import type { DomainSharedState } from "./domain-shared-state.js";
import type { EventChannelTable } from "./evtchn/event-channel-table.js";
import { SbiPv, STORE_PORT } from "./pv-numbers.js";
import type { SbiResult } from "./sbi-call.js";
import { SbiError } from "./sbi-numbers.js";
import type { StoreRingConnection } from "./store/store-ring.js";

export class PvBackend {
  constructor(
    readonly domid: number,
    readonly table: EventChannelTable,
    readonly storeRing: StoreRingConnection,
    private readonly shared: DomainSharedState,
  ) {
    this.shared.sharedInfoGpa = table.sharedInfoGpa ?? -1;
  }

  /** Why this domain's PV state failed, if host code threw while serving it (a bug). */
  failure: Error | undefined = undefined;

  /**
   * Serves a forwarded PV call from vCPU `vcpu` (args: a0, a1 as unsigned numbers). Guest
   * input never throws; if host code does anyway, only this domain pays: it ends as crashed.
   */
  call(vcpu: number, fid: number, args: readonly number[]): SbiResult {
    void vcpu;
    try {
      return this.serve(fid, args);
    } catch (e) {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
      this.shared.crash();
      return [SbiError.FAILED, 0];
    }
  }

  private serve(fid: number, args: readonly number[]): SbiResult {
    const t = this.table;
    const a0 = args[0] ?? 0;
    const a1 = args[1] ?? 0;
    switch (fid) {
      case SbiPv.SHARED_INFO: {
        const result = t.registerSharedInfo(a0);
        if (result[0] === SbiError.SUCCESS) this.shared.sharedInfoGpa = a0;
        return result;
      }
      case SbiPv.EVTCHN_ALLOC_UNBOUND:
        return t.allocUnbound(a0);
      case SbiPv.EVTCHN_BIND_INTERDOMAIN:
        return t.bindInterdomain(a0, a1);
      case SbiPv.EVTCHN_BIND_VIRQ:
        return t.bindVirq(a0, a1);
      case SbiPv.EVTCHN_BIND_IPI:
        return t.bindIpi(a0);
      case SbiPv.EVTCHN_SEND: {
        const result = t.send(a0);
        if (a0 === STORE_PORT && result[0] === SbiError.SUCCESS) this.storeRing.process();
        return result;
      }
      case SbiPv.EVTCHN_UNMASK:
        return t.unmask(a0);
      case SbiPv.EVTCHN_CLOSE:
        return t.close(a0);
      case SbiPv.EVTCHN_STATUS: {
        const [error, info] = t.status(a0);
        if (info === undefined) return [error, 0];
        const extra = info.virq >= 0 ? info.virq : Math.max(info.remotePort, 0);
        return [error, info.status | (Math.max(info.vcpu, 0) << 8) | (extra << 16)];
      }
      case SbiPv.EVTCHN_BIND_VCPU:
        return t.bindVcpu(a0, a1);
      default:
        return [SbiError.NOT_SUPPORTED, 0];
    }
  }
}
