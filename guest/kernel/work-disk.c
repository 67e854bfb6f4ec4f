/*
 * Workload disk (work=disk; not part of work=all, it needs a disk): writers fill blocks of
 * disk 0, which must be xvda and writable, and every check reads them all back.
 *
 * A block is 4 KiB (8 sectors). Each of W writers (one per CPU online at start, unbound)
 * owns PER consecutive blocks and loops: pick one of them, set issued[b] = seq, write it
 * whole (a header {magic, generation, writer, block, seq}, pseudo-random fill, and in its
 * last 8 bytes an FNV-1a checksum of the rest), and set acked[b] = seq once the write is
 * answered OK. Every 16th write is a WRITE_BARRIER; every 32nd is followed by a
 * FLUSH_DISKCACHE. A write that fails is a failure, with blkfront's reason.
 *
 * The check reads every block back, CHUNK blocks per request, with acked[b] taken before
 * the read and issued[b] after: a block of this generation must match its checksum, name
 * itself and its writer, and have acked <= seq <= issued. A block never acked may hold
 * anything not of this generation (zeros, an earlier boot's blocks). One request at a
 * time touches a block (busy[]): a read that raced a write of the same sectors could see
 * some of each, and no disk orders the two. Progress: more writes acked than at the
 * previous check.
 *
 * Across a suspend the disk holds every acked write. A write whose answer was lost with
 * the old ring is issued again by blkfront and lands as the same data, so the bounds hold
 * after a restore or a migration as well. The generation is one more than the highest
 * found on the disk at start: a later boot never takes an earlier one's blocks for its
 * own, even in deterministic mode, where a value taken from the clock would repeat.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"
#include "spinlock.h"

#define BLK 4096
#define BSECT (BLK / BLKIF_SECTOR_SIZE)
#define PER_MAX 16              /* blocks per writer: a check sums them all */
#define CHUNK 8                 /* blocks per read: 8 segments, within the 11 of a request */
#define NBLK (NCPU * PER_MAX)
#define MAGIC 0x6b736964u       /* "disk" */

struct hdr {
  uint32 magic, gen, writer, block, seq;
};

static struct spinlock dlock = {0, "disk", 0};
static uint32 issued[NBLK], acked[NBLK];   /* under dlock */
static uint8 busy[NBLK];                    /* under dlock: a request on the block is out */
static volatile int failed;                 /* set once, under dlock, with failmsg */
static char failmsg[160];

static char nodisk[96];         /* why the workload cannot run; "" when it runs */
static uint32 gen, nw, per;     /* set by disk_start */
static volatile uint32 nacked;  /* writes answered OK */
static uint32 lastacked, nverified, lastentered;
static __attribute__((aligned(4096))) uint8 wbuf[NCPU][BLK], rbuf[CHUNK * BLK];

static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  acquire(&dlock);
  if (!failed) {
    vsnprintf(failmsg, sizeof failmsg, fmt, ap);
    failed = 1;
  }
  release(&dlock);
  va_end(ap);
}

/* FNV-1a over the 32-bit halves of all but the last 64-bit word (where the sum goes),
 * rather than over bytes: every check sums every block, and in deterministic mode a guest's
 * time is its instructions. Blocks are page-aligned and only ever accessed as uint64 (or
 * bytes), so these casts alias nothing. */
static uint32 fnv(const uint8 *p) {
  const uint64 *w = (const uint64 *)p;
  uint32 h = 2166136261u;
  for (int i = 0; i < BLK / 8 - 1; i++) {
    h = (h ^ (uint32)w[i]) * 16777619u;
    h = (h ^ (uint32)(w[i] >> 32)) * 16777619u;
  }
  return h;
}

static void fill(uint8 *p, uint32 w, uint32 b, uint32 seq) {
  struct hdr h = {MAGIC, gen, w, b, seq};
  uint64 x = ((uint64)gen << 32 | seq) ^ ((uint64)b << 16) ^ 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < BLK / 8; i++)
    ((uint64 *)p)[i] = work_rand(&x);
  memcpy(p, &h, sizeof h);
  ((uint64 *)p)[BLK / 8 - 1] = fnv(p);
}

static void writer(void *arg) {
  uint32 w = (uint32)(unsigned long)arg, seq = 0;
  uint64 x = 0x2545f4914f6cdd1dULL ^ ((uint64)(w + 1) << 32) ^ gen;
  char why[120];
  for (uint32 n = 1; !failed; n++) {
    uint32 b = w * per + (uint32)(work_rand(&x) >> 32) % per;
    acquire(&dlock);
    while (busy[b])
      sleep(&busy[b], &dlock);
    busy[b] = 1;
    issued[b] = ++seq;
    release(&dlock);
    fill(wbuf[w], w, b, seq);
    int op = n % 16 ? BLKIF_OP_WRITE : BLKIF_OP_WRITE_BARRIER;
    int r = blk_rw(0, op, (uint64)b * BSECT, wbuf[w], BSECT, why, sizeof why);
    acquire(&dlock);
    if (r == 0)
      acked[b] = seq;
    busy[b] = 0;
    wakeup(&busy[b]);
    release(&dlock);
    if (r < 0) {
      fail("writer %u: write block %u seq %u: %s", w, b, seq, why);
      return;
    }
    __atomic_add_fetch(&nacked, 1, __ATOMIC_RELAXED);
    if (n % 32 == 0 && blk_rw(0, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0, why, sizeof why) < 0) {
      fail("writer %u: flush: %s", w, why);
      return;
    }
  }
}

/* Block b as read, against acked a (before the read) and issued i (after). */
static int verify(const uint8 *p, uint32 b, uint32 a, uint32 i) {
  struct hdr h;
  uint64 sum = ((const uint64 *)p)[BLK / 8 - 1];
  memcpy(&h, p, sizeof h);
  if (h.magic != MAGIC || h.gen != gen) {
    if (a == 0)
      return 0;
    fail("block %u: not written by this boot, but seq %u was acked (issued %u)", b, a, i);
  } else if (sum != fnv(p)) {
    fail("block %u: bad checksum (seq %u, acked %u, issued %u)", b, h.seq, a, i);
  } else if (h.block != b || h.writer != b / per) {
    fail("block %u: holds block %u of writer %u (seq %u)", b, h.block, h.writer, h.seq);
  } else if (h.seq < a || h.seq > i) {
    fail("block %u: seq %u, acked %u, issued %u", b, h.seq, a, i);
  } else {
    return 0;
  }
  return -1;
}

/* Reads blocks b..b+k-1 into rbuf, holding them busy; a[] and is[] get their acked before
 * and issued after the read. 0, or -1 with why. */
static int readback(uint32 b, uint32 k, uint32 *a, uint32 *is, char *why, int n) {
  acquire(&dlock);
  for (uint32 j = 0; j < k; j++) {
    while (busy[b + j])
      sleep(&busy[b + j], &dlock);
    busy[b + j] = 1;   /* in block order, and writers hold one at a time: no deadlock */
    a[j] = acked[b + j];
  }
  release(&dlock);
  int r = blk_rw(0, BLKIF_OP_READ, (uint64)b * BSECT, rbuf, (int)k * BSECT, why, n);
  acquire(&dlock);
  for (uint32 j = 0; j < k; j++) {
    is[j] = issued[b + j];
    busy[b + j] = 0;
    wakeup(&busy[b + j]);
  }
  release(&dlock);
  return r;
}

void disk_start(void) {
  char why[120];
  uint32 a[CHUNK], is[CHUNK], top = 0;
  if (blk_ndisks() == 0 || strcmp(blk_name(0), "xvda") != 0) {
    snprintf(nodisk, sizeof nodisk, "no disk");
    return;
  }
  if (blk_error(0, why, sizeof why) < 0) {
    snprintf(nodisk, sizeof nodisk, "xvda: %s", why);
    return;
  }
  nw = (uint32)ncpus_online();
  uint64 sectors = blk_sectors(0), each = udiv64(sectors / BSECT, nw, 0);
  per = each < PER_MAX ? (uint32)each : PER_MAX;
  if (blk_readonly(0) || per == 0) {
    snprintf(nodisk, sizeof nodisk, "xvda: %s", per ? "read-only" : "too small");
    return;
  }
  for (uint32 b = 0; b < nw * per; b += CHUNK) {   /* the highest generation on the disk */
    uint32 k = nw * per - b < CHUNK ? nw * per - b : CHUNK;
    if (readback(b, k, a, is, why, sizeof why) < 0) {
      snprintf(nodisk, sizeof nodisk, "xvda: read block %u: %s", b, why);
      return;
    }
    for (uint32 j = 0; j < k; j++) {
      struct hdr h;
      memcpy(&h, rbuf + j * BLK, sizeof h);
      if (h.magic == MAGIC && h.gen > top)
        top = h.gen;
    }
  }
  gen = top + 1;
  printf("disk: xvda %llu sectors, %u writers\n", sectors, nw);
  for (uint32 w = 0; w < nw; w++)
    if (!thread_create("diskw", writer, (void *)(unsigned long)w))
      panic("disk: no thread");
}

int disk_check(char *why, int n) {
  char w[120];
  uint32 a[CHUNK], is[CHUNK];
  if (nodisk[0])
    return snprintf(why, n, "%s", nodisk), -1;
  for (uint32 b = 0; b < nw * per && !failed; b += CHUNK) {
    uint32 k = nw * per - b < CHUNK ? nw * per - b : CHUNK;
    if (readback(b, k, a, is, w, sizeof w) < 0)
      fail("read blocks %u..%u: %s", b, b + k - 1, w);
    for (uint32 j = 0; j < k && !failed; j++)
      if (verify(rbuf + j * BLK, b + j, a[j], is[j]) == 0)
        nverified++;
  }
  if (!failed && blk_nbad(0))
    fail("xvda: %u answers for no request out", blk_nbad(0));
  if (failed)
    return snprintf(why, n, "%s", failmsg), -1;
  uint32 acks = nacked;
  if (suspend_entered != lastentered) {   /* once per resume: timing-dependent, so "#" */
    lastentered = suspend_entered;
    printf("# disk: verified %u blocks, %u writes\n", nverified, acks);
  }
  int r = acks == lastacked;
  if (r)
    snprintf(why, n, "no write acked since the last check");
  lastacked = acks;
  return r;
}
