/*
 * CPU states, with Solaris semantics:
 *   online      runs threads;
 *   offline     up, but runs only its idle thread; still takes cross-calls and pauses,
 *               waiting in wfi between them;
 *   powered off the hart itself called HSM hart_stop after everything was moved off it;
 *               powering on is HSM hart_start at secondary_entry again, through the same
 *               per-hart init as at boot, and leaves it offline.
 * Transitions: online <-> offline <-> powered off. Every transition, binding and
 * pause_cpus holds cpu_lock, a sleeping lock (the holder may be preempted; waiters yield)
 * so that no spinlock is held across the waits below.
 *
 * cpu_offline refuses a CPU with bound threads and the last online CPU, as Solaris does;
 * cpu_poweroff refuses CPU 0, which the suspend protocol needs (only vCPU 0's registers
 * survive a suspend, and FERRY_PV_SUSPEND runs there). The reason is returned for the
 * caller to print.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"
#include "riscv.h"

static volatile int cpu_lock_word;
static struct thread *volatile cpu_lock_owner;

void cpu_lock_enter(void) {
  ylock_acquire(&cpu_lock_word);
  cpu_lock_owner = curthread();
}

void cpu_lock_exit(void) {
  if (!cpu_lock_held())
    panic("cpu_lock_exit: not held by %s", curthread()->name);
  cpu_lock_owner = 0;
  ylock_release(&cpu_lock_word);
}

int cpu_lock_held(void) {
  return cpu_lock_word && cpu_lock_owner == curthread();
}

int ncpus_online(void) {
  int n = 0;
  for (int i = 0; i < NCPU; i++)
    n += cpus[i].state == CPU_ONLINE;
  return n;
}

const char *cpu_state_name(int s) {
  return s == CPU_ONLINE ? "online" : s == CPU_OFFLINE ? "offline"
       : s == CPU_POWEROFF ? "powered off" : "absent";
}

static void nothing(void *arg) {
  (void)arg;
}

/* Waits until CPU id runs only its idle thread and has nothing queued. picking closes
 * the window in which its idle loop has read "online" but not yet set cur. */
static void wait_idle(int id) {
  struct cpu *c = &cpus[id];
  uint64 deadline = deadline_ms(TIMEOUT_MS);
  while (__atomic_load_n(&c->picking, __ATOMIC_SEQ_CST) || c->cur != c->idle || c->rq.n) {
    if (expired(deadline))
      panic("cpu_offline: cpu %d still runs %s", id, c->cur->name);
    yield();
  }
}

/* True (with the reason in why) when id names no CPU of this kernel. */
static int no_such_cpu(int id, char *why, int whylen) {
  if (id >= 0 && id < NCPU)
    return 0;
  snprintf(why, whylen, "no cpu %d", id);
  return 1;
}

int cpu_offline(int id, char *why, int whylen) {
  if (no_such_cpu(id, why, whylen))
    return -1;
  struct cpu *c = &cpus[id];
  cpu_lock_enter();
  int r = -1;
  if (c->state == CPU_OFFLINE)
    r = 0;
  else if (c->state != CPU_ONLINE)
    snprintf(why, whylen, "cpu %d is %s", id, cpu_state_name(c->state));
  else if (c->nbound)
    snprintf(why, whylen, "cpu %d has %u bound thread(s)", id, c->nbound);
  else if (ncpus_online() == 1)
    snprintf(why, whylen, "cpu %d is the last online cpu", id);
  else
    r = 1;
  if (r == 1) {
    __atomic_store_n(&c->state, CPU_OFFLINE, __ATOMIC_SEQ_CST);
    c->need_resched = 1;
    xc_call(cpubit(id), nothing, 0);   /* the IPI makes its running thread yield */
    wait_idle(id);                   /* yields this thread off it too, if it is there */
    r = 0;
  }
  cpu_lock_exit();
  return r;
}

int cpu_online(int id, char *why, int whylen) {
  if (no_such_cpu(id, why, whylen))
    return -1;
  struct cpu *c = &cpus[id];
  cpu_lock_enter();
  int r = 0;
  if (c->state == CPU_OFFLINE) {
    __atomic_store_n(&c->state, CPU_ONLINE, __ATOMIC_SEQ_CST);
    /* Wakes its idle loop to arm the quantum timer, and is the handshake with it: the
     * cross-call is taken at the bottom of the loop, so once it is answered no pass that
     * read "offline" (and drains) is under way, and only then can a thread be bound
     * there (that needs cpu_lock). */
    xc_call(cpubit(id), nothing, 0);
  } else if (c->state != CPU_ONLINE) {
    snprintf(why, whylen, "cpu %d is %s", id, cpu_state_name(c->state));
    r = -1;
  }
  cpu_lock_exit();
  return r;
}

int cpu_poweroff(int id, char *why, int whylen) {
  if (no_such_cpu(id, why, whylen))
    return -1;
  if (id == 0) {
    snprintf(why, whylen, "cpu 0 is never powered off: the hypervisor keeps only vcpu 0's "
             "registers across a suspend");
    return -1;
  }
  struct cpu *c = &cpus[id];
  cpu_lock_enter();
  int r = -1;
  if (c->state == CPU_POWEROFF) {
    r = 0;
  } else if (c->state != CPU_OFFLINE) {
    snprintf(why, whylen, "cpu %d is %s, not offline", id, cpu_state_name(c->state));
  } else {
    __atomic_store_n(&c->poweroff_req, 1, __ATOMIC_SEQ_CST);
    ipi_send(cpubit(id));
    uint64 deadline = deadline_ms(TIMEOUT_MS);
    while (__atomic_load_n(&c->state, __ATOMIC_SEQ_CST) != CPU_POWEROFF && !expired(deadline))
      yield();
    long last;
    if (c->state != CPU_POWEROFF)
      snprintf(why, whylen, "cpu %d never stopped itself", id);
    else if (smp_wait_status(id, SBI_HART_STATE_STOPPED, &last) < 0)
      snprintf(why, whylen, "cpu %d: hart_get_status says %ld, not STOPPED", id, last);
    else
      r = 0;
  }
  cpu_lock_exit();
  return r;
}

int cpu_poweron(int id, char *why, int whylen) {
  if (no_such_cpu(id, why, whylen))
    return -1;
  struct cpu *c = &cpus[id];
  cpu_lock_enter();
  int r = -1;
  if (c->state != CPU_POWEROFF)
    snprintf(why, whylen, "cpu %d is %s, not powered off", id, cpu_state_name(c->state));
  else if (smp_start_hart(id, OPAQUE_DISP + id, why, whylen) == 0) {
    __atomic_store_n(&c->state, CPU_OFFLINE, __ATOMIC_SEQ_CST);
    r = 0;
  }
  cpu_lock_exit();
  return r;
}
