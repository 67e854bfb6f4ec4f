/* Limits of the test kernel. This header is included from assembly too: #defines only. */
#ifndef PARAM_H
#define PARAM_H

#define NCPU 16               /* hart ids must be below this; higher ids are ignored */
#define KSTACKSIZE 16384      /* per-hart kernel stack */
#define RSTACKSIZE 1024       /* per-hart stack used only between resume_entry and longjmp */
#define CPU_STRIDE 2048       /* sizeof(struct cpu), fixed so entry.S can index cpus[] */
#define MAXBOOTARGS 256       /* longest /chosen/bootargs accepted */

#define DEFAULT_IPIS 10       /* ipis=: IPI messages each hart sends to each other hart */
#define DEFAULT_TICKS 5       /* ticks=: timer interrupts each hart takes */
#define DEFAULT_TICK_US 1000  /* tick_us=: timer period in microseconds */
#define DEFAULT_PAGES 1024    /* pages=: memwrite working set in 4 KiB pages */

#define NTHREAD 96            /* kernel threads, idle threads not counted; work=all
                                 with N CPUs takes 4N + 9 (16 CPUs: 73) */
#define TSTACKSIZE 8192       /* per-thread stack */
#define QUANTUM_US 2000       /* dispatcher tick: a running thread is preempted this often */
#define DEFAULT_RATE 4        /* rate=: memwriter pages dirtied per millisecond */
#define DEFAULT_WSET 1024     /* wset=: memwriter working set in 4 KiB pages */
#define REPORT_MS 1000        /* work=: a verdict line this often (guest time) */
#define RESUME_CHECK_MS 50    /* work=: first progress window of the verdict after a resume */

#define TIMEOUT_MS 5000       /* longest wait for another hart or the firmware */

#endif
