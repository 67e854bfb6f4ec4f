/**
 * Translates a planned unit (plan-unit.ts) into a WebAssembly module: one exported function
 * `run(entry)` that starts at half-word offset `entry` of the page and runs blocks, jumping
 * between them inside a loop, until control leaves the page's blocks, the budget runs short,
 * an instruction needs the interpreter, or something traps. It returns an `Exit` reason
 * (jit-abi.ts). The loop's head is a `br_table` over every half-word offset of the page, so
 * computed jumps (JALR: returns, switch tables) to the page's blocks stay inside too.
 *
 * Guest registers live in i64 locals while the function runs: the prologue loads every
 * register the unit touches from the hart's area, and the one epilogue (after the outer
 * block every exit branches to) stores every register the unit writes. RV32 values are kept
 * sign-extended from bit 31, as the interpreter keeps them, so comparisons and branches are
 * the same code for both XLENs and only the operations whose 32-bit result differs are
 * narrowed (`i64.extend32_s`).
 *
 * Each block checks the budget and takes its whole length from it; an exit in the middle
 * gives back what did not retire, so instruction counts stay exact. The page's code version
 * is checked by the cache before a unit runs, not inside it: this hart's own stores into the
 * page leave the unit at once, and another hart's are seen from this hart's next entry (a
 * slice at the latest) — RISC-V promises a hart another's code writes only after its own
 * `fence.i`, which leaves compiled code. Loads and stores look the hart's TLB up inline — the
 * same arrays, entries and hit rule as the interpreter's fast path — and call the
 * interpreter's slow paths through
 * two imports otherwise, so misses, MMIO, misalignment, faults and dirty logging behave as
 * they do there.
 *
 * Atomics (A) run in the interpreter's code through a third import, with their two source
 * registers stored to the area first and the destination read back after: LR/SC keep the
 * interpreter's reservation, and every AMO its checks. `fence` is an atomic read-modify-write
 * of a word of the area, a full barrier as the interpreter's is.
 *
 * The module imports: `m.mem` (guest memory), `m.area` (the hart area's byte offset),
 * `m.load(lo, hi, size) -> i32`,
 * `m.store(lo, hi, size, vlo, vhi) -> i32` and `m.amo(insn) -> i32` (0 done, 1 trapped,
 * 2 yield, 3 code written).
 */
import { TLB, X_HI, X_LO } from "../hart-area.js";
import { TLB_ADDEND, TLB_ENTRY_WORDS, TLB_MASK, TLB_TABLE_BYTES } from "../mmu.js";
import { BUDGET, DBASE, EXIT_PC, Exit, FAULT, FENCE_WORD, LOAD_HI } from "./jit-abi.js";
import { branchOffset, jalOffset, majorOf, type PlannedBlock, type UnitPlan } from "./plan-unit.js";
import { BlockType, Op, ValType, WasmCode, WasmModuleBuilder } from "./wasm-encoder.js";

/**
 * What a unit is compiled against. The hart's area is an imported global instead, so that
 * one module serves every hart of a thread and every domain of the same memory size
 * (code-cache.ts keeps modules by what they were compiled from).
 */
export interface UnitTarget {
  readonly xlen: 32 | 64;
  /** Virtual address of the page's first byte (the pc values the code computes). */
  readonly vbase: number;
  /** Pages of the imported memory (its initial and maximum). */
  readonly memoryPages: number;
}

// Locals. 0 is the parameter, NEXT: the half-word offset of the block to run next.
const NEXT = 0;
const BUDGET_L = 1;
const REASON = 2;
const LO = 3; // an access's address, low word
const TI = 4; // its TLB entry's byte offset from the area
const DBASE_L = 5;
const T32 = 6;
const AREA = 7; // the hart area's base (global G_AREA): area fields are constant offsets from it
const EXIT_PC_L = 8;
const ADDR = 9;
const TA = 10;
const TB = 11;
const X0 = 11; // x_r is local X0 + r, r = 1..31 (x0 is never a local)
const LOCALS: ValType[] = [
  ...Array<ValType>(AREA).fill(ValType.i32), // 1..AREA
  ...Array<ValType>(TB - AREA).fill(ValType.i64), // EXIT_PC_L..TB
  ...Array<ValType>(31).fill(ValType.i64),
];

// Function indices: the three imports, then the helpers below, then `run`.
const F_LOAD = 0;
const F_STORE = 1;
const F_AMO = 2;
const F_MULHU = 3;
const F_DIV = 4;
const F_DIVU = 5;
const F_REM = 6;
const F_REMU = 7;
// The imported global.
const G_AREA = 0;

/** The threads proposal's prefix and i32.atomic.rmw.add. */
const ATOMIC_PREFIX = 0xfe;
const I32_ATOMIC_RMW_ADD = 0x1e;

/** Byte offsets of the TLB's tables in the area (entries as mmu.ts lays them out). */
const TLB_READS = TLB;
const TLB_WRITES = TLB + TLB_TABLE_BYTES;
const ENTRY_BYTES = TLB_ENTRY_WORDS * 4;

/**
 * The OP forms that are one or two i64 instructions, keyed by funct7 << 3 | funct3; `narrow`:
 * RV32 sign-extends the result from bit 31 (shifts on RV32 are emitted apart, as 32-bit ones).
 */
const OP_FORMS = new Map<number, { readonly ops: readonly number[]; readonly narrow: boolean }>([
  [0x000, { ops: [Op.i64_add], narrow: true }],
  [0x100, { ops: [Op.i64_sub], narrow: true }],
  [0x001, { ops: [Op.i64_shl], narrow: false }],
  [0x002, { ops: [Op.i64_lt_s, Op.i64_extend_i32_u], narrow: false }],
  [0x003, { ops: [Op.i64_lt_u, Op.i64_extend_i32_u], narrow: false }],
  [0x004, { ops: [Op.i64_xor], narrow: false }],
  [0x005, { ops: [Op.i64_shr_u], narrow: false }],
  [0x105, { ops: [Op.i64_shr_s], narrow: false }],
  [0x006, { ops: [Op.i64_or], narrow: false }],
  [0x007, { ops: [Op.i64_and], narrow: false }],
  [0x008, { ops: [Op.i64_mul], narrow: true }],
]);

/** Emits the body of `run` for one unit. */
class UnitEmitter {
  readonly c = new WasmCode(4096);
  /** Labels open around the current point. The outer block is at 0, the loop at 1. */
  private level = 0;
  /** While emitting a block that jumps to its own start: the level its `loop` opened at. */
  private selfLoop = -1;
  private blockStart = -1;
  private readonly rv32: boolean;

  constructor(
    private readonly plan: UnitPlan,
    private readonly t: UnitTarget,
  ) {
    this.rv32 = t.xlen === 32;
  }

  // --- structure ---

  private open(kind: "block" | "loop" | "if", type: number = BlockType.empty): void {
    if (kind === "block") this.c.block(type);
    else if (kind === "loop") this.c.loop(type);
    else this.c.if(type);
    this.level++;
  }

  private close(): void {
    this.c.end();
    this.level--;
  }

  /** Branches out to the epilogue. */
  private toEpilogue(): void {
    this.c.br(this.level - 1);
  }

  /** Branches back to the loop head, which runs block NEXT. */
  private toDispatch(): void {
    this.c.br(this.level - 2);
  }

  /** Normalises a pc value for XLEN, as the interpreter's does. */
  private pcValue(v: number): number {
    return this.rv32 ? v >>> 0 : v;
  }

  /** Leaves for `pc` with `reason`, giving back `unretired` instructions to the budget. */
  private exitTo(pc: number, reason: number, unretired: number): void {
    this.c.i64ConstNumber(this.pcValue(pc)).localSet(EXIT_PC_L);
    this.exitHere(reason, unretired);
  }

  /** Leaves with EXIT_PC_L already set. */
  private exitHere(reason: number, unretired: number): void {
    const c = this.c;
    c.i32Const(reason).localSet(REASON);
    if (unretired !== 0) c.localGet(BUDGET_L).i32Const(unretired).op(Op.i32_add).localSet(BUDGET_L);
    this.toEpilogue();
  }

  /**
   * Continues at static address `pc`: inside the unit when a block starts there.
   */
  private jumpTo(pc: number): void {
    const offset = pc - this.t.vbase;
    const block = offset >= 0 && offset < 4096 ? this.plan.index.get(offset) : undefined;
    if (block === undefined) {
      this.exitTo(pc, Exit.JUMP, 0);
      return;
    }
    if (offset === this.blockStart && this.selfLoop >= 0) {
      this.c.br(this.level - this.selfLoop - 1); // a loop of one block: straight back to its top
      return;
    }
    this.c.i32Const(offset >> 1).localSet(NEXT);
    this.toDispatch();
  }

  // --- registers ---

  private x(r: number): void {
    if (r === 0) this.c.i64Const(0, 0);
    else this.c.localGet(X0 + r);
  }

  /** Pops the value on the stack into x_rd. */
  private setX(rd: number): void {
    if (rd === 0) this.c.op(Op.drop);
    else this.c.localSet(X0 + rd);
  }

  private x32(r: number): void {
    this.x(r);
    this.c.op(Op.i32_wrap_i64);
  }

  /** Narrows the i64 on the stack to a sign-extended 32-bit value on RV32. */
  private narrow(): void {
    if (this.rv32) this.c.op(Op.i64_extend32_s);
  }

  /** Loads x_r's local from the area. */
  private reload(r: number): void {
    const c = this.c;
    c.localGet(AREA).load(Op.i64_load32_u, 2, X_LO + 4 * r);
    c.localGet(AREA).load(Op.i64_load32_s, 2, X_HI + 4 * r);
    c.i64Const(32, 0)
      .op(Op.i64_shl)
      .op(Op.i64_or)
      .localSet(X0 + r);
  }

  /** Stores x_r's local to the area. */
  private spill(r: number): void {
    const c = this.c;
    c.localGet(AREA)
      .localGet(X0 + r)
      .store(Op.i64_store32, 2, X_LO + 4 * r);
    c.localGet(AREA)
      .localGet(X0 + r)
      .i64Const(32, 0)
      .op(Op.i64_shr_s)
      .store(Op.i64_store32, 2, X_HI + 4 * r);
  }

  // --- the function ---

  emit(): WasmCode {
    const { c, plan, t } = this;
    const used = new Set<number>();
    const written = new Set<number>();
    for (const b of plan.blocks) {
      for (const { insn } of b.instructions) {
        const rd = (insn >> 7) & 31;
        used.add((insn >> 15) & 31).add((insn >> 20) & 31);
        if (rd !== 0) {
          used.add(rd);
          written.add(rd);
        }
      }
    }
    used.delete(0);
    // Prologue.
    c.opU32(Op.global_get, G_AREA).localSet(AREA);
    for (const r of used) this.reload(r);
    c.localGet(AREA).load(Op.i32_load, 2, BUDGET).localSet(BUDGET_L);
    c.localGet(AREA).localGet(AREA).load(Op.i32_load, 2, DBASE).op(Op.i32_add).localSet(DBASE_L);

    const k = plan.blocks.length;
    this.open("block"); // the epilogue's
    this.open("loop");
    this.open("block"); // offsets without a block
    for (let i = 0; i < k; i++) this.open("block");
    const table = new Array<number>(2048).fill(k);
    for (const [offset, index] of plan.index) table[offset >> 1] = index;
    c.localGet(NEXT).brTable(table, k);
    for (let i = 0; i < k; i++) {
      this.close();
      this.block(plan.blocks[i]!);
    }
    this.close();
    // A computed jump to an offset of the page where no block starts.
    c.i64ConstNumber(t.vbase).localGet(NEXT).i32Const(1).op(Op.i32_shl).op(Op.i64_extend_i32_u);
    c.op(Op.i64_add).localSet(EXIT_PC_L);
    this.exitHere(Exit.JUMP, 0);
    this.close(); // loop: never falls through, every block ends in a branch
    this.close();

    // Epilogue.
    for (const r of written) this.spill(r);
    c.localGet(AREA).localGet(BUDGET_L).store(Op.i32_store, 2, BUDGET);
    c.localGet(AREA).localGet(EXIT_PC_L).store(Op.i64_store, 3, EXIT_PC);
    c.localGet(REASON);
    return c;
  }

  private block(b: PlannedBlock): void {
    const { c, t } = this;
    const len = b.instructions.length;
    const start = t.vbase + b.start;
    this.blockStart = b.start;
    this.selfLoop = -1;
    // A block that branches or jumps back to its own start runs inside a `loop` of its own.
    const end = b.instructions[len - 1]!;
    const endMajor = majorOf(end.insn);
    const target =
      endMajor === 0x18
        ? end.offset + branchOffset(end.insn)
        : endMajor === 0x1b
          ? end.offset + jalOffset(end.insn)
          : -1;
    if (target === b.start) {
      this.selfLoop = this.level;
      this.open("loop");
    }
    c.localGet(BUDGET_L).i32Const(len).op(Op.i32_lt_u);
    this.open("if");
    this.exitTo(start, Exit.BUDGET, 0);
    this.close();
    c.localGet(BUDGET_L).i32Const(len).op(Op.i32_sub).localSet(BUDGET_L);
    for (let i = 0; i < len; i++) {
      const ins = b.instructions[i]!;
      const pc = t.vbase + ins.offset;
      const npc = pc + ins.length;
      const last = i === len - 1;
      const unretired = len - i;
      const major = majorOf(ins.insn);
      if (major === 0x18) this.branch(ins.insn, pc, npc);
      else if (major === 0x1b) this.jal(ins.insn, pc, npc);
      else if (major === 0x19) this.jalr(ins.insn, npc);
      else {
        this.instruction(ins.insn, pc, npc, unretired);
        if (last) {
          if (b.toInterpreter) this.exitTo(t.vbase + b.next, Exit.INTERPRET, 0);
          else this.jumpTo(t.vbase + b.next);
        }
      }
    }
    if (this.selfLoop >= 0) this.close();
    this.selfLoop = -1;
  }

  // --- control transfer ---

  private branch(insn: number, pc: number, npc: number): void {
    const c = this.c;
    const rs1 = (insn >> 15) & 31;
    const rs2 = (insn >> 20) & 31;
    this.x(rs1);
    this.x(rs2);
    c.op([Op.i64_eq, Op.i64_ne, 0, 0, Op.i64_lt_s, Op.i64_ge_s, Op.i64_lt_u, Op.i64_ge_u][(insn >> 12) & 7]!);
    this.open("if");
    this.jumpTo(pc + branchOffset(insn));
    this.close();
    this.jumpTo(npc);
  }

  /** The link value (the next instruction's address) as a register value. */
  private link(npc: number): void {
    if (this.rv32) this.c.i64Const(npc | 0, (npc | 0) >> 31);
    else this.c.i64ConstNumber(npc);
  }

  private jal(insn: number, pc: number, npc: number): void {
    const rd = (insn >> 7) & 31;
    if (rd !== 0) {
      this.link(npc);
      this.setX(rd);
    }
    this.jumpTo(pc + jalOffset(insn));
  }

  private jalr(insn: number, npc: number): void {
    const c = this.c;
    const rd = (insn >> 7) & 31;
    this.x((insn >> 15) & 31);
    c.i64Const(insn >> 20, insn >> 31)
      .op(Op.i64_add)
      .i64Const(-2, -1)
      .op(Op.i64_and);
    if (this.rv32) c.i64Const(-1, 0).op(Op.i64_and);
    c.localSet(EXIT_PC_L);
    if (rd !== 0) {
      this.link(npc);
      this.setX(rd);
    }
    // Inside the page: dispatch on the offset (an offset without a block leaves from there).
    c.localGet(EXIT_PC_L).i64ConstNumber(this.t.vbase).op(Op.i64_sub).localTee(TA);
    c.i64Const(4096, 0).op(Op.i64_lt_u);
    this.open("if");
    c.localGet(TA).op(Op.i32_wrap_i64).i32Const(1).op(Op.i32_shr_u).localSet(NEXT);
    this.toDispatch();
    this.close();
    this.exitHere(Exit.JUMP, 0);
  }

  // --- everything else ---

  private instruction(insn: number, pc: number, npc: number, unretired: number): void {
    const c = this.c;
    const rd = (insn >> 7) & 31;
    const rs1 = (insn >> 15) & 31;
    const rs2 = (insn >> 20) & 31;
    const f3 = (insn >> 12) & 7;
    const imm = insn >> 20;
    switch (majorOf(insn)) {
      case 0x0d: // LUI
        c.i64Const(insn & -4096, insn >> 31);
        this.setX(rd);
        return;
      case 0x05: {
        // AUIPC
        const v = pc + (insn & -4096);
        if (this.rv32) c.i64Const(v | 0, (v | 0) >> 31);
        else c.i64ConstNumber(v);
        this.setX(rd);
        return;
      }
      case 0x00:
        this.load(insn, pc, unretired);
        return;
      case 0x08:
        this.store(insn, pc, npc, unretired);
        return;
      case 0x04:
        this.opImm(rd, rs1, f3, imm);
        return;
      case 0x0c:
        this.op(rd, rs1, rs2, ((insn >>> 25) << 3) | f3);
        return;
      case 0x06:
        // OP-IMM-32
        this.x32(rs1);
        c.i32Const(f3 === 0 ? imm : imm & 31);
        c.op(f3 === 0 ? Op.i32_add : f3 === 1 ? Op.i32_shl : insn >>> 30 === 1 ? Op.i32_shr_s : Op.i32_shr_u);
        c.op(Op.i64_extend_i32_s);
        this.setX(rd);
        return;
      case 0x0e:
        this.op32(rd, rs1, rs2, ((insn >>> 25) << 3) | f3);
        return;
      case 0x03:
        // fence
        c.localGet(AREA).i32Const(1).byte(ATOMIC_PREFIX).u32(I32_ATOMIC_RMW_ADD).u32(2).u32(FENCE_WORD);
        c.op(Op.drop);
        return;
      case 0x0b:
        this.atomic(insn, pc, npc, unretired);
        return;
      default:
        throw new Error(`emit-unit: instruction 0x${(insn >>> 0).toString(16)} is not compilable`);
    }
  }

  private opImm(rd: number, rs1: number, f3: number, imm: number): void {
    const c = this.c;
    if (rd === 0) return; // a hint or a nop: nothing to compute
    this.x(rs1);
    switch (f3) {
      case 0:
        c.i64Const(imm, imm >> 31).op(Op.i64_add);
        this.narrow();
        break;
      case 2:
        c.i64Const(imm, imm >> 31)
          .op(Op.i64_lt_s)
          .op(Op.i64_extend_i32_u);
        break;
      case 3:
        c.i64Const(imm, imm >> 31)
          .op(Op.i64_lt_u)
          .op(Op.i64_extend_i32_u);
        break;
      case 4:
        c.i64Const(imm, imm >> 31).op(Op.i64_xor);
        break;
      case 6:
        c.i64Const(imm, imm >> 31).op(Op.i64_or);
        break;
      case 7:
        c.i64Const(imm, imm >> 31).op(Op.i64_and);
        break;
      case 1:
        c.i64Const(imm & 63, 0).op(Op.i64_shl);
        this.narrow();
        break;
      default: {
        const arithmetic = (imm >> 10) & 1;
        if (this.rv32) {
          c.op(Op.i32_wrap_i64)
            .i32Const(imm & 31)
            .op(arithmetic ? Op.i32_shr_s : Op.i32_shr_u);
          c.op(Op.i64_extend_i32_s);
        } else {
          c.i64Const(imm & 63, 0).op(arithmetic ? Op.i64_shr_s : Op.i64_shr_u);
        }
      }
    }
    this.setX(rd);
  }

  /** OP, keyed by funct7 << 3 | funct3. */
  private op(rd: number, rs1: number, rs2: number, key: number): void {
    const c = this.c;
    if (rd === 0) return; // no side effect: division by zero does not trap
    const rv32 = this.rv32;
    if (rv32 && (key === 0x001 || key === 0x005 || key === 0x105)) {
      // 32-bit shifts: the count is taken mod 32, the value narrowed.
      this.x32(rs1);
      this.x32(rs2);
      c.op(key === 0x001 ? Op.i32_shl : key === 0x005 ? Op.i32_shr_u : Op.i32_shr_s);
      c.op(Op.i64_extend_i32_s);
      this.setX(rd);
      return;
    }
    if (key >= 0x009 && key <= 0x00b) {
      this.mulh(rs1, rs2, key & 7);
      this.setX(rd);
      return;
    }
    if (key >= 0x00c && key <= 0x00f) {
      const signed = (key & 1) === 0;
      if (rv32) {
        this.divOperands(rs1, rs2, signed);
        c.call([F_DIV, F_DIVU, F_REM, F_REMU][key - 0x00c]!).op(Op.i64_extend32_s);
      } else {
        this.x(rs1);
        this.x(rs2);
        c.call([F_DIV, F_DIVU, F_REM, F_REMU][key - 0x00c]!);
      }
      this.setX(rd);
      return;
    }
    const form = OP_FORMS.get(key);
    if (form === undefined) throw new Error(`emit-unit: OP 0x${key.toString(16)} is not compilable`);
    this.x(rs1);
    this.x(rs2);
    for (const op of form.ops) c.op(op);
    if (form.narrow) this.narrow();
    this.setX(rd);
  }

  /** Pushes the operands of a 32-bit division: sign- or zero-extended low words. */
  private divOperands(rs1: number, rs2: number, signed: boolean): void {
    for (const r of [rs1, rs2]) {
      this.x32(r);
      this.c.op(signed ? Op.i64_extend_i32_s : Op.i64_extend_i32_u);
    }
  }

  /** mulh (f3 1), mulhsu (2), mulhu (3). */
  private mulh(rs1: number, rs2: number, f3: number): void {
    const c = this.c;
    if (this.rv32) {
      // The whole product fits in 64 bits: take its high word.
      this.x32(rs1);
      c.op(f3 === 3 ? Op.i64_extend_i32_u : Op.i64_extend_i32_s);
      this.x32(rs2);
      c.op(f3 === 1 ? Op.i64_extend_i32_s : Op.i64_extend_i32_u);
      c.op(Op.i64_mul)
        .i64Const(32, 0)
        .op(f3 === 3 ? Op.i64_shr_u : Op.i64_shr_s)
        .op(Op.i64_extend32_s);
      return;
    }
    // From the unsigned high product: subtract b when a < 0 (mulh, mulhsu) and a when b < 0 (mulh).
    this.x(rs1);
    c.localSet(TA);
    this.x(rs2);
    c.localSet(TB);
    c.localGet(TA).localGet(TB).call(F_MULHU);
    if (f3 !== 3) {
      c.localGet(TA).i64Const(63, 0).op(Op.i64_shr_s).localGet(TB).op(Op.i64_and).op(Op.i64_sub);
    }
    if (f3 === 1) {
      c.localGet(TB).i64Const(63, 0).op(Op.i64_shr_s).localGet(TA).op(Op.i64_and).op(Op.i64_sub);
    }
  }

  /** OP-32 (RV64 only), keyed by funct7 << 3 | funct3. */
  private op32(rd: number, rs1: number, rs2: number, key: number): void {
    const c = this.c;
    if (rd === 0) return;
    if (key >= 0x00c && key <= 0x00f) {
      const signed = (key & 1) === 0;
      this.divOperands(rs1, rs2, signed);
      c.call([F_DIV, F_DIVU, F_REM, F_REMU][key - 0x00c]!).op(Op.i64_extend32_s);
      this.setX(rd);
      return;
    }
    this.x32(rs1);
    this.x32(rs2);
    const op = {
      0: Op.i32_add,
      256: Op.i32_sub,
      1: Op.i32_shl,
      5: Op.i32_shr_u,
      261: Op.i32_shr_s,
      8: Op.i32_mul,
    }[key];
    if (op === undefined) throw new Error(`emit-unit: OP-32 0x${key.toString(16)} is not compilable`);
    c.op(op).op(Op.i64_extend_i32_s);
    this.setX(rd);
  }

  // --- memory ---

  /**
   * Computes the effective address into ADDR and LO, and the byte offset of its TLB entry in
   * the data set (from the area's base) into TI.
   */
  private address(rs1: number, imm: number): void {
    const c = this.c;
    this.x(rs1);
    c.i64Const(imm, imm >> 31)
      .op(Op.i64_add)
      .localTee(ADDR)
      .op(Op.i32_wrap_i64)
      .localTee(LO);
    // (LO >>> 12 & TLB_MASK) × ENTRY_BYTES, in one shift and one mask.
    c.i32Const(12 - Math.log2(ENTRY_BYTES))
      .op(Op.i32_shr_u)
      .i32Const(TLB_MASK * ENTRY_BYTES)
      .op(Op.i32_and);
    c.localGet(DBASE_L).op(Op.i32_add).localSet(TI);
  }

  /**
   * Pushes whether the entry at TI of `table` maps the page for an aligned access of `size`:
   * the address masked to its page and its alignment bits equals the tag, as the
   * interpreter's tag compare and alignment test together (an empty entry's tag never does).
   */
  private hit(table: number, size: number): void {
    const c = this.c;
    const mask = -4096 | (size - 1);
    if (this.rv32) {
      c.localGet(TI).load(Op.i32_load, 2, table);
      c.localGet(LO).i32Const(mask).op(Op.i32_and).op(Op.i32_eq);
    } else {
      c.localGet(TI).load(Op.i64_load, 3, table);
      c.localGet(ADDR).i64Const(mask, -1).op(Op.i64_and).op(Op.i64_eq);
    }
  }

  /** Pushes the host address of the access: the entry's addend plus the address. */
  private hostAddress(table: number): void {
    this.c
      .localGet(TI)
      .load(Op.i32_load, 2, table + 4 * TLB_ADDEND)
      .localGet(LO)
      .op(Op.i32_add);
  }

  /** Pushes the address's low and high words, the slow paths' first two arguments. */
  private addressWords(): void {
    const c = this.c;
    c.localGet(LO);
    if (this.rv32) c.i32Const(0);
    else c.localGet(ADDR).i64Const(32, 0).op(Op.i64_shr_u).op(Op.i32_wrap_i64);
  }

  private load(insn: number, pc: number, unretired: number): void {
    const c = this.c;
    const rd = (insn >> 7) & 31;
    const f3 = (insn >> 12) & 7;
    const size = 1 << (f3 & 3);
    this.address((insn >> 15) & 31, insn >> 20);
    this.hit(TLB_READS, size);
    this.open("if", BlockType.i64);
    this.hostAddress(TLB_READS);
    const fast = [
      Op.i64_load8_s,
      Op.i64_load16_s,
      Op.i64_load32_s,
      Op.i64_load,
      Op.i64_load8_u,
      Op.i64_load16_u,
      Op.i64_load32_u,
    ][f3]!;
    c.load(fast, f3 & 3, 0);
    c.else();
    this.addressWords();
    c.i32Const(size).call(F_LOAD).localSet(T32);
    c.localGet(AREA).load(Op.i32_load, 2, FAULT);
    this.open("if");
    this.exitTo(pc, Exit.TRAP, unretired);
    this.close();
    c.localGet(T32);
    switch (f3) {
      case 0:
        c.op(Op.i32_extend8_s).op(Op.i64_extend_i32_s);
        break;
      case 1:
        c.op(Op.i32_extend16_s).op(Op.i64_extend_i32_s);
        break;
      case 2:
        c.op(Op.i64_extend_i32_s);
        break;
      case 3:
        c.op(Op.i64_extend_i32_u).localGet(AREA).load(Op.i64_load32_u, 2, LOAD_HI);
        c.i64Const(32, 0).op(Op.i64_shl).op(Op.i64_or);
        break;
      case 4:
        c.i32Const(0xff).op(Op.i32_and).op(Op.i64_extend_i32_u);
        break;
      case 5:
        c.i32Const(0xffff).op(Op.i32_and).op(Op.i64_extend_i32_u);
        break;
      default:
        c.op(Op.i64_extend_i32_u);
    }
    this.close();
    this.setX(rd);
  }

  private atomic(insn: number, pc: number, npc: number, unretired: number): void {
    const c = this.c;
    const rd = (insn >> 7) & 31;
    for (const r of [(insn >> 15) & 31, (insn >> 20) & 31]) if (r !== 0) this.spill(r);
    c.i32Const(insn).call(F_AMO).localTee(T32);
    this.open("if");
    c.localGet(T32).i32Const(1).op(Op.i32_eq);
    this.open("if");
    this.exitTo(pc, Exit.TRAP, unretired);
    this.close();
    if (rd !== 0) this.reload(rd);
    this.exitTo(npc, Exit.STALE, unretired - 1);
    this.close();
    if (rd !== 0) this.reload(rd);
  }

  private store(insn: number, pc: number, npc: number, unretired: number): void {
    const c = this.c;
    const f3 = (insn >> 12) & 7;
    const rs2 = (insn >> 20) & 31;
    const size = 1 << f3;
    const imm = ((insn >> 25) << 5) | ((insn >> 7) & 31);
    this.address((insn >> 15) & 31, imm);
    this.hit(TLB_WRITES, size);
    this.open("if");
    this.hostAddress(TLB_WRITES);
    this.x(rs2);
    c.store([Op.i64_store8, Op.i64_store16, Op.i64_store32, Op.i64_store][f3]!, f3, 0);
    c.else();
    this.addressWords();
    c.i32Const(size);
    this.x32(rs2);
    this.x(rs2);
    c.i64Const(32, 0).op(Op.i64_shr_u).op(Op.i32_wrap_i64);
    c.call(F_STORE).localTee(T32);
    this.open("if");
    c.localGet(T32).i32Const(1).op(Op.i32_eq);
    this.open("if");
    this.exitTo(pc, Exit.TRAP, unretired);
    this.close();
    c.localGet(T32).i32Const(2).op(Op.i32_eq);
    this.open("if");
    this.exitTo(npc, Exit.YIELD, unretired - 1);
    this.close();
    this.exitTo(npc, Exit.STALE, unretired - 1);
    this.close();
    this.close();
  }
}

/** The helpers every module carries: 64-bit high multiply and RISC-V's total division. */
function addHelpers(m: WasmModuleBuilder): void {
  const binary = m.addType([ValType.i64, ValType.i64], [ValType.i64]);
  const A = 0;
  const B = 1;
  // mulhu: the high 64 bits of the unsigned 128-bit product, from 32-bit halves.
  const h = new WasmCode(128);
  const [A0, A1, B0, B1, P01, P10] = [2, 3, 4, 5, 6, 7];
  h.localGet(A).i64Const(-1, 0).op(Op.i64_and).localSet(A0);
  h.localGet(A).i64Const(32, 0).op(Op.i64_shr_u).localSet(A1);
  h.localGet(B).i64Const(-1, 0).op(Op.i64_and).localSet(B0);
  h.localGet(B).i64Const(32, 0).op(Op.i64_shr_u).localSet(B1);
  h.localGet(A0).localGet(B1).op(Op.i64_mul).localSet(P01);
  h.localGet(A1).localGet(B0).op(Op.i64_mul).localSet(P10);
  // high = a1*b1 + p01>>32 + p10>>32 + ((a0*b0)>>32 + (p01 & M) + (p10 & M)) >> 32
  h.localGet(A1).localGet(B1).op(Op.i64_mul);
  h.localGet(P01).i64Const(32, 0).op(Op.i64_shr_u).op(Op.i64_add);
  h.localGet(P10).i64Const(32, 0).op(Op.i64_shr_u).op(Op.i64_add);
  h.localGet(A0).localGet(B0).op(Op.i64_mul).i64Const(32, 0).op(Op.i64_shr_u);
  h.localGet(P01).i64Const(-1, 0).op(Op.i64_and).op(Op.i64_add);
  h.localGet(P10).i64Const(-1, 0).op(Op.i64_and).op(Op.i64_add);
  h.i64Const(32, 0).op(Op.i64_shr_u).op(Op.i64_add);
  m.addFunction(binary, Array<ValType>(6).fill(ValType.i64), h);

  // div: x/0 = -1; MIN/-1 = MIN (wasm would trap on both).
  const d = new WasmCode(64);
  d.localGet(B).op(Op.i64_eqz).if(BlockType.i64).i64Const(-1, -1).else();
  d.localGet(A)
    .i64Const(0, -0x80000000)
    .op(Op.i64_eq)
    .localGet(B)
    .i64Const(-1, -1)
    .op(Op.i64_eq)
    .op(Op.i32_and);
  d.if(BlockType.i64).localGet(A).else().localGet(A).localGet(B).op(Op.i64_div_s).end().end();
  m.addFunction(binary, [], d);
  // divu: x/0 = all ones.
  const du = new WasmCode(32);
  du.localGet(B).op(Op.i64_eqz).if(BlockType.i64).i64Const(-1, -1).else();
  du.localGet(A).localGet(B).op(Op.i64_div_u).end();
  m.addFunction(binary, [], du);
  // rem and remu: x%0 = x (wasm's rem_s gives 0 for MIN % -1 without trapping, as RISC-V wants).
  for (const op of [Op.i64_rem_s, Op.i64_rem_u]) {
    const r = new WasmCode(32);
    r.localGet(B).op(Op.i64_eqz).if(BlockType.i64).localGet(A).else();
    r.localGet(A).localGet(B).op(op).end();
    m.addFunction(binary, [], r);
  }
}

/** The module for `plan`, exporting `run(entry) -> exit reason`. */
export function emitUnit(plan: UnitPlan, target: UnitTarget): Uint8Array {
  const m = new WasmModuleBuilder();
  m.importMemory("m", "mem", {
    initialPages: target.memoryPages,
    maximumPages: target.memoryPages,
    shared: true,
  });
  m.importGlobal("m", "area", ValType.i32);
  m.importFunction("m", "load", m.addType([ValType.i32, ValType.i32, ValType.i32], [ValType.i32]));
  m.importFunction(
    "m",
    "store",
    m.addType([ValType.i32, ValType.i32, ValType.i32, ValType.i32, ValType.i32], [ValType.i32]),
  );
  m.importFunction("m", "amo", m.addType([ValType.i32], [ValType.i32]));
  addHelpers(m);
  const run = m.addFunction(
    m.addType([ValType.i32], [ValType.i32]),
    LOCALS,
    new UnitEmitter(plan, target).emit(),
  );
  m.exportFunction("run", run);
  return m.build();
}
