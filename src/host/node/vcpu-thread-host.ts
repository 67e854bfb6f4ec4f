/**
 * The VcpuHost of a vCPU that has a thread of its own (parallel mode): guest time from the
 * clock every thread shares, the console through the domain's shared rings, and remote
 * fences that really wait for the other threads.
 *
 * awaitFences blocks the calling vCPU (it is inside an SBI call) until each target has
 * published FENCE_DONE ≥ wanted, or is not running — not STARTED, asked to pause or stop, or
 * its domain ended: such a target applies its fences before it next runs, which is all the
 * caller needs. The wait is in short slices so that, meanwhile, the waiting vCPU performs
 * the fences asked of it: two vCPUs fencing each other must not wait for each other. It is
 * bounded (FENCE_WAIT_MS) so a wedged thread cannot hang the caller forever.
 */

import type { AttachedDomain } from "../../core/hypervisor/attached-domain.js";
import { DomainRunState, RunRequest, Slot } from "../../core/hypervisor/domain-shared-state.js";
import { epochTicks } from "../../core/hypervisor/host-clock.js";
import type { SbiResult } from "../../core/hypervisor/sbi-call.js";
import { HartState, SbiError } from "../../core/hypervisor/sbi-numbers.js";
import type { Vcpu, VcpuHost } from "../../core/hypervisor/vcpu.js";
import type { PvMailbox } from "./pv-mailbox.js";

export const FENCE_WAIT_MS = 100;
/** How long a forwarded PV call waits for the main thread before failing. */
export const PV_CALL_WAIT_MS = 10_000;
const FENCE_POLL_MS = 1;

export class VcpuThreadHost implements VcpuHost {
  /** The vCPU this host serves, set once it is built (it needs the host to be built). */
  vcpu: Vcpu | undefined = undefined;

  constructor(
    private readonly domain: AttachedDomain,
    private readonly mailbox: PvMailbox,
    /** Tells the main thread a PV call waits in the mailbox, or the domain has just suspended. */
    private readonly signal: (what: "pv-call" | "suspended") => void,
  ) {}

  /** Set by the vCPU's PV suspend call: the run loop sends the vCPU's state once the slice ends. */
  suspendedInSlice = false;

  domainSuspended(): void {
    this.suspendedInSlice = true;
    this.signal("suspended");
  }

  pvCall(vcpu: number, fid: number, args: readonly number[]): SbiResult {
    const ring = (): void => this.signal("pv-call");
    return this.mailbox.call(vcpu, fid, args, ring, PV_CALL_WAIT_MS) ?? [SbiError.FAILED, 0];
  }

  now(): number {
    return epochTicks() - this.domain.shared.timeBase;
  }

  consoleWrite(bytes: Uint8Array): void {
    this.domain.consoleOut.write(bytes);
  }

  consoleRead(max: number): Uint8Array {
    return this.domain.consoleIn.read(max);
  }

  awaitFences(targets: readonly number[], wanted: readonly number[]): void {
    const s = this.domain.shared;
    const deadline = performance.now() + FENCE_WAIT_MS;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      const want = wanted[i]!;
      for (;;) {
        this.vcpu?.applyPendingFences();
        const done = s.load(t, Slot.FENCE_DONE);
        if (((done - want) | 0) >= 0 || !this.targetRunning(t)) break;
        const left = deadline - performance.now();
        if (left <= 0) return;
        Atomics.wait(s.words, s.at(t, Slot.FENCE_DONE), done, Math.min(FENCE_POLL_MS, left));
      }
    }
  }

  private targetRunning(t: number): boolean {
    const s = this.domain.shared;
    return (
      s.runState === DomainRunState.RUNNING &&
      s.load(t, Slot.RUN) === RunRequest.RUN &&
      s.load(t, Slot.HSM) === HartState.STARTED
    );
  }
}
