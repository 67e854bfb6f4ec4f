/**
 * One domain's event channels: the port table and the EVTCHNOP operations on it, with
 * delivery through the guest's shared-info page (Xen's 2-level ABI, see `shared-info.ts`).
 *
 * Every operation takes already-decoded guest arguments, validates all of them and returns an
 * SBI result `[error, value]` (errors mapped from Xen's in `evtchn-numbers.ts`); guest input
 * never throws. Ports run 1..maxPorts-1; port 0 is reserved and always invalid.
 *
 * Threads: the table itself (plain objects) belongs to one thread, the one that runs the
 * host's hypercall handling; only what a vCPU thread also touches is shared, and that goes
 * through `Atomics`: the bits in guest RAM and the interrupt post in `DomainSharedState`.
 *
 * Delivery (Xen's evtchn_2l_set_pending): test-and-set the port's pending bit; if it was clear
 * and the port is unmasked, test-and-set the selector bit of its pending word in the bound
 * vCPU's vcpu_info; if that was clear, test-and-set evtchn_upcall_pending; if that was clear,
 * post SEIP to the vCPU and wake it. So SEIP is posted only on the edge; the guest clears the
 * bits (upcall flag, then selector, then pending) and sees every event. Before a page is
 * registered, a raised event is recorded in the table and delivered at registration.
 */
import { Irq } from "../../cpu/interrupts.js";
import type { GuestMemory } from "../../memory/guest-memory.js";
import { PAGE_SIZE } from "../../memory/page.js";
import type { DomainSharedState } from "../domain-shared-state.js";
import type { SbiResult } from "../sbi-call.js";
import { SbiError } from "../sbi-numbers.js";
import type { EventChannelPortState, EventChannelTableState } from "./event-channel-state.js";
import { validateEventChannelState } from "./event-channel-state.js";
import {
  DOMID_FIRST_RESERVED,
  DOMID_SELF,
  EventChannelError,
  EvtchnErr,
  EvtchnStatus,
  type EvtchnStatusCode,
  NR_VIRQS,
  virqIsPerVcpu,
} from "./evtchn-numbers.js";
import { maxPortsFor, SHARED_INFO_SIZE, SharedInfoPage } from "./shared-info.js";

const OK: SbiResult = [SbiError.SUCCESS, 0];
const fail = (error: number): SbiResult => [error, 0];

/** A bound port. Fields not meaningful in a state are kept at -1. */
interface Channel {
  state: EvtchnStatusCode;
  vcpu: number;
  remoteDomid: number;
  remotePort: number;
  virq: number;
  /** Raised while no shared-info page was registered. */
  pending: boolean;
}

/** What EVTCHNOP_status reports. Fields that do not apply to the state are -1. */
export interface EvtchnStatusInfo {
  status: EvtchnStatusCode;
  vcpu: number;
  remoteDomid: number;
  remotePort: number;
  virq: number;
}

export interface EventChannelTableOptions {
  domid: number;
  memory: GuestMemory;
  shared: DomainSharedState;
  xlen: 32 | 64;
  /** Port limit; defaults to, and may not exceed, XLEN × XLEN (the 2-level ABI's reach). */
  maxPorts?: number;
}

export class EventChannelTable {
  readonly domid: number;
  readonly xlen: 32 | 64;
  readonly vcpus: number;
  readonly maxPorts: number;
  private readonly memory: GuestMemory;
  private readonly shared: DomainSharedState;
  private readonly ports: (Channel | undefined)[];
  /** VIRQ binding key (see virqKey) → port. */
  private readonly virqs = new Map<number, number>();
  private page: SharedInfoPage | undefined;
  /** How other domains' tables are found; EventChannelHost replaces it. Alone: only itself. */
  resolve: (domid: number) => EventChannelTable | undefined = (d) => (d === this.domid ? this : undefined);

  constructor(options: EventChannelTableOptions) {
    const { domid, xlen } = options;
    if (!Number.isInteger(domid) || domid < 0 || domid >= DOMID_FIRST_RESERVED) {
      throw new EventChannelError(`domain id ${domid} is out of range`);
    }
    const limit = maxPortsFor(xlen);
    const maxPorts = options.maxPorts ?? limit;
    if (!Number.isInteger(maxPorts) || maxPorts < 2 || maxPorts > limit) {
      throw new EventChannelError(`maxPorts must be 2..${limit} for RV${xlen}, not ${maxPorts}`);
    }
    this.domid = domid;
    this.xlen = xlen;
    this.memory = options.memory;
    this.shared = options.shared;
    this.vcpus = options.shared.vcpus;
    this.maxPorts = maxPorts;
    this.ports = new Array<Channel | undefined>(maxPorts).fill(undefined);
  }

  get sharedInfoGpa(): number | undefined {
    return this.page?.gpa;
  }

  private validPort(port: number): boolean {
    return Number.isInteger(port) && port >= 1 && port < this.maxPorts;
  }

  private validVcpu(vcpu: number): boolean {
    return Number.isInteger(vcpu) && vcpu >= 0 && vcpu < this.vcpus;
  }

  private channel(port: number): Channel | undefined {
    return this.validPort(port) ? this.ports[port] : undefined;
  }

  private static virqKey(virq: number, vcpu: number): number {
    return virq * 1024 + (virqIsPerVcpu(virq) ? vcpu : 1023);
  }

  /** The lowest free port (Xen's get_free_port), or 0 when the table is full. */
  private freePort(): number {
    for (let p = 1; p < this.maxPorts; p++) if (this.ports[p] === undefined) return p;
    return 0;
  }

  private install(state: EvtchnStatusCode, vcpu: number, fields: Partial<Channel> = {}): number {
    const port = this.freePort();
    this.ports[port] = { state, vcpu, remoteDomid: -1, remotePort: -1, virq: -1, pending: false, ...fields };
    return port;
  }

  /**
   * PV shared_info(gpa): points event delivery at the page. Re-registrable (after a resume the
   * guest registers again). The guest owns the page's contents: nothing is cleared, so bits
   * already there (carried in RAM by a save or migration) stay. Events recorded before any page
   * was registered are delivered now, and every vCPU whose upcall flag is set is interrupted
   * again, since a restored vCPU may have lost the SEIP it had.
   */
  registerSharedInfo(gpa: number): SbiResult {
    if (!Number.isInteger(gpa) || gpa < 0 || gpa % PAGE_SIZE !== 0) return fail(SbiError.INVALID_PARAM);
    if (!this.memory.contains(gpa, SHARED_INFO_SIZE)) return fail(SbiError.INVALID_ADDRESS);
    this.page = new SharedInfoPage(this.memory, gpa, this.xlen);
    for (let v = 0; v < this.vcpus; v++) if (this.page.upcallPending(v)) this.interrupt(v);
    this.ports.forEach((ch, port) => {
      if (ch?.pending) {
        ch.pending = false;
        this.setPending(port);
      }
    });
    return OK;
  }

  /** EVTCHNOP_alloc_unbound: a port that `remoteDomid` (or DOMID_SELF) may bind to. */
  allocUnbound(remoteDomid: number): SbiResult {
    const remote = remoteDomid === DOMID_SELF ? this.domid : remoteDomid;
    if (!Number.isInteger(remote) || remote < 0 || remote >= DOMID_FIRST_RESERVED)
      return fail(EvtchnErr.ESRCH);
    const port = this.install(EvtchnStatus.UNBOUND, 0, { remoteDomid: remote });
    return port === 0 ? fail(EvtchnErr.ENOSPC) : [SbiError.SUCCESS, port];
  }

  /**
   * EVTCHNOP_bind_interdomain: connects a new local port to `remotePort` of `remoteDomid`
   * (DOMID_SELF: this domain), which must be unbound and name this domain. As in Xen, the new
   * port is then raised once, since events sent to the unbound port were dropped.
   */
  bindInterdomain(remoteDomid: number, remotePort: number): SbiResult {
    const rd = this.resolve(remoteDomid === DOMID_SELF ? this.domid : remoteDomid);
    if (rd === undefined) return fail(EvtchnErr.ESRCH);
    const rch = rd.channel(remotePort);
    if (rch === undefined || rch.state !== EvtchnStatus.UNBOUND || rch.remoteDomid !== this.domid) {
      return fail(EvtchnErr.EINVAL);
    }
    const port = this.install(EvtchnStatus.INTERDOMAIN, 0, { remoteDomid: rd.domid, remotePort });
    if (port === 0) return fail(EvtchnErr.ENOSPC);
    rch.state = EvtchnStatus.INTERDOMAIN;
    rch.remotePort = port;
    this.setPending(port);
    return [SbiError.SUCCESS, port];
  }

  /** EVTCHNOP_bind_virq: one port per (VIRQ, vCPU); global VIRQs bind on vCPU 0 only. */
  bindVirq(virq: number, vcpu: number): SbiResult {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS) return fail(EvtchnErr.EINVAL);
    if (!this.validVcpu(vcpu)) return fail(EvtchnErr.ENOENT);
    if (!virqIsPerVcpu(virq) && vcpu !== 0) return fail(EvtchnErr.EINVAL);
    const key = EventChannelTable.virqKey(virq, vcpu);
    if (this.virqs.has(key)) return fail(EvtchnErr.EEXIST);
    const port = this.install(EvtchnStatus.VIRQ, vcpu, { virq });
    if (port === 0) return fail(EvtchnErr.ENOSPC);
    this.virqs.set(key, port);
    return [SbiError.SUCCESS, port];
  }

  /** EVTCHNOP_bind_ipi: a port that, when sent, notifies `vcpu` of this domain. */
  bindIpi(vcpu: number): SbiResult {
    if (!this.validVcpu(vcpu)) return fail(EvtchnErr.ENOENT);
    const port = this.install(EvtchnStatus.IPI, vcpu);
    return port === 0 ? fail(EvtchnErr.ENOSPC) : [SbiError.SUCCESS, port];
  }

  /**
   * EVTCHNOP_send: interdomain → the peer's port; IPI → this port; unbound → dropped (success,
   * as in Xen); VIRQ or free → EINVAL.
   */
  send(port: number): SbiResult {
    const ch = this.channel(port);
    if (ch === undefined) return fail(EvtchnErr.EINVAL);
    switch (ch.state) {
      case EvtchnStatus.INTERDOMAIN:
        this.resolve(ch.remoteDomid)?.setPending(ch.remotePort);
        return OK;
      case EvtchnStatus.IPI:
        this.setPending(port);
        return OK;
      case EvtchnStatus.UNBOUND:
        return OK;
      default:
        return fail(EvtchnErr.EINVAL);
    }
  }

  /** EVTCHNOP_unmask: clears the mask bit and, if the port is pending, raises it again. */
  unmask(port: number): SbiResult {
    const ch = this.channel(port);
    if (ch === undefined) return fail(EvtchnErr.EINVAL);
    const page = this.page;
    if (page?.testAndClearMask(port) && page.isPending(port)) this.kick(ch.vcpu, port);
    return OK;
  }

  /**
   * EVTCHNOP_close: frees the port and clears its pending bit; an interdomain peer goes back to
   * unbound, naming this domain, so it can be bound again.
   */
  close(port: number): SbiResult {
    const ch = this.channel(port);
    if (ch === undefined) return fail(EvtchnErr.EINVAL);
    if (ch.state === EvtchnStatus.INTERDOMAIN) {
      const peer = this.resolve(ch.remoteDomid)?.channel(ch.remotePort);
      if (peer !== undefined && peer.state === EvtchnStatus.INTERDOMAIN) {
        peer.state = EvtchnStatus.UNBOUND;
        peer.remoteDomid = this.domid;
        peer.remotePort = -1;
      }
    } else if (ch.state === EvtchnStatus.VIRQ) {
      this.virqs.delete(EventChannelTable.virqKey(ch.virq, ch.vcpu));
    }
    this.ports[port] = undefined;
    this.page?.clearPending(port);
    return OK;
  }

  /** EVTCHNOP_status. A free port is valid and reports CLOSED; port 0 or beyond is EINVAL. */
  status(port: number): readonly [error: number, info: EvtchnStatusInfo | undefined] {
    if (!this.validPort(port)) return [EvtchnErr.EINVAL, undefined];
    const ch = this.ports[port];
    if (ch === undefined) {
      return [
        SbiError.SUCCESS,
        { status: EvtchnStatus.CLOSED, vcpu: -1, remoteDomid: -1, remotePort: -1, virq: -1 },
      ];
    }
    const { state: status, vcpu, remoteDomid, remotePort, virq } = ch;
    return [SbiError.SUCCESS, { status, vcpu, remoteDomid, remotePort, virq }];
  }

  /**
   * EVTCHNOP_bind_vcpu: moves notification of an unbound, interdomain or global-VIRQ port to
   * `vcpu` (IPIs and per-vCPU VIRQs are fixed: EINVAL). A pending unmasked port is raised on
   * the new vCPU so nothing waits on the old one.
   */
  bindVcpu(port: number, vcpu: number): SbiResult {
    const ch = this.channel(port);
    if (ch === undefined) return fail(EvtchnErr.EINVAL);
    if (!this.validVcpu(vcpu)) return fail(EvtchnErr.ENOENT);
    const movable =
      ch.state === EvtchnStatus.UNBOUND ||
      ch.state === EvtchnStatus.INTERDOMAIN ||
      (ch.state === EvtchnStatus.VIRQ && !virqIsPerVcpu(ch.virq));
    if (!movable) return fail(EvtchnErr.EINVAL);
    ch.vcpu = vcpu;
    const page = this.page;
    if (page?.isPending(port) && !page.isMasked(port)) this.kick(vcpu, port);
    return OK;
  }

  /**
   * Host side: raises `virq` for `vcpu` (send_guest_vcpu_virq / send_guest_global_virq; the
   * vCPU is ignored for global VIRQs). Returns false when nothing is bound to it.
   */
  raiseVirq(virq: number, vcpu = 0): boolean {
    const port = this.virqs.get(EventChannelTable.virqKey(virq, vcpu));
    if (port === undefined) return false;
    this.setPending(port);
    return true;
  }

  /** Closes every port (domain teardown); interdomain peers go unbound. */
  closeAll(): void {
    for (let p = 1; p < this.maxPorts; p++) if (this.ports[p] !== undefined) this.close(p);
  }

  /** The delivery path (see the header). Ports not bound here are ignored. */
  setPending(port: number): void {
    const ch = this.channel(port);
    if (ch === undefined) return;
    const page = this.page;
    if (page === undefined) {
      ch.pending = true;
      return;
    }
    if (page.testAndSetPending(port) || page.isMasked(port)) return;
    this.kick(ch.vcpu, port);
  }

  private kick(vcpu: number, port: number): void {
    const page = this.page!;
    if (page.testAndSetSelector(vcpu, port)) return;
    if (page.testAndSetUpcallPending(vcpu)) return;
    this.interrupt(vcpu);
  }

  private interrupt(vcpu: number): void {
    this.shared.postInterrupt(vcpu, Irq.SEIP);
    this.shared.wake(vcpu);
  }

  /**
   * Used by EventChannelHost when a restored table joins: an interdomain port whose peer is
   * absent or does not point back is turned into an unbound port naming the remote domain.
   */
  reconcilePeers(): void {
    this.ports.forEach((ch, port) => {
      if (ch?.state !== EvtchnStatus.INTERDOMAIN) return;
      const peer = this.resolve(ch.remoteDomid)?.channel(ch.remotePort);
      const ok =
        peer?.state === EvtchnStatus.INTERDOMAIN &&
        peer.remoteDomid === this.domid &&
        peer.remotePort === port;
      if (!ok) {
        ch.state = EvtchnStatus.UNBOUND;
        ch.remotePort = -1;
      }
    });
  }

  exportState(): EventChannelTableState {
    const ports: EventChannelPortState[] = [];
    this.ports.forEach((ch, port) => {
      if (ch === undefined) return;
      const { vcpu, pending } = ch;
      switch (ch.state) {
        case EvtchnStatus.UNBOUND:
          ports.push({ port, state: "unbound", vcpu, pending, remoteDomid: ch.remoteDomid });
          break;
        case EvtchnStatus.INTERDOMAIN:
          ports.push({
            port,
            state: "interdomain",
            vcpu,
            pending,
            remoteDomid: ch.remoteDomid,
            remotePort: ch.remotePort,
          });
          break;
        case EvtchnStatus.VIRQ:
          ports.push({ port, state: "virq", vcpu, pending, virq: ch.virq });
          break;
        case EvtchnStatus.IPI:
          ports.push({ port, state: "ipi", vcpu, pending });
          break;
      }
    });
    return {
      domid: this.domid,
      xlen: this.xlen,
      vcpus: this.vcpus,
      maxPorts: this.maxPorts,
      sharedInfoGpa: this.page?.gpa ?? null,
      ports,
    };
  }

  /**
   * Rebuilds a table from `exportState()` output after strict validation. The domain may get a
   * new id (migration): references to the old id (loopback channels, unbound ports naming
   * the domain itself) are renamed. Interdomain ports to other domains are kept as saved and
   * reconciled when the table joins an EventChannelHost. No interrupt is posted here; the
   * guest's re-registration of shared info (or `registerSharedInfo`) raises what is pending.
   */
  static importState(state: unknown, options: Omit<EventChannelTableOptions, "maxPorts">): EventChannelTable {
    const s = validateEventChannelState(state, {
      xlen: options.xlen,
      vcpus: options.shared.vcpus,
      memory: options.memory,
    });
    const table = new EventChannelTable({ ...options, maxPorts: s.maxPorts });
    const rename = (d: number): number => (d === s.domid ? table.domid : d);
    for (const p of s.ports) {
      const base = { vcpu: p.vcpu, remoteDomid: -1, remotePort: -1, virq: -1, pending: p.pending };
      switch (p.state) {
        case "unbound":
          table.ports[p.port] = { ...base, state: EvtchnStatus.UNBOUND, remoteDomid: rename(p.remoteDomid) };
          break;
        case "interdomain":
          table.ports[p.port] = {
            ...base,
            state: EvtchnStatus.INTERDOMAIN,
            remoteDomid: rename(p.remoteDomid),
            remotePort: p.remotePort,
          };
          break;
        case "virq":
          table.ports[p.port] = { ...base, state: EvtchnStatus.VIRQ, virq: p.virq };
          table.virqs.set(EventChannelTable.virqKey(p.virq, p.vcpu), p.port);
          break;
        case "ipi":
          table.ports[p.port] = { ...base, state: EvtchnStatus.IPI };
          break;
      }
    }
    // A loopback channel must point at a port of this table that points back.
    table.ports.forEach((ch, port) => {
      if (ch?.state !== EvtchnStatus.INTERDOMAIN || ch.remoteDomid !== table.domid) return;
      const peer = table.ports[ch.remotePort];
      if (
        peer?.state !== EvtchnStatus.INTERDOMAIN ||
        peer.remoteDomid !== table.domid ||
        peer.remotePort !== port
      ) {
        throw new EventChannelError(`event channel state: loopback port ${port} has no matching peer`);
      }
    });
    if (s.sharedInfoGpa !== null) table.page = new SharedInfoPage(table.memory, s.sharedInfoGpa, table.xlen);
    return table;
  }
}
