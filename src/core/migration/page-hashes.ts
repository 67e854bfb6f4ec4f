/**
 * What the destination holds of each page, as the source last sent it: two independent
 * 32-bit hashes per page (CRC-32C, and MurmurHash3's x86_32 mixing over the page's words),
 * so that a dirty page whose contents the destination already has is not sent again. The
 * destination's memory starts zeroed, so every page starts with the zero page's hashes.
 *
 * Why two hashes: a page skipped on a false match would silently corrupt the guest. With 64
 * independent bits, a false match between two different pages has a probability of about
 * 2^-64 per comparison; CRC-32C alone also has structure (it is linear) that the second,
 * non-linear hash does not share.
 *
 * The hashes must be of exactly the bytes sent: a page of a running guest is copied first,
 * then hashed and sent from the copy (migrate-out.ts), never hashed in place and sent later.
 */

import { PAGE_SIZE } from "../memory/page.js";
import { crc32c } from "../snapshot/crc32c.js";

const WORDS = PAGE_SIZE / 4;

export class PageHashes {
  private readonly hashes: Uint32Array;
  /** The hashes of the last page given to `hash`; `a` is its CRC-32C (the sender reuses it as such). */
  a = 0;
  b = 0;

  constructor(pages: number) {
    this.hashes = new Uint32Array(2 * pages);
    this.hash(new Uint8Array(PAGE_SIZE));
    for (let i = 0; i < this.hashes.length; i += 2) {
      this.hashes[i] = this.a;
      this.hashes[i + 1] = this.b;
    }
  }

  /** Hashes a page (4-byte aligned, PAGE_SIZE bytes) into `a` and `b`. */
  hash(page: Uint8Array): void {
    this.a = crc32c(page);
    this.b = murmurWords(new Int32Array(page.buffer, page.byteOffset, WORDS));
  }

  /** True when the destination holds a page with the hashes `a` and `b` at `pfn`. */
  holds(pfn: number): boolean {
    return this.hashes[2 * pfn] === this.a && this.hashes[2 * pfn + 1] === this.b;
  }

  /** Records that the destination now holds the last hashed page at `pfn`. */
  record(pfn: number): void {
    this.hashes[2 * pfn] = this.a;
    this.hashes[2 * pfn + 1] = this.b;
  }
}

/** MurmurHash3_x86_32 over little-endian 32-bit words (the bytes' hash), seed 0x5eed. */
function murmurWords(w: Int32Array): number {
  let h = 0x5eed;
  for (let i = 0; i < w.length; i++) {
    let k = Math.imul(w[i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= w.length * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
