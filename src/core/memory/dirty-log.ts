/**
 * The dirty log: one bit per 4 KiB guest page, set by every write to RAM while logging is on
 * — by any hart on any thread, and by the host writing on the guest's behalf — and harvested
 * atomically ("give me the dirty pages and clear them") while harts keep running.
 *
 * Layout: `bits` (one Int32 word per 32 pages) and `control` ([0] enabled, [1] epoch) live in
 * SharedArrayBuffers so every worker sees the same log. Bits are set with `Atomics.or` and
 * harvested with `Atomics.exchange`, so a write racing with a harvest lands in this harvest
 * or the next, never in neither.
 *
 * Harts cache writable pages in their TLBs, and a cached store marks nothing. So a harvest
 * also bumps `epoch`; a hart drops its write TLB entries when it sees a new epoch (at the
 * start of each time slice) and records the epoch it has seen. A sender must read page
 * contents only after every running hart has caught up with the epoch (`caughtUp`): stores
 * made through a stale entry before that are then in the contents it reads, and every store
 * after it takes the slow path and marks its page again.
 */
import { PAGE_SHIFT } from "./page.js";

/** A run of consecutive pages: [first page number, count]. */
export type PageRun = readonly [page: number, count: number];

export class DirtyLog {
  readonly bits: Int32Array;
  readonly control: Int32Array;

  constructor(
    readonly pages: number,
    shared?: { bits: SharedArrayBuffer; control: SharedArrayBuffer },
  ) {
    this.bits = new Int32Array(shared?.bits ?? new SharedArrayBuffer(Math.ceil(pages / 32) * 4));
    this.control = new Int32Array(shared?.control ?? new SharedArrayBuffer(8));
  }

  /** The buffers to hand to another thread's `new DirtyLog(pages, shared)`. */
  get shared(): { bits: SharedArrayBuffer; control: SharedArrayBuffer } {
    return { bits: this.bits.buffer as SharedArrayBuffer, control: this.control.buffer as SharedArrayBuffer };
  }

  get enabled(): boolean {
    return Atomics.load(this.control, 0) !== 0;
  }

  get epoch(): number {
    return Atomics.load(this.control, 1);
  }

  /** Starts logging with every page clean. Bumps the epoch so cached write entries go. */
  enable(): void {
    for (let i = 0; i < this.bits.length; i++) Atomics.store(this.bits, i, 0);
    Atomics.store(this.control, 0, 1);
    Atomics.add(this.control, 1, 1);
  }

  /**
   * Starts a new epoch without harvesting: every hart drops its cached write entries at its
   * next slice. The JIT uses it when a page starts holding compiled code, whose stores must
   * all take the slow path from then on.
   */
  newEpoch(): void {
    Atomics.add(this.control, 1, 1);
  }

  disable(): void {
    Atomics.store(this.control, 0, 0);
  }

  /** Marks the pages holding [offset, offset + length) of RAM (byte offsets from RAM's base). */
  markRange(offset: number, length: number): void {
    if (length <= 0 || Atomics.load(this.control, 0) === 0) return;
    const last = (offset + length - 1) >>> PAGE_SHIFT;
    for (let page = offset >>> PAGE_SHIFT; page <= last; page++) {
      Atomics.or(this.bits, page >>> 5, 1 << (page & 31));
    }
  }

  /** Marks one page by RAM byte offset; the store slow path's call. */
  mark(offset: number): void {
    if (Atomics.load(this.control, 0) === 0) return;
    const page = offset >>> PAGE_SHIFT;
    Atomics.or(this.bits, page >>> 5, 1 << (page & 31));
  }

  isDirty(page: number): boolean {
    return ((Atomics.load(this.bits, page >>> 5) >>> (page & 31)) & 1) !== 0;
  }

  /**
   * Takes and clears the dirty set, as runs of consecutive pages in ascending order, and
   * starts a new epoch. Read page contents only once every running hart has `caughtUp`.
   */
  harvest(): PageRun[] {
    const runs: [number, number][] = [];
    let start = -1;
    let count = 0;
    for (let w = 0; w < this.bits.length; w++) {
      let word = this.bits[w] === 0 ? 0 : Atomics.exchange(this.bits, w, 0);
      for (let b = 0; b < 32; b++, word >>>= 1) {
        const page = w * 32 + b;
        if (word & 1) {
          if (start >= 0 && start + count === page) count++;
          else {
            if (start >= 0) runs.push([start, count]);
            start = page;
            count = 1;
          }
        }
        if (word === 0) break;
      }
    }
    if (start >= 0) runs.push([start, count]);
    Atomics.add(this.control, 1, 1);
    return runs;
  }
}
