/*
 * Cross-calls and pause_cpus/start_cpus, over SBI IPIs.
 *
 * A cross-call runs fn(arg) on other CPUs, in their IPI handler with interrupts off, and
 * waits until all have run it. Each CPU has one slot per sender (cpus[t].xc[s]), so
 * senders never contend. pending goes 0 -> 1 (posted, by the sender) -> 2 (claimed, by
 * the target) -> 0 (done). Offline CPUs take cross-calls (they wait in wfi, and an IPI
 * wakes them); powered-off CPUs cannot, so they are skipped, and a slot posted to a CPU
 * that powered off before claiming it is cancelled by the sender (1 -> 0).
 *
 * Deadlock rules: a sender waits with interrupts off but keeps serving its own slots and
 * the pause barrier while it waits, so two CPUs cross-calling each other both finish. A
 * sender must hold no spinlock (a target spinning on it with interrupts off would never
 * answer): xc_call panics if it does. IPIs can be lost to a hart that is starting or
 * stopping, so unanswered targets are poked again every millisecond.
 *
 * Pause: the pauser sets each other powered-on CPU's phase to WAIT_SAFE and pokes it
 * until it answers. A CPU that sees WAIT_SAFE (in its IPI handler or while waiting in
 * xc_call) calls pause_handler with interrupts off; the handler sets SAFE and spins
 * while the phase is SAFE. start_cpus sets NONE; a pauser that pauses again at once may
 * set WAIT_SAFE before a CPU saw NONE, so the CPU leaves on any change and xc_poll
 * enters the handler again. The suspend protocol installs its own handler
 * (pause_handler_set) with the same contract.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"
#include "riscv.h"

static void pause_default(void);
static void (*volatile pause_handler)(void) = pause_default;
static cpuset paused;   /* CPUs paused by pause_cpus; under cpu_lock */

static int powered(int id) {
  int s = __atomic_load_n(&cpus[id].state, __ATOMIC_SEQ_CST);
  return s == CPU_ONLINE || s == CPU_OFFLINE;
}

/* Serves this CPU's posted cross-calls and the pause barrier. Interrupts off. */
void xc_poll(void) {
  struct cpu *c = mycpu();
  for (int s = 0; s < NCPU; s++) {
    int one = 1;
    if (__atomic_load_n(&c->xc[s].pending, __ATOMIC_ACQUIRE) == 1 &&
        __atomic_compare_exchange_n(&c->xc[s].pending, &one, 2, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      c->xc[s].fn(c->xc[s].arg);
      c->nxc++;
      __atomic_store_n(&c->xc[s].pending, 0, __ATOMIC_RELEASE);
    }
  }
  while (__atomic_load_n(&c->phase, __ATOMIC_ACQUIRE) == PHASE_WAIT_SAFE) {
    c->npause++;
    pause_handler();
  }
}

/* Runs fn(arg) on every powered-on CPU in s except this one, and waits for all.
 * Returns the set of CPUs that ran it. */
cpuset xc_call(cpuset s, void (*fn)(void *), void *arg) {
  push_off();
  struct cpu *c = mycpu();
  int me = cpuid();
  if (c->nlocks)
    panic("xc_call with %d spinlock(s) held", c->nlocks);
  cpuset posted = 0;
  for (int id = 0; id < NCPU; id++) {
    if (id == me || !cpuset_has(s, id) || !powered(id))
      continue;
    cpus[id].xc[me].fn = fn;
    cpus[id].xc[me].arg = arg;
    __atomic_store_n(&cpus[id].xc[me].pending, 1, __ATOMIC_SEQ_CST);
    posted |= cpubit(id);
  }
  if (posted)
    ipi_send(posted);
  cpuset left = posted;
  uint64 repoke = deadline_ms(1), deadline = deadline_ms(TIMEOUT_MS);
  while (left) {
    xc_poll();
    for (int id = 0; id < NCPU; id++) {
      if (!cpuset_has(left, id))
        continue;
      volatile int *p = &cpus[id].xc[me].pending;
      int one = 1;
      if (__atomic_load_n(p, __ATOMIC_ACQUIRE) == 0) {
        left &= ~cpubit(id);
      } else if (cpus[id].state == CPU_POWEROFF &&
                 __atomic_compare_exchange_n(p, &one, 0, 0, __ATOMIC_ACQ_REL,
                                             __ATOMIC_ACQUIRE)) {
        left &= ~cpubit(id);
        posted &= ~cpubit(id);
      }
    }
    if (left && expired(repoke)) {
      ipi_send(left);
      repoke = deadline_ms(1);
    }
    if (left && expired(deadline))
      panic("xc_call: cpus 0x%llx never answered", left);
  }
  pop_off();
  return posted;
}

/* Every other powered-on CPU. */
cpuset xc_others(void) {
  cpuset m = 0;
  for (int id = 0; id < NCPU; id++)
    if (id != cpuid() && powered(id))
      m |= cpubit(id);
  return m;
}

static void pause_default(void) {
  struct cpu *c = mycpu();
  __atomic_store_n(&c->phase, PHASE_SAFE, __ATOMIC_RELEASE);
  while (__atomic_load_n(&c->phase, __ATOMIC_ACQUIRE) == PHASE_SAFE)
    ;
}

/* Installs the pause handler (0: the default); returns the previous one. Call it with
 * no CPU paused. */
void (*pause_handler_set(void (*fn)(void)))(void) {
  void (*old)(void) = pause_handler;
  pause_handler = fn ? fn : pause_default;
  return old;
}

/* Stops every other powered-on CPU (online or offline) in the pause handler and returns
 * their set. The caller holds cpu_lock, so no CPU changes state meanwhile, and runs with
 * interrupts off until start_cpus, so it cannot be preempted or migrated. */
cpuset pause_cpus(void) {
  push_off();
  if (!cpu_lock_held())
    panic("pause_cpus without cpu_lock");
  cpuset m = xc_others();
  for (int id = 0; id < NCPU; id++)
    if (cpuset_has(m, id))
      __atomic_store_n(&cpus[id].phase, PHASE_WAIT_SAFE, __ATOMIC_SEQ_CST);
  cpuset left = m;
  uint64 repoke = 0, deadline = deadline_ms(TIMEOUT_MS);
  while (left) {
    if (expired(repoke)) {
      ipi_send(left);   /* again and again: a CPU in wfi may need a fresh one */
      repoke = deadline_ms(1);
    }
    for (int id = 0; id < NCPU; id++)
      if (cpuset_has(left, id) &&
          __atomic_load_n(&cpus[id].phase, __ATOMIC_ACQUIRE) == PHASE_SAFE)
        left &= ~cpubit(id);
    if (left && expired(deadline))
      panic("pause_cpus: cpus 0x%llx never reached the pause handler", left);
  }
  paused = m;
  return m;
}

/* Releases the CPUs that pause_cpus stopped. */
void start_cpus(void) {
  for (int id = 0; id < NCPU; id++)
    if (cpuset_has(paused, id))
      __atomic_store_n(&cpus[id].phase, PHASE_NONE, __ATOMIC_RELEASE);
  paused = 0;
  pop_off();
}
