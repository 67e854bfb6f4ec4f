/* Limits of the test kernel. This header is included from assembly too: #defines only. */
#ifndef PARAM_H
#define PARAM_H

#define NCPU 64               /* hart ids must be below this; higher ids are ignored. At
                                 most 64: a cpuset (types.h) is one uint64 */
#define KSTACKSIZE 16384      /* per-hart kernel stack */
#define RSTACKSIZE 1024       /* per-hart stack used only between resume_entry and longjmp */
#define CPU_STRIDE 4096       /* sizeof(struct cpu), fixed so entry.S can index cpus[];
                                 its mbox[] and xc[] grow with NCPU */
#define MAXBOOTARGS 256       /* longest /chosen/bootargs accepted */

#define DEFAULT_IPIS 10       /* ipis=: IPI messages each hart sends to each other hart */
#define DEFAULT_TICKS 5       /* ticks=: timer interrupts each hart takes */
#define DEFAULT_TICK_US 1000  /* tick_us=: timer period in microseconds */
#define DEFAULT_PAGES 1024    /* pages=: memwrite working set in 4 KiB pages */

#define NTHREAD 320           /* kernel threads, idle threads not counted; work=all
                                 with N CPUs takes 3N + N/2 + 9 (64 CPUs: 233), plus
                                 N + 1 with disk (298), test=all at most 3N + 1 */
#define TSTACKSIZE 8192       /* per-thread stack */
#define QUANTUM_US 2000       /* dispatcher tick: a running thread is preempted this often */
#define DEFAULT_RATE 4000     /* rate=: memwriter pages dirtied per second */
#define DEFAULT_WSET 1024     /* wset=: memwriter working set in 4 KiB pages */
#define REPORT_MS 1000        /* work=: a verdict line this often (guest time) */
#define STALL_ROUNDS 10       /* work=: rounds in a row a workload may make no progress */
#define RESUME_CHECK_MS 50    /* work=: first progress window of the verdict after a resume */
#define DEFAULT_MIB 32        /* mib=: diskbench range of the disk in MiB */
#define DEFAULT_QD 4          /* qd=: diskbench requests in flight (threads) */

#define TIMEOUT_MS 5000       /* longest wait for another hart or the firmware */

#define NDISK 4               /* virtual disks used (device/vbd entries), in id order */
#define BLK_POLL_MS 200       /* backend state read this often while requests are out */

#endif
