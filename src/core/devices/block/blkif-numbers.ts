/**
 * The numbers of Ferry's paravirtual block device (docs/block-device.md): the ring page's
 * layout, the request and response slots, operations, statuses and the store's device states.
 * They go into the generated guest header (hypervisor/guest-header-tables.ts), so the backend
 * here and the guest's frontend can never disagree.
 *
 * The layout is Xen's blkif shared ring with a 64-bit request layout for both XLENs (Xen's
 * differs between its 32- and 64-bit ABIs, a known trap), and with guest page frame numbers
 * where Xen has grant references: a Ferry domain's backend lives in the hypervisor and may
 * touch the frontend's RAM, every address checked.
 *
 * Ring page (4 KiB):
 *   0   req_prod  u32   written by the frontend: requests produced (free-running)
 *   4   req_event u32   reserved (0)
 *   8   rsp_prod  u32   written by the backend: responses produced (free-running)
 *   12  rsp_event u32   reserved (0)
 *   64  RING_SIZE slots of SLOT_SIZE bytes; slot = index mod RING_SIZE. A slot holds a
 *       request until the backend has consumed it, then the backend may write a response
 *       into the slot of the response index (responses come in completion order).
 * Request (little-endian):
 *   0 operation u8, 1 nr_segments u8, 2 handle u16 (ignored), 4 pad u32, 8 id u64,
 *   16 sector_number u64, 24 segments[SEGMENTS_MAX] of 8 bytes:
 *     0 gfn u32 (guest page frame: address >> 12), 4 first_sect u8, 5 last_sect u8, 6 pad u16
 * Response: 0 id u64, 8 operation u8, 9 pad u8, 10 status i16.
 */

export const BlkifRing = {
  PAGE_SIZE: 4096,
  REQ_PROD: 0,
  REQ_EVENT: 4,
  RSP_PROD: 8,
  RSP_EVENT: 12,
  SLOTS: 64,
  SLOT_SIZE: 112,
  SIZE: 32,
} as const;

export const BlkifRequest = {
  OPERATION: 0,
  NR_SEGMENTS: 1,
  HANDLE: 2,
  ID: 8,
  SECTOR_NUMBER: 16,
  SEGMENTS: 24,
  SEGMENT_SIZE: 8,
  SEGMENTS_MAX: 11,
  SEG_GFN: 0,
  SEG_FIRST_SECT: 4,
  SEG_LAST_SECT: 5,
} as const;

export const BlkifResponse = { ID: 0, OPERATION: 8, STATUS: 10 } as const;

/** Operations (Xen's BLKIF_OP_* numbers). */
export const BlkifOp = { READ: 0, WRITE: 1, WRITE_BARRIER: 2, FLUSH_DISKCACHE: 3 } as const;

/** Response statuses (Xen's BLKIF_RSP_*). */
export const BlkifStatus = { OKAY: 0, ERROR: -1, EOPNOTSUPP: -2 } as const;

/** Sector size the ring counts in, whatever the image's. */
export const SECTOR_SIZE = 512;
export const SECTORS_PER_PAGE = 4096 / SECTOR_SIZE;

/** The `info` bits in the backend's directory (Xen's VDISK_*). */
export const VdiskInfo = { CDROM: 1, REMOVABLE: 2, READONLY: 4 } as const;

/** Device states in the store, both ends (Xen's enum xenbus_state). */
export const XenbusState = {
  UNKNOWN: 0,
  INITIALISING: 1,
  INIT_WAIT: 2,
  INITIALISED: 3,
  CONNECTED: 4,
  CLOSING: 5,
  CLOSED: 6,
} as const;
