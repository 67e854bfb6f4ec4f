/** Checks the (lo, hi) pair arithmetic against BigInt on edge values and random inputs. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { div32, div64, mul64, mulh32, mulh64, type Pair, sar64, shl64, shr64 } from "./int64.js";

const edges = [
  0n,
  1n,
  2n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
];

function* values(count: number): Generator<bigint> {
  yield* edges;
  let x = 0x9e3779b97f4a7c15n;
  for (let i = 0; i < count; i++) {
    x ^= (x << 13n) & ((1n << 64n) - 1n);
    x ^= x >> 7n;
    x ^= (x << 17n) & ((1n << 64n) - 1n);
    yield x;
  }
}

const lo = (v: bigint): number => Number(BigInt.asIntN(32, v));
const hi = (v: bigint): number => Number(BigInt.asIntN(32, v >> 32n));
const pairValue = (r: Pair): bigint => (BigInt(r.hi >>> 0) << 32n) | BigInt(r.lo >>> 0);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);

test("mul64() and mulh64() match BigInt products", () => {
  const r: Pair = { lo: 0, hi: 0 };
  const vs = [...values(40)];
  for (const a of vs) {
    for (const b of vs) {
      mul64(lo(a), hi(a), lo(b), hi(b), r);
      assert.equal(pairValue(r), u64(a * b));
      mulh64(lo(a), hi(a), lo(b), hi(b), true, true, r);
      assert.equal(pairValue(r), u64((s64(a) * s64(b)) >> 64n));
      mulh64(lo(a), hi(a), lo(b), hi(b), true, false, r);
      assert.equal(pairValue(r), u64((s64(a) * b) >> 64n));
      mulh64(lo(a), hi(a), lo(b), hi(b), false, false, r);
      assert.equal(pairValue(r), u64((a * b) >> 64n));
    }
  }
});

test("div64() follows RISC-V division rules", () => {
  const r: Pair = { lo: 0, hi: 0 };
  const vs = [...values(30), 5n, u64(-5n), u64(-1n)];
  for (const a of vs) {
    for (const b of vs) {
      const sa = s64(a);
      const sb = s64(b);
      div64(lo(a), hi(a), lo(b), hi(b), true, false, r);
      const q = b === 0n ? -1n : sa === -(1n << 63n) && sb === -1n ? sa : sa / sb;
      assert.equal(pairValue(r), u64(q), `div ${sa} / ${sb}`);
      div64(lo(a), hi(a), lo(b), hi(b), true, true, r);
      const rem = b === 0n ? sa : sa === -(1n << 63n) && sb === -1n ? 0n : sa % sb;
      assert.equal(pairValue(r), u64(rem), `rem ${sa} % ${sb}`);
      div64(lo(a), hi(a), lo(b), hi(b), false, false, r);
      assert.equal(pairValue(r), b === 0n ? u64(-1n) : a / b, `divu ${a} / ${b}`);
      div64(lo(a), hi(a), lo(b), hi(b), false, true, r);
      assert.equal(pairValue(r), b === 0n ? a : a % b, `remu ${a} % ${b}`);
    }
  }
});

test("div32() and mulh32() follow RISC-V rules on 32-bit values", () => {
  const r: Pair = { lo: 0, hi: 0 };
  const vs = [0, 1, -1, 2, -2, 7, -7, 0x7fffffff, -0x80000000, 0x12345678];
  for (const a of vs) {
    for (const b of vs) {
      const expectedDiv = b === 0 ? -1 : a === -0x80000000 && b === -1 ? a : Math.trunc(a / b) | 0;
      assert.equal(div32(a, b, true, false), expectedDiv);
      assert.equal(div32(a, b, false, true), b === 0 ? a : ((a >>> 0) % (b >>> 0)) | 0);
      const full = BigInt(a) * BigInt(b);
      assert.equal(mulh32(a, b, true, true, r), Number(BigInt.asIntN(32, full >> 32n)));
      const fullU = BigInt(a >>> 0) * BigInt(b >>> 0);
      assert.equal(mulh32(a, b, false, false, r), Number(BigInt.asIntN(32, fullU >> 32n)));
    }
  }
});

test("shl64(), shr64() and sar64() shift by every amount", () => {
  const r: Pair = { lo: 0, hi: 0 };
  for (const v of values(5)) {
    for (let s = 0; s < 64; s++) {
      shl64(lo(v), hi(v), s, r);
      assert.equal(pairValue(r), u64(v << BigInt(s)));
      shr64(lo(v), hi(v), s, r);
      assert.equal(pairValue(r), v >> BigInt(s));
      sar64(lo(v), hi(v), s, r);
      assert.equal(pairValue(r), u64(s64(v) >> BigInt(s)));
    }
  }
});
