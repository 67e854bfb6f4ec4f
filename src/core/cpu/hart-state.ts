/**
 * A hart's architectural state as a plain value: the persistence contract of STYLE.md
 * ("a plain named-field state out, a component back in"). `captureHartState` reads it from a
 * live hart; `restoreHartState` puts it into a hart of the same XLEN. The value holds only
 * numbers, bigints, booleans and arrays, so it survives `structuredClone` and `postMessage`.
 *
 * What is kept: pc, x1–x31, the privilege level, the CSRs that have storage and that a
 * hypervisor domain or a bare-metal program can use (listed in SAVED_CSRS, by their
 * specification names), minstret and mcycle, and whether the hart waits in wfi. What is not:
 * the LR/SC reservation (the specification lets any event drop it; restoring clears it), the
 * TLB and the fetch page (caches, flushed on restore), PMP and the hpm counters (not enforced
 * or not counting here), and the derived CSRs (sstatus, sie, sip, time, misa, mhartid).
 *
 * Invariants: XLEN-wide values are unsigned bigints below 2^XLEN; x[0] is always 0n.
 */
import { Csr } from "./csr-numbers.js";
import type { Hart } from "./hart.js";
import { Priv, type PrivLevel } from "./interrupts.js";

/** The CSRs with storage that a state carries, by specification name. */
export const SAVED_CSRS = [
  "mstatus",
  "medeleg",
  "mideleg",
  "mie",
  "mip",
  "mtvec",
  "mcounteren",
  "menvcfg",
  "mcountinhibit",
  "mscratch",
  "mepc",
  "mcause",
  "mtval",
  "stvec",
  "scounteren",
  "senvcfg",
  "sscratch",
  "sepc",
  "scause",
  "stval",
  "satp",
] as const satisfies readonly (keyof typeof Csr)[];

export type SavedCsr = (typeof SAVED_CSRS)[number];

export interface HartState {
  readonly xlen: 32 | 64;
  /** The next instruction's address. */
  readonly pc: bigint;
  /** x0–x31 (x0 is 0n). */
  readonly x: readonly bigint[];
  readonly priv: PrivLevel;
  readonly csrs: Readonly<Record<SavedCsr, bigint>>;
  /** minstret: instructions retired. */
  readonly instret: number;
  /** mcycle. */
  readonly cycle: number;
  /** True while the hart waits in wfi for an enabled interrupt. */
  readonly waitingForInterrupt: boolean;
}

const u32 = (v: number): bigint => BigInt(v >>> 0);

export function captureHartState(h: Hart): HartState {
  const x: bigint[] = [];
  for (let i = 0; i < 32; i++) x.push(i === 0 ? 0n : h.getX(i));
  const csrs = {} as Record<SavedCsr, bigint>;
  for (const name of SAVED_CSRS) {
    const n = Csr[name];
    csrs[name] = h.xlen === 32 ? u32(h.csrLo[n]!) : (u32(h.csrHi[n]!) << 32n) | u32(h.csrLo[n]!);
  }
  return {
    xlen: h.xlen,
    pc: BigInt.asUintN(h.xlen, BigInt(h.pc)),
    x,
    priv: h.priv,
    csrs,
    instret: h.instret,
    cycle: h.instret + h.cycleOffset,
    waitingForInterrupt: h.waitingForInterrupt,
  };
}

/**
 * Puts `state` into `h`, which must have the same XLEN. Checks the whole state before it
 * changes anything, so a bad one leaves the hart as it was; throws RangeError naming the
 * first bad field.
 */
export function restoreHartState(h: Hart, state: HartState): void {
  checkHartState(h.xlen, state);
  for (let i = 1; i < 32; i++) h.setX(i, state.x[i]!);
  h.setPc(h.xlen === 32 ? Number(state.pc) : Number(BigInt.asIntN(64, state.pc)));
  h.priv = state.priv;
  for (const name of SAVED_CSRS) {
    const v = state.csrs[name];
    h.csrLo[Csr[name]] = Number(BigInt.asIntN(32, v));
    h.csrHi[Csr[name]] = h.xlen === 32 ? 0 : Number(BigInt.asIntN(32, v >> 32n));
  }
  h.instret = state.instret;
  h.cycleOffset = state.cycle - state.instret;
  h.waitingForInterrupt = state.waitingForInterrupt;
  h.reservation = -1;
  h.tlb.flush();
  h.privilegeChanged();
}

function checkHartState(xlen: 32 | 64, s: HartState): void {
  const limit = 1n << BigInt(xlen);
  const word = (what: string, v: unknown): void => {
    if (typeof v !== "bigint" || v < 0n || v >= limit) {
      throw new RangeError(`hart state: ${what} must be an unsigned ${xlen}-bit bigint`);
    }
  };
  if (s.xlen !== xlen) throw new RangeError(`hart state: xlen ${s.xlen} does not match the hart's ${xlen}`);
  word("pc", s.pc);
  if (xlen === 64) {
    // pc is held as a JS number: it must be a sign-extended Sv39 address (|pc| < 2^53).
    const signed = BigInt.asIntN(64, s.pc);
    if (signed >= 1n << 53n || signed < -(1n << 53n))
      throw new RangeError("hart state: pc is not a canonical address");
  }
  if (!Array.isArray(s.x) || s.x.length !== 32) throw new RangeError("hart state: x must hold 32 registers");
  for (const [i, v] of s.x.entries()) word(`x${i}`, v);
  if (s.x[0] !== 0n) throw new RangeError("hart state: x0 must be 0");
  if (s.priv !== Priv.U && s.priv !== Priv.S && s.priv !== Priv.M) {
    throw new RangeError(`hart state: priv ${String(s.priv)} is not U, S or M`);
  }
  for (const name of SAVED_CSRS) word(name, s.csrs?.[name]);
  for (const name of ["instret", "cycle"] as const) {
    if (!Number.isSafeInteger(s[name]) || s[name] < 0)
      throw new RangeError(`hart state: ${name} must be a count`);
  }
  if (typeof s.waitingForInterrupt !== "boolean")
    throw new RangeError("hart state: waitingForInterrupt must be boolean");
}
