/**
 * Ferry's PV extension (pv-numbers.ts has the table of calls). The vCPU lifecycle calls and
 * `suspend` are served here, on the calling vCPU's thread, through the domain's shared
 * state; shared info and event channels need the domain's hypervisor-side tables and go to
 * `VcpuHost.pvCall` (pv-backend.ts), which a threaded host forwards to their owner.
 *
 * vCPU lifecycle (Xen's VCPUOP_* on top of the HSM states):
 *   vcpu_initialise  target down (HSM STOPPED): copy the context, mark it CONTEXT-pending
 *   vcpu_up          STOPPED → START_PENDING, starting from that context or, without one,
 *                    from the registers the vCPU kept when it went down (KEEP)
 *   vcpu_down        self: stop now; another: STARTED/SUSPENDED → STOP_PENDING, which the
 *                    target turns into STOPPED at its next slice boundary (asynchronous, so
 *                    a target spinning with interrupts masked is still parked)
 *   suspend          vCPU 0 only, every other vCPU STOPPED: the domain becomes SUSPENDED;
 *                    a1 is 1 (cancelled) unless a restore rewrites it to 0 (new domain)
 * Downing the last vCPU that is up powers the domain off, as Xen does.
 */
import { DomainRunState, ResumeKind, Slot } from "./domain-shared-state.js";
import { SbiPv, SuspendResult } from "./pv-numbers.js";
import { arg, type SbiResult } from "./sbi-call.js";
import { HartState, ResetReason, ResetType, SbiError } from "./sbi-numbers.js";
import type { Vcpu } from "./vcpu.js";
import { contextFits, storeContext } from "./vcpu-context.js";

const ok = (value = 0): SbiResult => [SbiError.SUCCESS, value];
const fail = (error: number): SbiResult => [error, 0];

const isUp = (state: number): boolean => state !== HartState.STOPPED;

function target(v: Vcpu, i: number): number | undefined {
  const t = arg(v, i);
  return Number.isInteger(t) && t < v.vcpus ? t : undefined;
}

function vcpuInitialise(v: Vcpu): SbiResult {
  const t = target(v, 0);
  if (t === undefined) return fail(SbiError.INVALID_PARAM);
  const gpa = arg(v, 1);
  if (!contextFits(v.hart.mem, gpa, v.hart.xlen)) return fail(SbiError.INVALID_ADDRESS);
  if (t === v.id || isUp(v.shared.load(t, Slot.HSM))) return fail(SbiError.ALREADY_STARTED);
  storeContext(v.shared, t, v.hart.mem, gpa, v.hart.xlen);
  v.shared.store(t, Slot.CONTEXT, 1);
  return ok();
}

function vcpuUp(v: Vcpu): SbiResult {
  const t = target(v, 0);
  if (t === undefined) return fail(SbiError.INVALID_PARAM);
  const s = v.shared;
  if (isUp(s.load(t, Slot.HSM))) return fail(SbiError.ALREADY_STARTED);
  const withContext = s.load(t, Slot.CONTEXT) === 1;
  if (!withContext && s.load(t, Slot.INITIALISED) !== 1) return fail(SbiError.INVALID_PARAM);
  // Claim the vCPU as hart_start does, so a concurrent start or up cannot both win.
  if (s.compareExchange(t, Slot.HSM, HartState.STOPPED, HartState.RESUME_PENDING) !== HartState.STOPPED) {
    return fail(SbiError.ALREADY_STARTED);
  }
  s.store(t, Slot.CONTEXT, 0);
  s.store(t, Slot.RESUME_KIND, withContext ? ResumeKind.CONTEXT : ResumeKind.KEEP);
  s.store(t, Slot.HSM, HartState.START_PENDING);
  s.wake(t);
  return ok();
}

function vcpuDown(v: Vcpu): SbiResult {
  const t = target(v, 0);
  if (t === undefined) return fail(SbiError.INVALID_PARAM);
  const s = v.shared;
  if (t === v.id) {
    s.store(v.id, Slot.HSM, HartState.STOPPED);
    v.hart.stopRequested = true;
    let anyUp = false;
    for (let o = 0; o < v.vcpus; o++) if (isUp(s.load(o, Slot.HSM))) anyUp = true;
    if (!anyUp) s.end(DomainRunState.SHUTDOWN, ResetType.SHUTDOWN, ResetReason.NO_REASON);
    return ok();
  }
  for (;;) {
    const state = s.load(t, Slot.HSM);
    if (state === HartState.STOPPED || state === HartState.STOP_PENDING)
      return fail(SbiError.ALREADY_STOPPED);
    if (state !== HartState.STARTED && state !== HartState.SUSPENDED) {
      // Starting (START_PENDING, or claimed by a start): it will be STARTED within a slice.
      return fail(SbiError.FAILED);
    }
    if (s.compareExchange(t, Slot.HSM, state, HartState.STOP_PENDING) === state) break;
  }
  s.wake(t);
  return ok();
}

function suspend(v: Vcpu): SbiResult {
  if (v.id !== 0) return fail(SbiError.DENIED);
  for (let o = 1; o < v.vcpus; o++) if (isUp(v.shared.load(o, Slot.HSM))) return fail(SbiError.DENIED);
  v.shared.suspendTime = v.host.now();
  if (!v.shared.suspend()) return fail(SbiError.FAILED);
  v.hart.stopRequested = true;
  v.host.domainSuspended?.();
  return ok(SuspendResult.CANCELLED);
}

export function pvCall(v: Vcpu, fid: number): SbiResult {
  switch (fid) {
    case SbiPv.VCPU_INITIALISE:
      return vcpuInitialise(v);
    case SbiPv.VCPU_UP:
      return vcpuUp(v);
    case SbiPv.VCPU_DOWN:
      return vcpuDown(v);
    case SbiPv.VCPU_IS_UP: {
      const t = target(v, 0);
      return t === undefined ? fail(SbiError.INVALID_PARAM) : ok(isUp(v.shared.load(t, Slot.HSM)) ? 1 : 0);
    }
    case SbiPv.SUSPEND:
      return suspend(v);
    default:
      if (fid > SbiPv.EVTCHN_BIND_VCPU) return fail(SbiError.NOT_SUPPORTED);
      return v.host.pvCall(v.id, fid, [arg(v, 0), arg(v, 1)]);
  }
}
