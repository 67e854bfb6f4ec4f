/** The guest page size: 4 KiB, the granule of paging, dirty logging and image records. */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
