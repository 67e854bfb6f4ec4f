/**
 * The guest-physical address space of a machine: RAM plus memory-mapped devices.
 *
 * The CPU reaches RAM directly through the `GuestMemory` views (its TLB caches host offsets)
 * and everything else through `MmioDevice`. Devices see accesses of 1, 2 or 4 bytes at an
 * offset from their base; the CPU splits an 8-byte access into two 4-byte ones, low word
 * first. Addresses are plain numbers: guest-physical addresses on this board are below 2^53.
 *
 * A device that must stop the machine (a test finisher, HTIF) calls `requestStop`; the CPU
 * checks `stopRequested` after every device access and returns from `run` promptly.
 */
import type { GuestMemory } from "./guest-memory.js";

export interface MmioDevice {
  /** Returns the value read, zero-extended to 32 bits at most (as an unsigned number). */
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}

export interface MmioRegion {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly device: MmioDevice;
}

export class AddressSpace {
  private readonly regions: MmioRegion[] = [];
  /** Physical pages written through the slow path only (e.g. the HTIF tohost page). */
  private readonly watchedPages = new Map<number, (paddr: number) => void>();
  stopRequested = false;

  constructor(readonly ram: GuestMemory) {}

  addDevice(name: string, base: number, size: number, device: MmioDevice): void {
    for (const r of this.regions) {
      if (base < r.base + r.size && r.base < base + size) {
        throw new RangeError(`device ${name} overlaps ${r.name}`);
      }
    }
    if (base < this.ram.base + this.ram.size && this.ram.base < base + size) {
      throw new RangeError(`device ${name} overlaps RAM`);
    }
    this.regions.push({ name, base, size, device });
  }

  /** The region holding `paddr`, or undefined when nothing is mapped there. */
  findDevice(paddr: number): MmioRegion | undefined {
    for (const r of this.regions) {
      if (paddr >= r.base && paddr < r.base + r.size) return r;
    }
    return undefined;
  }

  /**
   * Watches writes to one RAM page: the CPU never caches it for writes and calls `onWrite`
   * after each store into it. Used for HTIF's tohost.
   */
  watchPage(page: number, onWrite: (paddr: number) => void): void {
    this.watchedPages.set(page, onWrite);
  }

  watcherFor(page: number): ((paddr: number) => void) | undefined {
    return this.watchedPages.size === 0 ? undefined : this.watchedPages.get(page);
  }

  requestStop(): void {
    this.stopRequested = true;
  }
}
