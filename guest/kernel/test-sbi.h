/* Shared by the test=sbi files: the harness (test-sbi.c) and the per-extension checks. */
#ifndef TEST_SBI_H
#define TEST_SBI_H

#include "types.h"
#include "param.h"

struct sbiret;

#define UNKNOWN_FID 99              /* no SBI v2.0 extension defines function 99 */
#define UNKNOWN_EXT 0x5a5a5a5aL     /* "ZZZZ": assigned to nothing by SBI v2.0 */
#define OPAQUE_START 0x7e570000UL   /* a1 for hart h at its first start: + h */
#define OPAQUE_RESTART 0x7e57a000UL /* a1 for hart h when restarted: + h */
#define OPAQUE_HSM_RESUME 0x600dcafeUL
#define OPAQUE_SUSP_RESUME 0x5105b00fUL

/* Requests a worker hart serves (sbi_worker). */
enum { CMD_NONE, CMD_STOP, CMD_SUSPEND };

struct sbitest {
  int on_ferry;                    /* impl id is Ferry's: every extension is required */
  unsigned long me;                /* the boot hart */
  int nothers;                     /* other harts, started at the beginning */
  unsigned long others[NCPU];
  unsigned long invalid_hart;      /* an id no cpu node has */
  unsigned long all_mask;          /* every usable hart below XLEN, hart_mask_base 0 */
  cpuset all;                      /* every usable hart */
};
extern struct sbitest st;

/* A call that may suspend the hart (test-sbi-hsm.c try_suspend). */
struct attempt {
  int resumed;        /* came back through resume_entry instead of returning */
  long error;         /* the call's error when it returned */
  uint64 deadline;    /* when the wake-up timer fires */
  unsigned long sip;  /* sip right after coming back */
};

/* test-sbi.c: results */
void ok(const char *name);
void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void skip(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check(const char *name, const char *why);
void expect_error(const char *name, long got, long want);
int need_ext(const char *group, long ext, int optional);
int wait_sip(unsigned long bits, int set, uint64 ms);
int wait_nipi(unsigned long hartid, uint32 before);
int invalid_address(unsigned long *addr, const char **what);
void post_cmd(unsigned long hartid, int cmd);
int stop_hart(unsigned long hartid, char *why, int whylen);

/* test-sbi-base.c */
void test_base(void);
void test_srst(void);

/* test-sbi-ipi.c */
void test_time(void);
void test_ipi(void);
void test_rfence(void);

/* test-sbi-hsm.c */
void try_suspend(long ext, long fid, unsigned long type, unsigned long addr,
                 unsigned long opaque, uint64 wake_ms, struct attempt *a);
void test_hsm(void);
void test_susp(void);

/* test-sbi-console.c */
void test_dbcn(void);
void test_legacy(void);

#endif
