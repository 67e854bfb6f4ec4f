/*
 * Per-hart state. cpus[] is indexed by hart id; entry.S points tp at the hart's entry, so
 * mycpu() is one register read. The size is fixed at CPU_STRIDE so assembly can index the
 * array. Fields are grouped by who writes them.
 */
#ifndef CPU_H
#define CPU_H

#include "param.h"
#include "riscv.h"
#include "types.h"
#include "thread.h"

/* Callee-saved state captured by ksetjmp (jmp.S): enough to resume a C caller. */
struct jmpbuf {
  unsigned long ra, sp;
  unsigned long s[12];
};

struct cpu {
  unsigned long hartid;

  /* Written only by this hart with its interrupts off (spinlock.c push_off/pop_off). */
  int noff;                 /* depth of push_off nesting */
  int intena;               /* were interrupts enabled before the outermost push_off? */
  int nlocks;               /* spinlocks held (xc_call must hold none) */

  /* Written by this hart when it enters through secondary_entry (main.c mpmain). */
  volatile uint32 nstarts;  /* times started by HSM hart_start */
  volatile unsigned long entry_a0, entry_a1;  /* a0, a1 as received at the last start */
  volatile int online;      /* per-hart init done; cleared just before hart_stop */

  /* Written only by this hart's trap handler (trap.c, timer.c, smp.c). */
  volatile uint32 nipi;     /* supervisor software interrupts taken */
  volatile uint32 nmsg;     /* IPI messages acknowledged (smp.c) */
  volatile uint32 ntick;    /* supervisor timer interrupts taken */
  volatile uint64 tick_time;         /* time at the last timer interrupt */
  volatile unsigned long tick_cause; /* scause of the last timer interrupt */
  volatile int fault_armed;          /* expect_fault(): the next exception is a test's */
  volatile unsigned long fault_cause, fault_epc;  /* ...and what it was */

  /* IPI messages (smp.c): mbox[src] is set to 1 by hart src and cleared by this hart. */
  uint32 mbox[NCPU];

  /* Requests from the boot hart to a worker (test-sbi.c): cmd set by the boot hart,
   * cleared by this hart once cmd_result is valid. */
  volatile int cmd;
  volatile long cmd_result;

  /* Non-retentive suspend (main.c resume_main): set by this hart before suspending, read
   * back by the same hart after resume_entry longjmps to resume_jb. */
  volatile int suspending;
  struct jmpbuf resume_jb;
  volatile unsigned long resume_a0, resume_a1, resume_sstatus, resume_satp;

  /* Dispatcher (disp.c). state changes only under cpu_lock (cpuctl.c), except that the
   * CPU itself sets CPU_POWEROFF just before hart_stop. cur and the flags are written by
   * this CPU; other CPUs only read them. */
  volatile int state;              /* CPU_NONE, CPU_ONLINE, CPU_OFFLINE, CPU_POWEROFF */
  struct thread *volatile cur;     /* running thread; idle when none */
  struct thread *idle;             /* this CPU's idle thread: the dispatcher loop */
  volatile int need_resched;       /* preempt the running thread at the next trap exit */
  volatile int picking;            /* between reading state and setting cur (cpuctl.c) */
  volatile int idling;             /* about to wfi, or in it: poke with an IPI */
  volatile int tick_on;            /* the quantum timer is armed */
  volatile int poweroff_req;       /* cpu_poweroff asks the idle loop to hart_stop */
  volatile uint32 nbound;          /* threads bound here (under cpu_lock) */
  volatile uint32 ndisp;           /* threads other than idle dispatched here */
  volatile uint32 nsteal;          /* threads stolen from other CPUs */
  struct runq rq;

  /* Cross-calls (xcall.c): xc[src] is posted by CPU src; pending 1 = posted, 2 = being
   * run here, 0 = done. phase is the pause barrier (NONE, WAIT_SAFE, SAFE). */
  struct {
    void (*fn)(void *);
    void *arg;
    volatile int pending;
  } xc[NCPU];
  volatile int phase;
  volatile uint32 nxc;             /* cross-calls run here */
  volatile uint32 npause;          /* pauses taken here */

  /* Cooperative suspend (suspend.c): written by this CPU in the suspend pause handler,
   * with its interrupts off, just before it parks; read by CPU 0, which rebuilds the
   * CPU from them after a resume in a new domain. sus_resumed is set by this CPU once it
   * is back (re-created or upped again) and has re-armed its timer. */
  struct jmpbuf suspend_jb;
  unsigned long sus_gp, sus_tp, sus_satp, sus_stvec, sus_sscratch, sus_sie, sus_sstatus;
  volatile int sus_resumed;
} __attribute__((aligned(CPU_STRIDE)));

enum { CPU_NONE, CPU_ONLINE, CPU_OFFLINE, CPU_POWEROFF };
enum { PHASE_NONE, PHASE_WAIT_SAFE, PHASE_SAFE };

extern struct cpu cpus[NCPU];

static inline struct cpu *mycpu(void) {
  return (struct cpu *)r_tp();
}

/* This CPU's id (its hart id, the index of cpus[]). */
static inline int cpuid(void) {
  return (int)(mycpu() - cpus);
}

/* CPU sets (cpuset, types.h): bit id is CPU id. Print one with %llx. RV32 has no 64-bit
 * atomics, so a set that several CPUs add to at once must be built another way (per-CPU
 * flags, test-all.c). */
_Static_assert(NCPU <= 64, "a cpuset is one uint64");
#define CPUSET_ALL (~(cpuset)0)

static inline cpuset cpubit(int id) {
  return (cpuset)1 << id;
}

static inline int cpuset_has(cpuset s, int id) {
  return (int)((s >> id) & 1);
}

#endif
