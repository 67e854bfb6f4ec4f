/* The kernel's options, parsed from /chosen/bootargs (bootargs.c). */
#ifndef BOOTARGS_H
#define BOOTARGS_H

enum { TEST_SMP, TEST_SBI, TEST_MEMWRITE, TEST_ALL, TEST_WORK, TEST_DISKBENCH };

/* Workloads, bits of args.work (work.c). */
enum {
  WORK_COUNTERS = 1, WORK_QUEUES = 2, WORK_BOUND = 4, WORK_MEMWRITER = 8, WORK_MIX = 16,
  WORK_IDLE = 32, WORK_DISK = 64
};
#define WORK_ALL 31   /* every workload but idle and disk (which needs a disk) */

struct bootargs {
  int test;          /* test=smp|sbi|memwrite|all|diskbench, or TEST_WORK from work= */
  uint32 ipis;       /* ipis= */
  uint32 ticks;      /* ticks= */
  uint32 tick_us;    /* tick_us= */
  uint32 pages;      /* pages= */
  uint32 work;       /* work=: WORK_* bits; non-zero means test=work */
  uint32 rate;       /* rate=: memwriter pages per second */
  uint32 wset;       /* wset=: memwriter working set in pages */
  uint32 mib;        /* mib=: diskbench range in MiB */
  uint32 qd;         /* qd=: diskbench requests in flight */
  int test_given;    /* test= was on the command line */
  char error[96];    /* non-empty when bootargs could not be parsed */
};

extern struct bootargs args;

#endif
