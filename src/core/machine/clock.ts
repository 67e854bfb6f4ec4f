/**
 * Machine time: the source behind CLINT `mtime` and the `time` CSR.
 *
 * A clock counts ticks of the 10 MHz timebase (DESIGN §6, `timebase-frequency` in the device
 * tree) from the moment it was created. Invariant: `now()` never decreases. Ticks are plain
 * numbers: 2^53 ticks at 10 MHz is 28 years, far beyond any run.
 *
 * Two kinds exist: `WallClock` follows real time (what users get), `VirtualClock` moves only
 * when the machine advances it, so a run depends on nothing but its inputs (deterministic
 * mode and tests).
 */

/** The timebase every Ferry machine uses, in Hz. */
export const TIMEBASE_FREQUENCY = 10_000_000;

/** Ticks per millisecond of the timebase; converts between host timers and guest time. */
export const TICKS_PER_MS = TIMEBASE_FREQUENCY / 1000;

export interface Clock {
  /** Ticks of the 10 MHz timebase since the clock started; monotonic. */
  now(): number;
}

/**
 * Real time from `performance.now()`, which is monotonic (unlike `Date.now()`) and exists
 * both in browsers and in Node.
 */
export class WallClock implements Clock {
  private readonly startMs = performance.now();

  now(): number {
    return Math.floor((performance.now() - this.startMs) * TICKS_PER_MS);
  }
}

/** Time that moves only when told to, for runs that must repeat bit for bit. */
export class VirtualClock implements Clock {
  private ticks: number;

  constructor(start = 0) {
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new RangeError(`virtual clock start ${start} is not a non-negative integer`);
    }
    this.ticks = start;
  }

  now(): number {
    return this.ticks;
  }

  /** Moves time forward by `ticks` (a non-negative integer). */
  advance(ticks: number): void {
    if (!Number.isSafeInteger(ticks) || ticks < 0) {
      throw new RangeError(`cannot advance a virtual clock by ${ticks} ticks`);
    }
    this.ticks += ticks;
  }

  /** Moves time forward to `ticks`; a target in the past leaves the clock where it is. */
  advanceTo(ticks: number): void {
    if (ticks > this.ticks) this.ticks = Math.floor(ticks);
  }
}
