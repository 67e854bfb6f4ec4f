/**
 * Finds the blocks of one guest page that a unit will hold: one block from each entry point
 * the interpreter was seen to reach (the start of every block it ran there), decoded forward
 * to the block's end. Successors are not followed: code that never ran is not compiled (it
 * would make units many times larger and slower to compile), and a block whose successor is
 * missing leaves the unit, which offers the successor for the next compilation
 * (code-cache.ts). Jumps between the unit's blocks stay inside compiled code, so a loop in a
 * page runs without returning to the interpreter.
 *
 * A block ends at a control transfer, before an instruction compiled code does not run
 * (`compilable` is the whole list: RV32I/RV64I computation, loads, stores, branches, jumps,
 * fence, M and A; everything else — CSRs, ecall, wfi, fence.i, illegal encodings — goes to
 * the interpreter, which also raises the illegal-instruction trap), at the page's end (an
 * instruction straddling it is left to the interpreter) or at MAX_BLOCK instructions. Blocks
 * may overlap: a branch into the middle of another block starts a block of its own.
 */

/** Instructions per block at most: bounds compile time and the budget granule. */
export const MAX_BLOCK = 64;
/** Blocks per unit at most. */
export const MAX_BLOCKS = 256;

export interface PlannedInstruction {
  /** Byte offset in the page. */
  readonly offset: number;
  /** The instruction, expanded to 32 bits when it was compressed. */
  readonly insn: number;
  /** Its length in bytes: 2 or 4. */
  readonly length: 2 | 4;
}

export interface PlannedBlock {
  readonly start: number;
  readonly instructions: readonly PlannedInstruction[];
  /**
   * Where control goes after the last instruction when it is not a jump or branch: the
   * offset of the next instruction (it may be beyond the page).
   */
  readonly next: number;
  /** True when the block stopped before an instruction the interpreter must run. */
  readonly toInterpreter: boolean;
}

export interface UnitPlan {
  readonly blocks: readonly PlannedBlock[];
  /** Block index by start offset. */
  readonly index: ReadonlyMap<number, number>;
}

const OPCODE_LOAD = 0x00;
const OPCODE_MISC_MEM = 0x03;
const OPCODE_AMO = 0x0b;
const OPCODE_OP_IMM = 0x04;
const OPCODE_AUIPC = 0x05;
const OPCODE_OP_IMM_32 = 0x06;
const OPCODE_STORE = 0x08;
const OPCODE_OP = 0x0c;
const OPCODE_LUI = 0x0d;
const OPCODE_OP_32 = 0x0e;
const OPCODE_BRANCH = 0x18;
const OPCODE_JALR = 0x19;
const OPCODE_JAL = 0x1b;

/** The major opcode (bits 6:2) of a 32-bit instruction. */
export const majorOf = (insn: number): number => (insn >>> 2) & 31;

/** True when compiled code runs `insn` (32-bit form) exactly as the interpreter would. */
export function compilable(insn: number, xlen: 32 | 64): boolean {
  const f3 = (insn >> 12) & 7;
  const f7 = insn >>> 25;
  const rv64 = xlen === 64;
  switch (majorOf(insn)) {
    case OPCODE_LUI:
    case OPCODE_AUIPC:
    case OPCODE_JAL:
      return true;
    case OPCODE_JALR:
      return f3 === 0;
    case OPCODE_BRANCH:
      return f3 !== 2 && f3 !== 3;
    case OPCODE_LOAD:
      return f3 !== 7 && (rv64 || (f3 !== 3 && f3 !== 6));
    case OPCODE_STORE:
      return f3 < 3 || (rv64 && f3 === 3);
    case OPCODE_OP_IMM:
      if (f3 === 1) return rv64 ? insn >>> 26 === 0 : f7 === 0;
      if (f3 === 5) return rv64 ? ((insn >>> 26) & 0x2f) === 0 : (f7 & 0x5f) === 0;
      return true;
    case OPCODE_OP:
      if (f7 === 1) return true; // M
      if (f7 === 0) return true;
      return f7 === 0x20 && (f3 === 0 || f3 === 5);
    case OPCODE_MISC_MEM:
      return f3 === 0; // fence; fence.i drops compiled code, so the interpreter runs it
    case OPCODE_AMO:
      return f3 === 2 || (rv64 && f3 === 3);
    case OPCODE_OP_IMM_32:
      if (!rv64) return false;
      return f3 === 0 || ((f3 === 1 || f3 === 5) && f7 === 0) || (f3 === 5 && f7 === 0x20);
    case OPCODE_OP_32:
      if (!rv64) return false;
      if (f7 === 0) return f3 === 0 || f3 === 1 || f3 === 5;
      if (f7 === 0x20) return f3 === 0 || f3 === 5;
      return f7 === 1 && (f3 === 0 || f3 >= 4);
    default:
      return false;
  }
}

/** Sign-extended B-type immediate. */
export const branchOffset = (insn: number): number =>
  ((insn >> 31) << 12) |
  (((insn >> 7) & 1) << 11) |
  (((insn >> 25) & 0x3f) << 5) |
  (((insn >> 8) & 0xf) << 1);

/** Sign-extended J-type immediate. */
export const jalOffset = (insn: number): number =>
  ((insn >> 31) << 20) |
  (((insn >> 12) & 0xff) << 12) |
  (((insn >> 20) & 1) << 11) |
  (((insn >> 21) & 0x3ff) << 1);

/**
 * Plans a unit for the page whose 16-bit parcels start at `u16[parcelBase]`, from `entries`
 * (byte offsets). `rvc` is the hart's compressed-expansion table.
 */
export function planUnit(
  u16: Uint16Array,
  parcelBase: number,
  entries: Iterable<number>,
  xlen: 32 | 64,
  rvc: Int32Array,
): UnitPlan {
  const blocks: PlannedBlock[] = [];
  const index = new Map<number, number>();
  const work: number[] = [...entries].sort((a, b) => a - b);
  while (work.length > 0 && blocks.length < MAX_BLOCKS) {
    const start = work.shift()!;
    if (index.has(start)) continue;
    const instructions: PlannedInstruction[] = [];
    let offset = start;
    let toInterpreter = false;
    while (instructions.length < MAX_BLOCK) {
      if (offset >= 4096) break;
      const low = u16[parcelBase + (offset >> 1)]!;
      let insn: number;
      let length: 2 | 4;
      if ((low & 3) !== 3) {
        insn = rvc[low]!;
        length = 2;
      } else {
        if (offset === 4094) break; // straddles the page: the interpreter fetches it
        insn = low | (u16[parcelBase + (offset >> 1) + 1]! << 16);
        length = 4;
      }
      if (insn === 0 || !compilable(insn, xlen)) {
        toInterpreter = true;
        break;
      }
      instructions.push({ offset, insn, length });
      const major = majorOf(insn);
      const after = offset + length;
      offset = after;
      if (major === OPCODE_BRANCH || major === OPCODE_JAL || major === OPCODE_JALR) break;
    }
    if (instructions.length === 0) continue; // its first instruction is the interpreter's
    index.set(start, blocks.length);
    blocks.push({ start, instructions, next: offset, toInterpreter });
  }
  return { blocks, index };
}
