/*
 * test=sbi, part 4: the debug console (DBCN, SBI v2.0 §12) and the legacy calls (§5).
 * What these calls print appears as "# ..." lines, so the output stays one line per
 * check.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "riscv.h"
#include "test-sbi.h"

static char readbuf[16];

void test_dbcn(void) {
  if (!need_ext("dbcn", SBI_EXT_DBCN, 1))
    return;
  static const char line[] = "# dbcn console_write\n";
  unsigned long len = sizeof line - 1;
  struct sbiret r = sbi_debug_console_write(len, (unsigned long)line, 0);
  if (r.error == SBI_ERR_SUCCESS && r.value >= 0 && (unsigned long)r.value < len)
    console_write(line + r.value, (int)(len - r.value)); /* finish a partial write */
  if (r.error)
    fail("dbcn.console_write", "%s", sbi_strerror(r.error));
  else if ((unsigned long)r.value != len && (st.on_ferry || r.value <= 0))
    fail("dbcn.console_write", "wrote %ld of %lu bytes", r.value, len);
  else
    ok("dbcn.console_write");

  static const char bytes[] = "# dbcn console_write_byte\n";
  char why[120] = "";
  for (unsigned i = 0; i < sizeof bytes - 1; i++) {
    r = sbi_debug_console_write_byte((uint8)bytes[i]);
    if ((r.error || r.value != 0) && !why[0])
      snprintf(why, sizeof why, "byte %u: %s, value %ld", i, sbi_strerror(r.error), r.value);
  }
  check("dbcn.console_write_byte", why);

  r = sbi_debug_console_read(sizeof readbuf, (unsigned long)readbuf, 0);
  why[0] = 0;
  if (r.error)
    snprintf(why, sizeof why, "%s", sbi_strerror(r.error));
  else if (r.value < 0 || (unsigned long)r.value > sizeof readbuf)
    snprintf(why, sizeof why, "read %ld bytes into a %u-byte buffer", r.value,
             (unsigned)sizeof readbuf);
  check("dbcn.console_read", why);

  /* Memory outside RAM (SBI v2.0 §3, shared memory physical address range). */
  uint64 ram_end = dt.ram_base + dt.ram_size;
  if (ram_end <= (unsigned long)-1) {
    expect_error("dbcn.console_write.outside_ram",
                 sbi_debug_console_write(8, (unsigned long)ram_end, 0).error,
                 SBI_ERR_INVALID_PARAM);
    expect_error("dbcn.console_write.crosses_ram_end",
                 sbi_debug_console_write(16, (unsigned long)ram_end - 8, 0).error,
                 SBI_ERR_INVALID_PARAM);
    expect_error("dbcn.console_read.outside_ram",
                 sbi_debug_console_read(8, (unsigned long)ram_end, 0).error,
                 SBI_ERR_INVALID_PARAM);
  } else {
    expect_error("dbcn.console_write.outside_ram",
                 sbi_debug_console_write(8, (unsigned long)dt.ram_base - 4096, 0).error,
                 SBI_ERR_INVALID_PARAM);
    skip("dbcn.console_write.crosses_ram_end", "RAM ends at the top of the address space");
    expect_error("dbcn.console_read.outside_ram",
                 sbi_debug_console_read(8, (unsigned long)dt.ram_base - 4096, 0).error,
                 SBI_ERR_INVALID_PARAM);
  }
  expect_error("dbcn.console_write.high_address",
               sbi_debug_console_write(8, (unsigned long)line, 1).error, SBI_ERR_INVALID_PARAM);
  expect_error("dbcn.unknown_function",
               sbi_ecall(SBI_EXT_DBCN, UNKNOWN_FID, 0, 0, 0, 0, 0, 0).error,
               SBI_ERR_NOT_SUPPORTED);
}

/* Whether legacy extension ext exists; reports name (failed on Ferry, skipped elsewhere)
 * if not. */
static int legacy(const char *name, long ext) {
  if (sbi_probe_extension(ext).value != 0)
    return 1;
  if (st.on_ferry)
    fail(name, "extension %ld not provided", ext);
  else
    skip(name, "extension %ld not provided by this firmware", ext);
  return 0;
}

void test_legacy(void) {
  char why[120] = "";
  intr_off();

  if (legacy("legacy.console_putchar", SBI_EXT_LEGACY_CONSOLE_PUTCHAR)) {
    static const char line[] = "# legacy console_putchar\n";
    for (unsigned i = 0; i < sizeof line - 1; i++) {
      long e = sbi_legacy_console_putchar(line[i]);
      if (e != 0 && !why[0])
        snprintf(why, sizeof why, "returned %ld", e);
    }
    check("legacy.console_putchar", why);
  }

  if (legacy("legacy.console_getchar", SBI_EXT_LEGACY_CONSOLE_GETCHAR)) {
    long c = sbi_legacy_console_getchar();
    if (c == -1)
      ok("legacy.console_getchar");
    else
      fail("legacy.console_getchar", "returned %ld with no input, want -1", c);
  }

  if (legacy("legacy.set_timer", SBI_EXT_LEGACY_SET_TIMER)) {
    why[0] = 0;
    long e = sbi_legacy_set_timer(0);
    if (e != 0)
      snprintf(why, sizeof why, "returned %ld", e);
    else if (wait_sip(SIP_STIP, 1, 10) < 0)
      snprintf(why, sizeof why, "sip.STIP not set by a time in the past");
    else if ((e = sbi_legacy_set_timer(~0ULL)) != 0)
      snprintf(why, sizeof why, "returned %ld", e);
    else if (wait_sip(SIP_STIP, 0, 10) < 0)
      snprintf(why, sizeof why, "sip.STIP still set after re-arming");
    check("legacy.set_timer", why);
    timer_disarm();
  }

  /* A legacy hart_mask is one unsigned long: it names only harts below XLEN. */
  unsigned long self = st.me < __riscv_xlen ? 1UL << st.me : 0;
  unsigned long others = st.all_mask & ~self;
  if (legacy("legacy.send_ipi", SBI_EXT_LEGACY_SEND_IPI)) {
    why[0] = 0;
    clear_sip(SIP_SSIP);
    long e = sbi_legacy_send_ipi(&self);
    if (e != 0)
      snprintf(why, sizeof why, "returned %ld", e);
    else if (wait_sip(SIP_SSIP, 1, TIMEOUT_MS) < 0)
      snprintf(why, sizeof why, "sip.SSIP not set on this hart");
    check("legacy.send_ipi.self", why);

    /* §5.4: returns 0 if no IPI was pending, a positive value if one was. */
    if (legacy("legacy.clear_ipi", SBI_EXT_LEGACY_CLEAR_IPI)) {
      why[0] = 0;
      e = 0;
      if (!(r_sip() & SIP_SSIP))
        snprintf(why, sizeof why, "no IPI pending to clear");
      else if ((e = sbi_legacy_clear_ipi()) < 0)
        snprintf(why, sizeof why, "returned %ld", e);
      else if (wait_sip(SIP_SSIP, 0, 10) < 0)
        snprintf(why, sizeof why, "sip.SSIP still set");
      if (why[0])
        fail("legacy.clear_ipi", "%s", why);
      else if (e == 0 && !st.on_ferry)
        skip("legacy.clear_ipi", "firmware returned 0 with an IPI pending, SBI v2.0 requires > 0");
      else if (e == 0)
        fail("legacy.clear_ipi", "returned 0 with an IPI pending, want > 0");
      else
        ok("legacy.clear_ipi");
    }
    clear_sip(SIP_SSIP);

    if (st.nothers > 0) {
      uint32 before[NCPU];
      for (int i = 0; i < NCPU; i++)
        before[i] = cpus[i].nipi;
      why[0] = 0;
      if ((e = sbi_legacy_send_ipi(&others)) != 0)
        snprintf(why, sizeof why, "returned %ld", e);
      for (int i = 0; i < st.nothers && !why[0]; i++)
        if (st.others[i] < __riscv_xlen && wait_nipi(st.others[i], before[st.others[i]]) < 0)
          snprintf(why, sizeof why, "hart %lu got no software interrupt", st.others[i]);
      check("legacy.send_ipi.others", why);
    } else {
      skip("legacy.send_ipi.others", "only 1 hart");
    }
  }

  if (legacy("legacy.remote_fence_i", SBI_EXT_LEGACY_REMOTE_FENCE_I)) {
    long e = sbi_legacy_remote_fence_i(&st.all_mask);
    check("legacy.remote_fence_i", e ? "nonzero return" : "");
  }
  if (legacy("legacy.remote_sfence_vma", SBI_EXT_LEGACY_REMOTE_SFENCE_VMA)) {
    long e = sbi_legacy_remote_sfence_vma(&st.all_mask, 0, -1UL);
    check("legacy.remote_sfence_vma", e ? "nonzero return" : "");
  }
  if (legacy("legacy.remote_sfence_vma_asid", SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID)) {
    long e = sbi_legacy_remote_sfence_vma_asid(&st.all_mask, 0, -1UL, 0);
    check("legacy.remote_sfence_vma_asid", e ? "nonzero return" : "");
  }
  /* A hart_mask pointer outside RAM (§5). An implementation that reads it and faults
   * must redirect the fault to the supervisor with sepc at the ecall (OpenSBI does); one
   * that checks the pointer first takes no fault and returns a negative error, which a
   * legacy call may (Ferry does: DESIGN.md §4, bad addresses give errors). Success is
   * wrong either way. */
  static const struct { const char *name; long ext; } maskcalls[] = {
    {"legacy.send_ipi.bad_mask_address", SBI_EXT_LEGACY_SEND_IPI},
    {"legacy.remote_fence_i.bad_mask_address", SBI_EXT_LEGACY_REMOTE_FENCE_I},
    {"legacy.remote_sfence_vma.bad_mask_address", SBI_EXT_LEGACY_REMOTE_SFENCE_VMA},
    {"legacy.remote_sfence_vma_asid.bad_mask_address", SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID},
  };
  uint64 ram_end = dt.ram_base + dt.ram_size;
  unsigned long badmask = ram_end <= (unsigned long)-1 ? (unsigned long)ram_end
                                                       : (unsigned long)dt.ram_base - 4096;
  for (unsigned i = 0; i < sizeof maskcalls / sizeof maskcalls[0]; i++) {
    if (sbi_probe_extension(maskcalls[i].ext).value == 0)
      continue; /* already reported above */
    unsigned long cause, epc;
    expect_fault();
    long e = sbi_ecall(maskcalls[i].ext, 0, badmask, 0, 0, 0, 0, 0).error;
    if (!fault_taken(&cause, &epc)) {
      if (e >= 0)
        fail(maskcalls[i].name, "returned %ld: neither an error nor a redirected fault", e);
      else
        ok(maskcalls[i].name);
    } else if (cause != 5 && cause != 13) {
      fail(maskcalls[i].name, "scause %lu, want a load access or page fault (5 or 13)", cause);
    } else {
      ok(maskcalls[i].name);
    }
  }
  clear_sip(SIP_SSIP);
  /* legacy shutdown: only as the final power-off, when SRST is absent (sbi.c shutdown). */
}
