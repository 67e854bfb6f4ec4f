/*
 * test=sbi: SBI conformance, checked against the SBI specification v2.0.
 *
 * Output, one line per check:
 *   ok NAME
 *   FAIL NAME: detail
 *   skip NAME: reason          counted as neither passed nor failed
 *   # text                     information only
 * and last "P passed, F failed", then shutdown (SYSTEM_FAILURE if F > 0).
 *
 * What is required is decided by probing. When the implementation id is Ferry's, every
 * extension the test knows is required and every error code must be exactly the
 * specification's. On other firmware, DBCN and SUSP may be absent (one skip line each),
 * and an error path that returns a different error than SBI v2.0 requires is reported as
 * a skip naming both codes, so deviations show without failing a firmware that predates
 * v2.0 (QEMU's OpenSBI 1.1 implements v1.0). Checks that could destroy the run if a
 * firmware accepted a bad request (an execute address outside RAM, an unknown
 * platform-specific reset) run only where the answer is known to be safe.
 *
 * Every other hart is started at the beginning and serves requests from the boot hart
 * (sbi_worker): stop itself, or suspend. This file holds the harness and the driver; the
 * checks are in test-sbi-base.c (BASE, SRST), test-sbi-ipi.c (TIME, IPI, RFENCE),
 * test-sbi-hsm.c (HSM, SUSP) and test-sbi-console.c (DBCN, legacy).
 */
#include <stdarg.h>
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "memlayout.h"
#include "riscv.h"
#include "test-sbi.h"

struct sbitest st;
static int npass, nfail;

void ok(const char *name) {
  printf("ok %s\n", name);
  npass++;
}

void fail(const char *name, const char *fmt, ...) {
  char why[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  printf("FAIL %s: %s\n", name, why);
  nfail++;
}

void skip(const char *name, const char *fmt, ...) {
  char why[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  printf("skip %s: %s\n", name, why);
}

/* ok if why is empty, else FAIL with it. */
void check(const char *name, const char *why) {
  if (why[0])
    fail(name, "%s", why);
  else
    ok(name);
}

void expect_error(const char *name, long got, long want) {
  if (got == want)
    ok(name);
  else if (!st.on_ferry)
    skip(name, "firmware returned %s (%ld), SBI v2.0 requires %s (%ld)", sbi_strerror(got), got,
         sbi_strerror(want), want);
  else
    fail(name, "got %s (%ld), want %s (%ld)", sbi_strerror(got), got, sbi_strerror(want), want);
}

/* Whether extension ext exists; if not, reports group as failed, or as skipped when the
 * extension is optional and the firmware is not Ferry. */
int need_ext(const char *group, long ext, int optional) {
  if (sbi_probe_extension(ext).value != 0)
    return 1;
  if (optional && !st.on_ferry)
    skip(group, "extension not provided by this firmware");
  else
    fail(group, "extension not provided");
  return 0;
}

/* Polls sip until the given bits are all set (set = 1) or all clear (set = 0); 0 if that
 * happened within ms milliseconds. */
int wait_sip(unsigned long bits, int set, uint64 ms) {
  uint64 deadline = deadline_ms(ms);
  for (;;) {
    unsigned long sip = r_sip() & bits;
    if (set ? sip == bits : sip == 0)
      return 0;
    if (expired(deadline))
      return -1;
  }
}

/* Waits until hart hartid has taken a software interrupt after its count was before. */
int wait_nipi(unsigned long hartid, uint32 before) {
  uint64 deadline = deadline_ms(TIMEOUT_MS);
  while (cpus[hartid].nipi == before)
    if (expired(deadline))
      return -1;
  return 0;
}

/* An address where execution must be refused: outside RAM on Ferry (its domain owns all
 * of RAM). Elsewhere the firmware may accept anything outside its own memory (OpenSBI
 * does) and the hart would be lost, so only memory the firmware reserved for itself in
 * /reserved-memory is used; 0 if there is none. */
int invalid_address(unsigned long *addr, const char **what) {
  uint64 ram_end = dt.ram_base + dt.ram_size;
  if (st.on_ferry) {
    *addr = ram_end <= (unsigned long)-1 - PGSIZE ? (unsigned long)ram_end
                                                  : (unsigned long)dt.ram_base - PGSIZE;
    *what = "outside RAM";
    return 1;
  }
  if (dt.has_reserved) {
    *addr = (unsigned long)dt.reserved_base;
    *what = "firmware-reserved memory";
    return 1;
  }
  return 0;
}

void post_cmd(unsigned long hartid, int cmd) {
  cpus[hartid].cmd_result = 0;
  __atomic_store_n(&cpus[hartid].cmd, cmd, __ATOMIC_RELEASE);
  __sync_synchronize();
  sbi_send_ipi(1, hartid);
}

/* Asks hartid to stop itself and waits for HSM to report it STOPPED. */
int stop_hart(unsigned long hartid, char *why, int whylen) {
  long last;
  post_cmd(hartid, CMD_STOP);
  if (smp_wait_status(hartid, SBI_HART_STATE_STOPPED, &last) == 0) {
    cpus[hartid].cmd = CMD_NONE; /* for its next start */
    return 0;
  }
  if (cpus[hartid].cmd == CMD_NONE)
    snprintf(why, whylen, "hart %lu: hart_stop returned %s", hartid,
             sbi_strerror(cpus[hartid].cmd_result));
  else
    snprintf(why, whylen, "hart %lu: hart_get_status says %ld, not STOPPED", hartid, last);
  return -1;
}

/* What the other harts run: wait for a request from the boot hart and carry it out. */
void sbi_worker(void) {
  struct cpu *c = mycpu();
  for (;;) {
    intr_off();
    int cmd = __atomic_load_n(&c->cmd, __ATOMIC_ACQUIRE);
    if (cmd == CMD_NONE) {
      wfi();      /* wakes on a pending interrupt even with SIE off... */
      intr_on();  /* ...which is taken here */
      continue;
    }
    if (cmd == CMD_STOP) {
      c->online = 0;
      struct sbiret r = sbi_hart_stop(); /* returns only if it failed */
      c->online = 1;
      c->cmd_result = r.error ? r.error : SBI_ERR_FAILED;
    } else if (cmd == CMD_SUSPEND) {
      clear_sip(SIP_SSIP); /* the request's own IPI must not end the suspend */
      c->cmd_result = sbi_hart_suspend(SBI_HSM_SUSPEND_DEFAULT_RETENTIVE, 0, 0).error;
    }
    __atomic_store_n(&c->cmd, CMD_NONE, __ATOMIC_RELEASE);
    intr_on();
  }
}

/* Starts every other hart; they run sbi_worker. */
static void start_others(void) {
  char why[160] = "";
  for (int i = 0; i < dt.nharts; i++) {
    unsigned long h = dt.harts[i];
    if (h == st.me)
      continue;
    if (!why[0] && smp_start_hart(h, OPAQUE_START + h, why, sizeof why) == 0)
      st.others[st.nothers++] = h;
  }
  if (dt.nharts == 1)
    skip("hsm.hart_start", "only 1 hart");
  else
    check("hsm.hart_start", why);
}

void test_sbi(void) {
  intr_off();
  st.me = mycpu()->hartid;
  st.on_ferry = sbi_get_impl_id().value == FERRY_SBI_IMPL_ID;
  st.invalid_hart = dt.max_hartid + 1;
  for (int i = 0; i < dt.nharts; i++) {
    st.all |= cpubit((int)dt.harts[i]);
    if (dt.harts[i] < __riscv_xlen)
      st.all_mask |= 1UL << dt.harts[i];
  }
  printf("# sbi conformance on %s\n",
         st.on_ferry ? "Ferry: every extension required"
                     : "other firmware: DBCN and SUSP optional, error-code deviations skipped");
  if (dt.nharts == 1)
    printf("# only 1 hart: the checks that need a second hart are skipped\n");
  unsigned long bad;
  const char *what;
  if (invalid_address(&bad, &what))
    printf("# invalid address for hart_start/hart_suspend/system_suspend: %p (%s)\n",
           (void *)bad, what);

  if (need_ext("hsm", SBI_EXT_HSM, 0))
    start_others();
  test_base();
  test_time();
  test_ipi();
  test_rfence();
  test_hsm();
  test_srst();
  test_dbcn();
  test_legacy();
  test_susp(); /* last: it stops the other harts */

  printf("%d passed, %d failed\n", npass, nfail);
  shutdown(nfail > 0);
}
