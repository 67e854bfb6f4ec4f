/**
 * Measures the register-file representations a TypeScript RV64 interpreter could use, on
 * the operation mix that dominates integer code (64-bit add, xor, shift, compare), so the
 * choice in src/core/cpu/hart.ts rests on a figure rather than a guess:
 *   - pairs:  two Int32Arrays (low and high halves) — what the hart uses;
 *   - bigint: one BigInt64Array with BigInt arithmetic;
 *   - double: one Float64Array (exact only to 2^53, so not correct, shown as a ceiling).
 * Prints million simulated operations per second for each.
 */

const ROUNDS = 2_000_000;

function pairs(): number {
  const lo = new Int32Array(32);
  const hi = new Int32Array(32);
  lo[1] = 12345;
  lo[2] = 0x9e3779b9;
  hi[2] = 0x7f4a7c15;
  for (let i = 0; i < ROUNDS; i++) {
    // x3 = x1 + x2
    const s: number = (lo[1]! >>> 0) + (lo[2]! >>> 0);
    lo[3] = s | 0;
    hi[3] = hi[1]! + hi[2]! + (s > 0xffffffff ? 1 : 0);
    // x1 = x3 ^ (x3 << 7)
    const l: number = lo[3]!;
    const h: number = hi[3]!;
    lo[1] = l ^ (l << 7);
    hi[1] = h ^ ((h << 7) | (l >>> 25));
    // x4 = x1 < x2 (unsigned)
    lo[4] = hi[1]! >>> 0 < hi[2]! >>> 0 || (hi[1] === hi[2] && lo[1]! >>> 0 < lo[2]! >>> 0) ? 1 : 0;
  }
  return lo[1]! ^ lo[4]!;
}

function bigint(): number {
  const x = new BigInt64Array(32);
  x[1] = 12345n;
  x[2] = 0x7f4a7c159e3779b9n;
  for (let i = 0; i < ROUNDS; i++) {
    x[3] = x[1]! + x[2]!;
    x[1] = x[3]! ^ (x[3]! << 7n);
    x[4] = BigInt.asUintN(64, x[1]!) < BigInt.asUintN(64, x[2]!) ? 1n : 0n;
  }
  return Number(x[1]! & 0xffffn);
}

function double(): number {
  const x = new Float64Array(32);
  x[1] = 12345;
  x[2] = 0x9e3779b9;
  for (let i = 0; i < ROUNDS; i++) {
    x[3] = (x[1]! + x[2]!) % 2 ** 53;
    x[1] = x[3]! + x[3]! * 128;
    x[4] = x[1]! < x[2]! ? 1 : 0;
  }
  return x[4]!;
}

export function measureRegisterRepresentations(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, fn] of Object.entries({ pairs, bigint, double })) {
    fn(); // warm up
    const t0 = performance.now();
    fn();
    const ms = performance.now() - t0;
    out[name] = Math.round(((ROUNDS * 3) / ms / 1000) * 10) / 10; // 3 operations per round
  }
  return out;
}
