/**
 * What the dispatcher (hart.ts, code-cache.ts) and compiled code (emit-unit.ts) tell each
 * other through the JIT words of a hart's area (hart-area.ts), and the reasons compiled code
 * returns for. Byte offsets are from the area's base.
 *
 * Entering a unit, the dispatcher writes BUDGET (instructions the unit may still retire: it
 * never retires more) and DBASE (the byte offset of the TLB set for data accesses, fixed for
 * the slice). Leaving, the unit has written EXIT_PC (the next instruction to run, 8 bytes),
 * BUDGET (what is left) and every register it changed. A slow-path helper that traps sets
 * FAULT and leaves the cause on the hart (`trapCause`, `trapTval`), as `raise` does.
 */
import { JIT } from "../hart-area.js";

export const BUDGET = JIT;
export const DBASE = JIT + 4;
export const EXIT_PC = JIT + 8;
export const LOAD_HI = JIT + 16;
export const FAULT = JIT + 20;
/** The word `fence` does an atomic read-modify-write on, for its barrier. */
export const FENCE_WORD = JIT + 24;

/** Why a unit returned. */
export const Exit = {
  /** Control left the unit for `EXIT_PC`, a place that may be another unit's entry. */
  JUMP: 0,
  /** `EXIT_PC` holds an instruction compiled code does not run: the interpreter runs it. */
  INTERPRET: 1,
  /** The next block needs more instructions than BUDGET has left. */
  BUDGET: 2,
  /** The page's code changed since the unit was compiled: drop it. */
  STALE: 3,
  /** The instruction at `EXIT_PC` trapped (FAULT is set; the cause is on the hart). */
  TRAP: 4,
  /** A store reached a device, a watched page or a page holding code: let the machine look. */
  YIELD: 5,
} as const;
