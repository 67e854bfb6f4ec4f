/**
 * A domain as seen from a thread that runs some of its vCPUs: views over the descriptor's
 * shared buffers, and the vCPUs built on them. The deterministic runner attaches on the
 * main thread; each parallel worker attaches in its own thread.
 */
import { Hart } from "../cpu/hart.js";
import { AddressSpace } from "../memory/address-space.js";
import { DirtyLog } from "../memory/dirty-log.js";
import { GuestMemory, PAGE_SHIFT } from "../memory/guest-memory.js";
import { ConsoleRing } from "./console-ring.js";
import type { DomainDescriptor } from "./domain.js";
import { DomainSharedState } from "./domain-shared-state.js";
import { Vcpu, type VcpuHost } from "./vcpu.js";

export class AttachedDomain {
  readonly memory: GuestMemory;
  readonly bus: AddressSpace;
  readonly shared: DomainSharedState;
  readonly consoleOut: ConsoleRing;
  readonly consoleIn: ConsoleRing;

  constructor(readonly descriptor: DomainDescriptor) {
    const d = descriptor;
    const dirty = new DirtyLog(d.memory.size >>> PAGE_SHIFT, d.dirty);
    this.memory = new GuestMemory(d.memory, dirty);
    this.bus = new AddressSpace(this.memory); // a domain has no MMIO: everything is SBI
    this.shared = new DomainSharedState(d.vcpus, d.shared);
    this.consoleOut = new ConsoleRing(undefined, d.consoleOut);
    this.consoleIn = new ConsoleRing(4096, d.consoleIn);
  }

  /** Guest time for a host clock reading (10 MHz ticks). */
  guestTime(hostNow: number): number {
    return hostNow - this.shared.timeBase;
  }

  /** Builds vCPU `id`; with `jit`, its hart compiles hot code (HartOptions.jit). */
  buildVcpu(id: number, host: VcpuHost, jit = false): Vcpu {
    const hart = new Hart({
      hartId: id,
      xlen: this.descriptor.xlen,
      bus: this.bus,
      readTime: () => host.now(),
      jit,
    });
    return new Vcpu(id, hart, this.shared, host);
  }
}
