/**
 * The SiFive CLINT (core-local interruptor) of QEMU's virt board: per-hart software and
 * timer interrupts for M-mode.
 *
 *   0x0000 + 4*h   msip[h]      bit 0 drives mip.MSIP of hart h
 *   0x4000 + 8*h   mtimecmp[h]  64 bits, accessed as two 32-bit halves (low word first)
 *   0xbff8         mtime        64 bits, the 10 MHz timebase
 *
 * Decisions, so software sees what it sees on QEMU:
 * - mtime is the machine clock plus an offset. Writing mtime (either half) moves the offset so
 *   that mtime reads back the written value and keeps counting from there, as QEMU does. The
 *   `time` CSR must read the same value, so harts get their time through `readMtime`.
 * - mtimecmp resets to all ones, so no timer interrupt is pending until software programs
 *   one (QEMU raises MTIP only after a mtimecmp write; the privileged spec leaves the reset
 *   value open).
 * - MTIP = (mtime >= mtimecmp), recomputed at once on every mtimecmp or mtime write (a timer
 *   handler that moves mtimecmp must see MTIP drop before it returns) and by `update()`,
 *   which the machine calls between time slices as time moves on.
 * Registers are 64-bit unsigned quantities and are kept as bigints; sub-word accesses act on
 * the bytes they cover.
 */
import { Irq } from "../cpu/interrupts.js";
import type { MmioDevice } from "../memory/address-space.js";
import type { Clock } from "./clock.js";

export const CLINT_SIZE = 0x10000;
export const CLINT_MAX_HARTS = 4095;

const MSIP_BASE = 0x0000;
const MTIMECMP_BASE = 0x4000;
const MTIME = 0xbff8;
const U64_MASK = (1n << 64n) - 1n;
const LOW_MASK = 0xffff_ffffn;

/** What the CLINT needs from a hart: a way to raise and lower its mip bits. */
export interface InterruptTarget {
  setInterruptPending(mask: number, level: boolean): void;
  isInterruptPending(mask: number): boolean;
}

export class Clint implements MmioDevice {
  private readonly msip: Uint8Array;
  private readonly mtimecmp: bigint[];
  /** mtime − clock.now(), modulo 2^64. */
  private mtimeOffset = 0n;

  constructor(
    private readonly clock: Clock,
    private readonly harts: readonly InterruptTarget[],
  ) {
    if (harts.length < 1 || harts.length > CLINT_MAX_HARTS) {
      throw new RangeError(`a CLINT serves 1 to ${CLINT_MAX_HARTS} harts, not ${harts.length}`);
    }
    this.msip = new Uint8Array(harts.length);
    this.mtimecmp = harts.map(() => U64_MASK);
  }

  /** The current mtime as an unsigned 64-bit value. */
  readMtime(): bigint {
    return (BigInt(this.clock.now()) + this.mtimeOffset) & U64_MASK;
  }

  /** mtime as a number, for the `time` CSR; exact while mtime stays below 2^53. */
  readMtimeNumber(): number {
    return Number(this.readMtime());
  }

  /** Refreshes every hart's MTIP from the current time (called between time slices). */
  update(): void {
    const now = this.readMtime();
    for (let h = 0; h < this.harts.length; h++) this.refreshTimer(h, now);
  }

  /**
   * The clock reading (in `Clock` ticks) at which the earliest timer still in the future
   * fires, or undefined when none will: lets an idle machine sleep instead of spinning.
   */
  nextDeadline(): number | undefined {
    const now = this.readMtime();
    let earliest: bigint | undefined;
    for (let h = 0; h < this.mtimecmp.length; h++) {
      const cmp = this.mtimecmp[h]!;
      // A deadline that passed after the last update() has not raised MTIP yet: it is due now.
      if (cmp <= now && !this.harts[h]!.isInterruptPending(Irq.MTIP)) return this.clock.now();
      if (cmp > now && (earliest === undefined || cmp < earliest)) earliest = cmp;
    }
    if (earliest === undefined) return undefined;
    const clockTicks = BigInt(this.clock.now()) + (earliest - now);
    // An all-ones mtimecmp, or any other beyond 2^53 ticks (28 years), never fires in practice.
    if (clockTicks > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return Number(clockTicks);
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const word = this.readWord(offset & ~3);
    const shift = (offset & 3) * 8;
    const mask = size === 4 ? 0xffff_ffff : (1 << (size * 8)) - 1;
    return ((word >>> shift) & mask) >>> 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const aligned = offset & ~3;
    let word = value >>> 0;
    if (size !== 4) {
      const shift = (offset & 3) * 8;
      const mask = ((1 << (size * 8)) - 1) << shift;
      word = ((this.readWord(aligned) & ~mask) | ((value << shift) & mask)) >>> 0;
    }
    this.writeWord(aligned, word);
  }

  private readWord(offset: number): number {
    if (offset < MTIMECMP_BASE) {
      const h = (offset - MSIP_BASE) >> 2;
      return h < this.harts.length ? (this.msip[h] ?? 0) : 0;
    }
    if (offset >= MTIME && offset < MTIME + 8) return half(this.readMtime(), offset - MTIME);
    const h = (offset - MTIMECMP_BASE) >> 3;
    const cmp = this.mtimecmp[h];
    if (offset < MTIME && cmp !== undefined) return half(cmp, (offset - MTIMECMP_BASE) & 7);
    return 0;
  }

  private writeWord(offset: number, word: number): void {
    if (offset < MTIMECMP_BASE) {
      const h = (offset - MSIP_BASE) >> 2;
      if (h >= this.harts.length) return;
      this.msip[h] = word & 1;
      this.harts[h]?.setInterruptPending(Irq.MSIP, (word & 1) !== 0);
      return;
    }
    if (offset >= MTIME && offset < MTIME + 8) {
      const mtime = withHalf(this.readMtime(), offset - MTIME, word);
      this.mtimeOffset = (mtime - BigInt(this.clock.now())) & U64_MASK;
      this.update();
      return;
    }
    const h = (offset - MTIMECMP_BASE) >> 3;
    const cmp = this.mtimecmp[h];
    if (offset >= MTIME || cmp === undefined) return;
    this.mtimecmp[h] = withHalf(cmp, (offset - MTIMECMP_BASE) & 7, word);
    this.refreshTimer(h, this.readMtime());
  }

  private refreshTimer(h: number, now: bigint): void {
    const cmp = this.mtimecmp[h] ?? U64_MASK;
    this.harts[h]?.setInterruptPending(Irq.MTIP, now >= cmp);
  }
}

/** The 32-bit half of a 64-bit register at byte offset 0 (low) or 4 (high). */
function half(value: bigint, byteOffset: number): number {
  return Number(byteOffset === 0 ? value & LOW_MASK : (value >> 32n) & LOW_MASK);
}

function withHalf(value: bigint, byteOffset: number, word: number): bigint {
  const w = BigInt(word >>> 0);
  return byteOffset === 0 ? (value & ~LOW_MASK & U64_MASK) | w : (value & LOW_MASK) | (w << 32n);
}
