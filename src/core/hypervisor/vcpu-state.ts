/**
 * A vCPU's state as a plain value: its hart's architectural state (cpu/hart-state.ts) plus
 * what the hypervisor keeps for it — the SBI timer deadline and the HSM state with the
 * start/resume address and opaque value that state may still need. Plain data only, so it
 * crosses `postMessage` and goes into snapshot records.
 *
 * Capture and restore only while the vCPU is not running (paused, or not yet started): both
 * read and write the hart directly. Capture first folds interrupts other vCPUs posted into
 * mip and performs requested remote fences, as the next slice would, so the state is
 * complete without the domain's shared mailboxes.
 */
import { captureHartState, type HartState, restoreHartState } from "../cpu/hart-state.js";
import { Priv } from "../cpu/interrupts.js";
import { Slot } from "./domain-shared-state.js";
import { HartState as HsmState } from "./sbi-numbers.js";
import type { Vcpu } from "./vcpu.js";

const TWO32 = 4294967296;

export interface VcpuState {
  readonly id: number;
  readonly hart: HartState;
  /** HSM state (sbi-numbers HartState): STARTED, STOPPED, START_PENDING or SUSPENDED. */
  readonly hsmState: number;
  /** SBI timer deadline in guest ticks; null when no timer is set. */
  readonly timerDeadline: number | null;
  /** Where a START_PENDING or non-retentively SUSPENDED vCPU will start, and its a1. */
  readonly startAddress: number;
  readonly opaque: number;
  /** SuspendKind while SUSPENDED; ResumeKind while START_PENDING. */
  readonly suspendKind: number;
  readonly resumeKind: number;
}

const HSM_STATES: ReadonlySet<number> = new Set([
  HsmState.STARTED,
  HsmState.STOPPED,
  HsmState.START_PENDING,
  HsmState.SUSPENDED,
]);

export function captureVcpuState(v: Vcpu): VcpuState {
  v.applyPendingFences();
  const posted = v.shared.takeInterrupts(v.id);
  if (posted !== 0) v.hart.setInterruptPending(posted, true);
  const hsm = v.state;
  return {
    id: v.id,
    hart: captureHartState(v.hart),
    // RESUME_PENDING only marks a hart_start in progress, which a paused vCPU cannot be in.
    hsmState: hsm === HsmState.RESUME_PENDING ? HsmState.START_PENDING : hsm,
    timerDeadline: v.timerDeadline === Number.POSITIVE_INFINITY ? null : v.timerDeadline,
    startAddress: v.loadPair(Slot.START_ADDR_LO),
    opaque: v.loadPair(Slot.OPAQUE_LO),
    suspendKind: v.shared.load(v.id, Slot.SUSPEND),
    resumeKind: v.shared.load(v.id, Slot.RESUME_KIND),
  };
}

/** Puts `state` into a vCPU that is not running; throws RangeError (changing nothing) on a bad state. */
export function restoreVcpuState(v: Vcpu, state: VcpuState): void {
  if (state.id !== v.id) throw new RangeError(`vCPU state: id ${state.id} does not match vCPU ${v.id}`);
  if (!HSM_STATES.has(state.hsmState))
    throw new RangeError(`vCPU state: HSM state ${state.hsmState} is not valid`);
  // M-mode is the hypervisor's: a guest's vCPU is never in it.
  if (state.hart?.priv === Priv.M) throw new RangeError("vCPU state: a domain's vCPU cannot be in M-mode");
  const t = state.timerDeadline;
  if (t !== null && !(Number.isFinite(t) && t >= 0)) throw new RangeError("vCPU state: bad timer deadline");
  for (const name of ["startAddress", "opaque"] as const) {
    const n = state[name];
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`vCPU state: bad ${name}`);
  }
  restoreHartState(v.hart, state.hart);
  const s = v.shared;
  v.timerDeadline = t ?? Number.POSITIVE_INFINITY;
  s.store(v.id, Slot.START_ADDR_LO, (state.startAddress % TWO32) | 0);
  s.store(v.id, Slot.START_ADDR_HI, Math.floor(state.startAddress / TWO32) | 0);
  s.store(v.id, Slot.OPAQUE_LO, (state.opaque % TWO32) | 0);
  s.store(v.id, Slot.OPAQUE_HI, Math.floor(state.opaque / TWO32) | 0);
  s.store(v.id, Slot.SUSPEND, state.suspendKind | 0);
  s.store(v.id, Slot.RESUME_KIND, state.resumeKind | 0);
  // A restored vCPU has real registers: a PV vcpu_up may continue from them.
  s.store(v.id, Slot.INITIALISED, 1);
  s.store(v.id, Slot.HSM, state.hsmState);
  s.wake(v.id);
}
