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
} __attribute__((aligned(CPU_STRIDE)));

extern struct cpu cpus[NCPU];

static inline struct cpu *mycpu(void) {
  return (struct cpu *)r_tp();
}

#endif
