/*
 * test=all: self-tests of the dispatcher, cross-calls and CPU states. They run in the
 * thread "main" while every CPU is up under the dispatcher (disp.c), and print
 *
 *   ok NAME | FAIL NAME: why | skip NAME: reason       one line per test
 *   P passed, F failed                                  last line, then SRST shutdown
 *
 * (SYSTEM_FAILURE if F > 0). Tests that need two CPUs are skipped with one. This file
 * has the thread and dispatcher tests; test-cpu.c the cross-call, pause and CPU state
 * ones. Every wait has a deadline in guest time, so a failure is reported, not hung.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "thread.h"

static int npass, nfail;

static int report(const char *name, const char *why) {
  if (why && strncmp(why, "skip:", 5) == 0) {
    printf("skip %s:%s\n", name, why + 5);
    return 0;
  }
  if (why) {
    printf("FAIL %s: %s\n", name, why);
    nfail++;
    return -1;
  }
  printf("ok %s\n", name);
  npass++;
  return 0;
}

static char why[160];
#define FAILF(...) (snprintf(why, sizeof why, __VA_ARGS__), why)

/* CPU sets that several CPUs add themselves to at once are kept as one flag per CPU,
 * each set by its own CPU (RV32 has no 64-bit atomic OR to build a cpuset directly). */
void flags_clear(volatile uint8 *f) {
  for (int i = 0; i < NCPU; i++)
    f[i] = 0;
}

/* The CPUs whose flag is set. */
cpuset flagged(volatile uint8 *f) {
  cpuset s = 0;
  for (int i = 0; i < NCPU; i++)
    if (f[i])
      s |= cpubit(i);
  return s;
}

/* Spinners: unbound threads that never yield, noting every CPU they run on. */
static volatile int spin_stop;
static volatile uint8 spin_on[NCPU];
static struct thread *spinners[2 * NCPU];
static int nspinners;

static void spinner(void *arg) {
  (void)arg;
  while (!spin_stop)
    __atomic_store_n(&spin_on[cpuid()], 1, __ATOMIC_RELAXED);
}

void spin_start(int n) {
  spin_stop = 0;
  flags_clear(spin_on);
  for (nspinners = 0; nspinners < n; nspinners++)
    if (!(spinners[nspinners] = thread_create("spinner", spinner, 0)))
      panic("spin_start: no thread");
}

void spin_end(void) {
  spin_stop = 1;
  for (int i = 0; i < nspinners; i++)
    thread_join(spinners[i]);
  nspinners = 0;
}

int popcount(cpuset x) {
  int n = 0;
  for (; x; x &= x - 1)
    n++;
  return n;
}

cpuset online_mask(void) {
  cpuset m = 0;
  for (int i = 0; i < NCPU; i++)
    if (cpus[i].state == CPU_ONLINE)
      m |= cpubit(i);
  return m;
}

/* threads: create, run, exit and join more threads than CPUs. */
static struct spinlock sumlock = {0, "sum", 0};
static volatile int sum;
static void adder(void *arg) {
  acquire(&sumlock);
  sum += (int)(unsigned long)arg;
  release(&sumlock);
}
static const char *t_threads(void) {
  struct thread *t[12];
  sum = 0;
  for (int i = 0; i < 12; i++)
    if (!(t[i] = thread_create("adder", adder, (void *)(unsigned long)(i + 1))))
      return "thread_create failed";
  for (int i = 0; i < 12; i++)
    thread_join(t[i]);
  return sum == 78 ? 0 : FAILF("sum %d, want 78", sum);
}

/* sleep_wakeup: two threads hand a token back and forth 200 times. */
static struct spinlock tokenlock = {0, "token", 0};
static volatile int token, rounds;
static void pinger(void *arg) {
  int me = (int)(unsigned long)arg;
  acquire(&tokenlock);
  while (rounds < 200) {
    while (token != me && rounds < 200)
      sleep((void *)&token, &tokenlock);
    if (rounds < 200) {
      rounds++;
      token = !me;
      wakeup((void *)&token);
    }
  }
  release(&tokenlock);
}
static const char *t_sleep(void) {
  token = 0;
  rounds = 0;
  struct thread *a = thread_create("ping", pinger, (void *)0);
  struct thread *b = thread_create("pong", pinger, (void *)1);
  if (!a || !b)
    return "thread_create failed";
  thread_join(a);
  thread_join(b);
  return rounds == 200 ? 0 : FAILF("%d rounds", rounds);
}

/* preemption: two threads bound to one CPU; the first spins without yielding until the
 * second has run, which only the quantum timer can allow. They are created by a thread
 * bound to that CPU too: queued from another CPU, the second would poke it, and the poke
 * (not a tick) could switch the spinner out. */
static volatile int b_ran, a_saw;
static const char *preempt_result;
static void hog(void *arg) {
  uint64 dl = deadline_ms(2000);
  while (!b_ran && !expired(dl))
    ;
  a_saw = b_ran;
  (void)arg;
}
static void other(void *arg) {
  b_ran = 1;
  (void)arg;
}
static void preempt_here(void *arg) {
  int id = cpuid();
  b_ran = a_saw = 0;
  uint32 ticks = cpus[id].ntick;
  struct thread *a = thread_create_bound("hog", hog, 0, id, why, sizeof why);
  struct thread *b = a ? thread_create_bound("other", other, 0, id, why, sizeof why) : 0;
  if (!a || !b) {
    preempt_result = why;
    return;
  }
  thread_join(a);
  thread_join(b);
  if (!a_saw)
    preempt_result = "a thread that never yields was not preempted within 2 s";
  else
    preempt_result = cpus[id].ntick != ticks ? 0 : "no quantum tick";
  (void)arg;
}
static const char *t_preempt(void) {
  struct thread *t = thread_create_bound("preempt", preempt_here, 0, cpuid(), why, sizeof why);
  if (!t)
    return why;
  thread_join(t);
  return preempt_result;
}

/* balancing: 2N spinners created here must spread to every online CPU. */
static const char *t_balance(void) {
  cpuset want = online_mask();
  spin_start(2 * popcount(want));
  uint64 dl = deadline_ms(3000);
  while ((flagged(spin_on) & want) != want && !expired(dl))
    thread_delay_ms(10);
  cpuset seen = flagged(spin_on);
  spin_end();
  return (seen & want) == want ? 0 : FAILF("spinners ran on cpus 0x%llx of 0x%llx", seen, want);
}

/* bound: a thread bound to each CPU checks, under load, that it never runs elsewhere. */
static volatile uint32 bound_bad, bound_loops[NCPU];
static void boundchk(void *arg) {
  int id = (int)(unsigned long)arg;
  uint64 dl = deadline_ms(300);
  while (!expired(dl)) {
    if (cpuid() != id)
      __atomic_add_fetch(&bound_bad, 1, __ATOMIC_RELAXED);
    bound_loops[id]++;
    if ((bound_loops[id] & 63) == 0)
      yield();
  }
}
static const char *t_bound(void) {
  struct thread *t[NCPU] = {0};
  cpuset m = online_mask();
  bound_bad = 0;
  spin_start(2 * popcount(m));
  for (int i = 0; i < NCPU; i++)
    if (cpuset_has(m, i)) {
      bound_loops[i] = 0;
      if (!(t[i] = thread_create_bound("bound", boundchk, (void *)(unsigned long)i, i, why,
                                       sizeof why)))
        return why;
    }
  uint32 moved = 0;
  for (int i = 0; i < NCPU; i++)
    if (t[i]) {
      thread_join(t[i]);
      moved += t[i]->nmigrate;
      if (!bound_loops[i])
        return FAILF("bound thread on cpu %d never ran", i);
    }
  spin_end();
  if (bound_bad || moved)
    return FAILF("bound threads ran on the wrong cpu %u times, migrated %u times", bound_bad,
                 moved);
  return 0;
}

/* locks: push_off/pop_off nest and restore the interrupt state of the outermost call. */
static const char *t_locks(void) {
  struct spinlock a = {0, "a", 0}, b = {0, "b", 0};
  if (!intr_get())
    return "interrupts off in a thread";
  acquire(&a);
  acquire(&b);
  int inner = intr_get() || !holding(&a) || !holding(&b);
  release(&b);
  int mid = intr_get();
  release(&a);
  if (inner || mid || !intr_get())
    return "interrupt state not nested correctly";
  return 0;
}

void test_all(void *arg) {
  (void)arg;
  printf("# dispatcher: %d cpus online, quantum %d us, pv %s\n", ncpus_online(), QUANTUM_US,
         pv_present ? "present" : "absent (not needed)");
  report("locks", t_locks());
  report("threads", t_threads());
  report("sleep_wakeup", t_sleep());
  report("preemption", t_preempt());
  report("balancing", ncpus_online() < 2 ? "skip: 1 cpu" : t_balance());
  report("bound", t_bound());
  test_cpu(report);
  test_pv(report);
  printf("%d passed, %d failed\n", npass, nfail);
  shutdown(nfail > 0);
}
