/**
 * CRC-32C (Castagnoli): the checksum of every header and record of a domain image (and, later,
 * of the migration stream). Parameters as in RFC 3720 §B.4 / iSCSI: reflected polynomial
 * 0x82F63B78, initial value and final XOR 0xFFFFFFFF; the check value of "123456789" is
 * 0xE3069283.
 *
 * Incremental: `crc32c(b, crc32c(a))` equals `crc32c(a ++ b)`, so a record can be checked over
 * the chunks it arrives in, and a memory record over the page views it is written from.
 *
 * Speed matters: a save checksums every non-zero page of guest RAM (up to 2 GiB), and a
 * restore every page again. The core loop is slicing-by-16 — sixteen 256-entry tables, so one
 * step folds 16 bytes with 16 table loads, 12 of them independent of the running CRC. Inputs
 * of WASM_MIN bytes and more go through the same loop in WebAssembly (crc32c-wasm.ts), about
 * twice as fast; where WebAssembly is unavailable, `crc32cPortable` — the loop in JavaScript,
 * reading little-endian 32-bit words through an Int32Array once the position is 4-byte
 * aligned (guest pages always are) — does everything. Short inputs and tails go a byte at a
 * time. Hosts are little-endian (guest-memory.ts assumes it too), so a 32-bit word holds
 * bytes in stream order.
 */
import { createWasmCrc32c } from "./crc32c-wasm.js";

const POLY = 0x82f63b78;
const SLICES = 16;

/** TABLE[k * 256 + n]: the CRC of byte n followed by k zero bytes (k = 0 is the classic table). */
const TABLE = makeTable();

function makeTable(): Int32Array {
  const t = new Int32Array(SLICES * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let k = 1; k < SLICES; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = (prev >>> 8) ^ t[prev & 0xff]!;
    }
  }
  return t;
}

/** Below this many bytes the word path's setup costs more than it saves. */
const WORD_PATH_MIN = 64;
/** Below this many bytes the copy into WebAssembly memory and the call cost more than they save. */
const WASM_MIN = 256;

const wasmSteps = createWasmCrc32c(TABLE);
/** Which loop crc32c() runs on this host: for tests and diagnostics. */
export const crc32cImplementation: "webassembly" | "javascript" =
  wasmSteps === undefined ? "javascript" : "webassembly";

/**
 * The CRC-32C of `data`, continuing from `crc` (the result of an earlier call over the bytes
 * before it; 0 to start). Returns an unsigned 32-bit value.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  const n = data.length;
  if (wasmSteps === undefined || n < WASM_MIN) return crc32cPortable(data, crc);
  const t = TABLE;
  let c = wasmSteps(~crc, data);
  for (let i = n - (n % 16); i < n; i++) c = (c >>> 8) ^ t[(c ^ data[i]!) & 0xff]!;
  return ~c >>> 0;
}

/** crc32c() in JavaScript alone: the fallback without WebAssembly (and the tests' second opinion). */
export function crc32cPortable(data: Uint8Array, crc = 0): number {
  const t = TABLE;
  let c = ~crc;
  let i = 0;
  const n = data.length;
  if (n >= WORD_PATH_MIN) {
    // Bytes up to 4-byte alignment of the underlying buffer, then whole 16-byte steps.
    const head = (4 - ((data.byteOffset + i) & 3)) & 3;
    for (; i < head; i++) c = (c >>> 8) ^ t[(c ^ data[i]!) & 0xff]!;
    const steps = ((n - i) / 16) | 0;
    const w = new Int32Array(data.buffer, data.byteOffset + i, steps * 4);
    for (let j = 0; j < w.length; j += 4) {
      const a = c ^ w[j]!;
      const b = w[j + 1]!;
      const d = w[j + 2]!;
      const e = w[j + 3]!;
      c =
        t[0xf00 + (a & 0xff)]! ^
        t[0xe00 + ((a >>> 8) & 0xff)]! ^
        t[0xd00 + ((a >>> 16) & 0xff)]! ^
        t[0xc00 + (a >>> 24)]! ^
        t[0xb00 + (b & 0xff)]! ^
        t[0xa00 + ((b >>> 8) & 0xff)]! ^
        t[0x900 + ((b >>> 16) & 0xff)]! ^
        t[0x800 + (b >>> 24)]! ^
        t[0x700 + (d & 0xff)]! ^
        t[0x600 + ((d >>> 8) & 0xff)]! ^
        t[0x500 + ((d >>> 16) & 0xff)]! ^
        t[0x400 + (d >>> 24)]! ^
        t[0x300 + (e & 0xff)]! ^
        t[0x200 + ((e >>> 8) & 0xff)]! ^
        t[0x100 + ((e >>> 16) & 0xff)]! ^
        t[e >>> 24]!;
    }
    i += steps * 16;
  }
  for (; i < n; i++) c = (c >>> 8) ^ t[(c ^ data[i]!) & 0xff]!;
  return ~c >>> 0;
}

/**
 * The CRC-32C of `a ++ b` from `crcA` = crc32c(a) and `crcB` = crc32c(b), without reading
 * either: crc32c(b, crcA) = shift(crcA) ^ crc32c(b), where shift(s) is the CRC register s
 * carried through `lengthB` zero bytes with no conditioning — a linear map on 32 bits, built
 * once per length into four byte tables (the migration sender hashes every page it sends
 * anyway, so a memory record's checksum comes from the pages' CRCs at four lookups each).
 */
export function crc32cConcat(crcA: number, crcB: number, lengthB: number): number {
  const t = shiftTables(lengthB);
  const s = crcA >>> 0;
  return (
    (t[s & 0xff]! ^
      t[0x100 + ((s >>> 8) & 0xff)]! ^
      t[0x200 + ((s >>> 16) & 0xff)]! ^
      t[0x300 + (s >>> 24)]! ^
      crcB) >>>
    0
  );
}

const SHIFTS = new Map<number, Int32Array>();

/** shift(s) for s = v << 8k, at [k * 256 + v]: the map applied byte by byte of the register. */
function shiftTables(length: number): Int32Array {
  let t = SHIFTS.get(length);
  if (t !== undefined) return t;
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad length ${length}`);
  const bit = new Int32Array(32);
  for (let b = 0; b < 32; b++) {
    let c = 1 << b;
    for (let i = 0; i < length; i++) c = (c >>> 8) ^ TABLE[c & 0xff]!;
    bit[b] = c;
  }
  t = new Int32Array(4 * 256);
  for (let k = 0; k < 4; k++) {
    for (let v = 0; v < 256; v++) {
      let m = 0;
      for (let b = 0; b < 8; b++) if (v & (1 << b)) m ^= bit[8 * k + b]!;
      t[k * 256 + v] = m;
    }
  }
  SHIFTS.set(length, t);
  return t;
}
