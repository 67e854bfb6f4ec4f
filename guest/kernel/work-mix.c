/*
 * Workload mix: one thread takes random CPUs offline and back online, and every other
 * time powers them off and on in between, while the other workloads run. Each step
 * checks the Solaris rules: a CPU with bound threads and the last online CPU are refused
 * (with that reason), a CPU that went offline dispatches no thread until it is online
 * again, a powered-off CPU is STOPPED in HSM, and CPU 0 refuses to power off. Every
 * check must see some steps. A step holds vcpu_hotplug_lock throughout, and a CPU that
 * is not online when it is picked is the toolstack's (vcpu-hotplug.c): it is left alone.
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

/* Lets a suspend in while CPU id is offline or powered off, then blocks it again; true
 * if one came. A suspend onlines CPU 0 for itself (suspend.c), so CPU 0 has then run a
 * thread while "offline". */
static int window(uint32 ms) {
  uint32 before = suspend_entered;
  suspend_unblock();
  thread_delay_ms(ms);
  suspend_block();
  return suspend_entered != before;
}

/* One step on CPU id, holding suspend_block except in the windows: offline, check, perhaps
 * power off and on, online again. The reads of nbound and the online count and the call
 * that acts on them are never split by a suspend (which binds a thread to CPU 0). */
static void step(int id, uint64 *x) {
  char why[120];
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
    return;
  }
  if (rc < 0) {
    mixfail("offline", id, why);
    return;
  }
  offlines++;
  uint32 d = c->ndisp;
  int suspended = window(10 + (uint32)work_rand(x) % 20);
  if (c->ndisp != d && !(id == 0 && suspended))
    mixfail("offline", id, "dispatched a thread while offline");
  if ((offlines & 1) && id == 0) {
    /* CPU 0 is never powered off (cpuctl.c): a refusal, and it must say why. */
    if (cpu_poweroff(id, why, sizeof why) == 0)
      mixfail("poweroff", id, "cpu 0 was powered off");
    else if (!strstr(why, "cpu 0"))
      mixfail("poweroff refused for the wrong reason", id, why);
    refusals++;
  } else if (offlines & 1) {
    if (cpu_poweroff(id, why, sizeof why) < 0)
      mixfail("poweroff", id, why);
    else {
      poweroffs++;
      window(10);   /* a suspend now leaves id down, and power-on must work after it */
      if (cpu_poweron(id, why, sizeof why) < 0)
        mixfail("poweron", id, why);
    }
  }
  if (cpu_online(id, why, sizeof why) < 0)
    mixfail("online", id, why);
}

static void mix_thread(void *arg) {
  (void)arg;
  uint64 x = 0x2545f4914f6cdd1dULL;
  for (;;) {
    int id = (int)dt.harts[(uint32)work_rand(&x) % (uint32)dt.nharts];
    vcpu_hotplug_lock();
    suspend_block();
    if (cpus[id].state == CPU_ONLINE)   /* else the toolstack took it (vcpu-hotplug.c) */
      step(id, &x);
    suspend_unblock();
    vcpu_hotplug_unlock();
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
  uint32 now = steps;
  int r = now == laststeps ? 1 : 0;
  if (r)
    snprintf(why, n, "no step");
  laststeps = now;
  return r;
}
