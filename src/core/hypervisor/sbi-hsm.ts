/**
 * SBI Hart State Management (spec v2.0 §9) and System Suspend (§13): the per-vCPU state
 * machine STOPPED → START_PENDING → STARTED → (SUSPENDED →) STARTED → STOPPED.
 *
 * Another vCPU may only move a hart out of STOPPED (hart_start), with a compare-and-swap so
 * two concurrent starts cannot both win; every other transition is made by the vCPU itself,
 * either here in its own SBI call or at the start of its next slice (vcpu.ts). Start and
 * resume addresses must lie in the domain's RAM: paging is off when a hart starts.
 */

import { ResumeKind, Slot, SuspendKind } from "./domain-shared-state.js";
import { inRam, type SbiResult } from "./sbi-call.js";
import { HartState, HartSuspendType, SbiError, SleepType } from "./sbi-numbers.js";
import type { Vcpu } from "./vcpu.js";

const TWO32 = 4294967296;

const validStart = (v: Vcpu, addr: number): boolean => addr % 2 === 0 && inRam(v, addr, 4);

function storePair(v: Vcpu, target: number, loField: number, value: number): void {
  v.shared.store(target, loField, (value % TWO32) | 0);
  v.shared.store(target, loField + 1, Math.floor(value / TWO32) | 0);
}

export function hartStart(v: Vcpu, hartid: number, startAddr: number, opaque: number): SbiResult {
  if (!Number.isInteger(hartid) || hartid >= v.vcpus) return [SbiError.INVALID_PARAM, 0];
  if (!validStart(v, startAddr)) return [SbiError.INVALID_ADDRESS, 0];
  const shared = v.shared;
  // Claim the hart first so a concurrent start cannot overwrite the address we store.
  if (
    shared.compareExchange(hartid, Slot.HSM, HartState.STOPPED, HartState.RESUME_PENDING) !==
    HartState.STOPPED
  ) {
    return [SbiError.ALREADY_AVAILABLE, 0];
  }
  storePair(v, hartid, Slot.START_ADDR_LO, startAddr);
  storePair(v, hartid, Slot.OPAQUE_LO, opaque);
  shared.store(hartid, Slot.RESUME_KIND, ResumeKind.START);
  shared.store(hartid, Slot.HSM, HartState.START_PENDING);
  shared.wake(hartid);
  return [SbiError.SUCCESS, 0];
}

export function hartStop(v: Vcpu): SbiResult {
  if (v.state !== HartState.STARTED) return [SbiError.FAILED, 0];
  v.shared.store(v.id, Slot.HSM, HartState.STOPPED);
  v.hart.stopRequested = true;
  return [SbiError.SUCCESS, 0];
}

export function hartGetStatus(v: Vcpu, hartid: number): SbiResult {
  if (!Number.isInteger(hartid) || hartid >= v.vcpus) return [SbiError.INVALID_PARAM, 0];
  const state = v.shared.load(hartid, Slot.HSM);
  // RESUME_PENDING is also our internal "being claimed by hart_start" marker.
  return [SbiError.SUCCESS, state === HartState.RESUME_PENDING ? HartState.START_PENDING : state];
}

/** Puts the calling vCPU to sleep; vcpu.ts wakes it and, if non-retentive, restarts it. */
function suspend(v: Vcpu, kind: number, resumeAddr: number, opaque: number): void {
  storePair(v, v.id, Slot.START_ADDR_LO, resumeAddr);
  storePair(v, v.id, Slot.OPAQUE_LO, opaque);
  v.shared.store(v.id, Slot.SUSPEND, kind);
  v.shared.store(v.id, Slot.RESUME_KIND, ResumeKind.RESUME);
  v.shared.store(v.id, Slot.HSM, HartState.SUSPENDED);
  v.hart.stopRequested = true;
}

export function hartSuspend(v: Vcpu, type: number, resumeAddr: number, opaque: number): SbiResult {
  // Only the two default types exist here; reserved and platform-specific ones are refused.
  if (type !== HartSuspendType.DEFAULT_RETENTIVE && type !== HartSuspendType.DEFAULT_NON_RETENTIVE) {
    return [SbiError.INVALID_PARAM, 0];
  }
  const retentive = type === HartSuspendType.DEFAULT_RETENTIVE;
  if (!retentive && !validStart(v, resumeAddr)) return [SbiError.INVALID_ADDRESS, 0];
  suspend(v, retentive ? SuspendKind.RETENTIVE : SuspendKind.NON_RETENTIVE, resumeAddr, opaque);
  // A retentive suspend returns SUCCESS when it resumes; write it now (handleSbiCall does).
  return [SbiError.SUCCESS, 0];
}

export function systemSuspend(v: Vcpu, sleepType: number, resumeAddr: number, opaque: number): SbiResult {
  if (sleepType !== SleepType.SUSPEND_TO_RAM) return [SbiError.INVALID_PARAM, 0];
  if (!validStart(v, resumeAddr)) return [SbiError.INVALID_ADDRESS, 0];
  for (let other = 0; other < v.vcpus; other++) {
    if (other !== v.id && v.shared.load(other, Slot.HSM) !== HartState.STOPPED) return [SbiError.DENIED, 0];
  }
  suspend(v, SuspendKind.SYSTEM, resumeAddr, opaque);
  return [SbiError.SUCCESS, 0];
}
