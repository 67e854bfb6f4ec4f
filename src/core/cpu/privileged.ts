/**
 * Trap entry, interrupt selection and the privileged instructions (privileged spec §3.1.6,
 * §3.1.9, §3.3, §4.2): ecall, ebreak, mret, sret, wfi and sfence.vma.
 *
 * A trap goes to S-mode when the hart is in S or U and medeleg/mideleg delegates it;
 * otherwise to M-mode. Interrupts are taken in the specification's priority order:
 * machine-level ones (not delegated, enabled when below M or when mstatus.MIE is set) first,
 * then supervisor-level ones (delegated, enabled below S or in S with sstatus.SIE).
 */

import { Csr, Mstatus } from "./csr-numbers.js";
import type { Hart } from "./hart.js";
import { Exception, INTERRUPT_PRIORITY, Priv } from "./interrupts.js";
import { raise } from "./mmu.js";

const TWO32 = 4294967296;

/** The (lo, hi) pair of an address or cause number held as a JS number. */
function storePair(h: Hart, csr: number, value: number): void {
  h.csrLo[csr] = value | 0;
  h.csrHi[csr] = h.xlen === 32 ? 0 : Math.floor(value / TWO32) | 0;
}

/** The pc value (normalised for XLEN) held in a CSR such as mepc or mtvec. */
export function pcFromCsr(h: Hart, csr: number): number {
  const lo = h.csrLo[csr]!;
  return h.xlen === 32 ? lo >>> 0 : h.csrHi[csr]! * TWO32 + (lo >>> 0);
}

/**
 * Enters the trap handler for `cause` (an interrupt when `interrupt` is true) taken at the
 * instruction at `h.pc`, with trap value `tval`.
 */
export function enterTrap(h: Hart, cause: number, interrupt: boolean, tval: number): void {
  const L = h.csrLo;
  const from = h.priv;
  const deleg = interrupt ? L[Csr.mideleg]! : L[Csr.medeleg]!;
  const toSupervisor = from <= Priv.S && ((deleg >>> cause) & 1) !== 0;
  if (!toSupervisor && h.firmware !== undefined) {
    h.firmware.handleTrap(h, cause, interrupt, tval);
    return;
  }
  const ms = L[Csr.mstatus]!;
  const causeHi = interrupt && h.xlen === 64 ? -0x80000000 : 0;
  const causeLo = interrupt && h.xlen === 32 ? cause | 0x80000000 : cause;
  let vector: number;
  if (toSupervisor) {
    L[Csr.scause] = causeLo;
    h.csrHi[Csr.scause] = causeHi;
    storePair(h, Csr.sepc, h.pc);
    storePair(h, Csr.stval, tval);
    let s = ms & ~(Mstatus.SPIE | Mstatus.SIE | Mstatus.SPP);
    if (ms & Mstatus.SIE) s |= Mstatus.SPIE;
    if (from === Priv.S) s |= Mstatus.SPP;
    L[Csr.mstatus] = s;
    h.priv = Priv.S;
    vector = Csr.stvec;
  } else {
    L[Csr.mcause] = causeLo;
    h.csrHi[Csr.mcause] = causeHi;
    storePair(h, Csr.mepc, h.pc);
    storePair(h, Csr.mtval, tval);
    let m = ms & ~(Mstatus.MPIE | Mstatus.MIE | Mstatus.MPP);
    if (ms & Mstatus.MIE) m |= Mstatus.MPIE;
    m |= from << Mstatus.MPP_SHIFT;
    L[Csr.mstatus] = m;
    h.priv = Priv.M;
    vector = Csr.mtvec;
  }
  const base = pcFromCsr(h, vector);
  const vectored = (L[vector]! & 3) === 1;
  h.pc = base - (base % 4) + (interrupt && vectored ? 4 * cause : 0);
  h.privilegeChanged();
}

/** The highest-priority interrupt that is pending, enabled and takeable now, or -1. */
export function pendingInterrupt(h: Hart): number {
  h.syncExternalLevel();
  const L = h.csrLo;
  const pending = L[Csr.mip]! & L[Csr.mie]!;
  if (pending === 0) return -1;
  const ms = L[Csr.mstatus]!;
  const deleg = L[Csr.mideleg]!;
  const machineEnabled = h.priv < Priv.M || (ms & Mstatus.MIE) !== 0;
  const supervisorEnabled = h.priv < Priv.S || (h.priv === Priv.S && (ms & Mstatus.SIE) !== 0);
  const machine = machineEnabled ? pending & ~deleg : 0;
  const supervisor = supervisorEnabled ? pending & deleg : 0;
  for (const set of [machine, supervisor]) {
    if (set === 0) continue;
    for (const cause of INTERRUPT_PRIORITY) if ((set >>> cause) & 1) return cause;
  }
  return -1;
}

/**
 * Executes a SYSTEM instruction with funct3 = 0. Returns true when it changed privilege or
 * translation state (the run loop then reloads its cached views); raises on illegal use.
 * `ilen` is the instruction length so pc can advance past instructions that complete.
 */
export function executePrivileged(h: Hart, insn: number, ilen: number): boolean {
  const ms = h.csrLo[Csr.mstatus]!;
  if (insn >>> 25 === 0x09 && ((insn >> 7) & 31) === 0) {
    // sfence.vma rs1, rs2
    if (h.priv === Priv.U || (h.priv === Priv.S && ms & Mstatus.TVM))
      raise(h, Exception.IllegalInstruction, h.currentInsn >>> 0);
    h.tlb.flush();
    h.pc += ilen;
    h.privilegeChanged();
    return true;
  }
  switch (insn) {
    case 0x00000073: // ecall
      raise(h, Exception.EcallFromU + h.priv, 0);
    case 0x00100073: // ebreak
      raise(h, Exception.Breakpoint, 0); // QEMU 7.2 leaves mtval zero for ebreak
    case 0x30200073: {
      // mret
      if (h.priv !== Priv.M) raise(h, Exception.IllegalInstruction, h.currentInsn >>> 0);
      const mpp = (ms >> Mstatus.MPP_SHIFT) & 3;
      let m = ms & ~(Mstatus.MIE | Mstatus.MPP);
      if (ms & Mstatus.MPIE) m |= Mstatus.MIE;
      m |= Mstatus.MPIE;
      if (mpp !== Priv.M) m &= ~Mstatus.MPRV;
      h.csrLo[Csr.mstatus] = m;
      h.priv = mpp as 0 | 1 | 3;
      h.pc = pcFromCsr(h, Csr.mepc);
      h.privilegeChanged();
      return true;
    }
    case 0x10200073: {
      // sret
      if (h.priv === Priv.U || (h.priv === Priv.S && ms & Mstatus.TSR)) {
        raise(h, Exception.IllegalInstruction, h.currentInsn >>> 0);
      }
      const spp = (ms & Mstatus.SPP) !== 0 ? Priv.S : Priv.U;
      let s = ms & ~(Mstatus.SIE | Mstatus.SPP | Mstatus.MPRV);
      if (ms & Mstatus.SPIE) s |= Mstatus.SIE;
      s |= Mstatus.SPIE;
      h.csrLo[Csr.mstatus] = s;
      h.priv = spp;
      h.pc = pcFromCsr(h, Csr.sepc);
      h.privilegeChanged();
      return true;
    }
    case 0x10500073: // wfi
      // U-mode may never wait; S-mode may unless mstatus.TW is set (QEMU's reading of §3.1.6.5).
      if (h.priv === Priv.U || (h.priv === Priv.S && ms & Mstatus.TW)) {
        raise(h, Exception.IllegalInstruction, h.currentInsn >>> 0);
      }
      h.pc += ilen;
      if (!h.hasWakeupPending()) h.waitingForInterrupt = true;
      return true;
    default:
      raise(h, Exception.IllegalInstruction, h.currentInsn >>> 0);
  }
}
