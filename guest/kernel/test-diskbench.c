/*
 * test=diskbench: throughput of disk 0 (xvda, writable; needs PV), timed by the guest with
 * the time CSR. Five phases over the first mib= MiB of the disk (capped at its size), each
 * with qd= unbound threads keeping a request in flight apiece:
 *
 *   seq-write   the range in requests of SEQ (44 KiB: 11 segments, blkfront's most)
 *   flush       one FLUSH_DISKCACHE, from this thread
 *   seq-read    the range again, every sector checked
 *   rand-read   NRAND reads of a 4 KiB block of the range, each checked
 *   rand-write  NRAND writes of a 4 KiB block of the range
 *
 * Output, then shutdown(0); or "diskbench: FAIL why" and shutdown(1):
 *
 *   diskbench: xvda sectors=S bytes=B qd=Q cpus=N hz=F
 *   diskbench: PHASE bytes=B ticks=T ops=O      one per phase; T in ticks of F Hz
 *   diskbench: done
 *
 * Every sector written holds a function of its number in its first and last 8 bytes (the
 * rest of the buffer is left as it is: the check must cost little next to the I/O). A read
 * clears those words in its buffer first and requires them back, so a device that loses,
 * misplaces or skips data fails rather than looks fast. Random writes write the same
 * function, so the range stays checkable. Block numbers of the random phases are a hash
 * of the operation's index: the same sequence every run.
 *
 * Buffers are Q x SEQ bytes of the free RAM after the kernel image (as test=memwrite's set),
 * one per thread, page-aligned.
 */
#include "types.h"
#include "bootargs.h"
#include "defs.h"
#include "fdt.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"

#define SECT BLKIF_SECTOR_SIZE
#define SEQ (BLKIF_REQ_SEGMENTS_MAX * 4096)   /* bytes per sequential request */
#define BLK 4096                                /* bytes per random request */
#define NRAND 2000                              /* requests per random phase */
#define K0 0x6469736b62656e63ULL                /* "diskbenc" */
#define K1 0x9e3779b97f4a7c15ULL

extern char end[];   /* kernel.ld: first byte after the image */

static struct spinlock dblock = {0, "diskbench", 0};
static volatile int failed;   /* set once, under dblock, with failmsg */
static char failmsg[160];

static unsigned long bufbase;   /* qd buffers of SEQ bytes */
static uint64 nsect;            /* sectors in the range */
static uint32 nblk;             /* 4 KiB blocks in the range */

/* The phase under way: set before its threads are created, read-only while they run. */
static int op, rnd;
static uint32 nops;
static volatile uint32 next;    /* the next operation to take */

static uint64 pat0(uint64 s) { return s ^ K0; }
static uint64 pat1(uint64 s) { return (s << 17 | s >> 47) ^ K1; }

static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  acquire(&dblock);
  if (!failed) {
    vsnprintf(failmsg, sizeof failmsg, fmt, ap);
    failed = 1;
  }
  release(&dblock);
  va_end(ap);
}

/* The first and last words of each of n sectors from s: the pattern (fill = 1), or zeros. */
static void stamp(uint8 *p, uint64 s, int n, int fill) {
  for (int k = 0; k < n; k++, p += SECT) {
    ((uint64 *)p)[0] = fill ? pat0(s + k) : 0;
    ((uint64 *)p)[SECT / 8 - 1] = fill ? pat1(s + k) : 0;
  }
}

static int check(const uint8 *p, uint64 s, int n) {
  for (int k = 0; k < n; k++, p += SECT)
    if (((const uint64 *)p)[0] != pat0(s + k) || ((const uint64 *)p)[SECT / 8 - 1] != pat1(s + k))
      return fail("sector %llu read back wrong: %llx ... %llx", s + k, ((const uint64 *)p)[0],
                  ((const uint64 *)p)[SECT / 8 - 1]), -1;
  return 0;
}

/* splitmix64's finaliser: operation i's block. */
static uint32 block_of(uint32 i) {
  uint64 x = (uint64)i * K1 + K0;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return (uint32)((x ^ (x >> 31)) >> 32) % nblk;
}

static void worker(void *arg) {
  uint8 *buf = (uint8 *)(bufbase + (unsigned long)arg * SEQ);
  char why[120];
  while (!failed) {
    uint32 i = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
    if (i >= nops)
      return;
    uint64 s = rnd ? (uint64)block_of(i) * (BLK / SECT) : (uint64)i * (SEQ / SECT);
    int n = rnd ? BLK / SECT : nsect - s < SEQ / SECT ? (int)(nsect - s) : SEQ / SECT;
    stamp(buf, s, n, op == BLKIF_OP_WRITE);
    if (blk_rw(0, op, s, buf, n, why, sizeof why) < 0) {
      fail("%s of %d sectors at %llu: %s", op == BLKIF_OP_WRITE ? "write" : "read", n, s, why);
      return;
    }
    if (op == BLKIF_OP_READ && check(buf, s, n) < 0)
      return;
  }
}

static void phase(const char *name, int o, int r, uint32 n, uint64 bytes) {
  struct thread *t[BLKIF_RING_SIZE];
  uint32 nt = args.qd < n ? args.qd : n;
  op = o, rnd = r, nops = n, next = 0;
  uint64 t0 = r_time();
  for (uint32 q = 0; q < nt; q++)
    if (!(t[q] = thread_create("diskbench", worker, (void *)(unsigned long)q)))
      panic("diskbench: no thread");
  for (uint32 q = 0; q < nt; q++)
    thread_join(t[q]);
  uint64 t1 = r_time();
  if (!failed)
    printf("diskbench: %s bytes=%llu ticks=%llu ops=%u\n", name, bytes, t1 - t0, n);
}

static void stop(void) NORETURN;
static void stop(void) {
  char why[120];
  if (!failed && blk_error(0, why, sizeof why) < 0)
    fail("xvda: %s", why);
  if (!failed && blk_nbad(0))
    fail("xvda: %u answers for no request out", blk_nbad(0));
  if (failed)
    printf("diskbench: FAIL %s\n", failmsg);
  else
    printf("diskbench: done\n");
  shutdown(failed);
}

void test_diskbench(void *arg) {
  (void)arg;
  char why[120];
  if (!pv_present || blk_ndisks() == 0 || strcmp(blk_name(0), "xvda") != 0)
    fail("no disk (xvda, with PV)");
  else if (blk_error(0, why, sizeof why) < 0)
    fail("xvda: %s", why);
  else if (blk_readonly(0))
    fail("xvda: read-only");
  if (failed)
    stop();
  uint64 want = (uint64)args.mib << 20 >> 9, sectors = blk_sectors(0);
  nsect = want < sectors ? want : sectors;
  nblk = (uint32)(nsect / (BLK / SECT));
  bufbase = PGROUNDUP((unsigned long)end);
  if (nblk == 0)
    fail("xvda: %llu sectors, less than a block", sectors);
  else if (bufbase + (uint64)args.qd * SEQ > fdt_free_limit(bufbase))
    fail("qd=%u: %u KiB of buffers do not fit in RAM", args.qd, args.qd * SEQ / 1024);
  if (failed)
    stop();
  uint64 bytes = nsect * SECT;
  uint32 nseq = (uint32)udiv64(nsect + SEQ / SECT - 1, SEQ / SECT, 0);
  printf("diskbench: xvda sectors=%llu bytes=%llu qd=%u cpus=%d hz=%u\n", sectors, bytes,
         args.qd, ncpus_online(), dt.timebase);

  phase("seq-write", BLKIF_OP_WRITE, 0, nseq, bytes);
  if (!failed) {
    uint64 t0 = r_time();
    if (blk_rw(0, BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0, why, sizeof why) < 0)
      fail("flush: %s", why);
    else
      printf("diskbench: flush bytes=0 ticks=%llu ops=1\n", r_time() - t0);
  }
  if (!failed)
    phase("seq-read", BLKIF_OP_READ, 0, nseq, bytes);
  if (!failed)
    phase("rand-read", BLKIF_OP_READ, 1, NRAND, (uint64)NRAND * BLK);
  if (!failed)
    phase("rand-write", BLKIF_OP_WRITE, 1, NRAND, (uint64)NRAND * BLK);
  stop();
}
