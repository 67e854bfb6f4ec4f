/* The kernel's options, parsed from /chosen/bootargs (bootargs.c). */
#ifndef BOOTARGS_H
#define BOOTARGS_H

enum { TEST_SMP, TEST_SBI, TEST_MEMWRITE };

struct bootargs {
  int test;          /* test=smp|sbi|memwrite */
  uint32 ipis;       /* ipis= */
  uint32 ticks;      /* ticks= */
  uint32 tick_us;    /* tick_us= */
  uint32 pages;      /* pages= */
  char error[96];    /* non-empty when bootargs could not be parsed */
};

extern struct bootargs args;

#endif
