/*
 * The dispatcher: per-CPU run queues, the idle loop, preemption and load balancing.
 *
 * Each CPU runs its idle thread (the loop in idle_loop, on the CPU's boot stack) whenever
 * nothing else runs: every switch goes thread -> idle -> next thread. The idle loop picks
 * from its own queue first and otherwise steals an unbound thread from the busiest other
 * online CPU; with nothing to do it waits in wfi, blocked in the hypervisor, until an
 * IPI (new work, a cross-call, a pause) or its quantum timer wakes it.
 *
 * Invariants: a queued thread is RUNNABLE with its registers saved; a bound thread is only
 * queued on its CPU; an offline or powered-off CPU runs no thread but its idle thread
 * (its queue is drained to online CPUs); the quantum timer runs only on online CPUs. A
 * pass of the idle loop reads its CPU's state once; the state turns online only before
 * the hart starts (disp_start) or with a cross-call that waits for the loop to finish its
 * pass (cpu_online), so a pass that drains never meets a thread bound to its CPU.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "thread.h"

volatile int dispatching;   /* set once, when the dispatcher starts: traps preempt */
static struct thread idlethreads[NCPU];

static void poke(int id) {
  ipi_send(cpubit(id));
}

/* Wakes one idle online CPU other than this one, so it can steal. */
static void poke_idle(void) {
  int me = cpuid();
  for (int i = 0; i < NCPU; i++)
    if (i != me && cpus[i].state == CPU_ONLINE && cpus[i].idling) {
      poke(i);
      return;
    }
}

/* The online CPU other than except (-1: none excepted) with the shortest queue (racy
 * reads: a hint). One always exists: the last online CPU cannot be taken offline, and a
 * CPU that drains (the one excepted) was not online when its pass began, so another was,
 * and stays so until the pass ends (drain). */
static int anycpu(int except) {
  int best = -1;
  for (int i = 0; i < NCPU; i++)
    if (i != except && cpus[i].state == CPU_ONLINE &&
        (best < 0 || cpus[i].rq.n < cpus[best].rq.n))
      best = i;
  if (best < 0)
    panic("anycpu: no online cpu");
  return best;
}

/* Queues a RUNNABLE, switched-out thread; the caller holds t->lock. It goes to its bound
 * CPU, else where it last ran if that CPU is online, not except, and its queue is not 2
 * longer than the shortest, else to the least busy online CPU but except. (Stealing alone
 * does not spread load: a CPU that always has its own thread to run never steals, so every
 * thread created on one CPU would stay there.) */
static void runq_put(struct thread *t, int except) {
  if (t->state != T_RUNNABLE)
    panic("setrunq: %s not RUNNABLE", t->name);
  int id = t->bound >= 0 ? t->bound : t->cpu;
  if (t->bound < 0) {
    int best = anycpu(except);
    if (id == except || cpus[id].state != CPU_ONLINE || cpus[id].rq.n > cpus[best].rq.n + 1)
      id = best;
  }
  struct runq *q = &cpus[id].rq;
  acquire(&q->lock);
  t->next = 0;
  if (q->tail)
    q->tail->next = t;
  else
    q->head = t;
  q->tail = t;
  q->n++;
  if (t->bound < 0)
    q->nunbound++;
  int n = q->n;
  release(&q->lock);
  if (id != cpuid())
    poke(id);
  else if (n > 1)
    poke_idle();
}

void setrunq(struct thread *t) {
  runq_put(t, -1);
}

/* Takes the first thread of q, or the first unbound one; 0 if none. */
static struct thread *take(struct runq *q, int unbound_only) {
  acquire(&q->lock);
  struct thread *prev = 0, *t = q->head;
  while (t && unbound_only && t->bound >= 0) {
    prev = t;
    t = t->next;
  }
  if (t) {
    if (prev)
      prev->next = t->next;
    else
      q->head = t->next;
    if (q->tail == t)
      q->tail = prev;
    q->n--;
    if (t->bound < 0)
      q->nunbound--;
    t->next = 0;
  }
  release(&q->lock);
  return t;
}

/* An unbound thread from the online CPU with the most stealable work. */
static struct thread *steal(struct cpu *c) {
  int best = -1;
  for (int i = 0; i < NCPU; i++)
    if (&cpus[i] != c && cpus[i].state == CPU_ONLINE && cpus[i].rq.nunbound > 0 &&
        (best < 0 || cpus[i].rq.nunbound > cpus[best].rq.nunbound))
      best = i;
  struct thread *t = best < 0 ? 0 : take(&cpus[best].rq, 1);
  if (t)
    c->nsteal++;
  return t;
}

/* Moves everything queued on a CPU that was not online when this pass began to other
 * online CPUs. Never back onto c: cpu_online may have marked it online since (its cross-
 * call waits for this pass to end), and then other CPUs queue threads here and c, its
 * queue just emptied, looks the least busy: each thread drained back would be taken again,
 * for ever, with interrupts off, and the cross-call never answered. */
static void drain(struct cpu *c) {
  struct thread *t;
  while ((t = take(&c->rq, 0)) != 0) {
    if (t->bound == c - cpus)
      panic("drain: %s is bound to offline cpu %d", t->name, (int)(c - cpus));
    acquire(&t->lock);
    runq_put(t, c - cpus);
    release(&t->lock);
  }
}

static int has_work(struct cpu *c) {
  if (c->poweroff_req || c->rq.n > 0)
    return 1;
  if (c->state != CPU_ONLINE)
    return 0;
  for (int i = 0; i < NCPU; i++)
    if (cpus[i].state == CPU_ONLINE && cpus[i].rq.nunbound > 0)
      return 1;
  return 0;
}

/* The CPU powers itself off (cpu_poweroff): nothing of it is left but its struct cpu. */
static void stop_self(struct cpu *c) NORETURN;
static void stop_self(struct cpu *c) {
  timer_disarm();
  c->tick_on = 0;
  c->online = 0;
  c->poweroff_req = 0;
  __atomic_store_n(&c->state, CPU_POWEROFF, __ATOMIC_SEQ_CST);
  xc_poll();   /* cross-calls posted before the store; later ones are cancelled */
  struct sbiret r = sbi_hart_stop();
  panic("hart_stop: %s", sbi_strerror(r.error));
}

/* The idle thread. Interrupts are off except in the window at the bottom of the loop. */
static void idle_loop(void) NORETURN;
static void idle_loop(void) {
  struct cpu *c = mycpu();
  for (;;) {
    intr_off();
    if (c->poweroff_req)
      stop_self(c);
    __atomic_store_n(&c->picking, 1, __ATOMIC_SEQ_CST);
    /* One read of state decides the whole pass. Read twice, the state could turn online
     * between the reads (cpu_online) and the CPU would run a thread with no quantum
     * timer: a thread that never yields would then keep the CPU for ever. */
    int online = __atomic_load_n(&c->state, __ATOMIC_SEQ_CST) == CPU_ONLINE;
    if (online && !c->tick_on) {
      c->tick_on = 1;
      timer_arm(r_time() + us_to_ticks(QUANTUM_US));
    }
    struct thread *t = 0;
    if (online) {
      t = take(&c->rq, 0);
      if (!t)
        t = steal(c);
    } else {
      drain(c);
    }
    if (t) {
      acquire(&t->lock);
      if (t->state != T_RUNNABLE)
        panic("idle_loop: %s queued but not RUNNABLE", t->name);
      if (t->bound >= 0 && t->bound != c - cpus)
        panic("idle_loop: %s bound to cpu %d, queued on cpu %d", t->name, t->bound,
              (int)(c - cpus));
      if (t->cpu != c - cpus)
        t->nmigrate++;
      t->nrun++;
      t->cpu = c - cpus;
      t->state = T_RUNNING;
      c->cur = t;
      __atomic_store_n(&c->picking, 0, __ATOMIC_SEQ_CST);
      c->ndisp++;
      swtch(&c->idle->ctx, &t->ctx);
      c->cur = c->idle;
      if (t->state == T_RUNNABLE)
        setrunq(t);
      release(&t->lock);
      continue;
    }
    __atomic_store_n(&c->picking, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&c->idling, 1, __ATOMIC_SEQ_CST);
    if (!has_work(c))
      wfi();   /* returns on any pending enabled interrupt, with SIE off */
    c->idling = 0;
    intr_on();  /* take it: cross-call, pause, tick */
  }
}

/* From the timer interrupt in dispatcher mode: the running thread's quantum is over. */
void disp_tick(void) {
  struct cpu *c = mycpu();
  c->ntick++;
  c->need_resched = 1;
  if (c->state == CPU_ONLINE) {
    timer_arm(r_time() + us_to_ticks(QUANTUM_US));
  } else {
    timer_disarm();
    c->tick_on = 0;
  }
}

/* At the end of every trap: switch away if the quantum is over (or a poke asked for it).
 * A trap is only taken with interrupts on, so the thread holds no spinlock. */
void disp_preempt(void) {
  struct cpu *c = mycpu();
  if (!dispatching || !c->need_resched || !c->idle || c->cur == c->idle || c->noff != 0)
    return;
  c->need_resched = 0;
  yield();
}

/* Per-CPU dispatcher init, then the idle loop; on the boot CPU and on every CPU started
 * by HSM (at boot and at every power-on). */
void disp_hart(void) {
  struct cpu *c = mycpu();
  struct thread *idle = &idlethreads[c - cpus];
  snprintf(idle->name, sizeof idle->name, "idle%d", (int)(c - cpus));
  idle->state = T_RUNNING;
  idle->bound = c - cpus;
  idle->cpu = c - cpus;
  c->idle = idle;
  c->cur = idle;
  c->need_resched = 0;
  c->tick_on = 0;
  c->idling = 0;
  c->picking = 0;
  /* phase is left alone: it is NONE from boot and whenever the CPU powers off, and a
   * pauser may already have set WAIT_SAFE on a CPU that was just powered on. */
  idle_loop();
}

/* On the boot CPU: starts every other hart into its idle loop, online, except those the
 * toolstack wants offline (vcpu-hotplug.c), which stay powered off; creates the first
 * thread running fn and becomes this CPU's idle thread. */
void disp_start(void (*fn)(void *)) {
  struct cpu *me = mycpu();
  for (int i = 0; i < NCPU; i++)
    initlock(&cpus[i].rq.lock, "runq");
  me->state = CPU_ONLINE;
  dispatching = 1;
  hartmain = disp_hart;
  cpuset off = 0;
  if (pv_present) {   /* event channels and the store: the suspend protocol's and tests' */
    evtchninit();
    xsinit();
    off = vcpu_hotplug_boot();
  }
  for (int i = 0; i < dt.nharts; i++) {
    int id = (int)dt.harts[i];
    char why[120];
    if (id == cpuid())
      continue;
    if (cpuset_has(off, id)) {   /* never started: as after cpu_poweroff */
      __atomic_store_n(&cpus[id].state, CPU_POWEROFF, __ATOMIC_SEQ_CST);
      continue;
    }
    /* Online before the hart starts: its idle loop must never see its state change
     * without a handshake. Marked online once the hart had arrived, its idle loop could
     * have read "not online" and still be draining its queue while the threads of
     * work_main queued on it as on any online CPU, one bound to it among them (drain
     * panics). cpu_online changes a running CPU's state safely: it holds cpu_lock,
     * without which nothing can be bound there, until the CPU has taken its cross-call
     * at the bottom of its idle loop. No thread exists yet, so nothing is queued here
     * before the hart arrives. */
    __atomic_store_n(&cpus[id].state, CPU_ONLINE, __ATOMIC_SEQ_CST);
    if (smp_start_hart(id, OPAQUE_DISP + id, why, sizeof why) < 0) {
      printf("CHECK FAIL hsm: %s\n", why);
      shutdown(1);
    }
  }
  me->idle = &idlethreads[cpuid()];
  me->cur = me->idle;
  if (!thread_create("main", fn, 0))
    panic("disp_start: no thread");
  disp_hart();
}
