/* Mutual-exclusion lock; see spinlock.c for the ordering rules. */
#ifndef SPINLOCK_H
#define SPINLOCK_H

#include "types.h"

struct cpu;

struct spinlock {
  uint32 locked;      /* 0 free, 1 held; changed only with atomics */
  const char *name;   /* for panic messages */
  struct cpu *cpu;    /* holder, for holding(); written only by the holder */
};

#endif
