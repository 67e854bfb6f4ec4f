/*
 * Boot. The firmware starts one hart at _entry (hart 0 on Ferry, any hart on QEMU with
 * OpenSBI). That hart runs the init calls in order, prints the banner and runs the test
 * chosen by bootargs; the test starts the other harts itself with HSM hart_start at
 * secondary_entry. Those wait for `started` (published with release ordering after all
 * global init), do only their per-hart init, and run hartmain, the test's per-hart part.
 */
#include "types.h"
#include "bootargs.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "param.h"
#include "riscv.h"

_Static_assert(sizeof(struct cpu) == CPU_STRIDE, "entry.S indexes cpus[] by CPU_STRIDE");

struct cpu cpus[NCPU];
__attribute__((aligned(16))) char kstacks[NCPU][KSTACKSIZE];
__attribute__((aligned(16))) char rstacks[NCPU + 1][RSTACKSIZE];

volatile int started;       /* global init done; set once by the boot hart */
void (*hartmain)(void);     /* what a started hart runs; set before started */

static void banner(void) {
  struct sbiret spec = sbi_get_spec_version();
  struct sbiret impl = sbi_get_impl_id();
  struct sbiret ver = sbi_get_impl_version();
  printf("ferry test kernel: boot hart %lu, %d harts, rv%d, sbi 0x%lx/0x%lx (spec %lu.%lu)\n",
         mycpu()->hartid, dt.nharts, __riscv_xlen, (unsigned long)impl.value,
         (unsigned long)ver.value, ((unsigned long)spec.value >> 24) & 0x7f,
         (unsigned long)spec.value & 0xffffff);
}

static void (*firstfn)(void *);   /* test_all, work_main or test_diskbench */

/* The dispatcher's first thread. The disks are connected here, not with the store in
 * disp_start: their handshake waits for the backend, which takes a thread (to yield) and
 * the upcall (interrupts on). */
static void first_thread(void *arg) {
  if (pv_present && xs_present())
    blkinit();
  firstfn(arg);
}

void main(unsigned long hartid, unsigned long dtb) {
  struct cpu *c = mycpu();
  c->hartid = hartid;
  consoleinit();
  threadinit();
  fdtinit(dtb);
  pvinit();
  timerinit();
  trapinithart();
  timer_disarm();
  bootargsinit(dt.bootargs);
  banner();
  int listed = 0;
  for (int i = 0; i < dt.nharts; i++)
    listed |= dt.harts[i] == hartid;
  if (!listed)
    panic("boot hart %lu is not a usable cpu in the device tree", hartid);
  c->online = 1;
  if (args.error[0]) {
    printf("CHECK FAIL bootargs: %s\n", args.error);
    shutdown(1);
  }

  if (args.test == TEST_ALL || args.test == TEST_WORK || args.test == TEST_DISKBENCH) {
    hartmain = disp_hart;
    __atomic_store_n(&started, 1, __ATOMIC_RELEASE);
    firstfn = args.test == TEST_ALL    ? test_all
              : args.test == TEST_WORK ? work_main
                                       : test_diskbench;
    disp_start(first_thread);
  }
  hartmain = args.test == TEST_SBI        ? sbi_worker
             : args.test == TEST_MEMWRITE ? memwrite_hart
                                          : smp_hart;
  __atomic_store_n(&started, 1, __ATOMIC_RELEASE);

  if (args.test == TEST_SBI)
    test_sbi();
  if (args.test == TEST_MEMWRITE)
    test_memwrite();
  test_smp();
}

/* A hart started by HSM hart_start: a0 = hartid, a1 = opaque (entry.S set sp and tp). */
void mpmain(unsigned long hartid, unsigned long opaque) {
  struct cpu *c = mycpu();
  while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
    ;
  c->hartid = hartid;
  c->noff = 0;
  trapinithart();
  timer_disarm();
  c->entry_a0 = hartid;
  c->entry_a1 = opaque;
  c->online = 1;
  /* Release: whoever sees the new count also sees entry_a0/a1 and online. */
  __atomic_add_fetch(&c->nstarts, 1, __ATOMIC_RELEASE);
  hartmain();
  panic("mpmain: hartmain returned");
}

/*
 * A hart resuming from a non-retentive suspend (HSM hart_suspend or SUSP system_suspend)
 * at resume_entry: a0 = hartid, a1 = opaque, every other register undefined, running on
 * the resume stack. The hart is found as the one marked suspending rather than trusted
 * from a0 (at most one hart suspends non-retentively at a time, test-sbi.c), so a wrong
 * a0 is reported rather than followed. What arrived is recorded for the test to check,
 * the trap setup is restored (CSRs were not retained), and the suspend call's caller
 * continues from its ksetjmp with 1.
 */
void resume_main(unsigned long hartid, unsigned long opaque) {
  struct cpu *c = 0;
  for (int i = 0; i < NCPU && !c; i++)
    if (cpus[i].suspending)
      c = &cpus[i];
  if (!c) {
    w_tp((unsigned long)&cpus[hartid < NCPU ? hartid : 0]);
    panic("resume_entry with a0=%lu a1=%p but no hart is suspending", hartid, (void *)opaque);
  }
  w_tp((unsigned long)c);
  c->resume_a0 = hartid;
  c->resume_a1 = opaque;
  c->resume_sstatus = r_sstatus();
  c->resume_satp = r_satp();
  c->suspending = 0;
  trapinithart();
  klongjmp(&c->resume_jb, 1);
}
