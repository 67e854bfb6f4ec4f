/**
 * crc32c() against published check values (the CRC catalogue's "123456789", RFC 3720 §B.4's
 * iSCSI vectors) and against a bit-at-a-time reference over many lengths, alignments, buffer
 * kinds and split points, since the fast paths (16-byte steps in WebAssembly, aligned ones in
 * JavaScript) and the byte path must agree everywhere. Both implementations are checked:
 * crc32c(), which uses WebAssembly under Node, and crc32cPortable(), the fallback.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32c, crc32cConcat, crc32cImplementation, crc32cPortable } from "./crc32c.js";
import { STAGE_SIZE } from "./crc32c-wasm.js";

const IMPLEMENTATIONS = [
  ["crc32c", crc32c],
  ["crc32cPortable", crc32cPortable],
] as const;

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
    for (const [name, f] of IMPLEMENTATIONS) assert.equal(f(data), expected, `${what} (${name})`);
    assert.equal(reference(data), expected, `${what} (reference)`);
  }
});

test("crc32c() equals the bitwise definition for every length, alignment and buffer kind", () => {
  const data = random(5000, 1);
  const shared = new Uint8Array(new SharedArrayBuffer(data.length + 8));
  shared.set(data, 3);
  for (const [name, f] of IMPLEMENTATIONS) {
    for (let n = 0; n <= 300; n++) {
      for (let offset = 0; offset < 4; offset++) {
        const view = data.subarray(offset, offset + n);
        assert.equal(f(view), reference(view), `${name}: ${n} bytes at offset ${offset}`);
      }
    }
    for (const n of [1023, 4096, 4097, 4999]) {
      const view = shared.subarray(3, 3 + n);
      assert.equal(f(view), reference(view), `${name}: ${n} bytes of a SharedArrayBuffer at offset 3`);
    }
  }
});

test("crc32c() agrees with crc32cPortable() across WebAssembly staging boundaries", () => {
  assert.equal(crc32cImplementation, "webassembly", "Node runs the WebAssembly loop");
  const data = random(3 * STAGE_SIZE + 100, 3);
  const shared = new Uint8Array(new SharedArrayBuffer(data.length));
  shared.set(data);
  for (const n of [STAGE_SIZE - 1, STAGE_SIZE, STAGE_SIZE + 1, 2 * STAGE_SIZE + 15, 3 * STAGE_SIZE + 97]) {
    for (const source of [data, shared]) {
      const view = source.subarray(3, 3 + n);
      assert.equal(crc32c(view), crc32cPortable(view), `${n} bytes`);
    }
  }
  assert.equal(crc32c(data), reference(data), "the whole buffer, against the definition");
});

test("crc32c() continues over chunks: crc32c(b, crc32c(a)) is crc32c(a ++ b)", () => {
  const data = random(9000, 2);
  const whole = reference(data);
  for (const [name, f] of IMPLEMENTATIONS) {
    for (const cut of [0, 1, 3, 15, 16, 17, 63, 64, 65, 255, 256, 257, 4096, 8999, 9000]) {
      assert.equal(f(data.subarray(cut), f(data.subarray(0, cut))), whole, `${name}: cut at ${cut}`);
    }
    let crc = 0;
    for (let at = 0, step = 1; at < data.length; at += step, step = (step * 7 + 3) % 700) {
      crc = f(data.subarray(at, at + step), crc);
    }
    assert.equal(crc, whole, `${name}: many uneven chunks`);
  }
});

test("crc32cConcat() gives the CRC of two pieces joined from the pieces' CRCs alone", () => {
  for (const [la, lb] of [
    [0, 0],
    [0, 4096],
    [1, 1],
    [37, 4096],
    [4096, 4096],
    [12, 100],
    [300, 65_536],
  ] as const) {
    const a = random(la, la + 1);
    const b = random(lb, lb + 7);
    const joined = new Uint8Array(la + lb);
    joined.set(a);
    joined.set(b, la);
    assert.equal(crc32cConcat(crc32c(a), crc32c(b), lb), reference(joined), `${la} + ${lb} bytes`);
  }
});
