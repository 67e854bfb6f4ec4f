/**
 * The "A" extension: LR/SC and the AMOs, atomic across threads because guest RAM is a
 * SharedArrayBuffer and every access here goes through `Atomics`.
 *
 * SC succeeds when the hart holds a reservation on the same address and memory still holds
 * the value LR read, checked and written with one compare-and-swap — the same rule QEMU
 * applies, and one that stays correct when harts run on different threads. Any SC ends the
 * reservation. Misaligned atomics raise address-misaligned exceptions; atomics outside RAM
 * raise access faults.
 */
import type { Hart } from "./hart.js";
import { Exception } from "./interrupts.js";
import { ACCESS_READ, ACCESS_WRITE, raise, translateData, vaddrOf } from "./mmu.js";

const AMOADD = 0;
const AMOSWAP = 1;
const LR = 2;
const SC = 3;
const AMOXOR = 4;
const AMOOR = 8;
const AMOAND = 12;
const AMOMIN = 16;
const AMOMAX = 20;
const AMOMINU = 24;
const AMOMAXU = 28;

function combine32(op: number, old: number, src: number): number {
  switch (op) {
    case AMOMIN:
      return Math.min(old, src);
    case AMOMAX:
      return Math.max(old, src);
    case AMOMINU:
      return old >>> 0 < src >>> 0 ? old : src;
    default: // AMOMAXU
      return old >>> 0 > src >>> 0 ? old : src;
  }
}

function combine64(op: number, old: bigint, src: bigint): bigint {
  switch (op) {
    case AMOMIN:
      return old < src ? old : src;
    case AMOMAX:
      return old > src ? old : src;
    case AMOMINU:
      return BigInt.asUintN(64, old) < BigInt.asUintN(64, src) ? old : src;
    default:
      return BigInt.asUintN(64, old) > BigInt.asUintN(64, src) ? old : src;
  }
}

/** Executes one AMO-major-opcode instruction; writes rd, raises on faults. */
export function executeAtomic(h: Hart, insn: number): void {
  const f3 = (insn >> 12) & 7;
  const op = insn >>> 27;
  const rd = (insn >> 7) & 31;
  const rs1 = (insn >> 15) & 31;
  const rs2 = (insn >> 20) & 31;
  const valid =
    op === AMOADD ||
    op === AMOSWAP ||
    op === LR ||
    op === SC ||
    op === AMOXOR ||
    op === AMOOR ||
    op === AMOAND ||
    op === AMOMIN ||
    op === AMOMAX ||
    op === AMOMINU ||
    op === AMOMAXU;
  if (!valid || (op === LR && rs2 !== 0) || !(f3 === 2 || (f3 === 3 && h.xlen === 64))) {
    raise(h, Exception.IllegalInstruction, h.currentInsn >>> 0);
  }
  const size = f3 === 2 ? 4 : 8;
  const alo = h.xlo[rs1]!;
  const ahi = h.xhi[rs1]! & h.hiMask;
  const vaddr = vaddrOf(alo, ahi);
  if ((alo & (size - 1)) !== 0) {
    raise(h, op === LR ? Exception.LoadAddressMisaligned : Exception.StoreAddressMisaligned, vaddr);
  }
  const paddr = translateData(h, alo, ahi, op === LR ? ACCESS_READ : ACCESS_WRITE);
  const ram = h.mem;
  if (!ram.contains(paddr, size)) {
    raise(h, op === LR ? Exception.LoadAccessFault : Exception.StoreAccessFault, vaddr);
  }
  const srcLo = h.xlo[rs2]!;
  const srcHi = h.xhi[rs2]!;
  let resultLo: number;
  let resultHi: number;
  if (size === 4) {
    const a = ram.i32;
    const i = (paddr - ram.base) >> 2;
    let old: number;
    switch (op) {
      case LR:
        old = Atomics.load(a, i);
        h.reservation = paddr;
        h.reservedLo = old;
        break;
      case SC:
        old =
          h.reservation === paddr && Atomics.compareExchange(a, i, h.reservedLo, srcLo) === h.reservedLo
            ? 0
            : 1;
        h.reservation = -1;
        break;
      case AMOSWAP:
        old = Atomics.exchange(a, i, srcLo);
        break;
      case AMOADD:
        old = Atomics.add(a, i, srcLo);
        break;
      case AMOXOR:
        old = Atomics.xor(a, i, srcLo);
        break;
      case AMOOR:
        old = Atomics.or(a, i, srcLo);
        break;
      case AMOAND:
        old = Atomics.and(a, i, srcLo);
        break;
      default:
        do old = Atomics.load(a, i);
        while (Atomics.compareExchange(a, i, old, combine32(op, old, srcLo)) !== old);
    }
    resultLo = old;
    resultHi = old >> 31;
  } else {
    const a = ram.i64;
    const i = (paddr - ram.base) / 8;
    const src = (BigInt(srcHi) << 32n) | BigInt(srcLo >>> 0);
    let old: bigint;
    switch (op) {
      case LR:
        old = Atomics.load(a, i);
        h.reservation = paddr;
        h.reservedWide = old;
        break;
      case SC:
        old =
          h.reservation === paddr && Atomics.compareExchange(a, i, h.reservedWide, src) === h.reservedWide
            ? 0n
            : 1n;
        h.reservation = -1;
        break;
      case AMOSWAP:
        old = Atomics.exchange(a, i, src);
        break;
      case AMOADD:
        old = Atomics.add(a, i, src);
        break;
      case AMOXOR:
        old = Atomics.xor(a, i, src);
        break;
      case AMOOR:
        old = Atomics.or(a, i, src);
        break;
      case AMOAND:
        old = Atomics.and(a, i, src);
        break;
      default:
        do old = Atomics.load(a, i);
        while (Atomics.compareExchange(a, i, old, combine64(op, old, src)) !== old);
    }
    resultLo = Number(BigInt.asIntN(32, old));
    resultHi = Number(BigInt.asIntN(32, old >> 32n));
  }
  if (op !== LR) {
    ram.dirty.mark(paddr - ram.base);
    const versions = ram.codeVersions;
    const page = (paddr - ram.base) >>> 12;
    if (versions !== undefined && (versions[page]! & 1) !== 0) {
      Atomics.add(versions, page, 2); // compiled copies of this page are stale (cpu/jit)
      h.codeWritten = true;
    }
  }
  if (rd !== 0) {
    h.xlo[rd] = resultLo;
    h.xhi[rd] = h.xlen === 32 ? resultLo >> 31 : resultHi;
  }
}
