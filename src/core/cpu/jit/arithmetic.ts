/**
 * What RISC-V arithmetic needs beyond single WebAssembly instructions, as functions every
 * compiled unit carries (emit-unit.ts): the high 64 bits of a 64×64 unsigned product (mulhu;
 * mulh and mulhsu are derived from it) and the M extension's total division — a divisor of
 * zero and MIN / -1 have defined results where WebAssembly's division traps.
 */
import { BlockType, Op, ValType, WasmCode, type WasmModuleBuilder } from "./wasm-encoder.js";

/**
 * Adds the helpers to `m`; returns their function indices. `divisions` are div, divu, rem and
 * remu, in the order of their funct3 (4–7).
 */
export function addArithmetic(m: WasmModuleBuilder): { mulhu: number; divisions: readonly number[] } {
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
  const mulhu = m.addFunction(binary, Array<ValType>(6).fill(ValType.i64), h);
  const divisions: number[] = [];

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
  divisions.push(m.addFunction(binary, [], d));
  // divu: x/0 = all ones.
  const du = new WasmCode(32);
  du.localGet(B).op(Op.i64_eqz).if(BlockType.i64).i64Const(-1, -1).else();
  du.localGet(A).localGet(B).op(Op.i64_div_u).end();
  divisions.push(m.addFunction(binary, [], du));
  // rem and remu: x%0 = x (wasm's rem_s gives 0 for MIN % -1 without trapping, as RISC-V wants).
  for (const op of [Op.i64_rem_s, Op.i64_rem_u]) {
    const r = new WasmCode(32);
    r.localGet(B).op(Op.i64_eqz).if(BlockType.i64).localGet(A).else();
    r.localGet(A).localGet(B).op(op).end();
    divisions.push(m.addFunction(binary, [], r));
  }
  return { mulhu, divisions };
}
