/*
 * Kernel threads: creation, exit and join, yield, sleep and wakeup.
 *
 * Lock order: jlock, then a thread's lock, then a run queue lock. A thread gives up the
 * CPU only through sched(), holding its own lock and no other spinlock (sleeping with a
 * lock held would stall every CPU that wants it, so sched panics). The dispatcher loop
 * (disp.c) releases that lock once the thread's registers are saved, which is what makes
 * it safe for another CPU to run, wake or reap the thread from then on.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "thread.h"

struct thread threads[NTHREAD];
static __attribute__((aligned(16))) char tstacks[NTHREAD][TSTACKSIZE];
static struct spinlock tlock = {0, "threads", 0};  /* T_UNUSED <-> T_EMBRYO */
static struct spinlock jlock = {0, "join", 0};     /* exit vs join */

/* Initialises every thread's lock once, at boot, before any other CPU runs. A lock must
 * never be initialised while in use: other CPUs take a thread's lock whenever they see it
 * in use (wakeup, join, the dispatcher), so a slot's lock has to be valid before its state
 * can first leave UNUSED (a lazy initlock in create() wiped a lock another CPU held). */
void threadinit(void) {
  for (int i = 0; i < NTHREAD; i++)
    initlock(&threads[i].lock, "thread");
}

/* The running thread. tp and cur are read with interrupts off: otherwise the thread could
 * move between the two reads and see another CPU's thread. */
struct thread *curthread(void) {
  push_off();
  struct thread *t = mycpu()->cur;
  pop_off();
  return t;
}

/* First code of every thread: the dispatcher switched here holding t->lock. */
static void thread_start(void) {
  struct thread *t = mycpu()->cur;
  release(&t->lock);
  intr_on();
  t->fn(t->arg);
  thread_exit();
}

/* A new thread running fn(arg), queued at once. bound >= 0 binds it to that CPU, which
 * must be online (the caller holds cpu_lock then: thread_bind). 0 when the table is
 * full. */
static struct thread *create(const char *name, void (*fn)(void *), void *arg, int bound) {
  struct thread *t = 0;
  acquire(&tlock);
  for (int i = 0; i < NTHREAD && !t; i++)
    if (threads[i].state == T_UNUSED) {
      t = &threads[i];
      t->state = T_EMBRYO;
      t->stack = tstacks[i];
    }
  release(&tlock);
  if (!t)
    return 0;
  int n = 0;
  while (name[n] && n < (int)sizeof t->name - 1) {
    t->name[n] = name[n];
    n++;
  }
  t->name[n] = 0;
  t->fn = fn;
  t->arg = arg;
  t->chan = 0;
  t->next = 0;
  t->nmigrate = 0;
  t->nrun = 0;
  t->bound = bound;
  t->cpu = bound >= 0 ? bound : cpuid();
  memset(&t->ctx, 0, sizeof t->ctx);
  t->ctx.ra = (unsigned long)thread_start;
  t->ctx.sp = (unsigned long)(t->stack + TSTACKSIZE);
  if (bound >= 0)
    __atomic_add_fetch(&cpus[bound].nbound, 1, __ATOMIC_SEQ_CST);
  acquire(&t->lock);
  t->state = T_RUNNABLE;
  setrunq(t);
  release(&t->lock);
  return t;
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg) {
  return create(name, fn, arg, -1);
}

/* A thread bound to CPU id from birth; 0 (with why) if id is not online. */
struct thread *thread_create_bound(const char *name, void (*fn)(void *), void *arg, int id,
                                   char *why, int whylen) {
  cpu_lock_enter();
  struct thread *t = 0;
  if (id < 0 || id >= NCPU || cpus[id].state != CPU_ONLINE)
    snprintf(why, whylen, "cpu %d is not online", id);
  else if (!(t = create(name, fn, arg, id)))
    snprintf(why, whylen, "no free thread");
  cpu_lock_exit();
  return t;
}

/* Gives up the CPU. The caller holds its own lock and nothing else, and has set a state
 * other than RUNNING. intena belongs to the thread, not the CPU, so it travels with it. */
void sched(void) {
  struct cpu *c = mycpu();
  struct thread *t = c->cur;
  if (!holding(&t->lock))
    panic("sched: %s does not hold its lock", t->name);
  if (c->noff != 1)
    panic("sched: %s holds %d other spinlock(s)", t->name, c->noff - 1);
  if (t->state == T_RUNNING)
    panic("sched: %s is still RUNNING", t->name);
  if (intr_get())
    panic("sched: interrupts on");
  if (t == c->idle)
    panic("sched: idle thread");
  int intena = c->intena;
  swtch(&t->ctx, &c->idle->ctx);
  mycpu()->intena = intena;   /* possibly another CPU now */
}

void yield(void) {
  struct thread *t = curthread();
  acquire(&t->lock);
  t->state = T_RUNNABLE;
  sched();
  release(&t->lock);
}

/* A lock that yields while it waits (*w is 0 when free), for holders that may yield,
 * sleep or be preempted while they hold it: cpu_lock, suspend_block, vcpu_hotplug_lock. */
void ylock_acquire(volatile int *w) {
  while (__atomic_exchange_n(w, 1, __ATOMIC_ACQUIRE) != 0)
    yield();
}

void ylock_release(volatile int *w) {
  __atomic_store_n(w, 0, __ATOMIC_RELEASE);
}

/* Atomically releases lk and sleeps on chan; holds lk again on return. chan and SLEEPING
 * are set before lk is released, so that a waker, which holds lk, sees them (wakeup). */
void sleep(void *chan, struct spinlock *lk) {
  struct thread *t = curthread();
  acquire(&t->lock);
  t->chan = chan;
  __atomic_store_n(&t->state, T_SLEEPING, __ATOMIC_RELAXED);
  release(lk);
  sched();
  t->chan = 0;
  release(&t->lock);
  acquire(lk);
}

/* Makes every thread sleeping on chan runnable. The caller holds the lock the sleepers
 * passed to sleep(), so none can be between checking its condition and sleeping, and
 * every sleeper's chan and SLEEPING, stored before it released that lock, are visible
 * here without its own lock. Only those threads are locked (and checked again: another
 * waker may have been first). Locking every live thread instead made each wakeup cost
 * one lock round trip per thread, some 230 under work=all on 64 CPUs, all with the
 * caller's lock held and its waiters spinning with interrupts off. */
void wakeup(void *chan) {
  struct thread *me = curthread();
  for (int i = 0; i < NTHREAD; i++) {
    struct thread *t = &threads[i];
    if (t == me || __atomic_load_n(&t->state, __ATOMIC_RELAXED) != T_SLEEPING ||
        __atomic_load_n(&t->chan, __ATOMIC_RELAXED) != chan)
      continue;
    acquire(&t->lock);
    if (t->state == T_SLEEPING && t->chan == chan) {
      t->state = T_RUNNABLE;
      setrunq(t);
    }
    release(&t->lock);
  }
}

void thread_exit(void) {
  struct thread *t = curthread();
  acquire(&jlock);
  wakeup(t);
  acquire(&t->lock);
  if (t->bound >= 0)
    __atomic_sub_fetch(&cpus[t->bound].nbound, 1, __ATOMIC_SEQ_CST);
  t->state = T_ZOMBIE;
  release(&jlock);
  sched();
  panic("thread_exit: zombie %s ran", t->name);
}

/* Waits for t to exit and frees it. Only one thread may join a given thread. */
void thread_join(struct thread *t) {
  acquire(&jlock);
  for (;;) {
    acquire(&t->lock);   /* held by t until its last switch has saved its registers */
    int done = t->state == T_ZOMBIE;
    release(&t->lock);
    if (done)
      break;
    sleep(t, &jlock);
  }
  release(&jlock);
  acquire(&tlock);
  t->state = T_UNUSED;
  release(&tlock);
}

/* Binds the running thread to CPU id and moves it there; -1 with why if id is not
 * online. id = -1 unbinds. */
int thread_bind(int id, char *why, int whylen) {
  struct thread *t = curthread();
  cpu_lock_enter();
  if (id >= 0 && (id >= NCPU || cpus[id].state != CPU_ONLINE)) {
    snprintf(why, whylen, "cpu %d is not online", id);
    cpu_lock_exit();
    return -1;
  }
  if (t->bound >= 0)
    __atomic_sub_fetch(&cpus[t->bound].nbound, 1, __ATOMIC_SEQ_CST);
  if (id >= 0)
    __atomic_add_fetch(&cpus[id].nbound, 1, __ATOMIC_SEQ_CST);
  t->bound = id;
  cpu_lock_exit();
  while (id >= 0 && cpuid() != id)
    yield();   /* the dispatcher queues it on the bound CPU */
  return 0;
}

/* Waits ms milliseconds of guest time, letting other threads run. */
void thread_delay_ms(uint64 ms) {
  uint64 end = deadline_ms(ms);
  while (!expired(end))
    yield();
}
