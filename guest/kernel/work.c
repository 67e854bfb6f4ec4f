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
 * (work-load.c, work-mix.c) has a start and a check; a check compares what it sees with
 * what it saw at the previous round (growth, checksums, placement).
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
};
#define NLOADS (int)(sizeof loads / sizeof loads[0])

/* xorshift64: the workloads' pseudo-random numbers. */
uint64 work_rand(uint64 *x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
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
  static char fail[256];
  int failed = 0;
  uint64 next = deadline_ms(REPORT_MS);
  for (uint32 round = 1;; round++) {
    while (!expired(next))
      thread_delay_ms(10);
    next += ms_to_ticks(REPORT_MS);
    for (int i = 0; i < NLOADS && !failed; i++) {
      char why[160];
      if ((args.work & (1u << i)) && loads[i].check(why, sizeof why) < 0) {
        snprintf(fail, sizeof fail, "%s: %s", loads[i].name, why);
        failed = 1;
      }
    }
    if (failed)
      printf("CHECK FAIL %s (round=%u)\n", fail, round);
    else
      printf("CHECK ok work=%s round=%u\n", names, round);
  }
}
