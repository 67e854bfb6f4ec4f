/**
 * The shared-info page: the 4 KiB page of guest RAM, registered by the guest, through which
 * the host signals events with Xen's 2-level ABI. The host sets bits; the guest clears them.
 * Both sides may run at once on different threads, so every host access is an `Atomics`
 * read-modify-write on the guest memory's SharedArrayBuffer (the guest uses AMOs).
 *
 * Layout (byte offsets; W = XLEN/8; "word" = an XLEN-bit little-endian word):
 *
 *   | offset          | size  | field                                                    |
 *   |-----------------|-------|----------------------------------------------------------|
 *   | 0x000 + 16·v    | 1     | vcpu_info[v].evtchn_upcall_pending (0/1), v < 64          |
 *   | 0x001 + 16·v    | 1     | vcpu_info[v].evtchn_upcall_mask (the guest's own flag)    |
 *   | 0x002 + 16·v    | 6     | padding                                                  |
 *   | 0x008 + 16·v    | W     | vcpu_info[v].evtchn_pending_sel: bit k = pending word k   |
 *   | 0x400           | 512   | evtchn_pending: bit p = port p pending                   |
 *   | 0x600           | 512   | evtchn_mask: bit p = port p masked                       |
 *   | 0x800           | 2048  | reserved (zero)                                          |
 *
 * Why these sizes: the selector is one word, each of its bits names one pending word, so the
 * 2-level ABI reaches XLEN × XLEN ports: 4096 on RV64 (512-byte bitmaps), 1024 on RV32
 * (128 bytes; the rest of each 512-byte area is unused). Fixed offsets keep one layout for
 * both widths. vcpu_info slots are 16 bytes for both widths (on RV32 the selector's upper four
 * bytes are unused), and 64 of them cover MAX_VCPUS.
 *
 * Because RAM is little-endian, bit p of an array of XLEN-bit words is bit p & 31 of 32-bit
 * word p >> 5 whatever XLEN is; only the selector index (p / XLEN) depends on the width.
 *
 * Invariant: `gpa` is page-aligned and the whole page is inside RAM (checked by the table
 * before one is built). Every store also marks the page dirty: Atomics bypass
 * `GuestMemory.write`, and a pre-copy migration must resend the page.
 */
import type { GuestMemory } from "../../memory/guest-memory.js";
import { PAGE_SIZE } from "../../memory/page.js";

export const SHARED_INFO_SIZE = PAGE_SIZE;
export const VCPU_INFO_SIZE = 16;
export const VCPU_INFO_SLOTS = 64;
export const VcpuInfoOffset = { UPCALL_PENDING: 0, UPCALL_MASK: 1, PENDING_SEL: 8 } as const;
export const EVTCHN_PENDING_OFFSET = 0x400;
export const EVTCHN_MASK_OFFSET = 0x600;

/** Ports the 2-level ABI can name at a width: one selector word of pending words. */
export function maxPortsFor(xlen: 32 | 64): number {
  return xlen * xlen;
}

export class SharedInfoPage {
  /** Offset of the page from the start of RAM, in bytes. */
  private readonly at: number;

  constructor(
    private readonly mem: GuestMemory,
    readonly gpa: number,
    readonly xlen: 32 | 64,
  ) {
    this.at = gpa - mem.base;
  }

  /** Atomically sets bit `bit` of the bitmap at page offset `off`; returns whether it was set. */
  private testAndSet(off: number, bit: number): boolean {
    const i = ((this.at + off) >> 2) + (bit >>> 5);
    const m = 1 << (bit & 31);
    const old = Atomics.or(this.mem.i32, i, m);
    if ((old & m) === 0) this.touch();
    return (old & m) !== 0;
  }

  private testAndClear(off: number, bit: number): boolean {
    const i = ((this.at + off) >> 2) + (bit >>> 5);
    const m = 1 << (bit & 31);
    const old = Atomics.and(this.mem.i32, i, ~m);
    if ((old & m) !== 0) this.touch();
    return (old & m) !== 0;
  }

  private test(off: number, bit: number): boolean {
    const i = ((this.at + off) >> 2) + (bit >>> 5);
    return (Atomics.load(this.mem.i32, i) & (1 << (bit & 31))) !== 0;
  }

  private touch(): void {
    this.mem.dirty.markRange(this.at, SHARED_INFO_SIZE);
  }

  isPending(port: number): boolean {
    return this.test(EVTCHN_PENDING_OFFSET, port);
  }

  isMasked(port: number): boolean {
    return this.test(EVTCHN_MASK_OFFSET, port);
  }

  testAndSetPending(port: number): boolean {
    return this.testAndSet(EVTCHN_PENDING_OFFSET, port);
  }

  clearPending(port: number): void {
    this.testAndClear(EVTCHN_PENDING_OFFSET, port);
  }

  testAndSetMask(port: number): boolean {
    return this.testAndSet(EVTCHN_MASK_OFFSET, port);
  }

  testAndClearMask(port: number): boolean {
    return this.testAndClear(EVTCHN_MASK_OFFSET, port);
  }

  /** Sets the selector bit of the pending word holding `port` in vCPU `v`'s vcpu_info. */
  testAndSetSelector(v: number, port: number): boolean {
    return this.testAndSet(v * VCPU_INFO_SIZE + VcpuInfoOffset.PENDING_SEL, Math.floor(port / this.xlen));
  }

  selector(v: number): bigint {
    const i = (this.at + v * VCPU_INFO_SIZE + VcpuInfoOffset.PENDING_SEL) >> 2;
    const lo = BigInt(Atomics.load(this.mem.i32, i) >>> 0);
    return this.xlen === 32 ? lo : lo | (BigInt(Atomics.load(this.mem.i32, i + 1) >>> 0) << 32n);
  }

  /** Sets vCPU `v`'s evtchn_upcall_pending byte; returns whether it was already non-zero. */
  testAndSetUpcallPending(v: number): boolean {
    const old = Atomics.exchange(
      this.mem.u8,
      this.at + v * VCPU_INFO_SIZE + VcpuInfoOffset.UPCALL_PENDING,
      1,
    );
    if (old === 0) this.touch();
    return old !== 0;
  }

  upcallPending(v: number): boolean {
    return Atomics.load(this.mem.u8, this.at + v * VCPU_INFO_SIZE + VcpuInfoOffset.UPCALL_PENDING) !== 0;
  }
}
