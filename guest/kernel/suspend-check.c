/*
 * What a suspend must not lose, and how work= proves it after every resume (work.c runs
 * the verdict round; suspend.c gathers the facts):
 *   - a thread census taken with every other CPU paused, just before the suspend and
 *     just after the resume: the same threads in the same states, every RUNNING thread
 *     on a CPU and every RUNNABLE one on a run queue;
 *   - every thread that was ready to run (RUNNING or RUNNABLE) at the resume runs again;
 *   - every CPU that was paused, and CPU 0, takes an event on its IPI channel.
 * suspend_block is a lock that yields: the suspend thread holds it from the
 * acknowledgement to the end of the resume, and anyone who changes CPU states in several
 * steps (work-mix.c, vcpu-hotplug.c) holds it except where a suspend may come, so none
 * lands half-way.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"
#include "thread.h"

volatile int suspend_busy;       /* a suspend is under way: no verdict round meanwhile */
static volatile int block_word;
static volatile uint32 due;      /* resume whose verdict round is due, 0 for none */
static char fail[160];           /* its failure, "" if none */

struct census {
  int live, running, runnable, sleeping;
  int oncpu;      /* CPUs running a thread other than their idle thread */
  int queued;     /* threads on run queues */
};
static struct census cen[2];     /* before the suspend, after the resume */
static uint8 ready[NTHREAD];     /* ready to run at the resume */
static uint8 rstate[NTHREAD];
static uint32 rruns[NTHREAD];

void suspend_block(void) {
  ylock_acquire(&block_word);
}

void suspend_unblock(void) {
  ylock_release(&block_word);
}

/* With every other CPU paused, so that no thread or queue changes under us. after = 1
 * also notes what each ready thread has run so far. */
void census_take(int after) {
  struct census *c = &cen[after];
  memset(c, 0, sizeof *c);
  for (int i = 0; i < NTHREAD; i++) {
    struct thread *t = &threads[i];
    int s = t->state;
    c->running += s == T_RUNNING;
    c->runnable += s == T_RUNNABLE;
    c->sleeping += s == T_SLEEPING;
    c->live += s != T_UNUSED && s != T_ZOMBIE;
    if (after) {
      ready[i] = s == T_RUNNING || s == T_RUNNABLE;
      rstate[i] = (uint8)s;
      rruns[i] = t->nrun;
    }
  }
  for (int id = 0; id < NCPU; id++) {
    struct cpu *p = &cpus[id];
    c->oncpu += p->idle && p->cur && p->cur != p->idle;
    c->queued += p->rq.n;
  }
}

static int census_bad(struct census *c, const char *when) {
  if (c->running == c->oncpu && c->runnable == c->queued)
    return 0;
  snprintf(fail, sizeof fail, "census %s: %d running on %d cpus, %d runnable with %d queued",
           when, c->running, c->oncpu, c->runnable, c->queued);
  return 1;
}

/* From the suspend thread after resume n (interrupts on, cpu_lock free): checks the
 * census and pings the IPI channel of CPU 0 and of every CPU in m, then makes the
 * verdict round due. */
void suspend_verify(cpuset m, uint32 n) {
  struct census *a = &cen[0], *b = &cen[1];
  fail[0] = 0;
  if (census_bad(a, "before the suspend") || census_bad(b, "after the resume")) {
  } else if (a->live != b->live || a->running != b->running || a->runnable != b->runnable ||
             a->sleeping != b->sleeping) {
    snprintf(fail, sizeof fail, "census: %d live threads (%d/%d/%d) before, %d (%d/%d/%d) after",
             a->live, a->running, a->runnable, a->sleeping, b->live, b->running, b->runnable,
             b->sleeping);
  } else {
    char why[100];
    if (evtchn_ipi_ping(m | cpubit(0), deadline_ms(TIMEOUT_MS), why, sizeof why) < 0)
      snprintf(fail, sizeof fail, "not running after the resume: %s", why);
  }
  __atomic_store_n(&due, n, __ATOMIC_RELEASE);
  __atomic_store_n(&suspend_busy, 0, __ATOMIC_RELEASE);
}

/* For work.c: the resume whose verdict round is due (0: none), and that it was done (a
 * later resume that became due meanwhile stays due). */
uint32 suspend_due(void) {
  return __atomic_load_n(&due, __ATOMIC_ACQUIRE);
}

void suspend_done(uint32 n) {
  __atomic_compare_exchange_n(&due, &n, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* The resume's own check: -1 with why if the census or a CPU failed; 1 (not yet) while a
 * thread that was ready at the resume has not run since; else 0. */
int suspend_check(char *why, int n) {
  if (fail[0])
    return snprintf(why, n, "%s", fail), -1;
  for (int i = 0; i < NTHREAD; i++)
    if (ready[i] && threads[i].nrun == rruns[i] && threads[i].state == rstate[i])
      return snprintf(why, n, "thread %s (slot %d) has not run since the resume",
                      threads[i].name, i), 1;
  return 0;
}
