/**
 * Checks the encoder byte-for-byte on LEB128 edge values and end-to-end by compiling and running
 * what it builds with the host's WebAssembly (which also validates every opcode it uses).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { BlockType, Op, ValType, WasmCode, WasmModuleBuilder } from "./wasm-encoder.js";

// The project's TS lib has no WebAssembly types; this is the slice the tests use.
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports?: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type Fn = (...args: unknown[]) => unknown;

function instantiate(bytes: Uint8Array, imports: Record<string, Record<string, unknown>> = {}) {
  const exports = new WA.Instance(new WA.Module(bytes), imports).exports;
  return (name: string): Fn => {
    const f = exports[name];
    assert.equal(typeof f, "function", `export ${name}`);
    return f as Fn;
  };
}

const hex = (b: Uint8Array | readonly number[]): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

/** Reference signed LEB128 in BigInt, to check minimal length independently of the encoder. */
function sleb(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

test("u32 LEB128 edge values", () => {
  const cases: [number, number[]][] = [
    [0, [0x00]],
    [63, [0x3f]],
    [64, [0x40]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [624485, [0xe5, 0x8e, 0x26]],
    [2 ** 31 - 1, [0xff, 0xff, 0xff, 0xff, 0x07]],
    [2 ** 31, [0x80, 0x80, 0x80, 0x80, 0x08]],
    [2 ** 32 - 1, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ];
  for (const [v, bytes] of cases) assert.equal(hex(new WasmCode().u32(v).bytes()), hex(bytes), `u32 ${v}`);
});

test("s32 LEB128 edge values", () => {
  const cases: [number, number[]][] = [
    [0, [0x00]],
    [63, [0x3f]],
    [64, [0xc0, 0x00]],
    [-1, [0x7f]],
    [-64, [0x40]],
    [-65, [0xbf, 0x7f]],
    [-123456, [0xc0, 0xbb, 0x78]],
    [2 ** 31 - 1, [0xff, 0xff, 0xff, 0xff, 0x07]],
    [-(2 ** 31), [0x80, 0x80, 0x80, 0x80, 0x78]],
  ];
  for (const [v, bytes] of cases) {
    assert.equal(hex(new WasmCode().s32(v).bytes()), hex(bytes), `s32 ${v}`);
    assert.equal(hex(new WasmCode().i32Const(v).bytes()), hex([Op.i32_const, ...bytes]), `i32.const ${v}`);
  }
});

test("the buffer grows past its initial capacity and keeps its contents", () => {
  const c = new WasmCode(1);
  for (let i = 0; i < 5000; i++) c.byte(i & 0xff).u32(i);
  const big = Array.from({ length: 300 }, (_, i) => i);
  c.brTable(big, 7);
  const ref = new WasmCode(1 << 16);
  for (let i = 0; i < 5000; i++) ref.byte(i & 0xff).u32(i);
  ref.op(Op.br_table).u32(big.length);
  for (const d of big) ref.u32(d);
  ref.u32(7);
  assert.equal(c.length, ref.length);
  assert.deepEqual(c.bytes(), ref.bytes());
  c.reset();
  assert.equal(c.length, 0);
});

const asPair = (v: bigint): [number, number] => [
  Number(BigInt.asIntN(32, v)),
  Number(BigInt.asIntN(32, v >> 32n)),
];

function i64Values(): bigint[] {
  const vals = [0n, 1n, -1n, 1n << 31n, -(1n << 31n), 1n << 32n, (1n << 63n) - 1n, -(1n << 63n)];
  for (let k = 0n; k < 64n; k++) {
    for (const v of [1n << k, (1n << k) - 1n, (1n << k) + 1n]) vals.push(BigInt.asIntN(64, v), -v);
  }
  let x = 0x2545f491;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x | 0;
  };
  for (let i = 0; i < 200; i++) {
    const lo = next();
    const hi = next() >> (i % 32); // Vary magnitude so every encoded length occurs.
    vals.push((BigInt(hi) << 32n) | BigInt(lo >>> 0));
  }
  return vals.map((v) => BigInt.asIntN(64, v));
}

test("i64Const encodes known values minimally", () => {
  const known: [number, number, number[]][] = [
    [-1, 0x7fffffff, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]],
    [0, -0x80000000, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]],
    [0, 1, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [-1, -1, [0x7f]],
    [0x80000000, 0, [0x80, 0x80, 0x80, 0x80, 0x08]],
  ];
  for (const [lo, hi, bytes] of known) {
    assert.equal(hex(new WasmCode().i64Const(lo, hi).bytes()), hex([Op.i64_const, ...bytes]), `${lo} ${hi}`);
  }
  for (const v of i64Values()) {
    const [lo, hi] = asPair(v);
    assert.equal(hex(new WasmCode().i64Const(lo, hi).bytes()), hex([Op.i64_const, ...sleb(v)]), `${v}`);
    // Unsigned halves mean the same value.
    assert.equal(hex(new WasmCode().i64Const(lo >>> 0, hi >>> 0).bytes()), hex([Op.i64_const, ...sleb(v)]));
  }
});

test("i64Const and i64ConstNumber values round-trip through the host engine", () => {
  const m = new WasmModuleBuilder();
  const t = m.addType([], [ValType.i64]);
  const values = i64Values();
  values.forEach((v, i) => {
    const [lo, hi] = asPair(v);
    m.exportFunction(`c${i}`, m.addFunction(t, [], new WasmCode().i64Const(lo, hi)));
  });
  const numbers = [
    0,
    1,
    -1,
    2 ** 31,
    -(2 ** 31),
    2 ** 32,
    -(2 ** 32),
    3e9,
    -3e9,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
  ];
  for (let i = 0; i < 50; i++) numbers.push(Math.round((Math.random() - 0.5) * 2 ** (i + 4)));
  numbers.forEach((v, i) => {
    m.exportFunction(`n${i}`, m.addFunction(t, [], new WasmCode().i64ConstNumber(v)));
  });
  const get = instantiate(m.build());
  values.forEach((v, i) => {
    assert.equal(get(`c${i}`)(), v, `c${i}`);
  });
  numbers.forEach((v, i) => {
    assert.equal(get(`n${i}`)(), BigInt(v), `n${i} = ${v}`);
  });
});

test("loop, br_table, if/else and run-length-encoded locals", () => {
  const m = new WasmModuleBuilder();
  const N = 0; // param n: i32
  const I = 1; // i32
  const ACC = 2; // i64
  const SEL = 4; // i32 (3 is an i64 scratch, unused: it only makes the locals three runs)
  const c = new WasmCode(8);
  // for (i = 0; i < n; i++) switch (i % 3) { 0: acc += i; 1: acc += 2i; default: acc -= 1 }
  c.block().loop();
  c.localGet(I).localGet(N).op(Op.i32_ge_s).brIf(1);
  c.block().block().block().block();
  c.localGet(I).i32Const(3).op(Op.i32_rem_u).localTee(SEL).brTable([0, 1], 2);
  c.end(); // case 0
  c.localGet(ACC).localGet(I).op(Op.i64_extend_i32_u).op(Op.i64_add).localSet(ACC).br(2);
  c.end(); // case 1
  c.localGet(ACC).localGet(I).i32Const(1).op(Op.i32_shl).op(Op.i64_extend_i32_s).op(Op.i64_add);
  c.localSet(ACC).br(1);
  c.end(); // default
  c.localGet(ACC).i64ConstNumber(-1).op(Op.i64_add).localSet(ACC);
  c.end(); // switch done
  c.localGet(I).i32Const(1).op(Op.i32_add).localSet(I).br(0);
  c.end().end();
  c.localGet(ACC);
  const sum = m.addFunction(
    m.addType([ValType.i32], [ValType.i64]),
    [ValType.i32, ValType.i64, ValType.i64, ValType.i32],
    c,
  );
  m.exportFunction("sum", sum);

  const abs = new WasmCode()
    .localGet(0)
    .i32Const(0)
    .op(Op.i32_lt_s)
    .if(BlockType.i32)
    .i32Const(0)
    .localGet(0)
    .op(Op.i32_sub)
    .else()
    .localGet(0)
    .end();
  m.exportFunction("abs", m.addFunction(m.addType([ValType.i32], [ValType.i32]), [], abs));

  const get = instantiate(m.build());
  for (const n of [0, 1, 2, 3, 10, 100, 1001]) {
    let acc = 0n;
    for (let i = 0; i < n; i++) acc += [BigInt(i), BigInt(2 * i), -1n][i % 3]!;
    assert.equal(get("sum")(n), acc, `sum(${n})`);
  }
  assert.equal(get("abs")(-5), 5);
  assert.equal(get("abs")(7), 7);
});

test("shared memory and function imports", () => {
  const memory = new WA.Memory({ initial: 1, maximum: 1, shared: true });
  const logged: [bigint, number][] = [];
  const m = new WasmModuleBuilder();
  const logType = m.addType([ValType.i64, ValType.i32], []);
  const log = m.importFunction("env", "log", logType);
  m.importMemory("env", "mem", { initialPages: 1, maximumPages: 1, shared: true });
  assert.throws(() => m.importMemory("env", "x", { initialPages: 1, shared: true }), /maximumPages/);

  // put(addr, v): byte at +0, halfword at +2, low word at +4, sign-extended doubleword at +8.
  const put = new WasmCode()
    .localGet(0)
    .localGet(1)
    .store(Op.i32_store8, 0, 0)
    .localGet(0)
    .localGet(1)
    .store(Op.i32_store16, 1, 2)
    .localGet(0)
    .localGet(1)
    .op(Op.i64_extend_i32_u)
    .store(Op.i64_store32, 2, 4)
    .localGet(0)
    .localGet(1)
    .op(Op.i64_extend_i32_s)
    .store(Op.i64_store, 3, 8);
  m.exportFunction("put", m.addFunction(m.addType([ValType.i32, ValType.i32], []), [], put));

  const i32Loads: [string, number, number, number][] = [
    ["ld8s", Op.i32_load8_s, 0, 0],
    ["ld8u", Op.i32_load8_u, 0, 0],
    ["ld16s", Op.i32_load16_s, 1, 2],
    ["ld16u", Op.i32_load16_u, 1, 2],
    ["ld32", Op.i32_load, 2, 4],
  ];
  const loadI32 = m.addType([ValType.i32], [ValType.i32]);
  for (const [name, op, align, offset] of i32Loads) {
    m.exportFunction(name, m.addFunction(loadI32, [], new WasmCode().localGet(0).load(op, align, offset)));
  }
  // report(addr): log(i64.load [addr+8], i32.load [addr+4]); returns i64.load32_u [addr+4] + 1.
  const report = new WasmCode()
    .localGet(0)
    .load(Op.i64_load, 3, 8)
    .localGet(0)
    .load(Op.i32_load, 2, 4)
    .call(log)
    .localGet(0)
    .load(Op.i64_load32_u, 2, 4)
    .i64Const(1, 0)
    .op(Op.i64_add);
  m.exportFunction("report", m.addFunction(m.addType([ValType.i32], [ValType.i64]), [], report));

  const get = instantiate(m.build(), {
    env: { mem: memory, log: (a: bigint, b: number) => logged.push([a, b]) },
  });
  const addr = 0x1230;
  get("put")(addr, -2);
  const view = new DataView(memory.buffer);
  assert.equal(view.getUint8(addr), 0xfe);
  assert.equal(view.getInt16(addr + 2, true), -2);
  assert.equal(view.getUint32(addr + 4, true), 0xfffffffe);
  assert.equal(view.getBigInt64(addr + 8, true), -2n);
  assert.equal(get("ld8s")(addr), -2);
  assert.equal(get("ld8u")(addr), 0xfe);
  assert.equal(get("ld16s")(addr), -2);
  assert.equal(get("ld16u")(addr), 0xfffe);
  assert.equal(get("ld32")(addr), -2);
  view.setBigInt64(addr + 8, 0x123456789abcdef0n, true);
  assert.equal(get("report")(addr), 0xffffffffn);
  assert.deepEqual(logged, [[0x123456789abcdef0n, -2]]);
  assert.throws(() => m.importFunction("env", "late", logType), /precede/);
});

test("a small module encodes to the expected bytes, sections in order", () => {
  const m = new WasmModuleBuilder();
  const t = m.addType([], [ValType.i32]);
  m.exportFunction(
    "f",
    m.addFunction(t, [ValType.i32, ValType.i32, ValType.i64], new WasmCode().i32Const(42)),
  );
  const want = [
    "00 61 73 6d 01 00 00 00", // magic, version
    "01 05 01 60 00 01 7f", // type: [] -> [i32]
    "03 02 01 00", // function: type 0
    "07 05 01 01 66 00 00", // export "f" = func 0
    "0a 0a 01 08 02 02 7f 01 7e 41 2a 0b", // code: locals 2×i32 1×i64, i32.const 42, end
  ].join(" ");
  const bytes = m.build();
  assert.equal(hex(bytes), want);
  assert.equal(instantiate(bytes)("f")(), 42);
});

test("addType deduplicates identical signatures", () => {
  const m = new WasmModuleBuilder();
  const a = m.addType([ValType.i32, ValType.i64], [ValType.i32]);
  const b = m.addType([ValType.i64, ValType.i32], [ValType.i32]);
  const c = m.addType([ValType.i32, ValType.i64], [ValType.i32]);
  const d = m.addType([], []);
  const e = m.addType([ValType.i32], [ValType.i64]);
  const f = m.addType([ValType.i32, ValType.i64], []);
  assert.deepEqual([a, b, c, d, e, f], [0, 1, 0, 2, 3, 4]);
  assert.equal(m.addType([], []), d);
  m.exportFunction("f", m.addFunction(d, [], new WasmCode()));
  assert.equal(instantiate(m.build())("f")(), undefined);
});

// Every numeric opcode in Op, run on edge operands against a BigInt reference: a wrong table
// entry either fails validation (wrong type) or computes the wrong function.
const operands = [0n, 1n, -1n, 2n, 7n, -7n, 31n, 33n, 63n, 65n, 0x12345678n, 0x7fffffffn, -0x80000000n];
const operands64 = [
  ...operands,
  0x7fffffffffffffffn,
  -0x8000000000000000n,
  0x123456789abcdef0n,
  -(1n << 40n),
];

function reference(w: number): {
  binary: Record<string, (a: bigint, b: bigint) => bigint | undefined>;
  unary: Record<string, (a: bigint) => bigint>;
} {
  const W = BigInt(w);
  const s = (x: bigint) => BigInt.asIntN(w, x);
  const u = (x: bigint) => BigInt.asUintN(w, x);
  const b = (c: boolean) => (c ? 1n : 0n);
  const min = -(1n << (W - 1n));
  const rotl = (a: bigint, k: bigint) => s((u(a) << k) | (u(a) >> ((W - k) % W)));
  const count = (f: (i: bigint) => boolean) => {
    let n = 0n;
    while (n < W && f(n)) n++;
    return n;
  };
  return {
    binary: {
      eq: (x, y) => b(s(x) === s(y)),
      ne: (x, y) => b(s(x) !== s(y)),
      lt_s: (x, y) => b(s(x) < s(y)),
      lt_u: (x, y) => b(u(x) < u(y)),
      gt_s: (x, y) => b(s(x) > s(y)),
      gt_u: (x, y) => b(u(x) > u(y)),
      le_s: (x, y) => b(s(x) <= s(y)),
      le_u: (x, y) => b(u(x) <= u(y)),
      ge_s: (x, y) => b(s(x) >= s(y)),
      ge_u: (x, y) => b(u(x) >= u(y)),
      add: (x, y) => s(x + y),
      sub: (x, y) => s(x - y),
      mul: (x, y) => s(x * y),
      div_s: (x, y) => (y === 0n || (s(x) === min && y === -1n) ? undefined : s(s(x) / s(y))),
      div_u: (x, y) => (y === 0n ? undefined : s(u(x) / u(y))),
      rem_s: (x, y) => (y === 0n ? undefined : s(s(x) % s(y))),
      rem_u: (x, y) => (y === 0n ? undefined : s(u(x) % u(y))),
      and: (x, y) => s(x & y),
      or: (x, y) => s(x | y),
      xor: (x, y) => s(x ^ y),
      shl: (x, y) => s(x << (u(y) % W)),
      shr_s: (x, y) => s(s(x) >> (u(y) % W)),
      shr_u: (x, y) => s(u(x) >> (u(y) % W)),
      rotl: (x, y) => rotl(x, u(y) % W),
      rotr: (x, y) => rotl(x, (W - (u(y) % W)) % W),
    },
    unary: {
      eqz: (x) => b(s(x) === 0n),
      clz: (x) => count((i) => ((u(x) >> (W - 1n - i)) & 1n) === 0n),
      ctz: (x) => count((i) => ((u(x) >> i) & 1n) === 0n),
      popcnt: (x) => BigInt([...u(x).toString(2)].filter((c) => c === "1").length),
      extend8_s: (x) => s(BigInt.asIntN(8, x)),
      extend16_s: (x) => s(BigInt.asIntN(16, x)),
      ...(w === 64 ? { extend32_s: (x: bigint) => BigInt.asIntN(32, x) } : {}),
    },
  };
}

for (const w of [32, 64] as const) {
  test(`i${w} numeric opcodes match a BigInt reference`, () => {
    const vt = w === 32 ? ValType.i32 : ValType.i64;
    const { binary, unary } = reference(w);
    const isCompare = (name: string) => /^(eqz?|ne|[lg][te]_[su])$/.test(name);
    const m = new WasmModuleBuilder();
    const opcode = (name: string): number => {
      const v = (Op as Record<string, number>)[`i${w}_${name}`];
      assert.equal(typeof v, "number", `Op.i${w}_${name}`);
      return v!;
    };
    for (const name of Object.keys(binary)) {
      const t = m.addType([vt, vt], [isCompare(name) ? ValType.i32 : vt]);
      const body = new WasmCode().localGet(0).localGet(1).op(opcode(name));
      m.exportFunction(name, m.addFunction(t, [], body));
    }
    for (const name of Object.keys(unary)) {
      const t = m.addType([vt], [isCompare(name) ? ValType.i32 : vt]);
      m.exportFunction(name, m.addFunction(t, [], new WasmCode().localGet(0).op(opcode(name))));
    }
    const get = instantiate(m.build());
    const vals = (w === 32 ? operands : operands64).map((v) => BigInt.asIntN(w, v));
    // i32 crosses the JS boundary as number, i64 as BigInt; comparisons always return i32.
    const arg = (v: bigint) => (w === 32 ? Number(v) : v);
    const res = (name: string, v: bigint) => (w === 32 || isCompare(name) ? Number(v) : v);
    for (const [name, f] of Object.entries(binary)) {
      const fn = get(name);
      for (const x of vals) {
        for (const y of vals) {
          const want = f(x, y);
          if (want !== undefined)
            assert.equal(fn(arg(x), arg(y)), res(name, want), `i${w}.${name} ${x} ${y}`);
        }
      }
    }
    for (const [name, f] of Object.entries(unary)) {
      const fn = get(name);
      for (const x of vals) assert.equal(fn(arg(x)), res(name, f(x)), `i${w}.${name} ${x}`);
    }
  });
}

test("i32/i64 conversions", () => {
  const m = new WasmModuleBuilder();
  const conv: [string, number, ValType, ValType][] = [
    ["wrap", Op.i32_wrap_i64, ValType.i64, ValType.i32],
    ["exts", Op.i64_extend_i32_s, ValType.i32, ValType.i64],
    ["extu", Op.i64_extend_i32_u, ValType.i32, ValType.i64],
  ];
  for (const [name, op, from, to] of conv) {
    m.exportFunction(name, m.addFunction(m.addType([from], [to]), [], new WasmCode().localGet(0).op(op)));
  }
  const get = instantiate(m.build());
  assert.equal(get("wrap")(0x1234567887654321n), -0x789abcdf);
  assert.equal(get("exts")(-5), -5n);
  assert.equal(get("extu")(-5), 0xfffffffbn);
});
