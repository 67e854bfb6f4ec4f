/**
 * The SBI v2.0 implementation Ferry gives its guests: BASE, TIME, IPI, RFENCE, SRST, DBCN
 * and the legacy calls here; HSM and SUSP, which are state machines, in sbi-hsm.ts.
 *
 * Calling convention (SBI spec §3): a7 = extension id, a6 = function id, a0–a5 arguments;
 * the error goes back in a0 and the value in a1 (legacy calls return in a0 only). Every
 * argument is validated — a hart id, a mask, a physical range — and a bad one yields the
 * specification's error code; nothing a guest passes can throw in the host or reach
 * outside its domain's memory.
 */
import { Irq, Priv } from "../cpu/interrupts.js";
import { ACCESS_READ, translate } from "../cpu/mmu.js";
import { TRAP } from "../cpu/trap-signal.js";
import { DomainRunState, Slot } from "./domain-shared-state.js";
import { arg, arg64, inRam, type SbiResult, targetsOf } from "./sbi-call.js";
import { hartGetStatus, hartStart, hartStop, hartSuspend, systemSuspend } from "./sbi-hsm.js";
import {
  FERRY_SBI_IMPL_ID,
  FERRY_SBI_IMPL_VERSION,
  ResetReason,
  ResetType,
  SBI_SPEC_VERSION,
  SbiBase,
  SbiDbcn,
  SbiError,
  SbiExtension,
  SbiRfence,
} from "./sbi-numbers.js";
import { pvCall } from "./sbi-pv.js";
import type { Vcpu } from "./vcpu.js";

const TWO32 = 4294967296;

const ok = (value = 0): SbiResult => [SbiError.SUCCESS, value];
const fail = (error: number): SbiResult => [error, 0];

function sendIpi(v: Vcpu, targets: readonly number[]): void {
  for (const t of targets) {
    if (t === v.id) {
      // To itself: pending at once, not at the next slice (the caller may be polling for it).
      v.hart.setInterruptPending(Irq.SSIP, true);
      continue;
    }
    v.shared.postInterrupt(t, Irq.SSIP);
    v.shared.wake(t);
  }
}

/** Asks each target to flush its TLB before it runs again, and waits for the others. */
function remoteFence(v: Vcpu, targets: readonly number[]): void {
  const others: number[] = [];
  const wanted: number[] = [];
  for (const t of targets) {
    if (t === v.id) {
      v.hart.tlb.flush();
      v.hart.privilegeChanged();
      continue;
    }
    others.push(t);
    wanted.push(v.shared.add(t, Slot.FENCE_REQ, 1) + 1);
    v.shared.wake(t);
  }
  if (others.length > 0) v.host.awaitFences(others, wanted);
}

const STANDARD_EXTENSIONS: ReadonlySet<number> = new Set([
  SbiExtension.BASE,
  SbiExtension.TIME,
  SbiExtension.IPI,
  SbiExtension.RFENCE,
  SbiExtension.HSM,
  SbiExtension.SRST,
  SbiExtension.DBCN,
  SbiExtension.SUSP,
  SbiExtension.LEGACY_SET_TIMER,
  SbiExtension.LEGACY_CONSOLE_PUTCHAR,
  SbiExtension.LEGACY_CONSOLE_GETCHAR,
  SbiExtension.LEGACY_CLEAR_IPI,
  SbiExtension.LEGACY_SEND_IPI,
  SbiExtension.LEGACY_REMOTE_FENCE_I,
  SbiExtension.LEGACY_REMOTE_SFENCE_VMA,
  SbiExtension.LEGACY_REMOTE_SFENCE_VMA_ASID,
  SbiExtension.LEGACY_SHUTDOWN,
  SbiExtension.FERRY_PV,
]);

function base(v: Vcpu, fid: number): SbiResult {
  switch (fid) {
    case SbiBase.GET_SPEC_VERSION:
      return ok(SBI_SPEC_VERSION);
    case SbiBase.GET_IMPL_ID:
      return ok(FERRY_SBI_IMPL_ID);
    case SbiBase.GET_IMPL_VERSION:
      return ok(FERRY_SBI_IMPL_VERSION);
    case SbiBase.PROBE_EXTENSION:
      return ok(STANDARD_EXTENSIONS.has(arg(v, 0)) ? 1 : 0);
    case SbiBase.GET_MVENDORID:
    case SbiBase.GET_MARCHID:
    case SbiBase.GET_MIMPID:
      return ok(0);
    default:
      return fail(SbiError.NOT_SUPPORTED);
  }
}

function rfence(v: Vcpu, fid: number): SbiResult {
  if (fid > SbiRfence.REMOTE_SFENCE_VMA_ASID) return fail(SbiError.NOT_SUPPORTED); // hfence: no H extension
  const targets = targetsOf(v, 0, 1);
  if (targets === undefined) return fail(SbiError.INVALID_PARAM);
  remoteFence(v, targets);
  return ok();
}

function systemReset(v: Vcpu, type: number, reason: number): SbiResult {
  const typeOk =
    type === ResetType.SHUTDOWN || type === ResetType.COLD_REBOOT || type === ResetType.WARM_REBOOT;
  const reasonOk = reason === ResetReason.NO_REASON || reason === ResetReason.SYSTEM_FAILURE;
  if (!typeOk || !reasonOk) return fail(SbiError.INVALID_PARAM);
  v.shared.end(type === ResetType.SHUTDOWN ? DomainRunState.SHUTDOWN : DomainRunState.REBOOT, type, reason);
  v.hart.stopRequested = true;
  return ok();
}

function debugConsole(v: Vcpu, fid: number): SbiResult {
  const mem = v.hart.mem;
  if (fid === SbiDbcn.CONSOLE_WRITE_BYTE) {
    v.host.consoleWrite(Uint8Array.of(arg(v, 0) & 0xff));
    return ok();
  }
  if (fid !== SbiDbcn.CONSOLE_WRITE && fid !== SbiDbcn.CONSOLE_READ) return fail(SbiError.NOT_SUPPORTED);
  const length = arg(v, 0);
  const paddr = v.hart.xlen === 32 ? arg(v, 2) * TWO32 + arg(v, 1) : arg(v, 1) + arg(v, 2) * TWO32;
  if (!inRam(v, paddr, length)) return fail(SbiError.INVALID_PARAM);
  if (fid === SbiDbcn.CONSOLE_WRITE) {
    v.host.consoleWrite(mem.read(paddr, length));
    return ok(length);
  }
  const input = v.host.consoleRead(length);
  if (input.length > 0) mem.write(paddr, input);
  return ok(input.length);
}

/** Reads one XLEN word of guest virtual memory as S-mode would; undefined when it faults. */
function readGuestWord(v: Vcpu, vaddr: number): { lo: number; hi: number } | undefined {
  const h = v.hart;
  const size = h.xlen / 8;
  try {
    const paddr = translate(h, vaddr, ACCESS_READ, Priv.S);
    if (!h.mem.contains(paddr, size) || paddr % size !== 0) return undefined;
    const i = (paddr - h.mem.base) >> 2;
    return { lo: h.mem.i32[i]!, hi: size === 8 ? h.mem.i32[i + 1]! : 0 };
  } catch (e) {
    if (e === TRAP) return undefined;
    throw e;
  }
}

/** Legacy (v0.1) hart masks are a pointer to a bit vector; 0 means every hart. */
function legacyTargets(v: Vcpu): number[] | undefined {
  const pointer = arg(v, 0);
  if (pointer === 0) return Array.from({ length: v.vcpus }, (_, i) => i);
  const word = readGuestWord(v, pointer);
  if (word === undefined) return undefined;
  const targets: number[] = [];
  for (let b = 0; b < 64; b++) {
    const bitSet = b < 32 ? (word.lo >>> b) & 1 : (word.hi >>> (b - 32)) & 1;
    if (bitSet && b < v.vcpus) targets.push(b);
  }
  return targets;
}

function legacy(v: Vcpu, eid: number): number {
  switch (eid) {
    case SbiExtension.LEGACY_SET_TIMER:
      v.setTimer(arg64(v, 0));
      return 0;
    case SbiExtension.LEGACY_CONSOLE_PUTCHAR:
      v.host.consoleWrite(Uint8Array.of(arg(v, 0) & 0xff));
      return 0;
    case SbiExtension.LEGACY_CONSOLE_GETCHAR: {
      const input = v.host.consoleRead(1);
      return input.length > 0 ? input[0]! : -1;
    }
    case SbiExtension.LEGACY_CLEAR_IPI: {
      // 0 when no IPI was pending, a positive value when one was (§5.5).
      const wasPending = v.hart.isInterruptPending(Irq.SSIP);
      v.hart.setInterruptPending(Irq.SSIP, false);
      return wasPending ? 1 : 0;
    }
    case SbiExtension.LEGACY_SEND_IPI:
    case SbiExtension.LEGACY_REMOTE_FENCE_I:
    case SbiExtension.LEGACY_REMOTE_SFENCE_VMA:
    case SbiExtension.LEGACY_REMOTE_SFENCE_VMA_ASID: {
      const targets = legacyTargets(v);
      if (targets === undefined) return SbiError.INVALID_ADDRESS;
      if (eid === SbiExtension.LEGACY_SEND_IPI) sendIpi(v, targets);
      else remoteFence(v, targets);
      return 0;
    }
    default: // LEGACY_SHUTDOWN
      v.shared.end(DomainRunState.SHUTDOWN, ResetType.SHUTDOWN, ResetReason.NO_REASON);
      v.hart.stopRequested = true;
      return 0;
  }
}

function dispatch(v: Vcpu, eid: number, fid: number): SbiResult {
  switch (eid) {
    case SbiExtension.BASE:
      return base(v, fid);
    case SbiExtension.TIME:
      if (fid !== 0) return fail(SbiError.NOT_SUPPORTED);
      v.setTimer(arg64(v, 0));
      return ok();
    case SbiExtension.IPI: {
      if (fid !== 0) return fail(SbiError.NOT_SUPPORTED);
      const targets = targetsOf(v, 0, 1);
      if (targets === undefined) return fail(SbiError.INVALID_PARAM);
      sendIpi(v, targets);
      return ok();
    }
    case SbiExtension.RFENCE:
      return rfence(v, fid);
    case SbiExtension.HSM:
      switch (fid) {
        case 0:
          return hartStart(v, arg(v, 0), arg(v, 1), arg(v, 2));
        case 1:
          return hartStop(v);
        case 2:
          return hartGetStatus(v, arg(v, 0));
        case 3:
          return hartSuspend(v, arg(v, 0) % TWO32, arg(v, 1), arg(v, 2));
        default:
          return fail(SbiError.NOT_SUPPORTED);
      }
    case SbiExtension.SRST:
      if (fid !== 0) return fail(SbiError.NOT_SUPPORTED);
      return systemReset(v, arg(v, 0) % TWO32, arg(v, 1) % TWO32);
    case SbiExtension.DBCN:
      return debugConsole(v, fid);
    case SbiExtension.SUSP:
      if (fid !== 0) return fail(SbiError.NOT_SUPPORTED);
      return systemSuspend(v, arg(v, 0) % TWO32, arg(v, 1), arg(v, 2));
    case SbiExtension.FERRY_PV:
      return pvCall(v, fid);
    default:
      return fail(SbiError.NOT_SUPPORTED);
  }
}

/**
 * Serves the ecall at `pc`: reads a7/a6, runs the call, writes a0 (and a1), and moves pc
 * past the ecall — unless the call stopped or restarted the hart, which set pc itself.
 */
export function handleSbiCall(v: Vcpu): void {
  const h = v.hart;
  const eid = h.xlo[17]! >>> 0;
  const fid = h.xlo[16]! >>> 0;
  const pc = h.pc;
  if (eid <= SbiExtension.LEGACY_SHUTDOWN) {
    h.setX(10, legacy(v, eid));
  } else {
    const [error, value] = dispatch(v, eid, fid);
    h.setX(10, error);
    h.setX(11, value);
  }
  if (h.pc === pc) h.setPc(pc + 4);
}
