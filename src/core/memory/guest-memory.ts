/**
 * Guest-physical RAM: one SharedArrayBuffer seen through typed views of every width.
 *
 * Invariants: `base` and `size` are multiples of the 4 KiB page size; the views alias the
 * same buffer, so a host on several threads can hand the buffer (and the dirty log's
 * buffers) to each worker and build the same views there. The host is little-endian, as every
 * platform Node and browsers run on, so typed-array order is RISC-V order.
 */

import { DirtyLog } from "./dirty-log.js";
import { PAGE_SHIFT, PAGE_SIZE } from "./page.js";

export { PAGE_SHIFT, PAGE_SIZE };

export class GuestMemory {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  readonly i8: Int8Array;
  readonly i64: BigInt64Array;
  /** Pages written while logging is on; shared with every thread that maps this memory. */
  readonly dirty: DirtyLog;
  /** Bytes of RAM (a field: the buffer's byteLength getter is slow on hot paths). */
  readonly size: number;

  constructor(
    /** Guest-physical address of the first byte. */
    readonly base: number,
    readonly buffer: SharedArrayBuffer,
    dirtyLog?: DirtyLog,
  ) {
    if (base % PAGE_SIZE !== 0 || buffer.byteLength % PAGE_SIZE !== 0) {
      throw new RangeError("guest memory base and size must be page-aligned");
    }
    this.size = buffer.byteLength;
    this.u8 = new Uint8Array(buffer);
    this.i8 = new Int8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.i16 = new Int16Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.i64 = new BigInt64Array(buffer);
    this.dirty = dirtyLog ?? new DirtyLog(buffer.byteLength >>> PAGE_SHIFT);
  }

  static allocate(base: number, size: number): GuestMemory {
    return new GuestMemory(base, new SharedArrayBuffer(size));
  }

  /** True when [paddr, paddr + length) lies wholly inside RAM. */
  contains(paddr: number, length = 1): boolean {
    return paddr >= this.base && paddr + length <= this.base + this.size;
  }

  /** Copies host bytes into RAM at a guest-physical address (loaders, devices). */
  write(paddr: number, bytes: Uint8Array): void {
    if (!this.contains(paddr, bytes.length)) {
      throw new RangeError(`write of ${bytes.length} bytes at 0x${paddr.toString(16)} is outside RAM`);
    }
    this.u8.set(bytes, paddr - this.base);
    this.dirty.markRange(paddr - this.base, bytes.length);
  }

  /**
   * A 64-bit FNV-1a-style hash of all of RAM, as 16 hex digits: cheap enough to compare two
   * runs bit for bit (tests of deterministic mode), not a cryptographic digest.
   */
  hash(): string {
    let h1 = 0x811c9dc5;
    let h2 = 0x050c5d1f;
    const words = this.i32;
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h2 = Math.imul(h2 ^ (w >>> 16) ^ (i & 0xffff), 0x01000193);
    }
    return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
  }

  /** Copies bytes out of RAM. */
  read(paddr: number, length: number): Uint8Array {
    if (!this.contains(paddr, length)) {
      throw new RangeError(`read of ${length} bytes at 0x${paddr.toString(16)} is outside RAM`);
    }
    return this.u8.slice(paddr - this.base, paddr - this.base + length);
  }
}
