/*
 * CPU hotplug through the store, as Xen's `xl vcpu-set`: for each vCPU N the toolstack
 * writes cpu/N/availability (under the domain's home) = "online" or "offline", and the
 * guest brings its CPUs to match.
 *   - At boot (disp_start, with PV and a store) a CPU whose key says "offline" is not
 *     started: it stays powered off (HSM STOPPED), so that cpu_poweron can start it
 *     later. A missing key means online; the boot CPU always runs.
 *   - In work= mode the thread "vcpu-set" watches cpu/ and, after every event, reads
 *     every CPU's key and acts: "offline" is cpu_offline then cpu_poweroff, "online" is
 *     cpu_poweron (if powered off) then cpu_online. Each change prints a line, and each
 *     event ends with `vcpu-set: online=K`. A refusal (bound threads, the last online CPU,
 *     CPU 0) prints `# vcpu-set: cpu N stays online: why`; other values are left alone,
 *     as Linux does.
 * A change of several CPUs runs under suspend_block, so that no suspend lands half-way,
 * and under vcpu_hotplug_lock, which work-mix.c holds across each of its steps, so that
 * the two never work on a CPU at once (mix leaves alone a CPU that is not online: the
 * toolstack took it). The watch is kept (xs.c): after a resume in a new domain it is
 * registered again and fires, and the keys are read afresh, since the toolstack may have
 * changed them while the domain was saved. The guest never writes under cpu/.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "param.h"

static volatile int hotplug_word;

/* A lock that yields: held across a multi-step change of CPU states that the toolstack's
 * changes must not interleave with (here, and work-mix.c). Taken before suspend_block. */
void vcpu_hotplug_lock(void) {
  ylock_acquire(&hotplug_word);
}

void vcpu_hotplug_unlock(void) {
  ylock_release(&hotplug_word);
}

/* The CPU a name under cpu/ stands for, or -1: a decimal id, written as %d writes it, of a
 * CPU of the device tree. */
static int cpu_named(const char *name) {
  for (int k = 0; k < dt.nharts; k++) {
    char s[12];
    snprintf(s, sizeof s, "%d", (int)dt.harts[k]);
    if (strcmp(s, name) == 0)
      return (int)dt.harts[k];
  }
  return -1;
}

/* Reads CPU id's key: "offline" moves it from *on to *off, another value than "online"
 * takes it out of *on. Returns -1 with why when the store fails. */
static int want_one(int id, cpuset *on, cpuset *off, char *why, int whylen) {
  char path[32], val[16];
  snprintf(path, sizeof path, "cpu/%d/availability", id);
  if (xs_read(path, val, sizeof val) < 0) {
    if (strcmp(val, "ENOENT") == 0)
      return 0;   /* missing: online */
    if (strcmp(val, "E2BIG") != 0)
      return snprintf(why, whylen, "read %s: %s", path, val), -1;
    snprintf(val, sizeof val, "(too long)");
  }
  if (strcmp(val, "online") == 0)
    return 0;
  *on &= ~cpubit(id);
  if (strcmp(val, "offline") == 0)
    *off |= cpubit(id);
  else
    printf("# vcpu-set: %s = \"%s\" not handled\n", path, val);
  return 0;
}

/* Reads the keys. *on gets every CPU whose key says "online" or is missing, *off every
 * one whose key says "offline"; a CPU with another value is in neither. Only the CPUs
 * listed under cpu/ are read: usually none, in one request. Returns -1 with why when the
 * store fails. */
static int wanted(cpuset *on, cpuset *off, char *why, int whylen) {
  char names[512];   /* NUL-terminated names: 64 CPUs take at most 64 * 3 bytes */
  *on = *off = 0;
  for (int k = 0; k < dt.nharts; k++)
    *on |= cpubit((int)dt.harts[k]);
  int len = xs_directory("cpu", names, sizeof names);
  if (len < 0 && strcmp(names, "ENOENT") == 0)
    return 0;
  if (len < 0 && strcmp(names, "E2BIG") != 0)
    return snprintf(why, whylen, "directory cpu: %s", names), -1;
  for (int k = 0; len < 0 && k < dt.nharts; k++)   /* more names than fit: read every key */
    if (want_one((int)dt.harts[k], on, off, why, whylen) < 0)
      return -1;
  for (int i = 0; i < len; i += (int)strlen(names + i) + 1) {
    int id = cpu_named(names + i);
    if (id >= 0 && want_one(id, on, off, why, whylen) < 0)
      return -1;
  }
  return 0;
}

/* From disp_start, before it starts the other CPUs and before any thread exists: the
 * CPUs to leave powered off. Never the boot CPU. */
cpuset vcpu_hotplug_boot(void) {
  cpuset on, off;
  char why[120];
  if (!xs_present())
    return 0;
  if (wanted(&on, &off, why, sizeof why) < 0) {
    printf("# vcpu-set: store: %s: every cpu starts\n", why);
    return 0;
  }
  off &= ~cpubit(cpuid());
  for (int id = 0; id < NCPU; id++)
    if (cpuset_has(off, id))
      printf("# vcpu-set: cpu %d stays powered off\n", id);
  return off;
}

/* Offline, then powered off; back online if it cannot be powered off. */
static int take_down(int id, char *why, int whylen) {
  if (id == 0)   /* cpu_poweroff always refuses CPU 0: do not take it offline for nothing */
    return cpu_poweroff(id, why, whylen);
  if (cpu_offline(id, why, whylen) < 0)
    return -1;
  if (cpu_poweroff(id, why, whylen) == 0)
    return 0;
  char w[120];
  if (cpu_online(id, w, sizeof w) < 0)
    printf("# vcpu-set: cpu %d: online again: %s\n", id, w);
  return -1;
}

static int bring_up(int id, char *why, int whylen) {
  if (cpus[id].state == CPU_POWEROFF && cpu_poweron(id, why, whylen) < 0)
    return -1;
  return cpu_online(id, why, whylen);
}

/* One pass: every CPU to what its key says. */
static void apply(void) {
  cpuset on, off;
  char why[160];
  if (wanted(&on, &off, why, sizeof why) < 0) {
    printf("# vcpu-set: store: %s\n", why);
    return;
  }
  vcpu_hotplug_lock();
  suspend_block();
  for (int k = 0; k < dt.nharts; k++) {
    int id = (int)dt.harts[k];
    int s = cpus[id].state;
    if (cpuset_has(off, id) && s != CPU_POWEROFF) {
      if (take_down(id, why, sizeof why) == 0)
        printf("vcpu-set: cpu %d powered off\n", id);
      else
        printf("# vcpu-set: cpu %d stays %s: %s\n", id, cpu_state_name(cpus[id].state), why);
    } else if (cpuset_has(on, id) && s != CPU_ONLINE) {
      if (bring_up(id, why, sizeof why) == 0)
        printf("vcpu-set: cpu %d online\n", id);
      else
        printf("# vcpu-set: cpu %d stays %s: %s\n", id, cpu_state_name(cpus[id].state), why);
    }
  }
  int n = ncpus_online();
  suspend_unblock();
  vcpu_hotplug_unlock();
  printf("vcpu-set: online=%d\n", n);
}

static void vcpu_set_thread(void *arg) {
  (void)arg;
  char out[64], path[128];
  suspend_block();   /* xs_watch_kept: no resume between the watch and its note */
  int r = xs_watch_kept("cpu", "vcpu-set", out, sizeof out);
  suspend_unblock();
  if (r < 0) {
    printf("# vcpu-set: store: %s: cpu hotplug off\n", out);
    return;
  }
  for (;;) {
    xs_watch_event("vcpu-set", path, sizeof path, ~0ULL);   /* once at once, then on change */
    while (xs_watch_event("vcpu-set", path, sizeof path, 0) == 0)
      ;   /* one pass reads every key: it serves the events queued so far too */
    apply();
  }
}

/* From work_main, with PV present: starts the thread if there is a store. */
void vcpu_hotplug_start(void) {
  if (!xs_present())
    return;
  if (!thread_create("vcpu-set", vcpu_set_thread, 0))
    panic("vcpu-set: no thread");
}
