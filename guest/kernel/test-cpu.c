/*
 * test=all, part two (test-all.c has the harness): cross-calls, pause_cpus/start_cpus
 * with the default and a replacement handler, CPU offline refusals, offline semantics
 * (no threads, still cross-calls and pauses), power off/on through HSM, and CPUs brought
 * online while their idle loop may still be draining.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"
#include "riscv.h"
#include "thread.h"

void spin_start(int n);
void spin_end(void);
int popcount(cpuset x);
cpuset online_mask(void);
void flags_clear(volatile uint8 *f);
cpuset flagged(volatile uint8 *f);

static char why[160];
#define FAILF(...) (snprintf(why, sizeof why, __VA_ARGS__), why)

static volatile int ran_on[NCPU];
static void note_cpu(void *arg) {
  int i = (int)(unsigned long)arg;
  ran_on[i] = cpuid();
}
static volatile uint8 hit_on[NCPU];   /* CPUs that ran hit (flags: test-all.c) */
static void hit(void *arg) {
  (void)arg;
  __atomic_store_n(&hit_on[cpuid()], 1, __ATOMIC_RELAXED);
}

/* Another online CPU than the caller's, preferring the highest id; -1 if none. */
static int other_cpu(void) {
  for (int i = NCPU - 1; i >= 0; i--)
    if (i != cpuid() && cpus[i].state == CPU_ONLINE)
      return i;
  return -1;
}

static const char *t_xcall_one(void) {
  /* Stay on this CPU for the whole loop: if the balancer moved this thread onto CPU i
   * between naming "me" and calling, the call to i would be a call to itself. */
  push_off();
  int me = cpuid();
  const char *r = 0;
  for (int i = 0; i < NCPU && !r; i++) {
    if (i == me || cpus[i].state != CPU_ONLINE)
      continue;
    ran_on[i] = -1;
    cpuset m = xc_call(cpubit(i), note_cpu, (void *)(unsigned long)i);
    if (m != cpubit(i) || ran_on[i] != i)
      r = FAILF("cross-call to cpu %d ran on %d (mask 0x%llx)", i, ran_on[i], m);
  }
  pop_off();
  return r;
}

static const char *t_xcall_all(void) {
  push_off();
  cpuset others = xc_others();
  flags_clear(hit_on);
  cpuset m = xc_call(CPUSET_ALL, hit, 0);
  pop_off();
  cpuset hits = flagged(hit_on);
  if (m != others || hits != others)
    return FAILF("ran on 0x%llx (reported 0x%llx), want 0x%llx", hits, m, others);
  return 0;
}

/* Bound counters on every other CPU; paused CPUs must not advance theirs. */
static volatile int cnt_stop;
static volatile uint32 cnt[NCPU];
static void counter(void *arg) {
  int i = (int)(unsigned long)arg;
  while (!cnt_stop) {
    cnt[i]++;
  }
}

static volatile uint8 custom_in[NCPU];
static struct jmpbuf pause_jb[NCPU];
/* A replacement handler with the default's contract, plus a ksetjmp like the suspend
 * protocol's: this CPU's context is captured at a known point. */
static void pause_custom(void) {
  struct cpu *c = mycpu();
  if (ksetjmp(&pause_jb[cpuid()]) == 0)
    __atomic_store_n(&custom_in[cpuid()], 1, __ATOMIC_RELAXED);
  __atomic_store_n(&c->phase, PHASE_SAFE, __ATOMIC_RELEASE);
  while (__atomic_load_n(&c->phase, __ATOMIC_ACQUIRE) == PHASE_SAFE)
    ;
}

static const char *t_pause(void) {
  struct thread *t[NCPU] = {0};
  cnt_stop = 0;
  int me = cpuid();
  for (int i = 0; i < NCPU; i++)
    if (i != me && cpus[i].state == CPU_ONLINE) {
      cnt[i] = 0;
      t[i] = thread_create_bound("counter", counter, (void *)(unsigned long)i, i, why,
                                 sizeof why);
    }
  thread_delay_ms(20);
  const char *r = 0;
  for (int round = 0; round < 2 && !r; round++) {
    if (round == 1)
      pause_handler_set(pause_custom);
    flags_clear(custom_in);
    cpu_lock_enter();
    cpuset m = pause_cpus();
    uint32 before[NCPU];
    for (int i = 0; i < NCPU; i++)
      before[i] = cnt[i];
    delay_us(20000);
    for (int i = 0; i < NCPU && !r; i++)
      if (cpuset_has(m, i) && (cnt[i] != before[i] || cpus[i].phase != PHASE_SAFE))
        r = FAILF("cpu %d ran while paused", i);
    if (!r && m != xc_others())
      r = FAILF("paused 0x%llx, want 0x%llx", m, xc_others());
    start_cpus();
    cpu_lock_exit();
    if (round == 1) {
      pause_handler_set(0);
      if (!r && flagged(custom_in) != m)
        r = FAILF("replacement handler ran on 0x%llx, want 0x%llx", flagged(custom_in), m);
    }
  }
  uint32 after[NCPU];
  for (int i = 0; i < NCPU; i++)
    after[i] = cnt[i];
  // Every released CPU must run its counter again. Poll for up to a second rather than
  // sleep a fixed time: on a loaded host a vCPU thread can wait tens of ms for a core.
  for (int waited = 0; waited < 1000; waited += 10) {
    int all = 1;
    for (int i = 0; i < NCPU; i++)
      if (t[i] && cnt[i] == after[i])
        all = 0;
    if (all)
      break;
    thread_delay_ms(10);
  }
  for (int i = 0; i < NCPU && !r; i++)
    if (t[i] && cnt[i] == after[i])
      r = FAILF("cpu %d did not resume after start_cpus", i);
  cnt_stop = 1;
  for (int i = 0; i < NCPU; i++)
    if (t[i])
      thread_join(t[i]);
  return r;
}

static volatile int parked_go;
static void parked(void *arg) {
  (void)arg;
  while (!parked_go)
    thread_delay_ms(1);
}

static const char *t_refuse_bound(void) {
  int x = other_cpu();
  parked_go = 0;
  struct thread *t = thread_create_bound("parked", parked, 0, x, why, sizeof why);
  if (!t)
    return why;
  char r[120];
  int rc = cpu_offline(x, r, sizeof r);
  parked_go = 1;
  thread_join(t);
  if (rc == 0) {
    cpu_online(x, r, sizeof r);
    return FAILF("cpu %d with a bound thread went offline", x);
  }
  printf("# offline refused: %s\n", r);
  return strstr(r, "bound") ? 0 : FAILF("wrong reason: %s", r);
}

/* Offlines every CPU but one (this thread's own included: it moves), then the last must
 * be refused; then all come back. */
static const char *t_refuse_last(void) {
  cpuset m = online_mask();
  char r[120];
  const char *res = 0;
  int last = -1;
  for (int i = 0; i < NCPU; i++) {
    if (!cpuset_has(m, i))
      continue;
    if (ncpus_online() == 1) {
      last = i;
      break;
    }
    if (cpu_offline(i, r, sizeof r) < 0) {
      res = FAILF("cpu_offline(%d): %s", i, r);
      break;
    }
  }
  if (!res) {
    for (int i = 0; i < NCPU && last < 0; i++)
      if (cpus[i].state == CPU_ONLINE)
        last = i;
    if (cpuid() != last)
      res = FAILF("thread runs on cpu %d, the only online cpu is %d", cpuid(), last);
    else if (cpu_offline(last, r, sizeof r) == 0)
      res = FAILF("the last online cpu %d went offline", last);
    else if (!strstr(r, "last online"))
      res = FAILF("wrong reason: %s", r);
    else
      printf("# offline refused: %s\n", r);
  }
  for (int i = 0; i < NCPU; i++)
    if (cpuset_has(m, i) && cpu_online(i, r, sizeof r) < 0 && !res)
      res = FAILF("cpu_online(%d): %s", i, r);
  return res;
}

/* An offline CPU runs no thread, yet takes cross-calls and pauses; back online it gets
 * work again. */
static const char *t_offline(void) {
  int x = other_cpu();
  char r[120];
  spin_start(2 * ncpus_online());
  const char *res = 0;
  if (cpu_offline(x, r, sizeof r) < 0) {
    spin_end();
    return FAILF("cpu_offline(%d): %s", x, r);
  }
  uint32 d0 = cpus[x].ndisp;
  thread_delay_ms(50);
  ran_on[x] = -1;
  cpuset m = xc_call(cpubit(x), note_cpu, (void *)(unsigned long)x);
  cpu_lock_enter();
  cpuset p = pause_cpus();
  start_cpus();
  cpu_lock_exit();
  if (cpus[x].ndisp != d0 || cpus[x].cur != cpus[x].idle)
    res = FAILF("offline cpu %d dispatched %u thread(s)", x, cpus[x].ndisp - d0);
  else if (m != cpubit(x) || ran_on[x] != x)
    res = FAILF("cross-call to offline cpu %d ran on %d", x, ran_on[x]);
  else if (!cpuset_has(p, x))
    res = FAILF("pause_cpus left offline cpu %d out (0x%llx)", x, p);
  if (cpu_online(x, r, sizeof r) < 0 && !res)
    res = FAILF("cpu_online(%d): %s", x, r);
  uint64 dl = deadline_ms(2000);
  while (cpus[x].ndisp == d0 && !expired(dl))
    thread_delay_ms(5);
  if (cpus[x].ndisp == d0 && !res)
    res = FAILF("cpu %d back online but never dispatched", x);
  spin_end();
  return res;
}

/* Power CPU x off and on twice: HSM must say STOPPED, cross-calls and pauses leave it
 * out, and after power-on (through secondary_entry) it runs bound threads again. */
static const char *power_rounds(int x) {
  char r[120];
  for (int round = 0; round < 2; round++) {
    if (cpu_poweroff(x, r, sizeof r) == 0)
      return FAILF("powered off online cpu %d", x);
    if (cpu_offline(x, r, sizeof r) < 0 || cpu_poweroff(x, r, sizeof r) < 0)
      return FAILF("cpu %d: %s", x, r);
    struct sbiret s = sbi_hart_get_status(x);
    if (s.error || s.value != SBI_HART_STATE_STOPPED)
      return FAILF("hart %d status %ld after power off", x, s.error ? s.error : s.value);
    flags_clear(hit_on);
    cpuset m = xc_call(CPUSET_ALL, hit, 0);
    cpu_lock_enter();
    cpuset p = pause_cpus();
    start_cpus();
    cpu_lock_exit();
    if (cpuset_has(m | flagged(hit_on) | p, x))
      return FAILF("powered-off cpu %d took a cross-call or pause", x);
    if (cpu_online(x, r, sizeof r) == 0)
      return FAILF("powered-off cpu %d went online", x);
    if (cpu_poweron(x, r, sizeof r) < 0)
      return FAILF("cpu_poweron(%d): %s", x, r);
    if (cpus[x].state != CPU_OFFLINE)
      return FAILF("cpu %d is %s after power on", x, cpu_state_name(cpus[x].state));
    if (cpu_online(x, r, sizeof r) < 0)
      return FAILF("cpu_online(%d): %s", x, r);
    ran_on[x] = -1;
    struct thread *t = thread_create_bound("note", note_cpu, (void *)(unsigned long)x, x,
                                           why, sizeof why);
    if (!t)
      return why;
    thread_join(t);
    if (ran_on[x] != x)
      return FAILF("thread bound to powered-on cpu %d ran on %d", x, ran_on[x]);
  }
  return 0;
}

/* CPU 0 refuses to power off; another CPU goes through power_rounds while this thread
 * stays on CPU 0, so that the other CPU is never CPU 0. */
static const char *t_power(void) {
  char r[120];
  if (cpu_poweroff(0, r, sizeof r) == 0)
    return "cpu 0 was powered off";
  if (!strstr(r, "cpu 0"))
    return FAILF("cpu 0 refused power off for the wrong reason: %s", r);
  printf("# power off refused: %s\n", r);
  if (thread_bind(0, r, sizeof r) < 0)
    return FAILF("bind to cpu 0: %s", r);
  const char *res = power_rounds(other_cpu());
  thread_bind(-1, r, sizeof r);
  return res;
}

/* Yielders: unbound threads that yield again at once, so that every online CPU keeps
 * queueing threads on whichever online CPU has the shortest queue (setrunq). */
static volatile int yield_stop;
static void yielder(void *arg) {
  (void)arg;
  while (!yield_stop)
    yield();
}

/* Pokes CPU x with IPIs without pause: an offline CPU then runs idle pass after idle pass
 * instead of waiting in wfi. */
static volatile int poke_cpu = -1;
static void poker(void *arg) {
  (void)arg;
  while (!yield_stop) {
    int x = poke_cpu;
    if (x >= 0)
      ipi_send(cpubit(x));
    yield();
  }
}

/* CPU x offline and online again (every other time powered off and on in between), over
 * and over, while it is poked and yielders run. An idle pass of an offline CPU drains its
 * queue; cpu_online may mark the CPU online during one, and at once the others queue
 * threads there (its queue is the shortest). The drain must move them elsewhere: put back
 * on x, each would be taken again for ever with interrupts off, and x would never answer
 * cpu_online's cross-call (xc_call panics). */
static const char *t_online_drain(void) {
  int x = other_cpu();
  char r[120];
  struct thread *t[3 * NCPU + 1];
  int n = 3 * ncpus_online();
  yield_stop = 0;
  poke_cpu = x;
  for (int i = 0; i <= n; i++)
    if (!(t[i] = thread_create(i < n ? "yielder" : "poker", i < n ? yielder : poker, 0)))
      panic("t_online_drain: no thread");
  const char *res = 0;
  for (int k = 0; k < 100 && !res; k++) {
    int power = k % 2 == 1;
    if (cpu_offline(x, r, sizeof r) < 0 ||
        (power && (cpu_poweroff(x, r, sizeof r) < 0 || cpu_poweron(x, r, sizeof r) < 0)) ||
        cpu_online(x, r, sizeof r) < 0)
      res = FAILF("cycle %d on cpu %d: %s", k, x, r);
  }
  yield_stop = 1;
  for (int i = 0; i <= n; i++)
    thread_join(t[i]);
  poke_cpu = -1;
  return res;
}

int test_cpu(int (*report)(const char *name, const char *why)) {
  int multi = ncpus_online() >= 2;
  report("xcall.one", t_xcall_one());
  report("xcall.all", t_xcall_all());
  report("pause", t_pause());
  report("offline.refuse_bound", multi ? t_refuse_bound() : "skip: 1 cpu");
  report("offline.refuse_last", t_refuse_last());
  report("offline", multi ? t_offline() : "skip: 1 cpu");
  report("power", multi ? t_power() : "skip: 1 cpu");
  report("online.drain", multi ? t_online_drain() : "skip: 1 cpu");
  return 0;
}
