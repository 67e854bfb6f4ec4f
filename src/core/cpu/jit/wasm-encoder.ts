/**
 * A minimal WebAssembly binary encoder for the RISC-V → wasm translator: it produces the bytes
 * of a module (WebAssembly core spec 2.0, §5 "Binary Format") and nothing else, so it needs no
 * WebAssembly types and stays browser-safe.
 *
 * Translation cost is benchmarked, so the hot path is plain 32-bit integer arithmetic writing
 * into a growable `Uint8Array` (doubled on overflow): no `number[]`, no BigInt, and each
 * emitting method reserves its worst-case size once instead of checking per byte.
 *
 * Invariants:
 *  - every integer immediate is LEB128 (§5.2.2): u32 for indices, sizes and memarg fields,
 *    s32 / s64 for `i32.const` / `i64.const`, always in minimal length;
 *  - 64-bit values travel as (lo, hi) pairs of 32-bit halves, as in `../int64.ts`;
 *  - sections are emitted in the order §5.5.2 requires (type 1, import 2, function 3,
 *    export 7, code 10), empty ones omitted;
 *  - imported functions take the lowest function indices (§2.5.1 / §5.5.5), so all imports
 *    come before the first `addFunction`.
 * The atomic instructions of the threads proposal (prefix 0xFE) are not needed yet; when they
 * are, they are a prefix byte followed by a u32 sub-opcode and a memarg, which `op`/`u32`/
 * `load` already cover.
 */

/** Number types (§5.3.1). Only the integer ones are used by the translator. */
export const ValType = { i32: 0x7f, i64: 0x7e } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Block types (§5.4.1): empty, or a single result value type. */
export const BlockType = { empty: 0x40, i32: 0x7f, i64: 0x7e } as const;

/** Single-byte opcodes (§5.4), named by spec mnemonic with '.' replaced by '_'. */
// biome-ignore format: one row per opcode group reads like the spec's tables
export const Op = {
  // Control (§5.4.1)
  unreachable: 0x00, nop: 0x01, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b,
  br: 0x0c, br_if: 0x0d, br_table: 0x0e, return: 0x0f, call: 0x10,
  // Parametric (§5.4.3) and variable (§5.4.4)
  drop: 0x1a, select: 0x1b,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22, global_get: 0x23, global_set: 0x24,
  // Memory (§5.4.6); the floating-point loads/stores (0x2a, 0x2b, 0x38, 0x39) are omitted
  i32_load: 0x28, i64_load: 0x29,
  i32_load8_s: 0x2c, i32_load8_u: 0x2d, i32_load16_s: 0x2e, i32_load16_u: 0x2f,
  i64_load8_s: 0x30, i64_load8_u: 0x31, i64_load16_s: 0x32, i64_load16_u: 0x33,
  i64_load32_s: 0x34, i64_load32_u: 0x35,
  i32_store: 0x36, i64_store: 0x37, i32_store8: 0x3a, i32_store16: 0x3b,
  i64_store8: 0x3c, i64_store16: 0x3d, i64_store32: 0x3e,
  // Numeric (§5.4.7)
  i32_const: 0x41, i64_const: 0x42,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_lt_u: 0x49, i32_gt_s: 0x4a,
  i32_gt_u: 0x4b, i32_le_s: 0x4c, i32_le_u: 0x4d, i32_ge_s: 0x4e, i32_ge_u: 0x4f,
  i64_eqz: 0x50, i64_eq: 0x51, i64_ne: 0x52, i64_lt_s: 0x53, i64_lt_u: 0x54, i64_gt_s: 0x55,
  i64_gt_u: 0x56, i64_le_s: 0x57, i64_le_u: 0x58, i64_ge_s: 0x59, i64_ge_u: 0x5a,
  i32_clz: 0x67, i32_ctz: 0x68, i32_popcnt: 0x69, i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c,
  i32_div_s: 0x6d, i32_div_u: 0x6e, i32_rem_s: 0x6f, i32_rem_u: 0x70, i32_and: 0x71, i32_or: 0x72,
  i32_xor: 0x73, i32_shl: 0x74, i32_shr_s: 0x75, i32_shr_u: 0x76, i32_rotl: 0x77, i32_rotr: 0x78,
  i64_clz: 0x79, i64_ctz: 0x7a, i64_popcnt: 0x7b, i64_add: 0x7c, i64_sub: 0x7d, i64_mul: 0x7e,
  i64_div_s: 0x7f, i64_div_u: 0x80, i64_rem_s: 0x81, i64_rem_u: 0x82, i64_and: 0x83, i64_or: 0x84,
  i64_xor: 0x85, i64_shl: 0x86, i64_shr_s: 0x87, i64_shr_u: 0x88, i64_rotl: 0x89, i64_rotr: 0x8a,
  i32_wrap_i64: 0xa7, i64_extend_i32_s: 0xac, i64_extend_i32_u: 0xad,
  // Sign-extension operators (§5.4.7, formerly the sign-extension proposal)
  i32_extend8_s: 0xc0, i32_extend16_s: 0xc1,
  i64_extend8_s: 0xc2, i64_extend16_s: 0xc3, i64_extend32_s: 0xc4,
} as const;

const TWO32 = 4294967296;

/** Writes v (taken as unsigned 32-bit) as u32 LEB128 at pos; returns the new position. */
function putU32(buf: Uint8Array, pos: number, v: number): number {
  v >>>= 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Writes v (taken as signed 32-bit) as s32 LEB128 at pos; returns the new position. */
function putS32(buf: Uint8Array, pos: number, v: number): number {
  v |= 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    // Done once the remaining bits are pure sign and the last byte's bit 6 already says so.
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      buf[pos++] = b;
      return pos;
    }
    buf[pos++] = b | 0x80;
  }
}

/** Writes the 64-bit value (hi:lo) as s64 LEB128 at pos, shifting the pair 7 bits at a time. */
function putS64(buf: Uint8Array, pos: number, lo: number, hi: number): number {
  lo |= 0;
  hi |= 0;
  // A sign-extended int32 encodes identically through the cheaper 32-bit loop.
  if (hi === lo >> 31) return putS32(buf, pos, lo);
  for (;;) {
    const b = lo & 0x7f;
    lo = (lo >>> 7) | (hi << 25);
    hi >>= 7;
    if ((hi === 0 && lo === 0 && (b & 0x40) === 0) || (hi === -1 && lo === -1 && (b & 0x40) !== 0)) {
      buf[pos++] = b;
      return pos;
    }
    buf[pos++] = b | 0x80;
  }
}

/** Length in bytes of v as u32 LEB128; sizes sections before they are written. */
export function u32Size(v: number): number {
  v >>>= 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

/**
 * A growable byte buffer with instruction helpers; used for function bodies and, internally,
 * for module sections. Every method returns `this` so emission chains.
 */
export class WasmCode {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.pos;
  }

  /** Empties the buffer but keeps its storage, so a translator can reuse one per block. */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** Makes room for n more bytes; called once per method with its worst-case size. */
  private reserve(n: number): Uint8Array {
    const need = this.pos + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
    }
    return this.buf;
  }

  byte(b: number): this {
    this.reserve(1)[this.pos++] = b;
    return this;
  }

  op(opcode: number): this {
    this.reserve(1)[this.pos++] = opcode;
    return this;
  }

  /** Appends raw bytes (e.g. another buffer's contents). */
  append(src: Uint8Array): this {
    this.reserve(src.length).set(src, this.pos);
    this.pos += src.length;
    return this;
  }

  u32(v: number): this {
    this.pos = putU32(this.reserve(5), this.pos, v);
    return this;
  }

  s32(v: number): this {
    this.pos = putS32(this.reserve(5), this.pos, v);
    return this;
  }

  /** Opcode followed by one u32 immediate: the shape of local/global/br/call instructions. */
  opU32(opcode: number, v: number): this {
    const buf = this.reserve(6);
    buf[this.pos] = opcode;
    this.pos = putU32(buf, this.pos + 1, v);
    return this;
  }

  i32Const(v: number): this {
    const buf = this.reserve(6);
    buf[this.pos] = Op.i32_const;
    this.pos = putS32(buf, this.pos + 1, v);
    return this;
  }

  /** i64.const of (hi << 32) | (lo >>> 0); both halves may be given signed or unsigned. */
  i64Const(lo: number, hi: number): this {
    const buf = this.reserve(11);
    buf[this.pos] = Op.i64_const;
    this.pos = putS64(buf, this.pos + 1, lo, hi);
    return this;
  }

  /** i64.const of an integer-valued number in (-2^53, 2^53). */
  i64ConstNumber(v: number): this {
    if (v === (v | 0)) return this.i64Const(v, v >> 31);
    // Floor division keeps lo in [0, 2^32) for negative v too; both parts are exact doubles.
    const hi = Math.floor(v / TWO32);
    return this.i64Const(v - hi * TWO32, hi);
  }

  localGet(i: number): this {
    return this.opU32(Op.local_get, i);
  }

  localSet(i: number): this {
    return this.opU32(Op.local_set, i);
  }

  localTee(i: number): this {
    return this.opU32(Op.local_tee, i);
  }

  /** A load with its memarg (§5.4.6): align is log2 of the byte alignment, offset a u32. */
  load(opcode: number, align: number, offset: number): this {
    const buf = this.reserve(11);
    buf[this.pos] = opcode;
    this.pos = putU32(buf, putU32(buf, this.pos + 1, align), offset);
    return this;
  }

  /** Stores take the same memarg as loads; a separate name keeps translator code readable. */
  store(opcode: number, align: number, offset: number): this {
    return this.load(opcode, align, offset);
  }

  block(type: number = BlockType.empty): this {
    return this.op(Op.block).byte(type);
  }

  loop(type: number = BlockType.empty): this {
    return this.op(Op.loop).byte(type);
  }

  if(type: number = BlockType.empty): this {
    return this.op(Op.if).byte(type);
  }

  else(): this {
    return this.op(Op.else);
  }

  end(): this {
    return this.op(Op.end);
  }

  br(depth: number): this {
    return this.opU32(Op.br, depth);
  }

  brIf(depth: number): this {
    return this.opU32(Op.br_if, depth);
  }

  /** br_table (§5.4.1): vec(labelidx) then the default label. */
  brTable(depths: readonly number[], defaultDepth: number): this {
    const n = depths.length;
    const buf = this.reserve(1 + 5 * (n + 2));
    buf[this.pos] = Op.br_table;
    let p = putU32(buf, this.pos + 1, n);
    for (let i = 0; i < n; i++) p = putU32(buf, p, depths[i]!);
    this.pos = putU32(buf, p, defaultDepth);
    return this;
  }

  call(funcIndex: number): this {
    return this.opU32(Op.call, funcIndex);
  }

  /** A view of what was written, aliasing the buffer: copy it before reset() or more writes. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export interface MemoryLimits {
  initialPages: number;
  maximumPages?: number;
  shared?: boolean;
}

const utf8 = new TextEncoder();
/** "\0asm" magic and version 1 (§5.5.16). */
const HEADER = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

/** name (§5.2.4): vec(byte) of the UTF-8 encoding. */
function putName(out: WasmCode, s: string): void {
  const b = utf8.encode(s);
  out.u32(b.length).append(b);
}

/**
 * Assembles a module from types, imports, functions and exports. Section contents are encoded
 * as entries are added, so `build()` only concatenates them behind their headers.
 */
export class WasmModuleBuilder {
  private readonly types = new WasmCode(64);
  private readonly typeIndex = new Map<string, number>();
  private typeCount = 0;
  private readonly imports = new WasmCode(64);
  private importCount = 0;
  private importedFuncs = 0;
  private importedGlobals = 0;
  private readonly funcs = new WasmCode(16);
  private readonly exports = new WasmCode(64);
  private exportCount = 0;
  private readonly code = new WasmCode(1024);
  private funcCount = 0;
  private readonly scratch = new WasmCode(32);

  /** functype (§5.3.6) = 0x60 vec(params) vec(results); returns the (deduplicated) type index. */
  addType(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(",")}:${results.join(",")}`;
    const known = this.typeIndex.get(key);
    if (known !== undefined) return known;
    const t = this.types.byte(0x60).u32(params.length);
    for (const p of params) t.byte(p);
    t.u32(results.length);
    for (const r of results) t.byte(r);
    const index = this.typeCount++;
    this.typeIndex.set(key, index);
    return index;
  }

  /** Imports a function; returns its function index. Throws after the first addFunction. */
  importFunction(module: string, name: string, typeIndex: number): number {
    if (this.funcCount > 0) throw new Error("wasm-encoder: function imports must precede addFunction");
    putName(this.imports, module);
    putName(this.imports, name);
    this.imports.byte(0x00).u32(typeIndex);
    this.importCount++;
    return this.importedFuncs++;
  }

  /** Imports a global of type `type` (§5.3.7 globaltype); returns its global index. */
  importGlobal(module: string, name: string, type: ValType, mutable = false): number {
    putName(this.imports, module);
    putName(this.imports, name);
    this.imports
      .byte(0x03)
      .byte(type)
      .byte(mutable ? 1 : 0);
    this.importCount++;
    return this.importedGlobals++;
  }

  /**
   * Imports memory 0 (§5.3.7 limits): flag 0x00 min only, 0x01 min+max, 0x03 shared min+max
   * (threads proposal). A shared memory must declare its maximum.
   */
  importMemory(module: string, name: string, limits: MemoryLimits): void {
    const max = limits.maximumPages;
    if (limits.shared === true && max === undefined) {
      throw new Error("wasm-encoder: a shared memory needs maximumPages");
    }
    putName(this.imports, module);
    putName(this.imports, name);
    const flag = max === undefined ? 0x00 : limits.shared === true ? 0x03 : 0x01;
    this.imports.byte(0x02).byte(flag).u32(limits.initialPages);
    if (max !== undefined) this.imports.u32(max);
    this.importCount++;
  }

  /**
   * Adds a function whose body is `body` WITHOUT the function's terminating `end`: this method
   * appends it (so a body built with balanced block/end pairs is exactly the instruction
   * sequence). `locals` are the locals after the params; runs of equal types are compressed
   * as §5.5.13 allows. The body is copied, so the caller may reset and reuse it at once.
   * Returns the function index, counting imported functions first.
   */
  addFunction(typeIndex: number, locals: readonly ValType[], body: WasmCode): number {
    // Run-length entries go to scratch first: their count precedes them but is known only after.
    const s = this.scratch.reset();
    let runs = 0;
    for (let i = 0, j = 0; i < locals.length; i = j, runs++) {
      const t = locals[i]!;
      for (j = i + 1; j < locals.length && locals[j] === t; ) j++;
      s.u32(j - i).byte(t);
    }
    // code = size:u32 func, func = vec(locals) expr (§5.5.13); +1 for the final end.
    const size = u32Size(runs) + s.length + body.length + 1;
    this.code.u32(size).u32(runs).append(s.bytes()).append(body.bytes()).op(Op.end);
    this.funcs.u32(typeIndex);
    return this.importedFuncs + this.funcCount++;
  }

  exportFunction(name: string, funcIndex: number): void {
    putName(this.exports, name);
    this.exports.byte(0x00).u32(funcIndex);
    this.exportCount++;
  }

  /** The module (§5.5.16): magic, version 1, then the non-empty sections in id order. */
  build(): Uint8Array {
    const sections: [number, number, WasmCode][] = [
      [1, this.typeCount, this.types],
      [2, this.importCount, this.imports],
      [3, this.funcCount, this.funcs],
      [7, this.exportCount, this.exports],
      [10, this.funcCount, this.code],
    ];
    let total = 8;
    for (const [, count, body] of sections) {
      if (count === 0) continue;
      const size = u32Size(count) + body.length;
      total += 1 + u32Size(size) + size;
    }
    const out = new WasmCode(total);
    out.append(HEADER);
    for (const [id, count, body] of sections) {
      if (count === 0) continue;
      out
        .byte(id)
        .u32(u32Size(count) + body.length)
        .u32(count)
        .append(body.bytes());
    }
    return out.bytes();
  }
}
