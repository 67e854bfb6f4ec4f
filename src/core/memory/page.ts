/** The guest page size: 4 KiB, the granule of paging, dirty logging and image records. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

/** 32-bit words per page. */
export const PAGE_WORDS = PAGE_SIZE / 4;

/**
 * True when the page whose first 32-bit word is `w[at]` is all zero — what saving and
 * migration skip. Eight words are ORed per comparison (twice as fast as one branch per
 * word, and a page that is not zero usually shows it in its first words); a plain function,
 * which V8 optimises better than the same loop inside a generator.
 */
export function isZeroPage(w: Int32Array, at: number): boolean {
  const end = at + PAGE_WORDS;
  for (let i = at; i < end; i += 8) {
    if ((w[i]! | w[i + 1]! | w[i + 2]! | w[i + 3]! | w[i + 4]! | w[i + 5]! | w[i + 6]! | w[i + 7]!) !== 0) {
      return false;
    }
  }
  return true;
}
