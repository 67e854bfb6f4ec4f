/*
 * Options from /chosen/bootargs: space-separated key=value words.
 *   test=smp|sbi|memwrite   what to run (default smp)
 *   ipis=K                  smp: IPI messages from each hart to each other hart (10)
 *   ticks=M                 smp: timer interrupts per hart (5)
 *   tick_us=P               smp: timer period in microseconds (1000)
 *   pages=N                 memwrite: working set in 4 KiB pages (1024)
 *   test=all                the dispatcher self-tests (test-all.c)
 *   work=NAME[,NAME...]|all workloads that run until shutdown (work.c); excludes test=;
 *                           all = counters,queues,bound,memwriter,mix (disk needs a disk)
 *   rate=R, wset=W          memwriter: pages dirtied per second (4000), working set (1024)
 *   test=diskbench          disk 0's throughput (test-diskbench.c)
 *   mib=M, qd=Q             diskbench: MiB of the disk used (32), requests in flight (4)
 * Numbers are decimal or 0x-prefixed hex. An unknown key or a bad value is an error
 * (args.error), reported by main as a failed check: a mistyped option must not silently
 * run a different test.
 */
#include "types.h"
#include "bootargs.h"
#include "defs.h"
#include "param.h"

struct bootargs args;

/* Parses the number in s[0..n) into *v; -1 if it is not a number or exceeds 2^32-1. */
static int number(const char *s, int n, uint32 *v) {
  uint64 x = 0;
  int base = 10, i = 0;
  if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  }
  if (i == n)
    return -1;
  for (; i < n; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;
    if (d >= base)
      return -1;
    x = x * base + d;
    if (x > 0xffffffffULL)
      return -1;
  }
  *v = (uint32)x;
  return 0;
}

static int keyis(const char *key, int klen, const char *name) {
  return (int)strlen(name) == klen && strncmp(key, name, klen) == 0;
}

/* work=NAME[,NAME...] or work=all; "all" may also be one of the names (work=all,disk). */
static void workopt(const char *v, int vn) {
  static const char *names[] = {"counters", "queues", "bound", "memwriter", "mix", "idle",
                                "disk"};   /* bit i is names[i] */
  while (vn > 0) {
    int n = 0;
    while (n < vn && v[n] != ',')
      n++;
    int found = keyis(v, n, "all");
    if (found)
      args.work |= WORK_ALL;
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
      if (keyis(v, n, names[i]))
        args.work |= 1u << i, found = 1;
    if (!found) {
      snprintf(args.error, sizeof args.error, "unknown workload '%.*s'", n, v);
      return;
    }
    v += n < vn ? n + 1 : n;
    vn -= n < vn ? n + 1 : n;
  }
  if (!args.work)
    snprintf(args.error, sizeof args.error, "work= names no workload");
}

static void option(const char *w, int n) {
  int k = 0;
  while (k < n && w[k] != '=')
    k++;
  if (k == n || k == 0) {
    snprintf(args.error, sizeof args.error, "'%.*s' is not key=value", n, w);
    return;
  }
  const char *v = w + k + 1;
  int vn = n - k - 1;
  uint32 *slot = 0;
  uint32 min = 0, max = 0;
  if (keyis(w, k, "test")) {
    if (vn == 3 && strncmp(v, "smp", 3) == 0)
      args.test = TEST_SMP;
    else if (vn == 3 && strncmp(v, "sbi", 3) == 0)
      args.test = TEST_SBI;
    else if (vn == 8 && strncmp(v, "memwrite", 8) == 0)
      args.test = TEST_MEMWRITE;
    else if (vn == 3 && strncmp(v, "all", 3) == 0)
      args.test = TEST_ALL;
    else if (vn == 9 && strncmp(v, "diskbench", 9) == 0)
      args.test = TEST_DISKBENCH;
    else
      snprintf(args.error, sizeof args.error, "unknown test '%.*s'", vn, v);
    args.test_given = 1;
    return;
  }
  if (keyis(w, k, "work")) {
    workopt(v, vn);
    return;
  }
  if (keyis(w, k, "ipis"))
    slot = &args.ipis, min = 0, max = 1000000;
  else if (keyis(w, k, "ticks"))
    slot = &args.ticks, min = 0, max = 1000000;
  else if (keyis(w, k, "tick_us"))
    slot = &args.tick_us, min = 1, max = 10000000;
  else if (keyis(w, k, "pages"))
    slot = &args.pages, min = 1, max = 0x100000;
  else if (keyis(w, k, "rate"))
    slot = &args.rate, min = 1, max = 100000000;
  else if (keyis(w, k, "wset"))
    slot = &args.wset, min = 1, max = 0x100000;
  else if (keyis(w, k, "mib"))
    slot = &args.mib, min = 1, max = 0x10000;
  else if (keyis(w, k, "qd"))
    slot = &args.qd, min = 1, max = BLKIF_RING_SIZE;
  if (!slot) {
    snprintf(args.error, sizeof args.error, "unknown option '%.*s'", k, w);
    return;
  }
  uint32 x;
  if (number(v, vn, &x) < 0 || x < min || x > max)
    snprintf(args.error, sizeof args.error, "bad value in '%.*s' (%u..%u)", n, w, min, max);
  else
    *slot = x;
}

void bootargsinit(const char *s) {
  args.test = TEST_SMP;
  args.ipis = DEFAULT_IPIS;
  args.ticks = DEFAULT_TICKS;
  args.tick_us = DEFAULT_TICK_US;
  args.pages = DEFAULT_PAGES;
  args.rate = DEFAULT_RATE;
  args.wset = DEFAULT_WSET;
  args.mib = DEFAULT_MIB;
  args.qd = DEFAULT_QD;
  if (strlen(s) > MAXBOOTARGS) {
    snprintf(args.error, sizeof args.error, "longer than %d bytes", MAXBOOTARGS);
    return;
  }
  while (*s && !args.error[0]) {
    while (*s == ' ' || *s == '\t')
      s++;
    int n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\t')
      n++;
    if (n > 0)
      option(s, n);
    s += n;
  }
  if (args.work && args.test_given && !args.error[0])
    snprintf(args.error, sizeof args.error, "work= and test= exclude each other");
  else if (args.work)
    args.test = TEST_WORK;
}
