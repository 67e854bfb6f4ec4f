/*
 * Workload mix: one thread takes random CPUs offline and back online, and every other
 * time powers them off and on in between, while the other workloads run. Each step
 * checks the Solaris rules: a CPU with bound threads and the last online CPU are refused
 * (with that reason), a CPU that went offline dispatches no thread until it is online
 * again, and a powered-off CPU is STOPPED in HSM. Every round must see some steps.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "param.h"

static volatile uint32 steps, offlines, poweroffs, refusals;
static uint32 laststeps;
static volatile int failed;
static char failmsg[160];

static void mixfail(const char *what, int id, const char *why) {
  if (!failed) {
    snprintf(failmsg, sizeof failmsg, "cpu %d: %s: %s", id, what, why);
    failed = 1;
  }
}

static void mix_thread(void *arg) {
  (void)arg;
  uint64 x = 0x2545f4914f6cdd1dULL;
  char why[120];
  for (;;) {
    int id = (int)dt.harts[(uint32)work_rand(&x) % (uint32)dt.nharts];
    struct cpu *c = &cpus[id];
    int bound = c->nbound > 0, last = ncpus_online() == 1;
    int rc = cpu_offline(id, why, sizeof why);
    steps++;
    if (bound || last) {
      if (rc == 0)
        mixfail("offline", id, bound ? "went offline with bound threads" : "was the last");
      else if (!strstr(why, bound ? "bound" : "last online"))
        mixfail("offline refused for the wrong reason", id, why);
      refusals++;
      thread_delay_ms(5);
      continue;
    }
    if (rc < 0) {
      mixfail("offline", id, why);
      continue;
    }
    offlines++;
    uint32 d = c->ndisp;
    thread_delay_ms(10 + (uint32)work_rand(&x) % 20);
    if (c->ndisp != d)
      mixfail("offline", id, "dispatched a thread while offline");
    if (offlines & 1) {
      if (cpu_poweroff(id, why, sizeof why) < 0)
        mixfail("poweroff", id, why);
      else {
        poweroffs++;
        thread_delay_ms(10);
        if (cpu_poweron(id, why, sizeof why) < 0)
          mixfail("poweron", id, why);
      }
    }
    if (cpu_online(id, why, sizeof why) < 0)
      mixfail("online", id, why);
    thread_delay_ms(5 + (uint32)work_rand(&x) % 20);
  }
}

void mix_start(void) {
  if (!thread_create("mix", mix_thread, 0))
    panic("mix: no thread");
}

int mix_check(char *why, int n) {
  if (failed)
    return snprintf(why, n, "%s", failmsg), -1;
  if (steps == laststeps)
    return snprintf(why, n, "no step in a round"), -1;
  laststeps = steps;
  return 0;
}
