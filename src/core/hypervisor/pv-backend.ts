/**
 * One domain's hypervisor-side PV state, on the thread that owns it (the main thread in
 * both execution modes): its event channel table and its store connection. vCPUs reach it
 * through `VcpuHost.pvCall` for shared_info and the EVTCHNOP calls (sbi-pv.ts serves the
 * rest on the vCPU's own thread).
 *
 * The store's port (STORE_PORT) is allocated unbound to domain 0 when the domain is created,
 * as Xen's toolstack does for xenstored, and named in the device tree with the ring page. A
 * send on it from the guest is the ring's doorbell; the backend answers by raising it. Device
 * backends (core/devices) register doorbells on the ports their frontends allocate unbound to
 * domain 0 the same way: the backend is in the hypervisor, so the send itself is the news.
 */

import type { DomainSharedState } from "./domain-shared-state.js";
import type { EventChannelTable } from "./evtchn/event-channel-table.js";
import { EvtchnStatus } from "./evtchn/evtchn-numbers.js";
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

  private readonly doorbells = new Map<number, () => void>();

  /** Routes the guest's sends on `port` to `ring`, or stops routing them (undefined). */
  setDoorbell(port: number, ring: (() => void) | undefined): void {
    if (ring === undefined) this.doorbells.delete(port);
    else this.doorbells.set(port, ring);
  }

  /** True when `port` is allocated unbound to domain 0: a port a host backend may answer on. */
  unboundToHost(port: number): boolean {
    const [error, info] = this.table.status(port);
    return error === SbiError.SUCCESS && info?.status === EvtchnStatus.UNBOUND && info.remoteDomid === 0;
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
        if (result[0] !== SbiError.SUCCESS) return result;
        if (a0 === STORE_PORT) this.storeRing.process();
        else if (this.unboundToHost(a0)) this.doorbells.get(a0)?.();
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
