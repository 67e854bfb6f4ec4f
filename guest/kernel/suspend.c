/*
 * Cooperative suspend (DESIGN.md §1; OpenSolaris's MP save/restore on Xen).
 *
 * The hypervisor keeps the register context of vCPU 0 only. So the thread "suspend"
 * (work= mode, PV present) waits for the toolstack's control/shutdown = "suspend",
 * acknowledges it by clearing the key, and then:
 *   1. suspends devices (the disks), binds itself to CPU 0 (onlining CPU 0 if it was
 *      offline), takes cpu_lock and pauses every other powered-on CPU, online or offline,
 *      with pause_suspend: each saves its supervisor state and a ksetjmp buffer in its
 *      struct cpu, sets SAFE and spins with interrupts off;
 *   2. downs those vCPUs, closes the kept event channels, disarms its timer, masks the
 *      upcall and calls FERRY_PV_SUSPEND;
 *   3. on return (0: a new domain, 1: cancelled, same domain) registers shared info and
 *      binds the channels again, re-arms its timer, and brings each paused CPU back: in
 *      a new domain by creating the vCPU from its jump buffer (pc = ra, a0 = 1: ksetjmp
 *      returns a second time), after a cancel by vcpu_up (it kept its registers and
 *      leaves the spin loop). Each re-arms its own timer and reports back;
 *   4. releases the CPUs, unbinds, writes control/resume-count and prints one line
 *      "suspend: resumed N new-domain|cancelled cpus=K".
 * Powered-off CPUs take no part: they stay down, and cpu_poweron starts them afresh.
 * "poweroff" is acknowledged the same way and shuts the domain down cleanly.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"
#include "riscv.h"

static volatile int resuming;   /* CPU 0 is back from FERRY_PV_SUSPEND: leave the barrier */
static uint32 nresumes;         /* completed resumes, of either kind */
volatile uint32 suspend_entered;   /* suspends begun (under suspend_block) */

/* Hooks for devices (the disks, blkfront.c): stop issuing I/O, keeping what is in flight;
 * after the resume go on (cancelled), or reconnect to the backends, perhaps new ones, and
 * re-issue it (fresh). resume_devices runs with every CPU back. */
static void suspend_devices(void) {
  blk_suspend();
}
static void resume_devices(int fresh) {
  blk_resume(fresh);
}

/* The pause handler during a suspend (xcall.c contract: interrupts off, phase WAIT_SAFE). */
static void pause_suspend(void) {
  struct cpu *c = mycpu();
  timer_disarm();   /* no timer of ours is left in the domain that is saved */
  c->sus_gp = r_gp();
  c->sus_tp = r_tp();
  c->sus_satp = r_satp();
  c->sus_stvec = r_stvec();
  c->sus_sscratch = r_sscratch();
  c->sus_sie = r_sie();
  c->sus_sstatus = r_sstatus();
  if (ksetjmp(&c->suspend_jb) == 0) {
    __atomic_store_n(&c->phase, PHASE_SAFE, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&resuming, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&c->phase, __ATOMIC_ACQUIRE) == PHASE_SAFE)
      ;   /* CPU 0 downs this vCPU here; after a cancel it goes on from here */
  }
  /* Back: re-created from suspend_jb (ksetjmp returned 1) or upped again in place. */
  c->tick_on = c->state == CPU_ONLINE;
  if (c->tick_on)
    timer_arm(r_time() + us_to_ticks(QUANTUM_US));
  __atomic_store_n(&c->sus_resumed, 1, __ATOMIC_RELEASE);
  while (__atomic_load_n(&c->phase, __ATOMIC_ACQUIRE) == PHASE_SAFE)
    ;
}

/* A context that returns from the ksetjmp in pause_suspend with 1, as klongjmp would:
 * ra, sp and s0-s11 from the buffer, a0 = 1, the CPU's own tp and gp, its supervisor CSRs,
 * and sstatus with SPP = 1 and SIE = 0 (interrupts stay off until it leaves the trap). */
static void ctx_from_jb(unsigned long *ctx, int id) {
  struct cpu *c = &cpus[id];
  struct jmpbuf *jb = &c->suspend_jb;
  if (c->sus_tp != (unsigned long)c)
    panic("suspend: cpu %d saved tp %p, not its struct cpu", id, (void *)c->sus_tp);
  memset(ctx, 0, FERRY_CTX_WORDS * sizeof ctx[0]);
  ctx[FERRY_CTX_PC] = jb->ra;
  ctx[CTX_X(1)] = jb->ra;
  ctx[CTX_X(2)] = jb->sp;
  ctx[CTX_X(3)] = c->sus_gp;
  ctx[CTX_X(4)] = (unsigned long)c;
  ctx[CTX_X(8)] = jb->s[0];
  ctx[CTX_X(9)] = jb->s[1];
  for (int i = 2; i < 12; i++)
    ctx[CTX_X(16 + i)] = jb->s[i];   /* s2..s11 are x18..x27 */
  ctx[CTX_X(10)] = 1;
  ctx[FERRY_CTX_SSTATUS] = (c->sus_sstatus | SSTATUS_SPP) & ~SSTATUS_SIE;
  ctx[FERRY_CTX_STVEC] = c->sus_stvec;
  ctx[FERRY_CTX_SSCRATCH] = c->sus_sscratch;
  ctx[FERRY_CTX_SATP] = c->sus_satp;
  ctx[FERRY_CTX_SIE] = c->sus_sie;
}

/* Steps 1-4 above; returns the set of CPUs brought back. Runs bound to CPU 0. */
static cpuset barrier_and_suspend(int *fresh) {
  char why[120];
  cpu_lock_enter();
  void (*old)(void) = pause_handler_set(pause_suspend);
  resuming = 0;
  for (int id = 0; id < NCPU; id++)
    cpus[id].sus_resumed = 0;
  cpuset m = pause_cpus();   /* interrupts off on this CPU until start_cpus */
  census_take(0);
  for (int id = 0; id < NCPU; id++)
    if (cpuset_has(m, id) && pv_vcpu_stop(id, why, sizeof why) < 0)
      panic("suspend: %s", why);
  evtchn_teardown();
  timer_disarm();
  mycpu()->tick_on = 0;
  w_sie(r_sie() & ~SIE_SEIE);

  struct sbiret r = pv_suspend();
  if (r.error)
    panic("suspend: FERRY_PV_SUSPEND: %s", sbi_strerror(r.error));
  *fresh = r.value == FERRY_SUSPEND_NEW_DOMAIN;

  evtchn_resume();
  w_sie(r_sie() | SIE_SEIE);
  if (mycpu()->state == CPU_ONLINE) {
    mycpu()->tick_on = 1;
    timer_arm(r_time() + us_to_ticks(QUANTUM_US));
  }
  __atomic_store_n(&resuming, 1, __ATOMIC_RELEASE);
  for (int id = 0; id < NCPU; id++) {
    if (!cpuset_has(m, id))
      continue;
    unsigned long ctx[FERRY_CTX_WORDS];
    if (*fresh) {
      ctx_from_jb(ctx, id);
      if (pv_vcpu_start(id, ctx, why, sizeof why) < 0)
        panic("suspend: %s", why);
    } else if ((r = pv_vcpu_up(id)).error) {
      panic("suspend: vcpu_up(%d) after cancel: %s", id, sbi_strerror(r.error));
    }
  }
  uint64 deadline = deadline_ms(TIMEOUT_MS);
  for (int id = 0; id < NCPU; id++)
    while (cpuset_has(m, id) && !__atomic_load_n(&cpus[id].sus_resumed, __ATOMIC_ACQUIRE))
      if (expired(deadline))
        panic("suspend: cpu %d never came back after the resume", id);
  census_take(1);
  start_cpus();
  pause_handler_set(old);
  cpu_lock_exit();
  return m;
}

/* Returns whether the domain is new (watches must be registered again). */
static int do_suspend(void) {
  char why[120];
  suspend_block();   /* no multi-step CPU change (work-mix.c, vcpu-hotplug.c) is half done */
  suspend_busy = 1;  /* work.c: no verdict round until suspend_verify is done */
  suspend_entered++;
  suspend_devices();
  int cpu0_was_offline = 0;
  while (thread_bind(0, why, sizeof why) < 0) {
    cpu0_was_offline |= cpus[0].state == CPU_OFFLINE;
    if (cpu_online(0, why, sizeof why) < 0)
      panic("suspend: cannot bring cpu 0 online: %s", why);
  }
  int fresh;
  cpuset m = barrier_and_suspend(&fresh);
  int k = 1;
  for (int id = 0; id < NCPU; id++)
    k += cpuset_has(m, id);
  thread_bind(-1, why, sizeof why);
  if (cpu0_was_offline && cpu_offline(0, why, sizeof why) < 0)
    printf("# suspend: cpu 0 stays online: %s\n", why);
  resume_devices(fresh);
  uint32 n = ++nresumes;
  char val[16], out[32];
  snprintf(val, sizeof val, "%u", n);
  if (xs_write("control/resume-count", val, out, sizeof out) < 0)
    printf("# suspend: write control/resume-count: %s\n", out);
  printf("suspend: resumed %u %s cpus=%d\n", n, fresh ? "new-domain" : "cancelled", k);
  suspend_verify(m, n);
  suspend_unblock();
  return fresh;
}

/* Registers the watch on control/shutdown (it fires once at once) and announces the
 * protocol; the announcement must come after the watch. In a new domain the host may
 * not have kept the watches: xs_rewatch registers this one and every other kept watch
 * (vcpu-hotplug.c's) again. */
static int announce(int again, char *out, int n) {
  int r = again ? xs_rewatch(out, n) : xs_watch_kept("control/shutdown", "shutdown", out, n);
  if (r < 0 || xs_write("control/feature-suspend", "1", out, n) < 0)
    return -1;
  return 0;
}

static void suspend_thread(void *arg) {
  (void)arg;
  char out[64], path[128];
  if (announce(0, out, sizeof out) < 0) {
    printf("# suspend: store: %s: cooperative suspend off\n", out);
    return;
  }
  for (;;) {
    xs_watch_event("shutdown", path, sizeof path, ~0ULL);   /* once at once, then on change */
    if (xs_read("control/shutdown", out, sizeof out) <= 0)
      continue;   /* absent or empty: nothing asked, or our own acknowledgement */
    int suspend = strcmp(out, "suspend") == 0, poweroff = strcmp(out, "poweroff") == 0;
    if (!suspend && !poweroff) {
      printf("# suspend: control/shutdown = \"%s\" not handled\n", out);
      continue;   /* as Linux: only what we can do is acknowledged */
    }
    char ack[32];
    if (xs_write("control/shutdown", "", ack, sizeof ack) < 0)
      panic("suspend: acknowledge control/shutdown: %s", ack);
    if (poweroff) {
      printf("# suspend: poweroff requested\n");
      shutdown(0);
    }
    if (do_suspend() && announce(1, out, sizeof out) < 0)
      panic("suspend: store after the resume: %s", out);
  }
}

/* From work_main, with PV present: starts the thread if there is a store. */
void suspend_start(void) {
  if (!xs_present()) {
    printf("# suspend: no store ring in the device tree: cooperative suspend off\n");
    return;
  }
  if (!thread_create("suspend", suspend_thread, 0))
    panic("suspend: no thread");
}
