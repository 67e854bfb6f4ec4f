/*
 * Typed wrappers for every SBI v2.0 call the kernel makes, plus the legacy (v0.1) calls.
 * Calling convention (SBI v2.0 §3): ecall with a7 = extension id, a6 = function id,
 * arguments in a0-a5; the error comes back in a0 and the value in a1, every other
 * register is preserved. Legacy calls return one value in a0. All numbers come from
 * ferry-sbi.h, generated from the hypervisor's own table.
 */
#include "types.h"
#include "defs.h"
#include "riscv.h"

/* Set by sbiinit() from probe_extension; read-only afterwards. */
int sbi_has_dbcn, sbi_has_srst, sbi_has_time;

struct sbiret sbi_ecall(long ext, long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2, unsigned long a3, unsigned long a4,
                        unsigned long a5) {
  register unsigned long r0 asm("a0") = a0;
  register unsigned long r1 asm("a1") = a1;
  register unsigned long r2 asm("a2") = a2;
  register unsigned long r3 asm("a3") = a3;
  register unsigned long r4 asm("a4") = a4;
  register unsigned long r5 asm("a5") = a5;
  register unsigned long r6 asm("a6") = fid;
  register unsigned long r7 asm("a7") = ext;
  asm volatile("ecall"
               : "+r"(r0), "+r"(r1)
               : "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r6), "r"(r7)
               : "memory");
  return (struct sbiret){(long)r0, (long)r1};
}

#define ECALL0(e, f) sbi_ecall(e, f, 0, 0, 0, 0, 0, 0)
#define ECALL1(e, f, a) sbi_ecall(e, f, a, 0, 0, 0, 0, 0)
#define ECALL2(e, f, a, b) sbi_ecall(e, f, a, b, 0, 0, 0, 0)
#define ECALL3(e, f, a, b, c) sbi_ecall(e, f, a, b, c, 0, 0, 0)
#define ECALL4(e, f, a, b, c, d) sbi_ecall(e, f, a, b, c, d, 0, 0)
#define ECALL5(e, f, a, b, c, d, g) sbi_ecall(e, f, a, b, c, d, g, 0)

/* A 64-bit argument takes a0 alone on RV64 and a0 (low), a1 (high) on RV32. */
#if __riscv_xlen == 64
#define LO64(v) ((unsigned long)(v))
#define HI64(v) 0UL
#else
#define LO64(v) ((unsigned long)(v))
#define HI64(v) ((unsigned long)((v) >> 32))
#endif

void sbiinit(void) {
  sbi_has_dbcn = sbi_probe_extension(SBI_EXT_DBCN).value != 0;
  sbi_has_srst = sbi_probe_extension(SBI_EXT_SRST).value != 0;
  sbi_has_time = sbi_probe_extension(SBI_EXT_TIME).value != 0;
}

const char *sbi_strerror(long error) {
  switch (error) {
  case SBI_ERR_SUCCESS: return "SUCCESS";
  case SBI_ERR_FAILED: return "ERR_FAILED";
  case SBI_ERR_NOT_SUPPORTED: return "ERR_NOT_SUPPORTED";
  case SBI_ERR_INVALID_PARAM: return "ERR_INVALID_PARAM";
  case SBI_ERR_DENIED: return "ERR_DENIED";
  case SBI_ERR_INVALID_ADDRESS: return "ERR_INVALID_ADDRESS";
  case SBI_ERR_ALREADY_AVAILABLE: return "ERR_ALREADY_AVAILABLE";
  case SBI_ERR_ALREADY_STARTED: return "ERR_ALREADY_STARTED";
  case SBI_ERR_ALREADY_STOPPED: return "ERR_ALREADY_STOPPED";
  case SBI_ERR_NO_SHMEM: return "ERR_NO_SHMEM";
  default: return "unknown error";
  }
}

/* BASE (§4) */
struct sbiret sbi_get_spec_version(void) { return ECALL0(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION); }
struct sbiret sbi_get_impl_id(void) { return ECALL0(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID); }
struct sbiret sbi_get_impl_version(void) { return ECALL0(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION); }
struct sbiret sbi_probe_extension(long extid) {
  return ECALL1(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, (unsigned long)extid);
}
struct sbiret sbi_get_mvendorid(void) { return ECALL0(SBI_EXT_BASE, SBI_BASE_GET_MVENDORID); }
struct sbiret sbi_get_marchid(void) { return ECALL0(SBI_EXT_BASE, SBI_BASE_GET_MARCHID); }
struct sbiret sbi_get_mimpid(void) { return ECALL0(SBI_EXT_BASE, SBI_BASE_GET_MIMPID); }

/* TIME (§6) */
struct sbiret sbi_set_timer(uint64 stime_value) {
  return ECALL2(SBI_EXT_TIME, SBI_TIME_SET_TIMER, LO64(stime_value), HI64(stime_value));
}

/* IPI (§7) */
struct sbiret sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base) {
  return ECALL2(SBI_EXT_IPI, SBI_IPI_SEND_IPI, hart_mask, hart_mask_base);
}

/* RFENCE (§8) */
struct sbiret sbi_remote_fence_i(unsigned long hart_mask, unsigned long hart_mask_base) {
  return ECALL2(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_FENCE_I, hart_mask, hart_mask_base);
}
struct sbiret sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base,
                                    unsigned long start_addr, unsigned long size) {
  return ECALL4(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_SFENCE_VMA, hart_mask, hart_mask_base,
                start_addr, size);
}
struct sbiret sbi_remote_sfence_vma_asid(unsigned long hart_mask,
                                         unsigned long hart_mask_base,
                                         unsigned long start_addr, unsigned long size,
                                         unsigned long asid) {
  return ECALL5(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_SFENCE_VMA_ASID, hart_mask, hart_mask_base,
                start_addr, size, asid);
}
struct sbiret sbi_remote_hfence_gvma_vmid(unsigned long hart_mask,
                                          unsigned long hart_mask_base,
                                          unsigned long start_addr, unsigned long size,
                                          unsigned long vmid) {
  return ECALL5(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_HFENCE_GVMA_VMID, hart_mask,
                hart_mask_base, start_addr, size, vmid);
}
struct sbiret sbi_remote_hfence_gvma(unsigned long hart_mask, unsigned long hart_mask_base,
                                     unsigned long start_addr, unsigned long size) {
  return ECALL4(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_HFENCE_GVMA, hart_mask, hart_mask_base,
                start_addr, size);
}
struct sbiret sbi_remote_hfence_vvma_asid(unsigned long hart_mask,
                                          unsigned long hart_mask_base,
                                          unsigned long start_addr, unsigned long size,
                                          unsigned long asid) {
  return ECALL5(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_HFENCE_VVMA_ASID, hart_mask,
                hart_mask_base, start_addr, size, asid);
}
struct sbiret sbi_remote_hfence_vvma(unsigned long hart_mask, unsigned long hart_mask_base,
                                     unsigned long start_addr, unsigned long size) {
  return ECALL4(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_HFENCE_VVMA, hart_mask, hart_mask_base,
                start_addr, size);
}

/* HSM (§9) */
struct sbiret sbi_hart_start(unsigned long hartid, unsigned long start_addr,
                             unsigned long opaque) {
  return ECALL3(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, start_addr, opaque);
}
struct sbiret sbi_hart_stop(void) { return ECALL0(SBI_EXT_HSM, SBI_HSM_HART_STOP); }
struct sbiret sbi_hart_get_status(unsigned long hartid) {
  return ECALL1(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hartid);
}
struct sbiret sbi_hart_suspend(uint32 suspend_type, unsigned long resume_addr,
                               unsigned long opaque) {
  return ECALL3(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, suspend_type, resume_addr, opaque);
}

/* SRST (§10) */
struct sbiret sbi_system_reset(uint32 reset_type, uint32 reset_reason) {
  return ECALL2(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, reset_type, reset_reason);
}

/* DBCN (§12) */
struct sbiret sbi_debug_console_write(unsigned long num_bytes, unsigned long base_addr_lo,
                                      unsigned long base_addr_hi) {
  return ECALL3(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, num_bytes, base_addr_lo, base_addr_hi);
}
struct sbiret sbi_debug_console_read(unsigned long num_bytes, unsigned long base_addr_lo,
                                     unsigned long base_addr_hi) {
  return ECALL3(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_READ, num_bytes, base_addr_lo, base_addr_hi);
}
struct sbiret sbi_debug_console_write_byte(uint8 byte) {
  return ECALL1(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE_BYTE, byte);
}

/* SUSP (§13) */
struct sbiret sbi_system_suspend(uint32 sleep_type, unsigned long resume_addr,
                                 unsigned long opaque) {
  return ECALL3(SBI_EXT_SUSP, SBI_SUSP_SYSTEM_SUSPEND, sleep_type, resume_addr, opaque);
}

/* Legacy extensions (§5): the extension id names the call, a6 is ignored, a0 returns. */
long sbi_legacy_set_timer(uint64 stime_value) {
  return ECALL2(SBI_EXT_LEGACY_SET_TIMER, 0, LO64(stime_value), HI64(stime_value)).error;
}
long sbi_legacy_console_putchar(int ch) {
  return ECALL1(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 0, (unsigned long)ch).error;
}
long sbi_legacy_console_getchar(void) {
  return ECALL0(SBI_EXT_LEGACY_CONSOLE_GETCHAR, 0).error;
}
long sbi_legacy_clear_ipi(void) { return ECALL0(SBI_EXT_LEGACY_CLEAR_IPI, 0).error; }
long sbi_legacy_send_ipi(const unsigned long *hart_mask) {
  return ECALL1(SBI_EXT_LEGACY_SEND_IPI, 0, (unsigned long)hart_mask).error;
}
long sbi_legacy_remote_fence_i(const unsigned long *hart_mask) {
  return ECALL1(SBI_EXT_LEGACY_REMOTE_FENCE_I, 0, (unsigned long)hart_mask).error;
}
long sbi_legacy_remote_sfence_vma(const unsigned long *hart_mask, unsigned long start,
                                  unsigned long size) {
  return ECALL3(SBI_EXT_LEGACY_REMOTE_SFENCE_VMA, 0, (unsigned long)hart_mask, start, size)
      .error;
}
long sbi_legacy_remote_sfence_vma_asid(const unsigned long *hart_mask, unsigned long start,
                                       unsigned long size, unsigned long asid) {
  return ECALL4(SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID, 0, (unsigned long)hart_mask, start,
                size, asid)
      .error;
}
long sbi_legacy_shutdown(void) { return ECALL0(SBI_EXT_LEGACY_SHUTDOWN, 0).error; }

/* Powers the machine off: SRST shutdown (reason SYSTEM_FAILURE if failed), else the legacy
 * shutdown. Never returns; if the firmware refuses, the hart parks. */
void shutdown(int failed) {
  if (sbi_has_srst)
    sbi_system_reset(SBI_RESET_TYPE_SHUTDOWN,
                     failed ? SBI_RESET_REASON_SYSTEM_FAILURE : SBI_RESET_REASON_NO_REASON);
  sbi_legacy_shutdown();
  intr_off();
  for (;;)
    wfi();
}
