/**
 * Address translation (privileged spec §4.3 Sv32, §4.4 Sv39), the TLB, and the slow paths
 * of instruction fetch, load and store.
 *
 * The TLB is direct-mapped, 1,024 entries per privilege level (U, S, M) and per access kind
 * (read, write). An entry maps one 4 KiB virtual page — tagged by the low word with the
 * offset bits cleared and by the high word — to its place in RAM (`TLB_ENTRY_WORDS`).
 * (256 entries made a guest writing 1,024 random pages miss on most stores: 4.9x slower
 * with the JIT, whose hits are cheap enough for the page walks to dominate.)
 * Only RAM pages are entered, so a hit is always a plain typed-array access; MMIO, watched
 * pages, misaligned accesses and misses come here. Permissions are checked when an entry is
 * filled, which is why read and write entries are separate and why the TLB is flushed when
 * satp, the privilege-related mstatus bits or the page tables (sfence.vma) change. A write
 * entry is only filled after the walk has set the PTE's D bit, so the first store to a clean
 * page always walks; a dirty log can drop write entries (`flushWrites`) to see the next
 * store to every page.
 *
 * A and D are updated by the walker, as QEMU does (Svadu behaviour), with an atomic
 * compare-and-swap so a PTE another hart changed meanwhile is not overwritten.
 */

import { Csr, Mstatus } from "./csr-numbers.js";
import type { Hart } from "./hart.js";
import { Exception, Priv } from "./interrupts.js";
import { TRAP } from "./trap-signal.js";

export const TLB_ENTRIES = 1024;
export const TLB_MASK = TLB_ENTRIES - 1;
/**
 * The tag of an empty entry. Real tags have their low 12 bits clear, and an address masked
 * for a lookup keeps at most its low 3 (the alignment bits compiled code folds into the
 * compare), so bit 11 never matches either.
 */
export const INVALID_TAG = 0x800;

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_FETCH = 2;
export type AccessKind = 0 | 1 | 2;

const TWO32 = 4294967296;

/** Index of a privilege level's TLB set: U = 0, S = TLB_ENTRIES, M = 2 × TLB_ENTRIES. */
export const tlbSet = (priv: number): number => (priv === Priv.M ? 2 : priv) * TLB_ENTRIES;

/**
 * Words per TLB entry: the virtual page's low word (`vaddr & -4096`), its high word (RV32:
 * 0), the addend (host byte offset of the page minus the low tag, wrapping: an access's host
 * offset is `(addend + vaddr_lo) | 0`) and an unused word. Tags side by side let compiled
 * code compare an RV64 page with one 64-bit load.
 */
export const TLB_ENTRY_WORDS = 4;
/** Index of the addend in an entry (the tag's low word is at 0, its high word at 1). */
export const TLB_ADDEND = 2;
/** Bytes of each of the TLB's two tables (three sets of TLB_ENTRIES entries). */
export const TLB_TABLE_BYTES = 3 * TLB_ENTRIES * TLB_ENTRY_WORDS * 4;

export class Tlb {
  /** Entries for loads, TLB_ENTRY_WORDS each, indexed by (set + slot) × TLB_ENTRY_WORDS. */
  readonly r: Int32Array;
  /** Entries for stores, laid out as `r`. */
  readonly w: Int32Array;

  /**
   * A TLB in its own memory, or in `buffer` from `byteOffset` (a hart area, where compiled
   * code looks entries up): `r` then `w`.
   */
  constructor(buffer?: ArrayBufferLike, byteOffset = 0) {
    const words = TLB_TABLE_BYTES / 4;
    this.r = buffer === undefined ? new Int32Array(words) : new Int32Array(buffer, byteOffset, words);
    this.w =
      buffer === undefined
        ? new Int32Array(words)
        : new Int32Array(buffer, byteOffset + TLB_TABLE_BYTES, words);
    this.flush();
  }

  flush(): void {
    invalidate(this.r);
    invalidate(this.w);
  }

  /** Drops write entries only: the next store to each page takes the slow path. */
  flushWrites(): void {
    invalidate(this.w);
  }

  /** Drops the write entries that map RAM byte offset `hostPage` (a page-aligned offset). */
  dropWritesTo(hostPage: number): void {
    const w = this.w;
    for (let e = 0; e < w.length; e += TLB_ENTRY_WORDS) {
      if (((w[e]! + w[e + TLB_ADDEND]!) | 0) === hostPage) w[e] = INVALID_TAG;
    }
  }
}

function invalidate(table: Int32Array): void {
  for (let e = 0; e < table.length; e += TLB_ENTRY_WORDS) table[e] = INVALID_TAG;
}

/** Page-table entry bits (privileged spec §4.3.1). */
export const PTE_V = 1;
export const PTE_R = 2;
export const PTE_W = 4;
export const PTE_X = 8;
export const PTE_U = 16;
export const PTE_A = 64;
export const PTE_D = 128;

const pageFaultCause = [Exception.LoadPageFault, Exception.StorePageFault, Exception.InstructionPageFault];
const accessFaultCause = [
  Exception.LoadAccessFault,
  Exception.StoreAccessFault,
  Exception.InstructionAccessFault,
];

/** Records an exception on the hart and aborts the instruction. */
export function raise(h: Hart, cause: number, tval: number): never {
  h.trapCause = cause;
  h.trapTval = tval;
  throw TRAP;
}

/** The privilege level data accesses are checked against (mstatus.MPRV, §3.1.6.3). */
export function dataPriv(h: Hart): number {
  const ms = h.csrLo[Csr.mstatus]!;
  if (h.priv === Priv.M && ms & Mstatus.MPRV) return (ms >> Mstatus.MPP_SHIFT) & 3;
  return h.priv;
}

/** The virtual address a (lo, hi) pair names, as a number (exact below 2^53 in magnitude). */
export const vaddrOf = (lo: number, hi: number): number => hi * TWO32 + (lo >>> 0);

/**
 * Translates a virtual address for an access at privilege `priv`; returns the physical
 * address or raises a page fault (or an access fault for a PTE outside RAM).
 */
export function translate(h: Hart, vaddr: number, access: AccessKind, priv: number): number {
  if (priv === Priv.M) return vaddr;
  const satpLo = h.csrLo[Csr.satp]!;
  const satpHi = h.csrHi[Csr.satp]!;
  const ram = h.mem;
  const ms = h.csrLo[Csr.mstatus]!;
  let levels: number;
  let pteSize: number;
  let vpnBits: number;
  let table: number;
  if (h.xlen === 32) {
    if (satpLo >= 0) return vaddr; // MODE (bit 31) = Bare
    levels = 2;
    pteSize = 4;
    vpnBits = 10;
    table = (satpLo & 0x3fffff) * 4096;
  } else {
    if (satpHi >>> 28 !== 8) return vaddr; // MODE = Bare (only Sv39 can be written)
    // Sv39 addresses must be sign-extended from bit 38.
    if (vaddr < -0x4000000000 || vaddr >= 0x4000000000) raise(h, pageFaultCause[access]!, vaddr);
    levels = 3;
    pteSize = 8;
    vpnBits = 9;
    table = ((satpHi & 0xfff) * TWO32 + (satpLo >>> 0)) * 4096;
  }
  // VPN extraction wants a non-negative value; only the low 39 (Sv39) or 32 bits matter.
  const va = vaddr < 0 ? vaddr + 2 ** 39 : vaddr;
  const vpnMask = (1 << vpnBits) - 1;
  const pageNumber = Math.floor(va / 4096);
  for (let level = levels - 1; level >= 0; level--) {
    const vpn = Math.floor(pageNumber / 2 ** (vpnBits * level)) & vpnMask;
    const pteAddr = table + vpn * pteSize;
    if (!ram.contains(pteAddr, pteSize)) raise(h, accessFaultCause[access]!, vaddr);
    const idx = (pteAddr - ram.base) >> 2;
    const pteLo = Atomics.load(ram.i32, idx);
    const pteHi = pteSize === 8 ? Atomics.load(ram.i32, idx + 1) : 0;
    // Bits 63:54 are reserved (no Svpbmt/Svnapot): set means a page fault.
    if ((pteLo & PTE_V) === 0 || (pteLo & (PTE_R | PTE_W)) === PTE_W || pteHi >>> 22 !== 0) {
      raise(h, pageFaultCause[access]!, vaddr);
    }
    const ppn = pteSize === 8 ? (pteHi & 0x3fffff) * 4194304 + (pteLo >>> 10) : pteLo >>> 10;
    if ((pteLo & (PTE_R | PTE_X)) === 0) {
      table = ppn * 4096; // pointer to the next level
      continue;
    }
    // Leaf: check permissions.
    let allowed: boolean;
    if (access === ACCESS_FETCH) allowed = (pteLo & PTE_X) !== 0;
    else if (access === ACCESS_READ)
      allowed = (pteLo & PTE_R) !== 0 || ((pteLo & PTE_X) !== 0 && (ms & Mstatus.MXR) !== 0);
    else allowed = (pteLo & PTE_W) !== 0;
    if (priv === Priv.U) {
      if ((pteLo & PTE_U) === 0) allowed = false;
    } else if (pteLo & PTE_U) {
      // S-mode never executes user pages and reads/writes them only with SUM.
      if (access === ACCESS_FETCH || (ms & Mstatus.SUM) === 0) allowed = false;
    }
    if (!allowed) raise(h, pageFaultCause[access]!, vaddr);
    const levelPages = 2 ** (vpnBits * level);
    if (level > 0 && ppn % levelPages !== 0) raise(h, pageFaultCause[access]!, vaddr); // misaligned superpage
    // Hardware A/D update.
    const wantA = (pteLo & PTE_A) === 0;
    const wantD = access === ACCESS_WRITE && (pteLo & PTE_D) === 0;
    if (wantA || wantD) {
      const updated = pteLo | PTE_A | (access === ACCESS_WRITE ? PTE_D : 0);
      if (Atomics.compareExchange(ram.i32, idx, pteLo, updated) !== pteLo) {
        level++; // the PTE changed under us: walk this level again
        continue;
      }
      ram.dirty.mark(pteAddr - ram.base);
    }
    const physPage = ppn + (pageNumber % levelPages);
    return physPage * 4096 + (va % 4096);
  }
  return raise(h, pageFaultCause[access]!, vaddr);
}

/** Enters a translation into the TLB when the physical page is plain RAM. */
function fill(h: Hart, lo: number, hi: number, paddr: number, access: AccessKind, priv: number): void {
  const ram = h.mem;
  if (!ram.contains(paddr)) return;
  const page = Math.floor(paddr / 4096);
  if (h.bus.watcherFor(page) !== undefined) return;
  const i = tlbSet(priv) + ((lo >>> 12) & TLB_MASK);
  const hostPage = (page * 4096 - ram.base) | 0;
  // A page holding compiled code is never written through the TLB: see writePhys.
  if (
    access === ACCESS_WRITE &&
    ram.codeVersions !== undefined &&
    (ram.codeVersions[page - ram.base / 4096]! & 1) !== 0
  ) {
    return;
  }
  if (access === ACCESS_FETCH) return;
  const table = access === ACCESS_READ ? h.tlb.r : h.tlb.w;
  const e = i * TLB_ENTRY_WORDS;
  const tag = lo & -4096;
  table[e] = tag;
  table[e + 1] = hi;
  table[e + TLB_ADDEND] = (hostPage - tag) | 0;
}

/** Translates one data access and caches the page; returns the physical address. */
export function translateData(h: Hart, lo: number, hi: number, access: AccessKind): number {
  const priv = dataPriv(h);
  const paddr = translate(h, vaddrOf(lo, hi), access, priv);
  fill(h, lo, hi, paddr, access, priv);
  return paddr;
}

function readPhys(h: Hart, paddr: number, size: number, vaddr: number): number {
  const ram = h.mem;
  if (ram.contains(paddr, size)) {
    const off = paddr - ram.base;
    switch (size) {
      case 1:
        return ram.u8[off]!;
      case 2:
        return (off & 1) === 0 ? ram.u16[off >> 1]! : ram.u8[off]! | (ram.u8[off + 1]! << 8);
      default:
        return (off & 3) === 0
          ? ram.i32[off >> 2]!
          : ram.u8[off]! | (ram.u8[off + 1]! << 8) | (ram.u8[off + 2]! << 16) | (ram.u8[off + 3]! << 24);
    }
  }
  const region = h.bus.findDevice(paddr);
  if (region === undefined || paddr + size > region.base + region.size)
    raise(h, Exception.LoadAccessFault, vaddr);
  return region.device.read(paddr - region.base, size as 1 | 2 | 4) | 0;
}

function writePhys(h: Hart, paddr: number, size: number, value: number, vaddr: number): void {
  const ram = h.mem;
  if (ram.contains(paddr, size)) {
    const off = paddr - ram.base;
    if (size === 1) ram.u8[off] = value;
    else if (size === 2 && (off & 1) === 0) ram.u16[off >> 1] = value;
    else if (size === 4 && (off & 3) === 0) ram.i32[off >> 2] = value;
    else for (let i = 0; i < size; i++) ram.u8[off + i] = value >>> (8 * i);
    ram.dirty.mark(off);
    const versions = ram.codeVersions;
    if (versions !== undefined && (versions[off >>> 12]! & 1) !== 0) {
      // Compiled copies of this page's code are stale now (cpu/jit/code-cache.ts).
      Atomics.add(versions, off >>> 12, 2);
      h.codeWritten = true;
    }
    return;
  }
  const region = h.bus.findDevice(paddr);
  if (region === undefined || paddr + size > region.base + region.size)
    raise(h, Exception.StoreAccessFault, vaddr);
  h.yieldRequested = true;
  region.device.write(paddr - region.base, size as 1 | 2 | 4, value);
}

/**
 * Loads `size` bytes (1, 2, 4 or 8) the slow way. Returns the low word as an int32 (1- and
 * 2-byte values zero-extended, for the caller to extend); an 8-byte load leaves its high
 * word in `h.scratch.hi`. Misaligned accesses are performed, byte by byte across a page
 * boundary, as QEMU performs them.
 */
export function loadSlow(h: Hart, lo: number, hi: number, size: number): number {
  const words = size === 8 ? 2 : 1;
  const part = size === 8 ? 4 : size;
  if ((lo & 4095) + size > 4096) return loadCrossPage(h, lo, hi, size);
  const paddr = translateData(h, lo, hi, ACCESS_READ);
  const vaddr = vaddrOf(lo, hi);
  const low = readPhys(h, paddr, part, vaddr);
  if (words === 2) h.scratch.hi = readPhys(h, paddr + 4, 4, vaddr);
  return low;
}

function loadCrossPage(h: Hart, lo: number, hi: number, size: number): number {
  let low = 0;
  let high = 0;
  for (let i = 0; i < size; i++) {
    const blo = (lo + i) | 0;
    const bhi = blo >>> 0 < lo >>> 0 ? (hi + 1) & h.hiMask : hi;
    const b = readPhys(h, translateData(h, blo, bhi, ACCESS_READ), 1, vaddrOf(lo, hi));
    if (i < 4) low |= b << (8 * i);
    else high |= b << (8 * (i - 4));
  }
  h.scratch.hi = high;
  return low;
}

/** Stores `size` bytes; for 8 bytes `vhi` is the high word. Marks the page dirty. */
export function storeSlow(h: Hart, lo: number, hi: number, size: number, vlo: number, vhi: number): void {
  if ((lo & 4095) + size > 4096) {
    for (let i = 0; i < size; i++) {
      const blo = (lo + i) | 0;
      const bhi = blo >>> 0 < lo >>> 0 ? (hi + 1) & h.hiMask : hi;
      const b = i < 4 ? vlo >>> (8 * i) : vhi >>> (8 * (i - 4));
      writePhys(h, translateData(h, blo, bhi, ACCESS_WRITE), 1, b & 0xff, vaddrOf(lo, hi));
    }
    return;
  }
  const paddr = translateData(h, lo, hi, ACCESS_WRITE);
  const vaddr = vaddrOf(lo, hi);
  if (size === 8) {
    writePhys(h, paddr, 4, vlo, vaddr);
    writePhys(h, paddr + 4, 4, vhi, vaddr);
  } else {
    writePhys(h, paddr, size, vlo, vaddr);
  }
  const watcher = h.bus.watcherFor(Math.floor(paddr / 4096));
  if (watcher !== undefined) {
    h.yieldRequested = true;
    watcher(paddr);
  }
}

/**
 * Fetch slow path: translates the page holding `pc`, makes it the current fetch page and
 * returns the instruction there (16 or 32 bits). A 32-bit instruction straddling a page
 * boundary is assembled from both pages.
 */
export function fetchSlow(h: Hart, pc: number): number {
  const ram = h.mem;
  const paddr = translate(h, pc, ACCESS_FETCH, h.priv);
  if (!ram.contains(paddr, 2)) raise(h, Exception.InstructionAccessFault, pc);
  const low = ram.u16[(paddr - ram.base) >> 1]!;
  const pageOffset = (pc | 0) & 4095;
  h.fetchVBase = pc - pageOffset;
  h.fetchHost = paddr - pageOffset - ram.base;
  if ((low & 3) !== 3) return low;
  let high: number;
  if (pageOffset === 4094) {
    const next = pc + 2;
    const paddr2 = translate(h, next, ACCESS_FETCH, h.priv);
    if (!ram.contains(paddr2, 2)) raise(h, Exception.InstructionAccessFault, next);
    high = ram.u16[(paddr2 - ram.base) >> 1]!;
  } else {
    high = ram.u16[((paddr - ram.base) >> 1) + 1]!;
  }
  return low | (high << 16);
}
