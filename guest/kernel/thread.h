/*
 * Kernel threads and the per-CPU run queue (thread.c, disp.c).
 *
 * A thread is RUNNABLE on exactly one run queue, RUNNING on exactly one CPU, SLEEPING on a
 * channel, or a ZOMBIE waiting for thread_join. Its lock is held across every switch
 * into or out of it (as in xv6), so no other CPU can pick it up, wake it or reap it until
 * its registers are saved. A bound thread (bound >= 0) is only ever queued on, and run
 * on, that CPU; the balancer never steals it.
 */
#ifndef THREAD_H
#define THREAD_H

#include "types.h"
#include "spinlock.h"

/* Callee-saved registers; swtch.S saves and restores exactly these. */
struct context {
  unsigned long ra, sp;
  unsigned long s[12];
};

enum tstate { T_UNUSED, T_EMBRYO, T_RUNNABLE, T_RUNNING, T_SLEEPING, T_ZOMBIE };

struct thread {
  struct spinlock lock;

  /* Under lock. */
  enum tstate state;
  void *chan;            /* what a SLEEPING thread waits for */
  int cpu;               /* hart id it last ran on (or is queued on) */
  int bound;             /* hart id it is bound to, or -1 */

  /* Under the run queue lock of the CPU it is queued on. */
  struct thread *next;

  /* Private to the thread (or to its creator before it first runs). */
  struct context ctx;
  void (*fn)(void *);
  void *arg;
  char name[16];
  char *stack;
  volatile uint32 nmigrate;   /* dispatched on a different CPU than last time */
  volatile uint32 nrun;       /* times dispatched (disp.c), for the post-resume census */
};

extern struct thread threads[];   /* thread.c: the table, NTHREAD slots */

/* A CPU's queue of RUNNABLE threads, FIFO. */
struct runq {
  struct spinlock lock;
  struct thread *head, *tail;
  volatile int n;           /* threads queued */
  volatile int nunbound;    /* of which not bound: what a balancer may steal */
};

#endif
