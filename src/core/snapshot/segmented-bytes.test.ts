/**
 * SegmentedBytes: ranges inside one piece come back as views (no copy), ranges across pieces
 * as copies with the right bytes, u32 and CRC-32C read across piece boundaries, and ranges
 * outside the bytes are refused.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32c } from "./crc32c.js";
import { SegmentedBytes } from "./segmented-bytes.js";

const whole = Uint8Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff);
/** `whole` cut at 10, 11 (a piece of 1 byte), 11 (an empty piece) and 60. */
const pieces = [
  whole.slice(0, 10),
  whole.slice(10, 11),
  whole.slice(11, 11),
  whole.slice(11, 60),
  whole.slice(60),
];

test("SegmentedBytes.slice() gives a view inside one piece and a copy across pieces", () => {
  const b = new SegmentedBytes(pieces);
  assert.equal(b.length, 100);
  const inside = b.slice(20, 50);
  assert.equal(inside.buffer, pieces[3]!.buffer, "a view of the piece, not a copy");
  assert.deepEqual(inside, whole.subarray(20, 50));
  for (const [from, to] of [
    [0, 100],
    [5, 15],
    [9, 12],
    [55, 65],
    [0, 10],
    [60, 100],
    [10, 11],
    [30, 30],
    [100, 100],
  ] as const) {
    assert.deepEqual(b.slice(from, to), whole.subarray(from, to), `bytes ${from}..${to}`);
  }
  // Out of order reads find their piece too.
  assert.deepEqual(b.slice(2, 4), whole.subarray(2, 4));
  assert.deepEqual(b.slice(70, 72), whole.subarray(70, 72));
});

test("SegmentedBytes reads u32s and CRC-32Cs across piece boundaries", () => {
  const b = new SegmentedBytes(pieces);
  const dv = new DataView(whole.buffer);
  for (const at of [0, 7, 8, 9, 10, 57, 58, 59, 96])
    assert.equal(b.u32(at), dv.getUint32(at, true), `u32 at ${at}`);
  for (const [from, to] of [
    [0, 100],
    [3, 61],
    [10, 11],
    [12, 12],
  ] as const) {
    assert.equal(b.crc32c(from, to, 7), crc32c(whole.subarray(from, to), 7), `CRC of ${from}..${to}`);
  }
});

test("SegmentedBytes refuses ranges outside its bytes", () => {
  const b = new SegmentedBytes(pieces);
  for (const [from, to] of [
    [-1, 3],
    [5, 4],
    [98, 101],
    [0.5, 2],
  ] as const) {
    assert.throws(() => b.slice(from, to), RangeError);
  }
  assert.throws(() => b.u32(97), RangeError);
});
