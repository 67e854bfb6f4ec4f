/*
 * test=sbi, part 2: TIME (SBI v2.0 §6), IPI (§7) and RFENCE (§8). The boot hart runs with
 * interrupts off and watches its own sip; the other harts count the software interrupts
 * they take (cpu.nipi).
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "memlayout.h"
#include "riscv.h"
#include "test-sbi.h"

void test_time(void) {
  if (!need_ext("time", SBI_EXT_TIME, 0))
    return;
  struct cpu *c = mycpu();
  char why[120] = "";
  intr_off();

  uint64 now = r_time();
  struct sbiret r = sbi_set_timer(now > 0 ? now - 1 : 0);
  if (r.error)
    snprintf(why, sizeof why, "%s", sbi_strerror(r.error));
  else if (wait_sip(SIP_STIP, 1, 10) < 0)
    snprintf(why, sizeof why, "sip.STIP not set within 10 ms");
  check("time.set_timer.past", why);

  r = sbi_set_timer(r_time() + ms_to_ticks(100000));
  why[0] = 0;
  if (r.error)
    snprintf(why, sizeof why, "%s", sbi_strerror(r.error));
  else if (wait_sip(SIP_STIP, 0, 10) < 0)
    snprintf(why, sizeof why, "sip.STIP still set after re-arming in the future");
  check("time.set_timer.rearm_clears", why);

  delay_us(20000);
  check("time.set_timer.future", r_sip() & SIP_STIP ? "sip.STIP set 100 s early" : "");

  sbi_set_timer(0);
  wait_sip(SIP_STIP, 1, 10);
  r = sbi_set_timer(~0ULL);
  why[0] = 0;
  if (r.error)
    snprintf(why, sizeof why, "%s", sbi_strerror(r.error));
  else if (wait_sip(SIP_STIP, 0, 10) < 0)
    snprintf(why, sizeof why, "sip.STIP still set after set_timer((uint64_t)-1)");
  check("time.set_timer.infinite_clears", why);

  uint32 before = c->ntick;
  uint64 when = r_time() + ms_to_ticks(1);
  r = sbi_set_timer(when);
  uint64 deadline = deadline_ms(TIMEOUT_MS);
  intr_on();
  while (c->ntick == before && !expired(deadline))
    ;
  intr_off();
  why[0] = 0;
  if (r.error)
    snprintf(why, sizeof why, "%s", sbi_strerror(r.error));
  else if (c->ntick == before)
    snprintf(why, sizeof why, "no timer interrupt");
  else if (c->tick_cause != (SCAUSE_INTERRUPT | IRQ_S_TIMER))
    snprintf(why, sizeof why, "scause %p", (void *)c->tick_cause);
  else if (c->tick_time < when)
    snprintf(why, sizeof why, "interrupt before the time asked");
  check("time.set_timer.interrupt", why);

  expect_error("time.unknown_function",
               sbi_ecall(SBI_EXT_TIME, UNKNOWN_FID, 0, 0, 0, 0, 0, 0).error,
               SBI_ERR_NOT_SUPPORTED);
}

/* Sends with (mask, base) and checks that every hart in expect takes an interrupt; the
 * boot hart's own bit is checked in sip, since it runs with interrupts off. */
static void ipi_case(const char *name, unsigned long mask, unsigned long base,
                     cpuset expect) {
  uint32 before[NCPU];
  for (int i = 0; i < NCPU; i++)
    before[i] = cpus[i].nipi;
  clear_sip(SIP_SSIP);
  struct sbiret r = sbi_send_ipi(mask, base);
  char why[120] = "";
  if (r.error) {
    snprintf(why, sizeof why, "%s", sbi_strerror(r.error));
  } else {
    for (int h = 0; h < NCPU && !why[0]; h++) {
      if (!cpuset_has(expect, h))
        continue;
      int got = (unsigned long)h == st.me ? wait_sip(SIP_SSIP, 1, TIMEOUT_MS) == 0
                                          : wait_nipi(h, before[h]) == 0;
      if (!got)
        snprintf(why, sizeof why, "hart %d got no software interrupt", h);
    }
  }
  clear_sip(SIP_SSIP);
  check(name, why);
}

void test_ipi(void) {
  if (!need_ext("ipi", SBI_EXT_IPI, 0))
    return;
  intr_off();
  /* others: the other harts that a base-0 mask can name (ids below XLEN). */
  unsigned long self = st.me < __riscv_xlen ? 1UL << st.me : 0;
  unsigned long others = st.all_mask & ~self;

  ipi_case("ipi.send_ipi.self", 1, st.me, cpubit((int)st.me));
  if (st.nothers == 0) {
    skip("ipi.send_ipi.other", "only 1 hart");
    skip("ipi.send_ipi.mask", "only 1 hart");
  } else {
    ipi_case("ipi.send_ipi.other", 1, st.others[0], cpubit((int)st.others[0]));
    ipi_case("ipi.send_ipi.mask", others, 0, (cpuset)others);
  }
  ipi_case("ipi.send_ipi.all_harts", 0, -1UL, st.all);

  expect_error("ipi.send_ipi.invalid_hart", sbi_send_ipi(1, st.invalid_hart).error,
               SBI_ERR_INVALID_PARAM);
  if (st.invalid_hart < __riscv_xlen)
    expect_error("ipi.send_ipi.beyond_last_hart",
                 sbi_send_ipi(st.all_mask | (1UL << st.invalid_hart), 0).error,
                 SBI_ERR_INVALID_PARAM);
  else
    skip("ipi.send_ipi.beyond_last_hart", "hart ids fill the mask");
  delay_us(10000);
  clear_sip(SIP_SSIP);

  expect_error("ipi.unknown_function", sbi_ecall(SBI_EXT_IPI, UNKNOWN_FID, 0, 0, 0, 0, 0, 0).error,
               SBI_ERR_NOT_SUPPORTED);
}

/* One RFENCE function: succeeds for all harts and for this hart with a range, and
 * rejects an invalid hart. With hfence and no H extension, NOT_SUPPORTED throughout. */
static void rfence_case(const char *fn, long fid, int hfence) {
  char name[80];
  unsigned long all = -1UL, me = st.me;
  struct sbiret a = sbi_ecall(SBI_EXT_RFENCE, fid, 0, all, 0, 0, 0, 0);
  struct sbiret b = sbi_ecall(SBI_EXT_RFENCE, fid, 1, me, KERNBASE, PGSIZE, 0, 0);
  struct sbiret c = sbi_ecall(SBI_EXT_RFENCE, fid, 1, st.invalid_hart, 0, 0, 0, 0);
  if (hfence && !dt.all_have_h) {
    snprintf(name, sizeof name, "rfence.%s.no_h_extension", fn);
    long got = a.error != SBI_ERR_NOT_SUPPORTED ? a.error : b.error;
    expect_error(name, got, SBI_ERR_NOT_SUPPORTED);
    return;
  }
  char why[120] = "";
  if (a.error)
    snprintf(why, sizeof why, "all harts: %s", sbi_strerror(a.error));
  else if (b.error)
    snprintf(why, sizeof why, "this hart, one page: %s", sbi_strerror(b.error));
  snprintf(name, sizeof name, "rfence.%s", fn);
  check(name, why);
  snprintf(name, sizeof name, "rfence.%s.invalid_hart", fn);
  expect_error(name, c.error, SBI_ERR_INVALID_PARAM);
}

void test_rfence(void) {
  if (!need_ext("rfence", SBI_EXT_RFENCE, 0))
    return;
  rfence_case("remote_fence_i", SBI_RFENCE_REMOTE_FENCE_I, 0);
  rfence_case("remote_sfence_vma", SBI_RFENCE_REMOTE_SFENCE_VMA, 0);
  rfence_case("remote_sfence_vma_asid", SBI_RFENCE_REMOTE_SFENCE_VMA_ASID, 0);
  rfence_case("remote_hfence_gvma_vmid", SBI_RFENCE_REMOTE_HFENCE_GVMA_VMID, 1);
  rfence_case("remote_hfence_gvma", SBI_RFENCE_REMOTE_HFENCE_GVMA, 1);
  rfence_case("remote_hfence_vvma_asid", SBI_RFENCE_REMOTE_HFENCE_VVMA_ASID, 1);
  rfence_case("remote_hfence_vvma", SBI_RFENCE_REMOTE_HFENCE_VVMA, 1);
  expect_error("rfence.unknown_function",
               sbi_ecall(SBI_EXT_RFENCE, UNKNOWN_FID, 0, 0, 0, 0, 0, 0).error,
               SBI_ERR_NOT_SUPPORTED);
}
