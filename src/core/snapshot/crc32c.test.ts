/**
 * crc32c() against published check values (the CRC catalogue's "123456789", RFC 3720 §B.4's
 * iSCSI vectors) and against a bit-at-a-time reference over many lengths, alignments, buffer
 * kinds and split points, since the fast path (aligned 16-byte steps) and the byte path must
 * agree everywhere.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32c } from "./crc32c.js";

/** The definition, one bit at a time. */
function reference(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

function random(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

test("crc32c() gives the published check values", () => {
  const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
  const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
  // RFC 3720 B.4: an iSCSI SCSI Read (10) command PDU.
  const pdu = new Uint8Array(48);
  for (const [at, byte] of [
    [0, 0x01],
    [1, 0xc0],
    [16, 0x14],
    [22, 0x04],
    [27, 0x14],
    [31, 0x18],
    [32, 0x28],
    [40, 0x02],
  ]) {
    pdu[at!] = byte!;
  }
  const cases: [string, Uint8Array, number][] = [
    ['"123456789"', new TextEncoder().encode("123456789"), 0xe3069283],
    ["32 bytes of zeros", new Uint8Array(32), 0x8a9136aa],
    ["32 bytes of 0xFF", new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ["32 ascending bytes", ascending, 0x46dd794e],
    ["32 descending bytes", descending, 0x113fdb5c],
    ["an iSCSI read PDU", pdu, 0xd9963a56],
    ["nothing", new Uint8Array(0), 0],
  ];
  for (const [what, data, expected] of cases) {
    assert.equal(crc32c(data), expected, what);
    assert.equal(reference(data), expected, `${what} (reference)`);
  }
});

test("crc32c() equals the bitwise definition for every length, alignment and buffer kind", () => {
  const data = random(5000, 1);
  const shared = new Uint8Array(new SharedArrayBuffer(data.length + 8));
  shared.set(data, 3);
  for (let n = 0; n <= 300; n++) {
    for (let offset = 0; offset < 4; offset++) {
      const view = data.subarray(offset, offset + n);
      assert.equal(crc32c(view), reference(view), `${n} bytes at offset ${offset}`);
    }
  }
  for (const n of [1023, 4096, 4097, 4999]) {
    const view = shared.subarray(3, 3 + n);
    assert.equal(crc32c(view), reference(view), `${n} bytes of a SharedArrayBuffer at offset 3`);
  }
});

test("crc32c() continues over chunks: crc32c(b, crc32c(a)) is crc32c(a ++ b)", () => {
  const data = random(9000, 2);
  const whole = crc32c(data);
  for (const cut of [0, 1, 3, 15, 16, 17, 63, 64, 65, 4096, 8999, 9000]) {
    assert.equal(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut))), whole, `cut at ${cut}`);
  }
  let crc = 0;
  for (let at = 0, step = 1; at < data.length; at += step, step = (step * 7 + 3) % 700) {
    crc = crc32c(data.subarray(at, at + step), crc);
  }
  assert.equal(crc, whole, "many uneven chunks");
});
