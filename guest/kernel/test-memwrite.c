/*
 * test=memwrite: a load for the host's dirty-page logging. Every hart writes
 * pseudo-random 64-bit words to pseudo-random pages of a shared working set of pages=
 * pages (default 1024), forever. The set starts at the first page after the kernel image
 * and must end below the device tree and the store's ring page (fdt_free_limit). After
 * all harts are up the boot hart prints one line, "memwrite started", and nothing is
 * printed after it.
 *
 * Each hart runs its own xorshift64 generator, seeded from its hart id, so a given
 * hart's sequence of (page, offset, value) is always the same; the interleaving between
 * harts is up to the scheduler. Hart k of n writes only the pages p with p % n == k (all of
 * them when pages= is below n): harts writing the same cache lines would measure the host's
 * cache coherence instead of the hypervisor (bench smp).
 */
#include "types.h"
#include "bootargs.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "memlayout.h"
#include "riscv.h"

#define OPAQUE_MEMWRITE 0x3e3e0000UL

extern char end[];   /* kernel.ld: first byte after the image */

static unsigned long wsbase;   /* working set; written before any hart is started */
static uint32 wspages;

static void memwrite_loop(void) NORETURN;
static void memwrite_loop(void) {
  uint64 x = 0x9e3779b97f4a7c15ULL ^ ((uint64)(mycpu()->hartid + 1) << 32);
  uint32 n = dt.nharts, k = 0;
  while (k < n && dt.harts[k] != mycpu()->hartid)
    k++;
  if (wspages < n)
    n = 1, k = 0;
  uint32 mine = (wspages - k + n - 1) / n;   /* pages k, k + n, k + 2n, ... below wspages */
  for (;;) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    uint32 page = k + (uint32)(x >> 32) % mine * n;
    uint32 word = (uint32)(x >> 16) & (PGSIZE / 8 - 1);
    volatile uint64 *p = (volatile uint64 *)(wsbase + page * PGSIZE) + word;
    *p = x;
  }
}

void memwrite_hart(void) {
  memwrite_loop();
}

void test_memwrite(void) {
  unsigned long base = PGROUNDUP((unsigned long)end);
  uint64 limit = fdt_free_limit(base);
  uint64 want = (uint64)args.pages * PGSIZE;
  if (base + want > limit) {
    printf("CHECK FAIL memwrite: pages=%u does not fit between the kernel and the device "
           "tree (at most %u)\n", args.pages, (uint32)((limit - base) / PGSIZE));
    shutdown(1);
  }
  wsbase = base;
  wspages = args.pages;

  unsigned long me = mycpu()->hartid;
  for (int i = 0; i < dt.nharts; i++) {
    char why[120];
    if (dt.harts[i] != me &&
        smp_start_hart(dt.harts[i], OPAQUE_MEMWRITE + dt.harts[i], why, sizeof why) < 0) {
      printf("CHECK FAIL hsm: %s\n", why);
      shutdown(1);
    }
  }
  printf("memwrite started\n");
  memwrite_loop();
}
