/**
 * Seeded random RISC-V programs for differential testing: the same program runs on two
 * execution engines (the interpreter and the JIT, or the interpreter and itself) and their
 * final architectural states must agree bit for bit.
 *
 * What a program exercises: RV32I/RV64I integer instructions (OP, OP-IMM, and on RV64 OP-32
 * and OP-IMM-32), LUI, AUIPC, the M extension with divisor 0 and MIN / -1 made frequent,
 * a broad selection of C instructions, loads and stores of every width (mostly aligned in
 * the data region, sometimes misaligned, across a page boundary, past the end of RAM, or at
 * pages the paged mode leaves unmapped, read-only, user-only or backed by nothing), forward
 * branches and jumps, short counted loops, CSR reads of the counters, fences, and traps
 * (illegal instructions, ecall, ebreak, wild jumps).
 *
 * Invariants the fixture relies on:
 * - Deterministic: the same (seed, xlen, options) gives the same bytes, on every host.
 * - Every program terminates: control only moves forward, except the back edge of a counted
 *   loop whose counter nothing in the body writes; branch targets are group starts, so no
 *   jump lands inside a sequence that needs its first instructions (auipc + jalr, a loop).
 *   A program ends at `endOffset`: `wfi` (nothing is enabled, so the hart stops) then `j .-4`.
 *   The fixture's trap handler returns past a faulting instruction, or to `endOffset` when the
 *   fault was on fetch. (A random store can still rewrite code ahead; both engines see that.)
 * - The program never writes x30 and x31 (`HANDLER_REGS`): the trap handler's scratch.
 * - No `node:` imports: the generator may run in a browser, next to the JIT.
 */

export const PAGE = 4096;
/** RAM: 1 MiB at the usual RISC-V load address. */
export const RAM_BASE = 0x8000_0000;
export const RAM_SIZE = 1 << 20;
/** The program starts here and stays below CODE_BASE + CODE_LIMIT. */
export const CODE_BASE = RAM_BASE;
export const CODE_LIMIT = 16 * PAGE;
/** Where the fixture builds page tables (S-mode runs). */
export const PAGE_TABLE_BASE = 0x8006_0000;
/** The fixture's M-mode trap handler and its private words. */
export const HANDLER_BASE = 0x8007_0000;
/** The data region: `DATA_PAGES` pages initialised from `dataInit`. */
export const DATA_BASE = 0x8008_0000;
export const DATA_PAGES = 4;
export const DATA_SIZE = DATA_PAGES * PAGE;
/**
 * Roles of the data pages when the program runs in S-mode with paging (in M-mode every one
 * is plain RAM): pages 0 and 1 read-write, page 2 read-only, page 3 unmapped, HOLE_PAGE
 * mapped to a physical address with nothing behind it, USER_PAGE a U page S-mode may not touch.
 */
export const READ_ONLY_PAGE = DATA_BASE + 2 * PAGE;
export const UNMAPPED_PAGE = DATA_BASE + 3 * PAGE;
export const HOLE_PAGE = DATA_BASE + 4 * PAGE;
export const USER_PAGE = DATA_BASE + 5 * PAGE;
/** Registers the program never writes. */
export const HANDLER_REGS: readonly number[] = [30, 31];

export interface RandomProgram {
  readonly xlen: 32 | 64;
  readonly seed: number;
  /** Machine code, to be placed at CODE_BASE. */
  readonly code: Uint8Array;
  /** Offset in `code` of the final `wfi`. */
  readonly endOffset: number;
  /** Initial bytes of the data region (DATA_SIZE of them, at DATA_BASE). */
  readonly dataInit: Uint8Array;
  /** Initial x0–x31 as unsigned XLEN-bit values; x0 is 0n. */
  readonly regs: readonly bigint[];
}

export interface RandomProgramOptions {
  /** Roughly how many instructions to generate before the final `wfi`. */
  length?: number;
}

// ---------------------------------------------------------------------------------------
// Encoders (unprivileged spec, chapter "RV32I Base Integer Instruction Set", Figure 2.3,
// and chapter "C" Standard Extension, Tables 16.5–16.7). All return unsigned numbers.

const OP_LOAD = 0x03;
const OP_MISC_MEM = 0x0f;
const OP_IMM = 0x13;
const OP_AUIPC = 0x17;
const OP_IMM_32 = 0x1b;
const OP_STORE = 0x23;
const OP_OP = 0x33;
const OP_LUI = 0x37;
const OP_OP_32 = 0x3b;
const OP_BRANCH = 0x63;
const OP_JALR = 0x67;
const OP_JAL = 0x6f;
const OP_SYSTEM = 0x73;

const bit = (v: number, n: number): number => (v >> n) & 1;
const field = (v: number, hi: number, lo: number): number => (v >> lo) & ((1 << (hi - lo + 1)) - 1);

/** 32-bit instruction formats. Immediates are the instruction's own (already in range). */
export const enc = {
  r: (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
    ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0,
  i: (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
    (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0,
  s: (imm: number, rs2: number, rs1: number, f3: number, op = OP_STORE): number =>
    ((field(imm, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (field(imm, 4, 0) << 7) | op) >>> 0,
  b: (imm: number, rs2: number, rs1: number, f3: number): number =>
    ((bit(imm, 12) << 31) |
      (field(imm, 10, 5) << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      (f3 << 12) |
      (field(imm, 4, 1) << 8) |
      (bit(imm, 11) << 7) |
      OP_BRANCH) >>>
    0,
  u: (imm20: number, rd: number, op: number): number => (((imm20 & 0xfffff) << 12) | (rd << 7) | op) >>> 0,
  j: (imm: number, rd: number): number =>
    ((bit(imm, 20) << 31) |
      (field(imm, 10, 1) << 21) |
      (bit(imm, 11) << 20) |
      (field(imm, 19, 12) << 12) |
      (rd << 7) |
      OP_JAL) >>>
    0,
  addi: (rd: number, rs1: number, imm: number): number => enc.i(imm, rs1, 0, rd, OP_IMM),
  /** csrrs rd, csr, x0 */
  csrr: (rd: number, csr: number): number => enc.i(csr, 0, 2, rd, OP_SYSTEM),
  /** csrrw x0, csr, rs1 */
  csrw: (csr: number, rs1: number): number => enc.i(csr, rs1, 1, 0, OP_SYSTEM),
  auipc: (rd: number, imm20: number): number => enc.u(imm20, rd, OP_AUIPC),
  lui: (rd: number, imm20: number): number => enc.u(imm20, rd, OP_LUI),
  load: (f3: number, rd: number, rs1: number, imm: number): number => enc.i(imm, rs1, f3, rd, OP_LOAD),
  store: (f3: number, rs2: number, rs1: number, imm: number): number => enc.s(imm, rs2, rs1, f3),
  mret: 0x30200073,
  wfi: 0x10500073,
  ecall: 0x00000073,
  ebreak: 0x00100073,
} as const;

/** 16-bit instruction formats; register arguments are full numbers (x8–x15 for the primed ones). */
export const cenc = {
  /** CI: funct3 imm[5] rd imm[4:0] op */
  ci: (f3: number, imm6: number, rd: number, op: number): number =>
    (f3 << 13) | (bit(imm6, 5) << 12) | (rd << 7) | (field(imm6, 4, 0) << 2) | op,
  addi: (rd: number, imm: number): number => cenc.ci(0, imm, rd, 1),
  addiw: (rd: number, imm: number): number => cenc.ci(1, imm, rd, 1),
  li: (rd: number, imm: number): number => cenc.ci(2, imm, rd, 1),
  /** c.lui rd, nzimm[17:12] (imm6 is the value shifted right by 12). */
  lui: (rd: number, imm6: number): number => cenc.ci(3, imm6, rd, 1),
  slli: (rd: number, shamt: number): number => cenc.ci(0, shamt, rd, 2),
  /** c.srli (k = 0), c.srai (k = 1), c.andi (k = 2) on rd' */
  cb2: (k: number, rd: number, imm6: number): number =>
    (4 << 13) | (bit(imm6, 5) << 12) | (k << 10) | ((rd - 8) << 7) | (field(imm6, 4, 0) << 2) | 1,
  /** c.sub/xor/or/and (w = 0, f2 = 0..3), c.subw/addw (w = 1, f2 = 0..1) */
  ca: (w: number, f2: number, rd: number, rs2: number): number =>
    (4 << 13) | (w << 12) | (3 << 10) | ((rd - 8) << 7) | (f2 << 5) | ((rs2 - 8) << 2) | 1,
  mv: (rd: number, rs2: number): number => (4 << 13) | (rd << 7) | (rs2 << 2) | 2,
  add: (rd: number, rs2: number): number => (4 << 13) | (1 << 12) | (rd << 7) | (rs2 << 2) | 2,
  jr: (rs1: number): number => (4 << 13) | (rs1 << 7) | 2,
  jalr: (rs1: number): number => (4 << 13) | (1 << 12) | (rs1 << 7) | 2,
  ebreak: 0x9002,
  /** c.j (f3 = 5) and, on RV32, c.jal (f3 = 1): offset[11|4|9:8|10|6|7|3:1|5] */
  cj: (f3: number, off: number): number =>
    (f3 << 13) |
    (bit(off, 11) << 12) |
    (bit(off, 4) << 11) |
    (field(off, 9, 8) << 9) |
    (bit(off, 10) << 8) |
    (bit(off, 6) << 7) |
    (bit(off, 7) << 6) |
    (field(off, 3, 1) << 3) |
    (bit(off, 5) << 2) |
    1,
  /** c.beqz (f3 = 6), c.bnez (f3 = 7): offset[8|4:3] rs1' offset[7:6|2:1|5] */
  cbranch: (f3: number, rs1: number, off: number): number =>
    (f3 << 13) |
    (bit(off, 8) << 12) |
    (field(off, 4, 3) << 10) |
    ((rs1 - 8) << 7) |
    (field(off, 7, 6) << 5) |
    (field(off, 2, 1) << 3) |
    (bit(off, 5) << 2) |
    1,
  /** c.lw (f3 = 2) / c.sw (f3 = 6): uimm[5:3] rs1' uimm[2|6] rd' */
  lsw: (f3: number, rd: number, rs1: number, uimm: number): number =>
    (f3 << 13) |
    (field(uimm, 5, 3) << 10) |
    ((rs1 - 8) << 7) |
    (bit(uimm, 2) << 6) |
    (bit(uimm, 6) << 5) |
    ((rd - 8) << 2),
  /** c.ld (f3 = 3) / c.sd (f3 = 7): uimm[5:3] rs1' uimm[7:6] rd' */
  lsd: (f3: number, rd: number, rs1: number, uimm: number): number =>
    (f3 << 13) | (field(uimm, 5, 3) << 10) | ((rs1 - 8) << 7) | (field(uimm, 7, 6) << 5) | ((rd - 8) << 2),
  lwsp: (rd: number, uimm: number): number =>
    (2 << 13) | (bit(uimm, 5) << 12) | (rd << 7) | (field(uimm, 4, 2) << 4) | (field(uimm, 7, 6) << 2) | 2,
  ldsp: (rd: number, uimm: number): number =>
    (3 << 13) | (bit(uimm, 5) << 12) | (rd << 7) | (field(uimm, 4, 3) << 5) | (field(uimm, 8, 6) << 2) | 2,
  swsp: (rs2: number, uimm: number): number =>
    (6 << 13) | (field(uimm, 5, 2) << 9) | (field(uimm, 7, 6) << 7) | (rs2 << 2) | 2,
  sdsp: (rs2: number, uimm: number): number =>
    (7 << 13) | (field(uimm, 5, 3) << 10) | (field(uimm, 8, 6) << 7) | (rs2 << 2) | 2,
  addi4spn: (rd: number, uimm: number): number =>
    (field(uimm, 5, 4) << 11) |
    (field(uimm, 9, 6) << 7) |
    (bit(uimm, 2) << 6) |
    (bit(uimm, 3) << 5) |
    ((rd - 8) << 2),
  addi16sp: (imm: number): number =>
    (3 << 13) |
    (bit(imm, 9) << 12) |
    (2 << 7) |
    (bit(imm, 4) << 6) |
    (bit(imm, 6) << 5) |
    (field(imm, 8, 7) << 3) |
    (bit(imm, 5) << 2) |
    1,
} as const;

// ---------------------------------------------------------------------------------------
// PRNG: mulberry32. Small, fast, and the same sequence on every host (32-bit integer ops only).

class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  /** A uniform unsigned 32-bit number. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 4294967296) * n);
  }

  /** Uniform in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** One of `entries`, chosen with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of entries) total += w;
    let x = this.next() / 4294967296;
    x *= total;
    for (const [w, v] of entries) {
      if (x < w) return v;
      x -= w;
    }
    return entries[entries.length - 1]![1];
  }
}

// ---------------------------------------------------------------------------------------
// Program representation: groups of instructions. A group is entered only at its start
// (branch targets are group starts), so a sequence like auipc + jalr or a whole loop is one
// group. Instructions whose encoding depends on addresses are encoded after layout.

interface Layout {
  /** The address of group `g` (g = the number of groups is the final wfi). */
  groupAddress(g: number): number;
  /**
   * The address of the group `k` groups after `from` — or of a nearer one so that it is at
   * most `reach` bytes after `origin`, and never past a barrier (the page-crossing pad).
   */
  forward(from: number, k: number, origin: number, reach: number): number;
}

interface Insn {
  readonly size: 2 | 4;
  /** The instruction's bits given its own address. */
  readonly encode: (pc: number, layout: Layout) => number;
}

interface Group {
  readonly insns: Insn[];
  /**
   * A pad group is one `jal` over filler bytes to the last halfword of a page, so that the
   * next instruction sits at a page boundary (a 32-bit one straddles it). Branches never
   * reach past it: their offsets stay small.
   */
  readonly pad?: boolean;
}

const fixed = (word: number, size: 2 | 4): Insn => ({ size, encode: () => word });

type Special = "zero" | "one" | "minus1" | "min" | "min32" | "max" | "rand32";

/** Base-pointer registers: sp for c.lwsp/c.swsp, s0 and s1 for c.lw/c.sw. */
const BASES: readonly number[] = [2, 8, 9];
const MAX_WRITABLE = 29;
const BRANCH_F3: readonly number[] = [0, 1, 4, 5, 6, 7];

class Generator {
  private readonly rng: Rng;
  private readonly rv64: boolean;
  readonly groups: Group[] = [];
  /** Instructions of the group being built. */
  private cur: Insn[] = [];
  /** Registers the current code must not write (a loop body's counter). */
  private avoid = new Set<number>();
  /** What the generator believes a base register holds (an address), where it knows. */
  readonly known = new Map<number, number>();
  count = 0;

  constructor(
    seed: number,
    readonly xlen: 32 | 64,
  ) {
    this.rng = new Rng(seed);
    this.rv64 = xlen === 64;
  }

  get random(): Rng {
    return this.rng;
  }

  // ---- emission

  private emit(insn: Insn, rd = 0): void {
    this.cur.push(insn);
    this.count++;
    if (rd !== 0) this.known.delete(rd);
  }

  private word(w: number, rd = 0): void {
    this.emit(fixed(w, 4), rd);
  }

  private half(h: number, rd = 0): void {
    this.emit(fixed(h, 2), rd);
  }

  /** Ends the current group. */
  private close(pad = false): void {
    if (this.cur.length > 0 || pad) this.groups.push(pad ? { insns: this.cur, pad } : { insns: this.cur });
    this.cur = [];
  }

  // ---- register choice

  /** A destination register: any of x1–x29 not avoided, base registers less often. */
  private rd(compressedOnly = false): number {
    for (let tries = 0; ; tries++) {
      const r = compressedOnly ? this.rng.range(8, 15) : this.rng.range(1, MAX_WRITABLE);
      if (this.avoid.has(r)) continue;
      if (BASES.includes(r) && tries < 3 && !this.rng.chance(0.25)) continue;
      return r;
    }
  }

  /** A destination that may be x0 (the write is discarded: engines must drop it). */
  private rdOrZero(): number {
    return this.rng.chance(0.04) ? 0 : this.rd();
  }

  /** A scratch register that is not a base register (for prepared operands and jumps). */
  private scratch(compressedOnly = false): number {
    for (;;) {
      const r = compressedOnly ? this.rng.range(10, 15) : this.rng.range(1, MAX_WRITABLE);
      if (!this.avoid.has(r) && !BASES.includes(r)) return r;
    }
  }

  /** A source register: any, x0 sometimes. */
  private rs(compressedOnly = false): number {
    if (compressedOnly) return this.rng.range(8, 15);
    return this.rng.chance(0.08) ? 0 : this.rng.range(1, 31);
  }

  // ---- values

  private imm12(): number {
    return this.rng.weighted<() => number>([
      [3, () => this.rng.range(-16, 16)],
      [3, () => this.rng.range(-2048, 2047)],
      [1, () => this.rng.pick([0, -1, 1, -2048, 2047, 0x7ff, -0x800, 0x555, -0x556])],
    ])();
  }

  private imm6(nonzero: boolean): number {
    for (;;) {
      const v = this.rng.range(-32, 31);
      if (!nonzero || v !== 0) return v;
    }
  }

  /** Puts a value of one of the interesting kinds in `r` (one or two instructions). */
  private special(r: number, kind: Special): void {
    const c = this.rng.chance(0.5) && r !== 0;
    switch (kind) {
      case "zero":
      case "one":
      case "minus1": {
        const v = kind === "zero" ? 0 : kind === "one" ? 1 : -1;
        if (c) this.half(cenc.li(r, v), r);
        else this.word(enc.addi(r, 0, v), r);
        return;
      }
      case "min":
        if (!this.rv64) {
          this.word(enc.lui(r, 0x80000), r);
        } else {
          this.word(enc.addi(r, 0, 1), r);
          if (c) this.half(cenc.slli(r, 63), r);
          else this.word(enc.i(63, r, 1, r, OP_IMM), r);
        }
        return;
      case "min32":
        this.word(enc.lui(r, 0x80000), r); // sign-extended on RV64: the 32-bit MIN of the W forms
        return;
      case "max":
        if (!this.rv64) {
          this.word(enc.lui(r, 0x80000), r);
          this.word(enc.addi(r, r, -1), r);
        } else {
          this.word(enc.addi(r, 0, -1), r);
          this.word(enc.i(1, r, 5, r, OP_IMM), r); // srli r, r, 1
        }
        return;
      case "rand32":
        this.word(enc.lui(r, this.rng.next() >>> 12), r);
        this.word(
          enc.i(this.rng.range(-2048, 2047), r, 0, r, this.rv64 && this.rng.chance(0.5) ? OP_IMM_32 : OP_IMM),
          r,
        );
        return;
    }
  }

  /**
   * Makes `r` hold the address `value` with auipc + addi (pc-relative, so it works on RV64,
   * where lui would sign-extend 0x8xxxxxxx, and under the identity-mapped paged mode).
   */
  private materialize(r: number, value: number): void {
    const target = value;
    const hi = (pc: number): number => Math.floor((target - pc + 0x800) / 4096);
    this.emit({ size: 4, encode: (pc) => enc.auipc(r, hi(pc)) }, r);
    this.emit({ size: 4, encode: (pc) => enc.addi(r, r, target - (pc - 4) - hi(pc - 4) * 4096) }, r);
    this.known.set(r, value);
  }

  // ---- instruction kinds

  private opR(): void {
    const [f7, f3] = this.rng.pick([
      [0, 0],
      [0x20, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [0, 4],
      [0, 5],
      [0x20, 5],
      [0, 6],
      [0, 7],
    ] as const);
    const rd = this.rdOrZero();
    this.word(enc.r(f7, this.rs(), this.rs(), f3, rd, OP_OP), rd);
  }

  private opImm(): void {
    const rd = this.rdOrZero();
    const rs1 = this.rs();
    const f3 = this.rng.pick([0, 0, 1, 2, 3, 4, 5, 6, 7]);
    let imm: number;
    if (f3 === 1) imm = this.rng.int(this.xlen);
    else if (f3 === 5) imm = this.rng.int(this.xlen) | (this.rng.chance(0.5) ? 0x400 : 0);
    else imm = this.imm12();
    this.word(enc.i(imm, rs1, f3, rd, OP_IMM), rd);
  }

  private op32(): void {
    const rd = this.rdOrZero();
    if (this.rng.chance(0.5)) {
      const [f7, f3] = this.rng.pick([
        [0, 0],
        [0x20, 0],
        [0, 1],
        [0, 5],
        [0x20, 5],
      ] as const);
      this.word(enc.r(f7, this.rs(), this.rs(), f3, rd, OP_OP_32), rd);
    } else {
      const f3 = this.rng.pick([0, 0, 1, 5]);
      const imm = f3 === 0 ? this.imm12() : this.rng.int(32) | (f3 === 5 && this.rng.chance(0.5) ? 0x400 : 0);
      this.word(enc.i(imm, this.rs(), f3, rd, OP_IMM_32), rd);
    }
  }

  private upper(): void {
    const rd = this.rdOrZero();
    const imm = this.rng.chance(0.3)
      ? this.rng.pick([0, 0x80000, 0xfffff, 0x7ffff, 1])
      : this.rng.next() >>> 12;
    this.word(enc.u(imm, rd, this.rng.chance(0.5) ? OP_LUI : OP_AUIPC), rd);
  }

  /** The M extension, with operands often prepared to hit divide-by-zero and MIN / -1. */
  private mulDiv(): void {
    const w = this.rv64 && this.rng.chance(0.4);
    const f3 = w ? this.rng.pick([0, 4, 5, 6, 7]) : this.rng.int(8);
    const divide = f3 >= 4;
    let rs1 = this.rs();
    let rs2 = this.rs();
    if (divide && (f3 & 1) === 0 && this.rng.chance(0.25)) {
      // The one signed overflow: MIN / -1 (quotient MIN, remainder 0).
      rs1 = this.scratch();
      do rs2 = this.scratch();
      while (rs2 === rs1);
      this.special(rs1, w ? "min32" : "min");
      this.special(rs2, "minus1");
      const rd = this.rdOrZero();
      this.word(enc.r(1, rs2, rs1, f3, rd, w ? OP_OP_32 : OP_OP), rd);
      return;
    }
    if (this.rng.chance(divide ? 0.6 : 0.3)) {
      rs2 = this.scratch();
      this.special(
        rs2,
        this.rng.weighted<Special>([
          [4, "zero"],
          [4, "minus1"],
          [1, "one"],
          [1, "min"],
          [1, "max"],
          [1, "rand32"],
        ]),
      );
    }
    if (this.rng.chance(divide ? 0.5 : 0.3)) {
      rs1 = this.scratch();
      if (rs1 !== rs2) {
        const min: Special = w ? "min32" : "min";
        this.special(
          rs1,
          this.rng.weighted<Special>([
            [5, min],
            [1, "max"],
            [1, "minus1"],
            [1, "zero"],
            [2, "rand32"],
          ]),
        );
      }
    }
    const rd = this.rdOrZero();
    this.word(enc.r(1, rs2, rs1, f3, rd, w ? OP_OP_32 : OP_OP), rd);
  }

  /** One compressed ALU instruction (or c.nop, or a stack-pointer adjustment). */
  private compressedAlu(): void {
    const rv64 = this.rv64;
    const shMax = this.xlen - 1;
    const kinds: [number, () => void][] = [
      [
        3,
        () => {
          const rd = this.rd();
          this.half(cenc.addi(rd, this.imm6(this.rng.chance(0.9))), rd);
        },
      ],
      [
        2,
        () => {
          const rd = this.rd();
          this.half(cenc.li(rd, this.imm6(false)), rd);
        },
      ],
      [
        2,
        () => {
          let rd = this.rd();
          if (rd === 2) rd = this.scratch();
          this.half(cenc.lui(rd, this.imm6(true)), rd);
        },
      ],
      [
        2,
        () => {
          const rd = this.rd();
          this.half(cenc.mv(rd, this.rng.range(1, 31)), rd);
        },
      ],
      [
        2,
        () => {
          const rd = this.rd();
          this.half(cenc.add(rd, this.rng.range(1, 31)), rd);
        },
      ],
      [
        3,
        () => {
          const rd = this.rd(true);
          this.half(cenc.ca(0, this.rng.int(4), rd, this.rs(true)), rd);
        },
      ],
      [
        2,
        () => {
          const rd = this.rd();
          this.half(cenc.slli(rd, this.rng.range(1, shMax)), rd);
        },
      ],
      [
        2,
        () => {
          const rd = this.rd(true);
          this.half(cenc.cb2(this.rng.int(2), rd, this.rng.range(1, shMax)), rd);
        },
      ],
      [
        2,
        () => {
          const rd = this.rd(true);
          this.half(cenc.cb2(2, rd, this.imm6(false)), rd);
        },
      ],
      [
        1,
        () => {
          const rd = this.rd(true);
          const uimm = this.rng.range(1, 255) * 4;
          this.half(cenc.addi4spn(rd, uimm), rd);
          const sp = this.known.get(2);
          if (sp !== undefined) this.known.set(rd, sp + uimm);
        },
      ],
      [1, () => this.half(0x0001)], // c.nop
    ];
    if (!this.avoid.has(2)) {
      kinds.push([
        0.3,
        () => {
          let imm = 0;
          while (imm === 0) imm = this.rng.range(-32, 31) * 16;
          const sp = this.known.get(2);
          this.half(cenc.addi16sp(imm), 2);
          if (sp !== undefined) this.known.set(2, sp + imm);
        },
      ]);
    }
    if (rv64) {
      kinds.push(
        [
          2,
          () => {
            const rd = this.rd();
            this.half(cenc.addiw(rd, this.imm6(false)), rd);
          },
        ],
        [
          2,
          () => {
            const rd = this.rd(true);
            this.half(cenc.ca(1, this.rng.int(2), rd, this.rs(true)), rd);
          },
        ],
      );
    }
    this.rng.weighted(kinds)();
  }

  /** An address in page `page` of the data region (page 4 and 5: the hole and the user page). */
  private dataAddress(page: number, align: number): number {
    return DATA_BASE + page * PAGE + Math.floor(this.rng.int(PAGE) / align) * align;
  }

  /** A load or a store, to the data region mostly; see the module comment for the cases. */
  private memory(): void {
    const rng = this.rng;
    const size = rng.pick(this.rv64 ? [1, 2, 4, 8] : [1, 2, 4]);
    const store = rng.chance(0.45);
    const kind = rng.weighted([
      [50, "aligned"],
      [12, "misaligned"],
      [10, "cross"],
      [4, "ram-end"],
      [4, "low"],
      [6, "random"],
    ] as const);
    const page = rng.weighted([
      [30, 0],
      [30, 1],
      [10, 2],
      [6, 3],
      [4, 4],
      [4, 5],
    ] as const);
    let target: number;
    switch (kind) {
      case "aligned":
        target = this.dataAddress(page, size);
        break;
      case "misaligned":
        target = this.dataAddress(page, size) + (size > 1 ? rng.range(1, size - 1) : 0);
        break;
      case "cross":
        target = DATA_BASE + rng.range(1, 5) * PAGE - (size > 1 ? rng.range(1, size - 1) : rng.range(0, 1));
        break;
      case "ram-end":
        target = RAM_BASE + RAM_SIZE - rng.range(0, size);
        break;
      case "low":
        target = rng.range(0, 2047);
        break;
      case "random":
        target = -1;
        break;
    }
    const compressible = (size === 4 || size === 8) && kind !== "low" && kind !== "random";
    if (compressible && rng.chance(0.4)) {
      this.compressedMemory(size, store, target);
      return;
    }
    // Base register and immediate.
    let base: number;
    let imm: number;
    if (kind === "low") {
      base = 0;
      imm = target;
    } else if (kind === "random") {
      base = this.rs();
      imm = this.imm12();
    } else {
      const near = BASES.find((b) => {
        const v = this.known.get(b);
        return v !== undefined && Math.abs(target - v) <= 2047;
      });
      if (near !== undefined && rng.chance(0.8)) {
        base = near;
      } else {
        base = rng.chance(0.8) ? rng.pick(BASES) : this.scratch();
        if (this.avoid.has(base)) base = this.scratch();
        this.materialize(base, target - rng.range(-2048, 2047));
      }
      imm = target - this.known.get(base)!;
    }
    if (store) {
      this.word(enc.store(Math.log2(size), this.rs(), base, imm));
    } else {
      const unsigned = size < 8 && (size < 4 || this.rv64) && rng.chance(0.4);
      const rd = this.rdOrZero();
      this.word(enc.load(Math.log2(size) | (unsigned ? 4 : 0), rd, base, imm), rd);
    }
  }

  /** c.lw/c.sw/c.ld/c.sd through s0/s1, or c.lwsp/c.swsp/c.ldsp/c.sdsp through sp. */
  private compressedMemory(size: 4 | 8, store: boolean, target: number): void {
    const rng = this.rng;
    const viaSp = rng.chance(0.4);
    const base = viaSp ? 2 : rng.pick([8, 9]);
    // Offsets are unsigned multiples of the size: c.lw 0–124, c.ld 0–248, c.lwsp 0–252, c.ldsp 0–504.
    const maxOff = viaSp ? (size === 4 ? 252 : 504) : size === 4 ? 124 : 248;
    const v = this.known.get(base);
    let off = v === undefined ? -1 : target - v;
    // (A base register is never a loop counter, so materialising it here is always allowed.)
    if (off < 0 || off > maxOff || off % size !== 0) {
      off = rng.int(maxOff / size + 1) * size;
      this.materialize(base, target - off);
    }
    if (viaSp) {
      if (store) this.half(size === 4 ? cenc.swsp(rng.range(0, 31), off) : cenc.sdsp(rng.range(0, 31), off));
      else {
        const rd = this.rd();
        this.half(size === 4 ? cenc.lwsp(rd, off) : cenc.ldsp(rd, off), rd);
      }
    } else if (store) {
      this.half(size === 4 ? cenc.lsw(6, this.rs(true), base, off) : cenc.lsd(7, this.rs(true), base, off));
    } else {
      const rd = this.rd(true);
      this.half(size === 4 ? cenc.lsw(2, rd, base, off) : cenc.lsd(3, rd, base, off), rd);
    }
  }

  /** A forward conditional branch, maybe compressed, with operands often made comparable. */
  private branch(): void {
    const rng = this.rng;
    const g = this.groups.length;
    const k = rng.range(1, 6);
    if (rng.chance(0.3)) {
      const rs1 = this.rs(true);
      const f3 = rng.chance(0.5) ? 6 : 7;
      this.emit({ size: 2, encode: (pc, l) => cenc.cbranch(f3, rs1, l.forward(g, k, pc, 254) - pc) });
      return;
    }
    const rs1 = this.rs();
    const rs2 = rng.weighted([
      [5, () => this.rs()],
      [2, () => rs1],
      [2, () => 0],
    ] as const)();
    const f3 = rng.pick(BRANCH_F3);
    this.emit({ size: 4, encode: (pc, l) => enc.b(l.forward(g, k, pc, 4094) - pc, rs2, rs1, f3) });
  }

  /** A forward jump: jal, c.j, c.jal, auipc + jalr, auipc + addi + c.jr/c.jalr, or a wild one. */
  private jump(): void {
    const rng = this.rng;
    const g = this.groups.length;
    const k = rng.range(1, 6);
    const form = rng.weighted([
      [3, "jal"],
      [2, "c.j"],
      [this.rv64 ? 0 : 1, "c.jal"],
      [3, "jalr"],
      [2, "c.jr"],
      [0.5, "wild"],
    ] as const);
    switch (form) {
      case "jal": {
        const rd = rng.pick([0, 1, 5, this.rd()]);
        this.emit({ size: 4, encode: (pc, l) => enc.j(l.forward(g, k, pc, 0xffffe) - pc, rd) }, rd);
        return;
      }
      case "c.j":
      case "c.jal":
        this.emit(
          { size: 2, encode: (pc, l) => cenc.cj(form === "c.j" ? 5 : 1, l.forward(g, k, pc, 2046) - pc) },
          form === "c.j" ? 0 : 1,
        );
        return;
      case "jalr": {
        // auipc t, 0; jalr rd, off(t): off is relative to the auipc. rd = t checks that the
        // target is computed before the link is written; an odd offset checks bit 0 is dropped.
        const t = this.scratch();
        const rd = rng.pick([0, 1, t, this.rd()]);
        const odd = rng.chance(0.2) ? 1 : 0;
        this.emit(fixed(enc.auipc(t, 0), 4), t);
        this.emit(
          {
            size: 4,
            encode: (pc, l) => enc.i(l.forward(g, k, pc - 4, 2046) - (pc - 4) + odd, t, 0, rd, OP_JALR),
          },
          rd,
        );
        return;
      }
      case "c.jr": {
        const t = this.scratch();
        const link = rng.chance(0.5);
        this.emit(fixed(enc.auipc(t, 0), 4), t);
        this.emit(
          { size: 4, encode: (pc, l) => enc.addi(t, t, l.forward(g, k, pc - 4, 2047) - (pc - 4)) },
          t,
        );
        this.emit(fixed(link ? cenc.jalr(t) : cenc.jr(t), 2), link ? 1 : 0);
        return;
      }
      case "wild": {
        // Into nothing executable: a fetch fault, after which the handler ends the program.
        const rd = rng.pick([0, 1]);
        this.word(enc.i(rng.range(1, 1023) * 2, 0, 0, rd, OP_JALR), rd);
        return;
      }
    }
  }

  /**
   * li cnt, K; body; addi cnt, cnt, -1; bnez cnt, body — the body never writes cnt and has no
   * control flow, so it runs exactly K times (traps in it return to the next instruction).
   */
  private loop(): void {
    const rng = this.rng;
    const cnt = this.scratch();
    const iterations = rng.range(1, 4);
    const compressed = cnt >= 8 && cnt <= 15 && rng.chance(0.5);
    if (compressed) this.half(cenc.li(cnt, iterations), cnt);
    else this.word(enc.addi(cnt, 0, iterations), cnt);
    const outer = this.avoid;
    this.avoid = new Set([...outer, cnt]);
    const start = this.cur.length;
    const bodyGroups = rng.range(1, 4);
    for (let i = 0; i < bodyGroups; i++) this.straightLine();
    if (compressed) this.half(cenc.addi(cnt, -1), cnt);
    else this.word(enc.addi(cnt, cnt, -1), cnt);
    let back = 0;
    for (let i = start; i < this.cur.length; i++) back += this.cur[i]!.size;
    this.avoid = outer;
    if (compressed && back <= 256) this.half(cenc.cbranch(7, cnt, -back));
    else this.word(enc.b(-back, 0, cnt, 1));
  }

  /** A trap: an illegal instruction of some kind, ecall, ebreak or c.ebreak. */
  private trap(): void {
    const rng = this.rng;
    const rv32Only: number[] = [
      enc.load(3, 5, 0, 0), // ld: illegal on RV32
      enc.r(0, 1, 2, 0, 3, OP_OP_32), // addw: illegal on RV32
      enc.i(1, 1, 0, 3, OP_IMM_32), // addiw
      enc.i(33, 1, 1, 3, OP_IMM), // slli by 33
      0x6388, // c.ld (c.flw on RV32: no F)
    ];
    const rv64Only: number[] = [
      enc.r(0x01, 1, 2, 1, 3, OP_OP_32), // mulhw: does not exist
      enc.i(0x400 | 33, 1, 5, 3, OP_IMM_32), // sraiw by 33
      enc.i(0x800 | 3, 1, 1, 3, OP_IMM), // slli with a non-zero funct6
    ];
    const illegal32: number[] = [
      0xffffffff,
      0x0000000b, // custom-0
      0x00000007, // LOAD-FP: no F
      0x00000053, // OP-FP
      enc.r(0x02, 1, 2, 0, 3, OP_OP), // OP with funct7 = 2
      enc.load(7, 3, 8, 0), // LOAD funct3 = 7
      enc.s(0, 1, 8, 4), // STORE funct3 = 4
      enc.b(8, 1, 2, 2), // BRANCH funct3 = 2
      enc.i(0, 1, 1, 0, OP_JALR), // jalr with funct3 = 1
      enc.i(0, 0, 2, 0, OP_MISC_MEM), // MISC-MEM funct3 = 2
      enc.i(0xf14, 1, 1, 3, OP_SYSTEM), // csrw mhartid: read-only
      enc.csrr(3, 0x7c0), // a CSR that does not exist
      enc.i(0, 0, 4, 0, OP_SYSTEM), // SYSTEM funct3 = 4
      this.rv64 ? enc.csrr(3, 0xc80) : enc.i(33, 1, 1, 3, OP_IMM), // cycleh on RV64
    ];
    const illegal16: number[] = [
      0x0000, // the defined illegal instruction
      0x0004, // c.addi4spn with a zero immediate
      0x6081, // c.lui with a zero immediate
      0x2000, // c.fld
      0x8002, // c.jr x0
    ];
    const pickFrom = rng.weighted([
      [3, "illegal32"],
      [2, "illegal16"],
      [2, "xlen"],
      [2, "ecall"],
      [1, "ebreak"],
      [1, "c.ebreak"],
    ] as const);
    switch (pickFrom) {
      case "illegal32":
        this.word(rng.pick(illegal32));
        return;
      case "illegal16":
        this.half(rng.pick(illegal16));
        return;
      case "xlen": {
        const w = rng.pick(this.rv64 ? rv64Only : rv32Only);
        if ((w & 3) !== 3) this.half(w);
        else this.word(w);
        return;
      }
      case "ecall":
        this.word(enc.ecall);
        return;
      case "ebreak":
        this.word(enc.ebreak);
        return;
      case "c.ebreak":
        this.half(cenc.ebreak);
        return;
    }
  }

  /**
   * CSR accesses whose result is architectural: the counters (an engine must have instret
   * exact at the read), mhartid, misa, mstatus, and writes to the scratch registers. Reads of
   * M-mode CSRs trap in S-mode; `time` traps there too (the fixture leaves mcounteren.TM clear).
   */
  private csr(): void {
    const rng = this.rng;
    const rd = this.rdOrZero();
    const csr = rng.pick([
      0xc00, 0xc01, 0xc02, 0xc02, 0xb00, 0xb02, 0xf14, 0x301, 0x300, 0x100, 0x340, 0x140,
    ]);
    const scratchCsr = rng.pick([0x340, 0x140]); // mscratch, sscratch
    rng.weighted([
      [4, () => this.word(enc.csrr(rd, csr), rd)],
      [2, () => this.word(enc.i(scratchCsr, this.rs(), 1, rd, OP_SYSTEM), rd)], // csrrw
      [1, () => this.word(enc.i(scratchCsr, this.rs(), rng.pick([2, 3]), rd, OP_SYSTEM), rd)], // csrrs/c
      [1, () => this.word(enc.i(scratchCsr, rng.int(32), rng.pick([5, 6, 7]), rd, OP_SYSTEM), rd)], // imm forms
    ])();
  }

  private fence(): void {
    this.word(this.rng.pick([0x0ff0000f, 0x0000100f, 0x0330000f]));
  }

  /** One group's worth of code without control flow (loop bodies use only these). */
  private straightLine(): void {
    const rng = this.rng;
    rng.weighted<() => void>([
      [14, () => this.opR()],
      [14, () => this.opImm()],
      [this.rv64 ? 8 : 0, () => this.op32()],
      [4, () => this.upper()],
      [12, () => this.mulDiv()],
      [14, () => this.compressedAlu()],
      [22, () => this.memory()],
      [2, () => this.csr()],
      [1.5, () => this.trap()],
      [0.5, () => this.fence()],
    ])();
  }

  /** Generates groups until about `length` instructions exist. */
  generate(length: number): void {
    const rng = this.rng;
    const padAt = rng.chance(0.3) ? rng.int(length) : -1;
    let padded = false;
    while (this.count < length) {
      if (!padded && this.count >= padAt && padAt >= 0) {
        padded = true;
        this.emit({ size: 4, encode: () => 0 }); // the jal, encoded at layout
        this.close(true);
        continue;
      }
      rng.weighted<() => void>([
        [100, () => this.straightLine()],
        [9, () => this.branch()],
        [4, () => this.jump()],
        [3, () => this.loop()],
      ])();
      this.close();
    }
  }
}

// ---------------------------------------------------------------------------------------
// Initial values: biased toward the edges where implementations get things wrong.

function randomValue(rng: Rng, xlen: 32 | 64): bigint {
  const bits = BigInt(xlen);
  const full = (): bigint => {
    let v = BigInt(rng.next());
    if (xlen === 64) v = (v << 32n) | BigInt(rng.next());
    return v;
  };
  const v = rng.weighted<() => bigint>([
    [2, () => 0n],
    [2, () => 1n],
    [2, () => -1n],
    [1, () => 2n],
    [2, () => 1n << (bits - 1n)], // MIN
    [1, () => (1n << (bits - 1n)) - 1n], // MAX
    [1, () => 0x7fffffffn],
    [1, () => 0x80000000n],
    [1, () => -0x80000000n],
    [1, () => 0xffffffffn],
    [4, () => BigInt(rng.range(-64, 64))],
    [3, () => BigInt.asIntN(32, BigInt(rng.next()))],
    [5, full],
    [2, () => BigInt(DATA_BASE + rng.int(DATA_SIZE))],
  ])();
  return BigInt.asUintN(xlen, v);
}

// ---------------------------------------------------------------------------------------

/** Generates the program for `seed`; see the module comment for what it contains. */
export function randomProgram(
  seed: number,
  xlen: 32 | 64,
  options: RandomProgramOptions = {},
): RandomProgram {
  const gen = new Generator(seed, xlen);
  const rng = gen.random;
  // Initial registers first, so the base pointers are known to the generator.
  const regs: bigint[] = [0n];
  for (let r = 1; r < 32; r++) regs.push(randomValue(rng, xlen));
  for (const b of BASES) {
    const addr = DATA_BASE + rng.int((2 * PAGE) / 8) * 8;
    regs[b] = BigInt(addr);
    gen.known.set(b, addr);
  }
  for (const r of HANDLER_REGS) regs[r] = 0n;
  const dataInit = new Uint8Array(DATA_SIZE);
  for (let i = 0; i < DATA_SIZE; i += 4) {
    const w = rng.next();
    dataInit[i] = w;
    dataInit[i + 1] = w >>> 8;
    dataInit[i + 2] = w >>> 16;
    dataInit[i + 3] = w >>> 24;
  }

  gen.generate(options.length ?? rng.range(30, 160));
  const groups = gen.groups;

  // Layout: group addresses, with the pad group's filler sized to end at a page's last halfword.
  const addresses: number[] = [];
  const padTarget = new Map<number, number>();
  let addr = CODE_BASE;
  for (const [g, group] of groups.entries()) {
    addresses.push(addr);
    if (group.pad) {
      let target = (Math.floor((addr + 4) / PAGE) + 1) * PAGE - 2;
      if (target < addr + 4) target += PAGE;
      padTarget.set(g, target);
      addr = target;
    } else {
      for (const insn of group.insns) addr += insn.size;
    }
  }
  const endIndex = groups.length;
  addresses.push(addr); // the end group: wfi; j .-4
  const codeSize = addr + 8 - CODE_BASE;
  if (codeSize > CODE_LIMIT) throw new Error(`random program ${seed} is too long (${codeSize} bytes)`);

  const barrierAfter = (g: number): number => {
    for (let i = g + 1; i < endIndex; i++) if (groups[i]!.pad) return i;
    return endIndex;
  };
  const layout: Layout = {
    groupAddress: (g) => addresses[g]!,
    forward(from, k, origin, reach) {
      let t = Math.min(from + k, barrierAfter(from));
      while (t > from + 1 && addresses[t]! - origin > reach) t--;
      const target = addresses[t]!;
      if (target - origin > reach) throw new Error(`random program ${seed}: branch out of reach`);
      return target;
    },
  };

  const code = new Uint8Array(codeSize);
  const put = (at: number, value: number, size: number): void => {
    const off = at - CODE_BASE;
    for (let i = 0; i < size; i++) code[off + i] = value >>> (8 * i);
  };
  for (const [g, group] of groups.entries()) {
    let pc = addresses[g]!;
    if (group.pad) {
      put(pc, enc.j(padTarget.get(g)! - pc, 0), 4); // the filler stays 0: illegal, never reached
      continue;
    }
    for (const insn of group.insns) {
      put(pc, insn.encode(pc, layout), insn.size);
      pc += insn.size;
    }
  }
  put(addr, enc.wfi, 4);
  put(addr + 4, enc.j(-4, 0), 4);

  return { xlen, seed, code, endOffset: addr - CODE_BASE, dataInit, regs };
}
