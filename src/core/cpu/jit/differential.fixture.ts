/**
 * Test fixture for differential runs: puts a random program (random-program.ts) into a bare
 * machine — RAM, one hart, an M-mode trap handler, optionally Sv32/Sv39 page tables — runs it
 * to the end on a hart made by a caller-supplied factory, and captures the architectural
 * state so that two engines (interpreter and JIT) can be compared field by field.
 *
 * The machine (addresses in random-program.ts):
 * - code at CODE_BASE, data at DATA_BASE, handler at HANDLER_BASE, page tables at
 *   PAGE_TABLE_BASE; nothing but RAM on the bus, so everything outside RAM faults;
 * - the handler counts traps in a word of its page and returns past the faulting instruction
 *   (2 or 4 bytes, from the low bits of the parcel at mepc), or, for an instruction fetch
 *   fault (where mepc cannot be read), to the program's final `wfi`. It uses only x30/x31,
 *   which programs never write;
 * - "supervisor" mode runs the program in S-mode with paging: code identity-mapped read +
 *   execute, data pages as random-program.ts describes, medeleg = 0 so every trap reaches the
 *   M-mode handler. "machine" mode runs it in M-mode on physical addresses.
 * - `time` reads a per-machine counter that advances by a fixed step per read, so both
 *   engines see the same values as long as they read it the same number of times.
 *
 * Invariants: a run is deterministic given (factory behaviour, program, mode, options); the
 * state holds every architectural field a correct engine must reproduce: pc, x1–x31, the
 * privilege level, every CSR with storage, minstret/mcycle, the wfi flag, RAM, plus how many
 * instructions `run` reported (the budget contract) and how many traps were taken.
 */
import { AddressSpace } from "../../memory/address-space.js";
import { GuestMemory } from "../../memory/guest-memory.js";
import { Csr } from "../csr-numbers.js";
import { Hart, type HartOptions } from "../hart.js";
import { captureHartState, type HartState, SAVED_CSRS } from "../hart-state.js";
import { Exception, Priv } from "../interrupts.js";
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from "../mmu.js";
import { expandCompressed } from "../rvc.js";
import {
  CODE_BASE,
  CODE_LIMIT,
  DATA_BASE,
  enc,
  HANDLER_BASE,
  HOLE_PAGE,
  PAGE,
  PAGE_TABLE_BASE,
  RAM_BASE,
  RAM_SIZE,
  type RandomProgram,
  READ_ONLY_PAGE,
  USER_PAGE,
} from "./random-program.js";

export type Mode = "machine" | "supervisor";
export type HartFactory = (options: HartOptions) => Hart;

/** The reference engine: the plain interpreter. */
export const interpreter: HartFactory = (options) => new Hart(options);

/** Offsets in the handler's page: the trap counter and the address of the final wfi. */
const TRAP_COUNT = 0x400;
const END_SLOT = 0x408;
const DEFAULT_BUDGET = 200_000;
/** Where HOLE_PAGE is mapped in S-mode: a physical page with nothing behind it. */
const HOLE_PHYS = 0x4000;
const T5 = 30;
const T6 = 31;

export interface RunOptions {
  /** Instructions per `run` call (default: the whole budget in one call). */
  slice?: number;
  /** Total instructions (traps included) before the run is abandoned. */
  budget?: number;
  /** Called after every `run` call, with its index; lets tests disturb a hart on purpose. */
  afterSlice?: (hart: Hart, ram: GuestMemory, index: number) => void;
}

/** A copy of a stretch of RAM that a diff can report byte by byte. */
export interface RamRegion {
  readonly name: string;
  readonly base: number;
  readonly bytes: Uint8Array;
}

export interface ArchState {
  readonly hart: HartState;
  readonly wedged: boolean;
  /** Why the run ended: the program's wfi, the budget, or a wedged hart. */
  readonly stopped: "wfi" | "budget" | "wedged" | "stalled";
  /** The sum of what `run` returned. */
  readonly executed: number;
  /** Traps the handler counted. */
  readonly traps: number;
  /** All of RAM. */
  readonly ramHash: string;
  /** The parts of RAM programs write, kept for a readable diff. */
  readonly regions: readonly RamRegion[];
}

interface Machine {
  readonly hart: Hart;
  readonly ram: GuestMemory;
}

/** The handler's machine code (see the module comment). */
function handlerCode(xlen: 32 | 64): Uint8Array {
  const fetch = 72;
  const words = [
    /*  0 */ enc.auipc(T6, 0),
    /*  4 */ enc.load(2, T5, T6, TRAP_COUNT), // lw
    /*  8 */ enc.addi(T5, T5, 1),
    /* 12 */ enc.store(2, T5, T6, TRAP_COUNT), // sw
    /* 16 */ enc.csrr(T5, Csr.mcause),
    /* 20 */ enc.addi(T5, T5, -Exception.InstructionAccessFault),
    /* 24 */ enc.b(fetch - 24, 0, T5, 0), // beq
    /* 28 */ enc.addi(T5, T5, Exception.InstructionAccessFault - Exception.InstructionPageFault),
    /* 32 */ enc.b(fetch - 32, 0, T5, 0),
    /* 36 */ enc.csrr(T6, Csr.mepc),
    /* 40 */ enc.load(5, T5, T6, 0), // lhu: the first parcel of the faulting instruction
    /* 44 */ enc.i(3, T5, 7, T5, 0x13), // andi t5, t5, 3
    /* 48 */ enc.addi(T5, T5, -3),
    /* 52 */ enc.b(8, 0, T5, 1), // bne: compressed, skip 2
    /* 56 */ enc.addi(T6, T6, 2),
    /* 60 */ enc.addi(T6, T6, 2),
    /* 64 */ enc.csrw(Csr.mepc, T6),
    /* 68 */ enc.mret,
    /* 72 */ enc.auipc(T6, 0), // fetch fault: resume at the final wfi
    /* 76 */ enc.load(xlen === 64 ? 3 : 2, T6, T6, END_SLOT - fetch),
    /* 80 */ enc.csrw(Csr.mepc, T6),
    /* 84 */ enc.mret,
  ];
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, w] of words.entries()) view.setUint32(4 * i, w, true);
  return bytes;
}

/**
 * Builds Sv39 (RV64) or Sv32 (RV32) tables for the paged mode; returns satp's (lo, hi).
 * Leaves A and D clear on most pages, so the walker's updates (which land in RAM and hence
 * in the compared state) are exercised; data page 1 has them preset.
 */
function buildPageTables(ram: GuestMemory, xlen: 32 | 64): [number, number] {
  const pte = (pa: number, flags: number): number => (Math.floor(pa / PAGE) * 1024 + flags) | 0;
  const put = (addr: number, value: number): void => {
    ram.i32[(addr - ram.base) >> 2] = value;
  };
  let leaf: (va: number, pa: number, flags: number) => void;
  if (xlen === 64) {
    const root = PAGE_TABLE_BASE;
    const l1 = root + PAGE;
    const l0 = root + 2 * PAGE;
    put(root + 8 * Math.floor(CODE_BASE / 2 ** 30), pte(l1, PTE_V));
    put(l1 + 8 * (Math.floor(CODE_BASE / 2 ** 21) & 511), pte(l0, PTE_V));
    leaf = (va, pa, flags) => put(l0 + 8 * ((va >>> 12) & 511), pte(pa, flags));
  } else {
    const root = PAGE_TABLE_BASE;
    const l0 = root + PAGE;
    put(root + 4 * (CODE_BASE >>> 22), pte(l0, PTE_V));
    leaf = (va, pa, flags) => put(l0 + 4 * ((va >>> 12) & 1023), pte(pa, flags));
  }
  for (let va = CODE_BASE; va < CODE_BASE + CODE_LIMIT; va += PAGE) leaf(va, va, PTE_V | PTE_R | PTE_X);
  leaf(DATA_BASE, DATA_BASE, PTE_V | PTE_R | PTE_W);
  leaf(DATA_BASE + PAGE, DATA_BASE + PAGE, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
  leaf(READ_ONLY_PAGE, READ_ONLY_PAGE, PTE_V | PTE_R);
  // UNMAPPED_PAGE stays invalid.
  leaf(HOLE_PAGE, HOLE_PHYS, PTE_V | PTE_R | PTE_W);
  leaf(USER_PAGE, USER_PAGE, PTE_V | PTE_R | PTE_W | PTE_U);
  const ppn = PAGE_TABLE_BASE / PAGE;
  return xlen === 64 ? [ppn, 8 << 28] : [0x8000_0000 | ppn | 0, 0];
}

/** A fresh machine with `program` loaded and the hart at its first instruction. */
function setUp(makeHart: HartFactory, program: RandomProgram, xlen: 32 | 64, mode: Mode): Machine {
  if (program.xlen !== xlen) throw new RangeError(`program is RV${program.xlen}, not RV${xlen}`);
  const ram = GuestMemory.allocate(RAM_BASE, RAM_SIZE);
  const bus = new AddressSpace(ram);
  let ticks = 0;
  const hart = makeHart({ hartId: 0, xlen, bus, readTime: () => (ticks += 1000) });
  ram.write(CODE_BASE, program.code);
  ram.write(DATA_BASE, program.dataInit);
  ram.write(HANDLER_BASE, handlerCode(xlen));
  const end = new Uint8Array(8);
  new DataView(end.buffer).setBigUint64(0, BigInt(CODE_BASE + program.endOffset), true);
  ram.write(HANDLER_BASE + END_SLOT, end);
  for (let r = 1; r < 32; r++) hart.setX(r, program.regs[r]!);
  hart.setPc(CODE_BASE);
  hart.csrLo[Csr.mtvec] = HANDLER_BASE | 0;
  hart.csrHi[Csr.mtvec] = 0;
  // cycle and instret readable below M-mode, time not (so rdtime traps in S-mode).
  hart.csrLo[Csr.mcounteren] = 0b101;
  if (mode === "supervisor") {
    const [lo, hi] = buildPageTables(ram, xlen);
    hart.csrLo[Csr.satp] = lo;
    hart.csrHi[Csr.satp] = hi;
    hart.priv = Priv.S;
  }
  hart.tlb.flush();
  hart.privilegeChanged();
  return { hart, ram };
}

const REGIONS: readonly [string, number, number][] = [
  ["data", DATA_BASE, 6 * PAGE],
  ["handler", HANDLER_BASE, PAGE],
  ["page tables", PAGE_TABLE_BASE, 3 * PAGE],
];

function capture(m: Machine, executed: number, stopped: ArchState["stopped"]): ArchState {
  const { hart, ram } = m;
  return {
    hart: captureHartState(hart),
    wedged: hart.wedged,
    stopped,
    executed,
    traps: ram.i32[(HANDLER_BASE + TRAP_COUNT - RAM_BASE) >> 2]!,
    ramHash: ram.hash(),
    regions: REGIONS.map(([name, base, size]) => ({ name, base, bytes: ram.read(base, size) })),
  };
}

/**
 * Runs `program` to its end (or the budget) on a hart from `makeHart` and returns the final
 * state. The hart is given `slice` instructions per `run` call.
 */
export function runProgram(
  makeHart: HartFactory,
  program: RandomProgram,
  xlen: 32 | 64,
  mode: Mode,
  options: RunOptions = {},
): ArchState {
  const m = setUp(makeHart, program, xlen, mode);
  const h = m.hart;
  const budget = options.budget ?? DEFAULT_BUDGET;
  const slice = Math.max(1, options.slice ?? budget);
  let executed = 0;
  let stopped: ArchState["stopped"] = "budget";
  for (let index = 0; executed < budget; index++) {
    const n = h.run(Math.min(slice, budget - executed));
    executed += n;
    options.afterSlice?.(h, m.ram, index);
    if (h.wedged) {
      stopped = "wedged";
      break;
    }
    if (h.waitingForInterrupt) {
      stopped = "wfi";
      break;
    }
    if (n === 0) {
      // Nothing ran and nothing explains why: report it rather than spin.
      stopped = "stalled";
      break;
    }
  }
  return capture(m, executed, stopped);
}

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

/** Every difference between two states, one readable line each (empty when they agree). */
export function diffStates(a: ArchState, b: ArchState): string[] {
  const out: string[] = [];
  const field = (name: string, x: unknown, y: unknown, show: (v: never) => string = String): void => {
    if (x !== y) out.push(`${name}: ${show(x as never)} != ${show(y as never)}`);
  };
  const ha = a.hart;
  const hb = b.hart;
  field("xlen", ha.xlen, hb.xlen);
  field("pc", ha.pc, hb.pc, hex);
  for (let i = 0; i < 32; i++) field(`x${i}`, ha.x[i], hb.x[i], hex);
  field("priv", ha.priv, hb.priv);
  for (const name of SAVED_CSRS) field(name, ha.csrs[name], hb.csrs[name], hex);
  field("instret", ha.instret, hb.instret);
  field("cycle", ha.cycle, hb.cycle);
  field("waitingForInterrupt", ha.waitingForInterrupt, hb.waitingForInterrupt);
  field("wedged", a.wedged, b.wedged);
  field("stopped", a.stopped, b.stopped);
  field("executed (run's count)", a.executed, b.executed);
  field("traps", a.traps, b.traps);
  for (const [i, ra] of a.regions.entries()) {
    const rb = b.regions[i];
    if (rb === undefined || rb.name !== ra.name) {
      out.push(`region ${ra.name}: missing`);
      continue;
    }
    const shown: string[] = [];
    let count = 0;
    for (let j = 0; j < ra.bytes.length; j++) {
      if (ra.bytes[j] === rb.bytes[j]) continue;
      count++;
      if (shown.length < 8) shown.push(`${hex(ra.base + j)}: ${hex(ra.bytes[j]!)} != ${hex(rb.bytes[j]!)}`);
    }
    if (count > 0)
      out.push(`RAM ${ra.name}: ${count} bytes differ (${shown.join(", ")}${count > 8 ? ", ..." : ""})`);
  }
  field("RAM hash", a.ramHash, b.ramHash);
  return out;
}

// ---------------------------------------------------------------------------------------
// Coverage: what a program actually did, found by single-stepping the interpreter. Used to
// check that the generator has not degenerated (a fuzzer whose programs all trap at once
// would compare equal and prove nothing).

export interface Coverage {
  /** Program instructions executed (handler instructions not counted), traps included. */
  steps: number;
  /** Traps taken, by mcause. */
  readonly traps: Map<number, number>;
  loads: number;
  stores: number;
  /** Loads and stores that completed although misaligned / across a page boundary. */
  misaligned: number;
  pageCrossing: number;
  branchesTaken: number;
  branchesNotTaken: number;
  /** Taken backward branches: loop iterations. */
  backward: number;
  jumps: number;
  compressed: number;
  divideByZero: number;
  divideOverflow: number;
  /** Runs that ended at the program's wfi (rather than the budget). */
  finished: number;
  runs: number;
}

export function emptyCoverage(): Coverage {
  return {
    steps: 0,
    traps: new Map(),
    loads: 0,
    stores: 0,
    misaligned: 0,
    pageCrossing: 0,
    branchesTaken: 0,
    branchesNotTaken: 0,
    backward: 0,
    jumps: 0,
    compressed: 0,
    divideByZero: 0,
    divideOverflow: 0,
    finished: 0,
    runs: 0,
  };
}

/** Single-steps `program` on the interpreter and adds what it did to `cov`. */
export function traceProgram(
  program: RandomProgram,
  mode: Mode,
  cov: Coverage,
  budget = DEFAULT_BUDGET,
): void {
  const xlen = program.xlen;
  const m = setUp(interpreter, program, xlen, mode);
  const { hart: h, ram } = m;
  const bits = BigInt(xlen);
  const min = 1n << (bits - 1n);
  const inHandler = (pc: number): boolean => pc >= HANDLER_BASE && pc < HANDLER_BASE + PAGE;
  cov.runs++;
  for (let n = 0; n < budget && !h.waitingForInterrupt && !h.wedged; n++) {
    const pc = h.pc;
    if (inHandler(pc)) {
      h.run(1);
      continue;
    }
    cov.steps++;
    // Decode from RAM (code is identity-mapped in the paged mode).
    let insn = 0;
    let len = 4;
    if (ram.contains(pc, 4)) {
      const lo = ram.u16[(pc - ram.base) >> 1]!;
      if ((lo & 3) !== 3) {
        insn = expandCompressed(lo, xlen);
        len = 2;
      } else {
        insn = lo | (ram.u16[((pc - ram.base) >> 1) + 1]! << 16);
      }
    }
    const opcode = insn & 0x7f;
    const f3 = (insn >> 12) & 7;
    const a = h.getX((insn >> 15) & 31);
    const b = h.getX((insn >> 20) & 31);
    h.run(1);
    if (inHandler(h.pc)) {
      const cause = h.csrLo[Csr.mcause]!;
      cov.traps.set(cause, (cov.traps.get(cause) ?? 0) + 1);
      continue;
    }
    if (len === 2) cov.compressed++;
    if (opcode === 0x03 || opcode === 0x23) {
      const imm = opcode === 0x03 ? insn >> 20 : ((insn >> 25) << 5) | ((insn >> 7) & 31);
      const addr = BigInt.asUintN(xlen, a + BigInt(imm));
      const size = 1n << BigInt(f3 & 3);
      if (opcode === 0x03) cov.loads++;
      else cov.stores++;
      if (addr % size !== 0n) cov.misaligned++;
      if ((addr & 0xfffn) + size > 0x1000n) cov.pageCrossing++;
    } else if (opcode === 0x63) {
      if (h.pc === pc + len) cov.branchesNotTaken++;
      else {
        cov.branchesTaken++;
        if (h.pc < pc) cov.backward++;
      }
    } else if (opcode === 0x6f || opcode === 0x67) {
      cov.jumps++;
    } else if ((opcode === 0x33 || opcode === 0x3b) && insn >>> 25 === 1 && f3 >= 4) {
      const w = opcode === 0x3b;
      const dividend = w ? BigInt.asIntN(32, a) : BigInt.asIntN(xlen, a);
      const divisor = w ? BigInt.asIntN(32, b) : BigInt.asIntN(xlen, b);
      if (divisor === 0n) cov.divideByZero++;
      else if ((f3 === 4 || f3 === 6) && divisor === -1n && dividend === (w ? -(1n << 31n) : -min)) {
        cov.divideOverflow++;
      }
    }
  }
  if (h.waitingForInterrupt) cov.finished++;
}
