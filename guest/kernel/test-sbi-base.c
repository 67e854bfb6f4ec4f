/*
 * test=sbi, part 1: BASE (SBI v2.0 §4), the unknown extension and function rules (§3),
 * the /hypervisor node, and SRST's error paths (§10).
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "test-sbi.h"

void test_base(void) {
  struct sbiret r = sbi_get_spec_version();
  unsigned long v = (unsigned long)r.value;
  if (r.error)
    fail("base.get_spec_version", "%s", sbi_strerror(r.error));
  else if ((v >> 31) != 0 || ((v >> 24) & 0x7f) < 1)
    fail("base.get_spec_version", "version %p is below 1.0 or has bit 31 set", (void *)v);
  else if (st.on_ferry && v != SBI_SPEC_VERSION)
    fail("base.get_spec_version", "version %p, want %p", (void *)v, (void *)SBI_SPEC_VERSION);
  else
    ok("base.get_spec_version");

  r = sbi_get_impl_id();
  if (r.error)
    fail("base.get_impl_id", "%s", sbi_strerror(r.error));
  else
    ok("base.get_impl_id");

  r = sbi_get_impl_version();
  if (r.error)
    fail("base.get_impl_version", "%s", sbi_strerror(r.error));
  else if (st.on_ferry && r.value != FERRY_SBI_IMPL_VERSION)
    fail("base.get_impl_version", "%p, want %p", (void *)r.value, (void *)FERRY_SBI_IMPL_VERSION);
  else
    ok("base.get_impl_version");

  /* Which probes must find the extension (SBI v2.0 §4.4: 0 means absent). */
  enum { ANY, REQUIRED, FERRY_ONLY, ABSENT_ON_FERRY, ABSENT };
  static const struct { const char *name; long id; int need; } probes[] = {
    {"LEGACY_SET_TIMER", SBI_EXT_LEGACY_SET_TIMER, FERRY_ONLY},
    {"LEGACY_CONSOLE_PUTCHAR", SBI_EXT_LEGACY_CONSOLE_PUTCHAR, FERRY_ONLY},
    {"LEGACY_CONSOLE_GETCHAR", SBI_EXT_LEGACY_CONSOLE_GETCHAR, FERRY_ONLY},
    {"LEGACY_CLEAR_IPI", SBI_EXT_LEGACY_CLEAR_IPI, FERRY_ONLY},
    {"LEGACY_SEND_IPI", SBI_EXT_LEGACY_SEND_IPI, FERRY_ONLY},
    {"LEGACY_REMOTE_FENCE_I", SBI_EXT_LEGACY_REMOTE_FENCE_I, FERRY_ONLY},
    {"LEGACY_REMOTE_SFENCE_VMA", SBI_EXT_LEGACY_REMOTE_SFENCE_VMA, FERRY_ONLY},
    {"LEGACY_REMOTE_SFENCE_VMA_ASID", SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID, FERRY_ONLY},
    {"LEGACY_SHUTDOWN", SBI_EXT_LEGACY_SHUTDOWN, FERRY_ONLY},
    {"BASE", SBI_EXT_BASE, REQUIRED},
    {"TIME", SBI_EXT_TIME, REQUIRED},
    {"IPI", SBI_EXT_IPI, REQUIRED},
    {"RFENCE", SBI_EXT_RFENCE, REQUIRED},
    {"HSM", SBI_EXT_HSM, REQUIRED},
    {"SRST", SBI_EXT_SRST, REQUIRED},
    {"PMU", SBI_EXT_PMU, ABSENT_ON_FERRY},
    {"DBCN", SBI_EXT_DBCN, FERRY_ONLY},
    {"SUSP", SBI_EXT_SUSP, FERRY_ONLY},
    {"CPPC", SBI_EXT_CPPC, ABSENT_ON_FERRY},
    {"NACL", SBI_EXT_NACL, ABSENT_ON_FERRY},
    {"STA", SBI_EXT_STA, ABSENT_ON_FERRY},
    {"FERRY_PV", SBI_EXT_FERRY_PV, ANY}, /* the PV interface has tests of its own */
    {"unknown", UNKNOWN_EXT, ABSENT},
  };
  for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++) {
    char name[64];
    snprintf(name, sizeof name, "base.probe_extension.%s", probes[i].name);
    r = sbi_probe_extension(probes[i].id);
    int need = probes[i].need;
    if (r.error)
      fail(name, "%s", sbi_strerror(r.error));
    else if (r.value == 0 && (need == REQUIRED || (need == FERRY_ONLY && st.on_ferry)))
      fail(name, "not available");
    else if (r.value != 0 && (need == ABSENT || (need == ABSENT_ON_FERRY && st.on_ferry)))
      fail(name, "available (%ld), want 0", r.value);
    else
      ok(name);
  }

  r = sbi_get_mvendorid();
  check("base.get_mvendorid", r.error ? sbi_strerror(r.error) : "");
  r = sbi_get_marchid();
  check("base.get_marchid", r.error ? sbi_strerror(r.error) : "");
  r = sbi_get_mimpid();
  check("base.get_mimpid", r.error ? sbi_strerror(r.error) : "");

  expect_error("base.unknown_function",
               sbi_ecall(SBI_EXT_BASE, UNKNOWN_FID, 0, 0, 0, 0, 0, 0).error,
               SBI_ERR_NOT_SUPPORTED);
  expect_error("sbi.unknown_extension", sbi_ecall(UNKNOWN_EXT, 0, 0, 0, 0, 0, 0, 0).error,
               SBI_ERR_NOT_SUPPORTED);

  if (!dt.has_hypervisor && !st.on_ferry)
    skip("fdt.hypervisor", "no /hypervisor node (not Ferry)");
  else if (!dt.has_hypervisor)
    fail("fdt.hypervisor", "no /hypervisor node compatible with \"ferry,hypervisor\"");
  else if (dt.pv_extension != SBI_EXT_FERRY_PV)
    fail("fdt.hypervisor", "ferry,sbi-extension = %p, want %p", (void *)(long)dt.pv_extension,
         (void *)SBI_EXT_FERRY_PV);
  else
    ok("fdt.hypervisor");
}

/* Only the error paths: the real reset is the final shutdown. A firmware that wrongly
 * accepted one of these would end the run here, without the summary line. */
void test_srst(void) {
  if (!need_ext("srst", SBI_EXT_SRST, 0))
    return;
  expect_error("srst.system_reset.reserved_type", sbi_system_reset(3, 0).error,
               SBI_ERR_INVALID_PARAM);
  expect_error("srst.system_reset.reserved_reason",
               sbi_system_reset(SBI_RESET_TYPE_SHUTDOWN, 2).error, SBI_ERR_INVALID_PARAM);
  if (st.on_ferry) {
    expect_error("srst.system_reset.platform_type", sbi_system_reset(0xf0000000u, 0).error,
                 SBI_ERR_INVALID_PARAM);
    expect_error("srst.system_reset.platform_reason",
                 sbi_system_reset(SBI_RESET_TYPE_SHUTDOWN, 0xf0000000u).error,
                 SBI_ERR_INVALID_PARAM);
  } else {
    skip("srst.system_reset.platform_type", "not tried: this firmware may implement it");
    skip("srst.system_reset.platform_reason", "not tried: this firmware may implement it");
  }
  expect_error("srst.unknown_function",
               sbi_ecall(SBI_EXT_SRST, UNKNOWN_FID, 0, 0, 0, 0, 0, 0).error,
               SBI_ERR_NOT_SUPPORTED);
}
