/*
 * test=sbi, part 3: HSM (SBI v2.0 §9) and SUSP (§13), the calls that stop, start and
 * suspend harts.
 *
 * Anything that might suspend the boot hart goes through try_suspend, which arms a timer
 * first so that even a call that should have failed but suspended instead comes back,
 * either by returning or through resume_entry (main.c resume_main) and a longjmp to the
 * ksetjmp taken just before the call. Only the boot hart suspends non-retentively, and
 * only one at a time, which is what lets resume_main find it.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "riscv.h"
#include "test-sbi.h"

/*
 * Makes the call (ext, fid, type, addr, opaque) with interrupts off and a wake-up timer
 * wake_ms ahead, and reports how the hart came back. a is only read after ksetjmp
 * returns the second time, and neither a nor c changes after ksetjmp, as a longjmp
 * requires.
 */
void try_suspend(long ext, long fid, unsigned long type, unsigned long addr,
                 unsigned long opaque, uint64 wake_ms, struct attempt *a) {
  struct cpu *c = mycpu();
  intr_off();
  clear_sip(SIP_SSIP);
  timer_disarm();
  a->resumed = 0;
  a->deadline = r_time() + ms_to_ticks(wake_ms);
  timer_arm(a->deadline);
  c->suspending = 1;
  if (ksetjmp(&c->resume_jb) == 0) {
    a->error = sbi_ecall(ext, fid, type, addr, opaque, 0, 0, 0).error;
    a->sip = r_sip();
    c->suspending = 0;
  } else {
    a->resumed = 1;
    a->sip = r_sip();
  }
  timer_disarm();
  clear_sip(SIP_SSIP);
}

/* An error path of a suspend call: it must return want, not suspend. */
static void suspend_error(const char *name, long ext, long fid, unsigned long type,
                          unsigned long addr, long want) {
  struct attempt a;
  try_suspend(ext, fid, type, addr, 0, 2, &a);
  if (a.resumed)
    fail(name, "suspended and resumed at resume_addr; want %s", sbi_strerror(want));
  else
    expect_error(name, a.error, want);
}

/* A non-retentive suspend that must come back through resume_entry with a0 = this hart,
 * a1 = opaque, sstatus.SIE = 0 and satp = 0 (§9.4 and §13.1, resume register state). */
static void suspend_resume(const char *name, long ext, long fid, unsigned long type,
                           unsigned long opaque) {
  struct cpu *c = mycpu();
  struct attempt a;
  try_suspend(ext, fid, type, (unsigned long)resume_entry, opaque, 2, &a);
  if (!a.resumed)
    fail(name, "returned %s instead of resuming at resume_addr", sbi_strerror(a.error));
  else if (c->resume_a0 != st.me)
    fail(name, "resumed with a0 = %lu, want %lu", c->resume_a0, st.me);
  else if (c->resume_a1 != opaque)
    fail(name, "resumed with a1 = %p, want %p", (void *)c->resume_a1, (void *)opaque);
  else if (c->resume_sstatus & SSTATUS_SIE)
    fail(name, "resumed with sstatus.SIE set");
  else if (c->resume_satp != 0)
    fail(name, "resumed with satp = %p", (void *)c->resume_satp);
  else
    ok(name);
}

static void hsm_other_hart(void) {
  unsigned long t = st.others[0];
  char why[160] = "";
  struct sbiret r = sbi_hart_get_status(t);
  if (r.error || r.value != SBI_HART_STATE_STARTED)
    snprintf(why, sizeof why, "hart %lu: %s, state %ld", t, sbi_strerror(r.error), r.value);
  check("hsm.hart_get_status.started", why);

  expect_error("hsm.hart_start.already_started",
               sbi_hart_start(t, (unsigned long)secondary_entry, 0).error,
               SBI_ERR_ALREADY_AVAILABLE);

  why[0] = 0;
  int stopped = stop_hart(t, why, sizeof why) == 0;
  check("hsm.hart_stop", why);
  if (!stopped)
    return;
  r = sbi_hart_get_status(t);
  why[0] = 0;
  if (r.error || r.value != SBI_HART_STATE_STOPPED)
    snprintf(why, sizeof why, "%s, state %ld", sbi_strerror(r.error), r.value);
  check("hsm.hart_get_status.stopped", why);

  unsigned long bad;
  const char *what;
  if (invalid_address(&bad, &what)) {
    r = sbi_hart_start(t, bad, 0);
    expect_error("hsm.hart_start.invalid_address", r.error, SBI_ERR_INVALID_ADDRESS);
    if (r.error == SBI_ERR_SUCCESS) {
      fail("hsm.hart_start.restart", "hart %lu was started at %s and is lost", t, what);
      return;
    }
  } else {
    skip("hsm.hart_start.invalid_address", "no address known to be refused by this firmware");
  }

  why[0] = 0;
  int restarted = smp_start_hart(t, OPAQUE_RESTART + t, why, sizeof why) == 0;
  check("hsm.hart_start.restart", why);
  if (!restarted)
    return;

  /* The worker suspends itself (retentive, interrupts off); an IPI wakes it. */
  long last;
  post_cmd(t, CMD_SUSPEND);
  why[0] = 0;
  if (smp_wait_status(t, SBI_HART_STATE_SUSPENDED, &last) < 0)
    snprintf(why, sizeof why, "hart %lu: state %ld, never SUSPENDED", t, last);
  check("hsm.hart_get_status.suspended", why);
  sbi_send_ipi(1, t);
  uint64 deadline = deadline_ms(TIMEOUT_MS);
  while (cpus[t].cmd != CMD_NONE && !expired(deadline))
    ;
  why[0] = 0;
  if (cpus[t].cmd != CMD_NONE)
    snprintf(why, sizeof why, "hart %lu did not wake up on an IPI", t);
  else if (cpus[t].cmd_result != SBI_ERR_SUCCESS)
    snprintf(why, sizeof why, "hart %lu: hart_suspend returned %s", t,
             sbi_strerror(cpus[t].cmd_result));
  else if (smp_wait_status(t, SBI_HART_STATE_STARTED, &last) < 0)
    snprintf(why, sizeof why, "hart %lu: state %ld after waking, want STARTED", t, last);
  check("hsm.hart_suspend.retentive_ipi_wakeup", why);
}

void test_hsm(void) {
  if (!need_ext("hsm", SBI_EXT_HSM, 0))
    return;
  struct sbiret r = sbi_hart_get_status(st.me);
  check("hsm.hart_get_status.self",
        r.error || r.value != SBI_HART_STATE_STARTED ? "not STARTED" : "");
  expect_error("hsm.hart_get_status.invalid_hart", sbi_hart_get_status(st.invalid_hart).error,
               SBI_ERR_INVALID_PARAM);
  expect_error("hsm.hart_start.invalid_hart",
               sbi_hart_start(st.invalid_hart, (unsigned long)secondary_entry, 0).error,
               SBI_ERR_INVALID_PARAM);
  expect_error("hsm.hart_start.self",
               sbi_hart_start(st.me, (unsigned long)secondary_entry, 0).error,
               SBI_ERR_ALREADY_AVAILABLE);

  if (st.nothers > 0) {
    hsm_other_hart();
  } else {
    static const char *const need2[] = {
      "hsm.hart_get_status.started", "hsm.hart_start.already_started", "hsm.hart_stop",
      "hsm.hart_get_status.stopped", "hsm.hart_start.invalid_address",
      "hsm.hart_start.restart", "hsm.hart_get_status.suspended",
      "hsm.hart_suspend.retentive_ipi_wakeup"};
    for (unsigned i = 0; i < sizeof need2 / sizeof need2[0]; i++)
      skip(need2[i], "only 1 hart");
  }

  /* This hart, woken by its timer. */
  struct attempt a;
  try_suspend(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_DEFAULT_RETENTIVE, 0, 0, 2, &a);
  if (a.resumed)
    fail("hsm.hart_suspend.retentive", "resumed at resume_addr instead of returning");
  else if (a.error)
    fail("hsm.hart_suspend.retentive", "%s", sbi_strerror(a.error));
  else if (!(a.sip & SIP_STIP))
    fail("hsm.hart_suspend.retentive", "returned before the timer interrupt woke it");
  else
    ok("hsm.hart_suspend.retentive");

  suspend_resume("hsm.hart_suspend.non_retentive", SBI_EXT_HSM, SBI_HSM_HART_SUSPEND,
                 SBI_HSM_SUSPEND_DEFAULT_NON_RETENTIVE, OPAQUE_HSM_RESUME);

  unsigned long resume = (unsigned long)resume_entry;
  suspend_error("hsm.hart_suspend.reserved_type.0x00000001", SBI_EXT_HSM,
                SBI_HSM_HART_SUSPEND, 0x00000001UL, resume, SBI_ERR_INVALID_PARAM);
  suspend_error("hsm.hart_suspend.reserved_type.0x80000001", SBI_EXT_HSM,
                SBI_HSM_HART_SUSPEND, 0x80000001UL, resume, SBI_ERR_INVALID_PARAM);
  suspend_error("hsm.hart_suspend.platform_type.0x10000000", SBI_EXT_HSM,
                SBI_HSM_HART_SUSPEND, 0x10000000UL, resume, SBI_ERR_INVALID_PARAM);
  suspend_error("hsm.hart_suspend.platform_type.0x90000000", SBI_EXT_HSM,
                SBI_HSM_HART_SUSPEND, 0x90000000UL, resume, SBI_ERR_INVALID_PARAM);

  unsigned long bad;
  const char *what;
  if (invalid_address(&bad, &what))
    suspend_error("hsm.hart_suspend.invalid_address", SBI_EXT_HSM, SBI_HSM_HART_SUSPEND,
                  SBI_HSM_SUSPEND_DEFAULT_NON_RETENTIVE, bad, SBI_ERR_INVALID_ADDRESS);
  else
    skip("hsm.hart_suspend.invalid_address", "no address known to be refused by this firmware");

  expect_error("hsm.unknown_function", sbi_ecall(SBI_EXT_HSM, UNKNOWN_FID, 0, 0, 0, 0, 0, 0).error,
               SBI_ERR_NOT_SUPPORTED);
}

void test_susp(void) {
  if (!need_ext("susp", SBI_EXT_SUSP, 1))
    return;
  unsigned long resume = (unsigned long)resume_entry;
  expect_error("susp.unknown_function",
               sbi_ecall(SBI_EXT_SUSP, UNKNOWN_FID, 0, 0, 0, 0, 0, 0).error,
               SBI_ERR_NOT_SUPPORTED);

  /* SUSPEND_TO_RAM entry criteria (§13): every other hart STOPPED. */
  if (st.nothers > 0) {
    suspend_error("susp.system_suspend.others_running", SBI_EXT_SUSP, SBI_SUSP_SYSTEM_SUSPEND,
                  SBI_SLEEP_TYPE_SUSPEND_TO_RAM, resume, SBI_ERR_DENIED);
    char why[160] = "";
    for (int i = 0; i < st.nothers && !why[0]; i++)
      stop_hart(st.others[i], why, sizeof why);
    check("susp.stop_other_harts", why);
    if (why[0])
      return;
  } else {
    skip("susp.system_suspend.others_running", "only 1 hart");
  }

  /* With the others stopped, each error below is the only thing wrong with the call. */
  suspend_error("susp.system_suspend.reserved_type", SBI_EXT_SUSP, SBI_SUSP_SYSTEM_SUSPEND,
                0x00000001UL, resume, SBI_ERR_INVALID_PARAM);
  suspend_error("susp.system_suspend.platform_type", SBI_EXT_SUSP, SBI_SUSP_SYSTEM_SUSPEND,
                0x80000000UL, resume, SBI_ERR_INVALID_PARAM);
  unsigned long bad;
  const char *what;
  if (invalid_address(&bad, &what))
    suspend_error("susp.system_suspend.invalid_address", SBI_EXT_SUSP,
                  SBI_SUSP_SYSTEM_SUSPEND, SBI_SLEEP_TYPE_SUSPEND_TO_RAM, bad,
                  SBI_ERR_INVALID_ADDRESS);
  else
    skip("susp.system_suspend.invalid_address", "no address known to be refused by this firmware");

  suspend_resume("susp.system_suspend", SBI_EXT_SUSP, SBI_SUSP_SYSTEM_SUSPEND,
                 SBI_SLEEP_TYPE_SUSPEND_TO_RAM, OPAQUE_SUSP_RESUME);
}
