/**
 * 64-bit integer arithmetic on (lo, hi) pairs of signed 32-bit halves, the register
 * representation the interpreter uses because it is the fastest V8 offers (BigInt
 * allocates; doubles lose bits). Results of pair-valued operations are left in `r.lo` /
 * `r.hi` of a caller-supplied scratch object, so no call allocates.
 *
 * Rare operations (128-bit high products, 64-bit division of large values) fall back to
 * BigInt; everything common stays in 32-bit integer arithmetic.
 */

export interface Pair {
  lo: number;
  hi: number;
}

const TWO32 = 4294967296;

/** Unsigned 32 × 32 → 64 multiply into r. */
export function mulu32(a: number, b: number, r: Pair): void {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33, exact
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33, exact
  r.lo = low | 0;
  r.hi = (a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / TWO32)) | 0;
}

/** Low 64 bits of a 64 × 64 product. */
export function mul64(alo: number, ahi: number, blo: number, bhi: number, r: Pair): void {
  mulu32(alo, blo, r);
  r.hi = (r.hi + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
}

/** High 32 bits of the 64-bit product of two XLEN=32 values (mulh, mulhsu, mulhu). */
export function mulh32(a: number, b: number, aSigned: boolean, bSigned: boolean, r: Pair): number {
  mulu32(a, b, r);
  let hi = r.hi;
  if (aSigned && a < 0) hi = (hi - b) | 0;
  if (bSigned && b < 0) hi = (hi - a) | 0;
  return hi;
}

const toBig = (lo: number, hi: number, signed: boolean): bigint => {
  const u = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return signed ? BigInt.asIntN(64, u) : u;
};

const fromBig = (v: bigint, r: Pair): void => {
  const u = BigInt.asUintN(64, v);
  r.lo = Number(u & 0xffffffffn) | 0;
  r.hi = Number(u >> 32n) | 0;
};

/** High 64 bits of a 128-bit product (mulh, mulhsu, mulhu on RV64). */
export function mulh64(
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
  aSigned: boolean,
  bSigned: boolean,
  r: Pair,
): void {
  fromBig((toBig(alo, ahi, aSigned) * toBig(blo, bhi, bSigned)) >> 64n, r);
}

/** True when a signed pair with this high word is within ±2^53, so a double holds it exactly. */
const isSafeHigh = (hi: number): boolean => hi >= -0x200000 && hi < 0x200000;

/**
 * 64-bit division and remainder with RISC-V's rules: x / 0 = all ones (unsigned) or -1,
 * x % 0 = x, and MIN / -1 = MIN with remainder 0 (overflow does not trap).
 */
export function div64(
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
  signed: boolean,
  wantRemainder: boolean,
  r: Pair,
): void {
  if (blo === 0 && bhi === 0) {
    if (wantRemainder) {
      r.lo = alo;
      r.hi = ahi;
    } else {
      r.lo = -1;
      r.hi = -1;
    }
    return;
  }
  if (signed && isSafeHigh(ahi) && isSafeHigh(bhi)) {
    const a = ahi * TWO32 + (alo >>> 0);
    const b = bhi * TWO32 + (blo >>> 0);
    const v = wantRemainder ? a % b : Math.trunc(a / b);
    r.lo = v | 0;
    r.hi = Math.floor(v / TWO32) | 0;
    return;
  }
  if (!signed && ahi >= 0 && ahi < 0x200000 && bhi >= 0 && bhi < 0x200000) {
    const a = ahi * TWO32 + (alo >>> 0);
    const b = bhi * TWO32 + (blo >>> 0);
    const v = wantRemainder ? a % b : Math.floor(a / b);
    r.lo = v | 0;
    r.hi = Math.floor(v / TWO32) | 0;
    return;
  }
  const a = toBig(alo, ahi, signed);
  const b = toBig(blo, bhi, signed);
  if (signed && b === -1n && a === -(1n << 63n)) {
    // Overflow: the quotient is the dividend, the remainder zero.
    if (wantRemainder) {
      r.lo = 0;
      r.hi = 0;
    } else {
      r.lo = alo;
      r.hi = ahi;
    }
    return;
  }
  fromBig(wantRemainder ? a % b : a / b, r);
}

/** 32-bit division and remainder (RV32 div*, RV64 div*w) with the same rules; returns int32. */
export function div32(a: number, b: number, signed: boolean, wantRemainder: boolean): number {
  if (b === 0) return wantRemainder ? a | 0 : -1;
  if (signed) {
    if (a === -0x80000000 && b === -1) return wantRemainder ? 0 : a;
    return wantRemainder ? (a % b) | 0 : (a / b) | 0;
  }
  const ua = a >>> 0;
  const ub = b >>> 0;
  return wantRemainder ? (ua % ub) | 0 : Math.floor(ua / ub) | 0;
}

/** Shift left by 0–63. */
export function shl64(lo: number, hi: number, s: number, r: Pair): void {
  if (s === 0) {
    r.lo = lo;
    r.hi = hi;
  } else if (s < 32) {
    r.hi = (hi << s) | (lo >>> (32 - s));
    r.lo = lo << s;
  } else {
    r.hi = lo << (s - 32);
    r.lo = 0;
  }
}

/** Logical shift right by 0–63. */
export function shr64(lo: number, hi: number, s: number, r: Pair): void {
  if (s === 0) {
    r.lo = lo;
    r.hi = hi;
  } else if (s < 32) {
    r.lo = (lo >>> s) | (hi << (32 - s));
    r.hi = (hi >>> s) | 0;
  } else {
    r.lo = (hi >>> (s - 32)) | 0;
    r.hi = 0;
  }
}

/** Arithmetic shift right by 0–63. */
export function sar64(lo: number, hi: number, s: number, r: Pair): void {
  if (s === 0) {
    r.lo = lo;
    r.hi = hi;
  } else if (s < 32) {
    r.lo = (lo >>> s) | (hi << (32 - s));
    r.hi = hi >> s;
  } else {
    r.lo = hi >> (s - 32);
    r.hi = hi >> 31;
  }
}

/** Signed 64-bit a < b. */
export const lt64 = (alo: number, ahi: number, blo: number, bhi: number): boolean =>
  ahi < bhi || (ahi === bhi && alo >>> 0 < blo >>> 0);

/** Unsigned 64-bit a < b. */
export const ltu64 = (alo: number, ahi: number, blo: number, bhi: number): boolean =>
  ahi >>> 0 < bhi >>> 0 || (ahi === bhi && alo >>> 0 < blo >>> 0);
