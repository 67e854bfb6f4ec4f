/**
 * The layout of a hart's area in guest memory's WebAssembly buffer (memory/guest-memory.ts):
 * the state that both the interpreter and compiled code (cpu/jit) read and write, kept in
 * one place so neither copies it to the other. The interpreter sees it through typed-array
 * views; compiled code through loads and stores at these byte offsets from the area's base.
 *
 * | byte offset | bytes            | contents                                                |
 * |-------------|------------------|---------------------------------------------------------|
 * | X_LO        | 32 × 4           | x0–x31, low words (signed)                              |
 * | X_HI        | 32 × 4           | x0–x31, high words (RV32: the sign of the low word)     |
 * | JIT         | JIT_WORDS × 4    | what the dispatcher and compiled code tell each other   |
 * | TLB         | 2 × TLB_TABLE_BYTES | the TLB's tables (mmu.ts `Tlb`: loads, then stores)  |
 *
 * A hart without an area (RAM outside WebAssembly) keeps the same arrays in plain memory.
 */
import { HART_AREA_SIZE } from "../memory/guest-memory.js";
import { TLB_TABLE_BYTES } from "./mmu.js";

export const X_LO = 0;
export const X_HI = 128;
export const JIT = 256;
export const JIT_WORDS = 64;
export const TLB = JIT + JIT_WORDS * 4;

if (TLB + 2 * TLB_TABLE_BYTES > HART_AREA_SIZE) throw new Error("the hart area is too small");
