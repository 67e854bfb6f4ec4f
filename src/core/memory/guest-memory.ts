/**
 * Guest-physical RAM: one SharedArrayBuffer seen through typed views of every width.
 *
 * Where the host has WebAssembly, the buffer is a shared WebAssembly memory's, so that guest
 * code compiled to WebAssembly (cpu/jit) reaches RAM with plain loads and stores. What
 * compiled code also needs lives in the same memory, after RAM, since a module sees one memory:
 *
 * | offset          | size                     | contents                                     |
 * |-----------------|--------------------------|----------------------------------------------|
 * | 0               | size                     | guest RAM (guest-physical `base` + offset)   |
 * | size            | 4 × RAM pages            | code versions: an Int32 per page of RAM      |
 * | hartAreaBase    | HART_AREA_SIZE × harts   | one area per hart id (cpu/hart-area.ts)      |
 *
 * Without WebAssembly (or for RAM too large for a 32-bit WebAssembly memory) the buffer is
 * RAM alone and there are no hart areas; harts then keep their state in plain arrays and run
 * interpreted.
 *
 * Invariants: `base` and `size` are multiples of the 4 KiB page size; the views alias the
 * same buffer, so a host on several threads can hand the buffer (and the dirty log's
 * buffers) to each worker and build the same views there (`share`, then the constructor). The
 * typed views cover RAM only; what follows it is reached through `buffer`. The host is little-endian, as every platform Node and browsers run
 * on, so typed-array order is RISC-V order.
 */

import { DirtyLog } from "./dirty-log.js";
import { PAGE_SHIFT, PAGE_SIZE } from "./page.js";
import { WASM_PAGE_SIZE, type WasmMemory, webAssembly } from "./webassembly.js";

export { PAGE_SHIFT, PAGE_SIZE };

/** Bytes of each hart's area after RAM (its registers and TLB: see cpu/hart-area.ts). */
export const HART_AREA_SIZE = 128 * 1024;

/** The largest WebAssembly memory a 32-bit module can address. */
const MAX_WASM_BYTES = 2 ** 32;

/** What another thread needs to build the same GuestMemory (structured-cloneable). */
export interface GuestMemoryShare {
  readonly base: number;
  readonly size: number;
  readonly buffer: SharedArrayBuffer;
  /** The WebAssembly memory `buffer` belongs to, when there is one. */
  readonly wasm: WasmMemory | undefined;
  /** Hart areas after RAM (0 without `wasm`). */
  readonly harts: number;
}

export class GuestMemory {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  readonly i8: Int8Array;
  readonly i64: BigInt64Array;
  /** Pages written while logging is on; shared with every thread that maps this memory. */
  readonly dirty: DirtyLog;
  /** Guest-physical address of the first byte. */
  readonly base: number;
  /** Bytes of RAM (a field: the buffer's byteLength getter is slow on hot paths). */
  readonly size: number;
  readonly buffer: SharedArrayBuffer;
  /** The WebAssembly memory holding RAM, or undefined (then no code is compiled). */
  readonly wasm: WasmMemory | undefined;
  /** How many hart areas follow RAM. */
  readonly harts: number;
  /**
   * The code-version word of each page, when code can be compiled: bit 0 set once some hart
   * has compiled code from the page (its stores then never go through a write TLB entry),
   * and bumped by 2 by each store to such a page (cpu/mmu.ts) so compiled copies go stale.
   */
  readonly codeVersions: Int32Array | undefined;
  /** Byte offset of hart 0's area; hart h's is HART_AREA_SIZE × h further. */
  readonly hartAreaBase: number;

  constructor(share: GuestMemoryShare, dirtyLog?: DirtyLog) {
    const { base, size, buffer } = share;
    if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0 || size <= 0 || size > buffer.byteLength) {
      throw new RangeError("guest memory base and size must be page-aligned");
    }
    this.base = base;
    this.size = size;
    this.buffer = buffer;
    this.wasm = share.wasm;
    this.harts = share.wasm === undefined ? 0 : share.harts;
    this.hartAreaBase = alignPage(size + 4 * (size >>> PAGE_SHIFT));
    if (this.hartAreaBase + this.harts * HART_AREA_SIZE > buffer.byteLength) {
      throw new RangeError("guest memory buffer too small for its hart areas");
    }
    this.u8 = new Uint8Array(buffer, 0, size);
    this.i8 = new Int8Array(buffer, 0, size);
    this.u16 = new Uint16Array(buffer, 0, size >>> 1);
    this.i16 = new Int16Array(buffer, 0, size >>> 1);
    this.i32 = new Int32Array(buffer, 0, size >>> 2);
    this.i64 = new BigInt64Array(buffer, 0, size >>> 3);
    this.dirty = dirtyLog ?? new DirtyLog(size >>> PAGE_SHIFT);
    this.codeVersions =
      share.wasm === undefined ? undefined : new Int32Array(buffer, size, size >>> PAGE_SHIFT);
  }

  /**
   * New zeroed RAM of `size` bytes at `base`, in a WebAssembly memory with `harts` hart areas
   * where the host allows it.
   */
  static allocate(base: number, size: number, harts = 1): GuestMemory {
    const api = webAssembly();
    const total = alignPage(size + 4 * (size >>> PAGE_SHIFT)) + harts * HART_AREA_SIZE;
    if (api !== undefined && total <= MAX_WASM_BYTES && size % PAGE_SIZE === 0) {
      try {
        const pages = Math.ceil(total / WASM_PAGE_SIZE);
        const wasm = new api.Memory({ initial: pages, maximum: pages, shared: true });
        return new GuestMemory({
          base,
          size,
          buffer: wasm.buffer as unknown as SharedArrayBuffer,
          wasm,
          harts,
        });
      } catch {
        // No memory that large here: plain RAM, interpreted.
      }
    }
    return new GuestMemory({ base, size, buffer: new SharedArrayBuffer(size), wasm: undefined, harts: 0 });
  }

  /** What `new GuestMemory(share, dirtyLog)` needs on another thread. */
  share(): GuestMemoryShare {
    return { base: this.base, size: this.size, buffer: this.buffer, wasm: this.wasm, harts: this.harts };
  }

  /** Byte offset of hart `id`'s area, or -1 when it has none. */
  hartArea(id: number): number {
    return id >= 0 && id < this.harts ? this.hartAreaBase + id * HART_AREA_SIZE : -1;
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

const alignPage = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
