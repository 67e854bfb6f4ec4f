/**
 * The Zicsr instructions and the behaviour of every implemented CSR (privileged spec ch. 2–4).
 *
 * CSR values live in `Hart.csrLo/csrHi`, indexed by CSR address, as (low, high) 32-bit
 * halves; registers that are views (sstatus, sie, sip) or computed (counters, time) are
 * derived here. Write-any-read-legal fields are legalised on write, as QEMU does: a write of
 * an unsupported satp mode or trap-vector mode is ignored. An access to a CSR that does not
 * exist, from too low a privilege, or a write to a read-only CSR raises an illegal
 * instruction exception whose tval is the instruction.
 */

import { Csr, Mstatus } from "./csr-numbers.js";
import type { Hart } from "./hart.js";
import { ALL_INTERRUPTS, Exception, Priv, SUPERVISOR_INTERRUPTS } from "./interrupts.js";
import { raise } from "./mmu.js";

const TWO32 = 4294967296;

/** Extensions reported in misa: A, C, I, M, S, U. */
const MISA_EXTENSIONS = (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

const MSTATUS_WRITABLE =
  Mstatus.SIE |
  Mstatus.MIE |
  Mstatus.SPIE |
  Mstatus.MPIE |
  Mstatus.SPP |
  Mstatus.MPP |
  Mstatus.MPRV |
  Mstatus.SUM |
  Mstatus.MXR |
  Mstatus.TVM |
  Mstatus.TW |
  Mstatus.TSR;
const SSTATUS_VISIBLE = Mstatus.SIE | Mstatus.SPIE | Mstatus.SPP | Mstatus.FS | Mstatus.SUM | Mstatus.MXR;
const SSTATUS_WRITABLE = Mstatus.SIE | Mstatus.SPIE | Mstatus.SPP | Mstatus.SUM | Mstatus.MXR;
/**
 * The mstatus bits a TLB entry depends on: the permissions checked when it was filled (SUM,
 * MXR) and the privilege data accesses use (MPRV, MPP). A write that changes none of them
 * keeps the TLB: the kernel toggles SIE around every spinlock, and flushing 6,144 entries each
 * time cost more than the accesses it cached.
 */
const TRANSLATION_BITS = Mstatus.MPRV | Mstatus.MPP | Mstatus.SUM | Mstatus.MXR;

/** Exceptions that medeleg can delegate (everything but ecall from M-mode). */
const DELEGABLE_EXCEPTIONS = 0xb3ff;
/** mip bits software may write (M-mode); the machine-level bits belong to devices. */
const MIP_WRITABLE = SUPERVISOR_INTERRUPTS;

/** Legalises mstatus.MPP: a write of the reserved value 2 keeps the old MPP (as QEMU 8 does). */
function legalMstatus(old: number, v: number): number {
  if (((v >> Mstatus.MPP_SHIFT) & 3) === 2) v = (v & ~Mstatus.MPP) | (old & Mstatus.MPP);
  return v;
}

/** Counter number (0 = cycle, 1 = time, 2 = instret, 3–31 = hpm) of a counter CSR, or -1. */
function counterIndex(csr: number): number {
  if (csr >= Csr.cycle && csr <= Csr.hpmcounter31) return csr - Csr.cycle;
  if (csr >= Csr.cycleh && csr <= Csr.hpmcounter31h) return csr - Csr.cycleh;
  return -1;
}

function illegal(h: Hart): never {
  return raise(h, Exception.IllegalInstruction, h.currentInsn >>> 0);
}

function setPair(h: Hart, value: number): void {
  h.scratch.lo = value | 0;
  h.scratch.hi = Math.floor(value / TWO32) | 0;
}

/** Reads a CSR into `h.scratch`; raises illegal instruction when it cannot be read here. */
export function readCsr(h: Hart, csr: number): void {
  const rv32 = h.xlen === 32;
  const r = h.scratch;
  const counter = counterIndex(csr);
  if (counter >= 0) {
    const high = csr >= Csr.cycleh;
    if (high && !rv32) illegal(h);
    if (h.priv < Priv.M && ((h.csrLo[Csr.mcounteren]! >>> counter) & 1) === 0) illegal(h);
    if (h.priv === Priv.U && ((h.csrLo[Csr.scounteren]! >>> counter) & 1) === 0) illegal(h);
    if (counter === 0) setPair(h, h.instret + h.cycleOffset);
    else if (counter === 1) setPair(h, h.readTime());
    else if (counter === 2) setPair(h, h.instret);
    else setPair(h, 0);
    if (high) r.lo = r.hi;
    return;
  }
  r.lo = h.csrLo[csr]!;
  r.hi = h.csrHi[csr]!;
  switch (csr) {
    case Csr.mstatus:
      r.hi = rv32 ? 0 : 0xa; // UXL = SXL = 2 (64-bit)
      return;
    case Csr.sstatus:
      r.lo = h.csrLo[Csr.mstatus]! & SSTATUS_VISIBLE;
      r.hi = rv32 ? 0 : 2; // UXL = 2
      return;
    case Csr.mstatush:
    case Csr.mcycleh:
    case Csr.minstreth:
      if (!rv32) illegal(h);
      if (csr === Csr.mcycleh) setPair(h, h.instret + h.cycleOffset);
      else if (csr === Csr.minstreth) setPair(h, h.instret);
      else setPair(h, 0);
      r.lo = r.hi;
      return;
    case Csr.mcycle:
      setPair(h, h.instret + h.cycleOffset);
      return;
    case Csr.minstret:
      setPair(h, h.instret);
      return;
    case Csr.misa:
      r.lo = rv32 ? 0x40000000 | MISA_EXTENSIONS : MISA_EXTENSIONS;
      r.hi = rv32 ? 0 : -0x80000000; // MXL = 2 in bits 63:62
      return;
    case Csr.mhartid:
      r.lo = h.hartId;
      r.hi = 0;
      return;
    case Csr.sie:
      r.lo = h.csrLo[Csr.mie]! & h.csrLo[Csr.mideleg]!;
      r.hi = 0;
      return;
    case Csr.sip:
      r.lo = h.csrLo[Csr.mip]! & h.csrLo[Csr.mideleg]!;
      r.hi = 0;
      return;
    case Csr.satp:
      if (h.priv === Priv.S && h.csrLo[Csr.mstatus]! & Mstatus.TVM) illegal(h);
      return;
    case Csr.mvendorid:
    case Csr.marchid:
    case Csr.mimpid:
    case Csr.mconfigptr:
    case Csr.medeleg:
    case Csr.mideleg:
    case Csr.mie:
    case Csr.mip:
    case Csr.mtvec:
    case Csr.stvec:
    case Csr.mcounteren:
    case Csr.scounteren:
    case Csr.menvcfg:
    case Csr.senvcfg:
    case Csr.mcountinhibit:
    case Csr.mscratch:
    case Csr.sscratch:
    case Csr.mepc:
    case Csr.sepc:
    case Csr.mcause:
    case Csr.scause:
    case Csr.mtval:
    case Csr.stval:
      return;
    case Csr.menvcfgh:
      if (!rv32) illegal(h);
      return;
    default:
      if (csr >= Csr.mhpmcounter3 && csr <= Csr.mhpmcounter31) return;
      if (csr >= Csr.mhpmcounter3h && csr <= Csr.mhpmcounter31h && rv32) return;
      if (csr >= Csr.mhpmevent3 && csr <= Csr.mhpmevent31) return;
      if (csr >= Csr.pmpcfg0 && csr <= Csr.pmpcfg0 + 3 && (rv32 || (csr & 1) === 0)) return;
      if (csr >= Csr.pmpaddr0 && csr < Csr.pmpaddr0 + 16) return;
      illegal(h);
  }
}

/**
 * Sets a CSR's value (writeCsr has made `hi` 0 on RV32). A function, not a closure made in
 * each writeCsr: that closure was a vCPU's largest source of garbage (the kernel writes
 * sstatus around every spinlock).
 */
function setCsr(h: Hart, csr: number, lo: number, hi: number): void {
  h.csrLo[csr] = lo;
  h.csrHi[csr] = hi;
}

/**
 * Writes a CSR already known to exist and be accessible (readCsr succeeded). Returns true
 * when the write can change interrupt enables, privilege-related state or translation, so
 * the run loop must re-examine them.
 */
export function writeCsr(h: Hart, csr: number, lo: number, hi: number): boolean {
  const rv32 = h.xlen === 32;
  if (rv32) hi = 0;
  const L = h.csrLo;
  switch (csr) {
    case Csr.mstatus:
    case Csr.sstatus: {
      const before = L[Csr.mstatus]!;
      L[Csr.mstatus] =
        csr === Csr.mstatus
          ? legalMstatus(before, (before & ~MSTATUS_WRITABLE) | (lo & MSTATUS_WRITABLE))
          : (before & ~SSTATUS_WRITABLE) | (lo & SSTATUS_WRITABLE);
      if (((before ^ L[Csr.mstatus]!) & TRANSLATION_BITS) !== 0) h.tlb.flush();
      return true;
    }
    case Csr.mstatush:
      return false; // MBE/SBE are zero: little-endian only
    case Csr.medeleg:
      setCsr(h, csr, lo & DELEGABLE_EXCEPTIONS, 0);
      return false;
    case Csr.mideleg:
      setCsr(h, csr, lo & SUPERVISOR_INTERRUPTS, 0);
      return true;
    case Csr.mie:
      setCsr(h, csr, lo & ALL_INTERRUPTS, 0);
      return true;
    case Csr.mip:
      L[Csr.mip] = (L[Csr.mip]! & ~MIP_WRITABLE) | (lo & MIP_WRITABLE);
      return true;
    case Csr.sie: {
      const mask = L[Csr.mideleg]!;
      L[Csr.mie] = (L[Csr.mie]! & ~mask) | (lo & mask);
      return true;
    }
    case Csr.sip: {
      const mask = L[Csr.mideleg]! & 2; // only SSIP is writable from S-mode
      L[Csr.mip] = (L[Csr.mip]! & ~mask) | (lo & mask);
      return true;
    }
    case Csr.mtvec:
    case Csr.stvec:
      if ((lo & 3) < 2) setCsr(h, csr, lo, hi);
      return false;
    case Csr.mepc:
    case Csr.sepc:
      setCsr(h, csr, lo & ~1, hi);
      return false;
    case Csr.satp:
      if (rv32) {
        L[Csr.satp] = lo;
      } else {
        const mode = hi >>> 28;
        if (mode !== 0 && mode !== 8) return false; // unsupported modes: the write is ignored
        setCsr(h, csr, lo, hi);
      }
      h.tlb.flush();
      return true;
    case Csr.mcounteren:
    case Csr.scounteren:
      setCsr(h, csr, lo, 0);
      return false;
    case Csr.menvcfg:
    case Csr.senvcfg:
      setCsr(h, csr, lo & 1, 0); // FIOM only
      return false;
    case Csr.menvcfgh:
      return false;
    case Csr.mcycle:
      h.cycleOffset = hi * TWO32 + (lo >>> 0) - h.instret - 1;
      return false;
    case Csr.mcycleh:
      h.cycleOffset = lo * TWO32 + ((h.instret + h.cycleOffset) % TWO32) - h.instret - 1;
      return false;
    case Csr.minstret:
      h.instret = hi * TWO32 + (lo >>> 0) - 1; // this instruction's own increment follows
      return false;
    case Csr.minstreth:
      h.instret = (lo >>> 0) * TWO32 + (h.instret % TWO32) - 1;
      return false;
    case Csr.mvendorid:
    case Csr.marchid:
    case Csr.mimpid:
    case Csr.mhartid:
    case Csr.mconfigptr:
    case Csr.misa:
      return false; // read-only or WARL with no writable field
    default:
      if (csr >= Csr.pmpaddr0 && csr < Csr.pmpaddr0 + 16) {
        setCsr(h, csr, lo, hi); // pmpaddr reads back as written (QEMU 7.2 keeps all 64 bits)
        return false;
      }
      setCsr(h, csr, lo, hi);
      return false;
  }
}

/**
 * Executes one Zicsr instruction (csrrw, csrrs, csrrc and their immediate forms). Returns
 * true when the run loop must re-examine interrupts and translation state.
 */
export function executeCsrInstruction(h: Hart, insn: number): boolean {
  const csr = insn >>> 20;
  const f3 = (insn >> 12) & 7;
  const rd = (insn >> 7) & 31;
  const field = (insn >> 15) & 31;
  const immediate = (f3 & 4) !== 0;
  const op = f3 & 3;
  const srcLo = immediate ? field : h.xlo[field]!;
  const srcHi = immediate ? 0 : h.xhi[field]!;
  const writes = op === 1 || field !== 0;
  if (((csr >> 8) & 3) > h.priv) illegal(h);
  if (writes && csr >>> 10 === 3) illegal(h);
  readCsr(h, csr);
  const oldLo = h.scratch.lo;
  const oldHi = h.xlen === 32 ? oldLo >> 31 : h.scratch.hi;
  let recheck = false;
  if (writes) {
    let lo = srcLo;
    let hi = srcHi;
    if (op === 2) {
      lo = oldLo | srcLo;
      hi = oldHi | srcHi;
    } else if (op === 3) {
      lo = oldLo & ~srcLo;
      hi = oldHi & ~srcHi;
    }
    recheck = writeCsr(h, csr, lo, hi);
  }
  if (rd !== 0) {
    h.xlo[rd] = oldLo;
    h.xhi[rd] = oldHi;
  }
  return recheck;
}
