/*
 * work=NAME[,NAME...] | work=all: workloads that run until the domain is shut down (for
 * the host's save/restore and migration tests). After starting them, the "main" thread
 * prints one line
 *
 *   work started: NAMES cpus=N
 *
 * and then, every REPORT_MS of guest time, one verdict line:
 *
 *   CHECK ok work=NAMES round=R
 *   CHECK FAIL NAME: what failed[; NAME: ...] (round=R)
 *
 * A failure is sticky: once a check failed, every later line is CHECK FAIL. Each workload
 * (work-load.c, work-mix.c, work-disk.c) has a start and a check; a check compares what it
 * sees with what it saw at its previous call (growth, checksums, placement). A broken
 * invariant fails at once; a workload that made no progress fails only after STALL_ROUNDS
 * rounds in a row, because a host that overcommits its cores can starve a guest's vCPUs
 * for seconds of guest time (seen: three 4-vCPU domains on 2 cores) and that is not the
 * guest's fault.
 *
 * With PV present the thread "suspend" (suspend.c) serves the toolstack's suspend
 * requests. After each resume N this thread runs one extra verdict round, instead of the
 * periodic one, and prints
 *
 *   CHECK ok work=NAMES resume=N
 *   CHECK FAIL NAME: what failed (resume=N)
 */
#include "types.h"
#include "bootargs.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"

static const struct {
  const char *name;
  void (*start)(void);
  int (*check)(char *why, int n);
} loads[] = {
  {"counters", counters_start, counters_check},
  {"queues", queues_start, queues_check},
  {"bound", bound_start, bound_check},      /* before mix: mix must see its bound cpus */
  {"memwriter", memwriter_start, memwriter_check},
  {"mix", mix_start, mix_check},
  {"idle", idle_start, idle_check},
  {"disk", disk_start, disk_check},         /* not in work=all: needs a disk */
};
#define NLOADS (int)(sizeof loads / sizeof loads[0])

/* xorshift64: the workloads' pseudo-random numbers. */
uint64 work_rand(uint64 *x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

/* One round over the chosen workloads' checks, only those in *pend. A check returns -1 on
 * a failure, 1 when something made no progress since its last call, else 0; those that
 * returned 0 leave *pend. The first failure, or the first "no progress" of a workload in
 * blame, goes to why. Returns -1 on a failure, 1 when a workload in blame made no
 * progress, else 0. */
static int round_of_checks(uint32 *pend, uint32 blame, char *why, int n) {
  int r = 0;
  for (int i = 0; i < NLOADS; i++) {
    char w[160];
    if (!(*pend & (1u << i)))
      continue;
    int c = loads[i].check(w, sizeof w);
    if (c == 0)
      *pend &= ~(1u << i);
    if (c > 0 && !(blame & (1u << i)))
      continue;
    if (c < 0 || (c > 0 && r == 0))
      snprintf(why, n, "%s: %s", loads[i].name, w);
    if (c < 0)
      return -1;
    if (c > 0)
      r = 1;
  }
  return r;
}

/*
 * After resume N: the first call of every check sets a baseline (what it says about
 * progress since the last round does not count, only failures do); then progress since
 * the resume must show in windows of RESUME_CHECK_MS, doubled each time (50 ms ... 6.4 s:
 * the last ones are longer than a periodic round, for hosts that starve a vCPU for seconds),
 * each workload in one of them, and every thread ready at the resume must have run again
 * (suspend-check.c). Usually the first window settles it. Returns -1 with why, or 0.
 */
static int resume_round(char *why, int n) {
  uint32 pend = args.work;
  if (round_of_checks(&pend, ~0u, why, n) < 0)
    return -1;
  pend = args.work;
  int r = 0;
  for (uint64 ms = RESUME_CHECK_MS; ms <= 128 * RESUME_CHECK_MS; ms *= 2) {
    thread_delay_ms(ms);
    if ((r = round_of_checks(&pend, ~0u, why, n)) < 0)
      return -1;
    char w[160];
    int s = suspend_check(w, sizeof w);
    if (s < 0 || (s > 0 && r == 0))
      snprintf(why, n, "resume: %s", w);
    if (s < 0)
      return -1;
    if (r == 0 && s == 0)
      return 0;
  }
  return -1;
}

void work_main(void *arg) {
  (void)arg;
  char names[64];
  int len = 0;
  names[0] = 0;
  for (int i = 0; i < NLOADS; i++)
    if (args.work & (1u << i))
      len += snprintf(names + len, sizeof names - len, "%s%s", len ? "," : "", loads[i].name);
  for (int i = 0; i < NLOADS; i++)
    if (args.work & (1u << i))
      loads[i].start();
  printf("work started: %s cpus=%d\n", names, ncpus_online());
  if (pv_present) {
    suspend_start();
    vcpu_hotplug_start();
  }
  static char fail[256];
  static uint32 stalls[NLOADS];   /* rounds in a row without progress, per workload */
  int failed = 0;
  uint64 next = deadline_ms(REPORT_MS);
  for (uint32 round = 1;;) {
    /* No round while a suspend is under way: it would compare across the barrier. */
    while (suspend_busy || (!expired(next) && !suspend_due()))
      thread_delay_ms(10);
    uint32 resume = suspend_due();
    if (resume) {
      char why[200];
      if (!failed && resume_round(why, sizeof why) < 0) {
        snprintf(fail, sizeof fail, "%s", why);
        failed = 1;
      }
      suspend_done(resume);
      if (failed)
        printf("CHECK FAIL %s (resume=%u)\n", fail, resume);
      else
        printf("CHECK ok work=%s resume=%u\n", names, resume);
      next = deadline_ms(REPORT_MS);   /* a whole round of progress before the next */
      for (int i = 0; i < NLOADS; i++)
        stalls[i] = 0;   /* the resume round saw every workload progress */
      continue;
    }
    next += ms_to_ticks(REPORT_MS);
    /* A workload with no progress is blamed only in its STALL_ROUNDS-th round in a row. */
    uint32 pend = args.work, blame = 0;
    for (int i = 0; i < NLOADS; i++)
      if (stalls[i] + 1 >= STALL_ROUNDS)
        blame |= 1u << i;
    char why[200];
    int r = round_of_checks(&pend, blame, why, sizeof why);
    for (int i = 0; i < NLOADS; i++)
      stalls[i] = pend & (1u << i) ? stalls[i] + 1 : 0;
    if (!failed && r != 0) {
      if (r > 0)
        snprintf(fail, sizeof fail, "%s for %d rounds", why, STALL_ROUNDS);
      else
        snprintf(fail, sizeof fail, "%s", why);
      failed = 1;
    }
    if (failed)
      printf("CHECK FAIL %s (round=%u)\n", fail, round);
    else
      printf("CHECK ok work=%s round=%u\n", names, round);
    round++;
  }
}
