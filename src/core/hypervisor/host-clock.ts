/**
 * The host clock every thread agrees on, in 10 MHz ticks since the Unix epoch:
 * `performance.timeOrigin + performance.now()` is the same instant on every thread (each
 * thread's `performance.now()` alone counts from its own start). A domain's guest time is
 * this minus its time base.
 */
export const TICKS_PER_MS = 10_000;

export function epochTicks(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * TICKS_PER_MS);
}
