/*
 * Ferry's PV extension (SBI_EXT_FERRY_PV): typed wrappers for every call, and starting a
 * vCPU from a register context. Calling convention as for SBI: a6 = function id,
 * arguments in a0-a5, error in a0, value in a1.
 *
 * The extension counts as present only when the firmware answers the probe AND the
 * device tree has /hypervisor: QEMU with OpenSBI has neither, and every caller then takes
 * its plain SBI path (HSM hart_start, no event channels, no store, no suspend).
 *
 * A context (vcpu_initialise) is FERRY_CTX_WORDS XLEN-bit words: pc, x1..x31, sstatus,
 * stvec, sscratch, satp, sie. The hypervisor copies it during the call, so a buffer on
 * the caller's stack will do.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "param.h"
#include "riscv.h"

int pv_present;   /* set once by pvinit, before any hart but the boot hart runs */

#define PV(f, a, b) sbi_ecall(SBI_EXT_FERRY_PV, f, a, b, 0, 0, 0, 0)

void pvinit(void) {
  pv_present = dt.has_hypervisor && sbi_probe_extension(SBI_EXT_FERRY_PV).value != 0;
}

struct sbiret pv_vcpu_initialise(int vcpu, const unsigned long *ctx) {
  return PV(FERRY_PV_VCPU_INITIALISE, (unsigned long)vcpu, (unsigned long)ctx);
}
struct sbiret pv_vcpu_up(int vcpu) { return PV(FERRY_PV_VCPU_UP, (unsigned long)vcpu, 0); }
struct sbiret pv_vcpu_down(int vcpu) { return PV(FERRY_PV_VCPU_DOWN, (unsigned long)vcpu, 0); }
struct sbiret pv_vcpu_is_up(int vcpu) { return PV(FERRY_PV_VCPU_IS_UP, (unsigned long)vcpu, 0); }
struct sbiret pv_suspend(void) { return PV(FERRY_PV_SUSPEND, 0, 0); }
struct sbiret pv_shared_info(unsigned long gpa) { return PV(FERRY_PV_SHARED_INFO, gpa, 0); }

struct sbiret pv_evtchn_alloc_unbound(unsigned long remote_domid) {
  return PV(FERRY_PV_EVTCHN_ALLOC_UNBOUND, remote_domid, 0);
}
struct sbiret pv_evtchn_bind_interdomain(unsigned long domid, int port) {
  return PV(FERRY_PV_EVTCHN_BIND_INTERDOMAIN, domid, (unsigned long)port);
}
struct sbiret pv_evtchn_bind_virq(int virq, int vcpu) {
  return PV(FERRY_PV_EVTCHN_BIND_VIRQ, (unsigned long)virq, (unsigned long)vcpu);
}
struct sbiret pv_evtchn_bind_ipi(int vcpu) {
  return PV(FERRY_PV_EVTCHN_BIND_IPI, (unsigned long)vcpu, 0);
}
struct sbiret pv_evtchn_send(int port) {
  return PV(FERRY_PV_EVTCHN_SEND, (unsigned long)port, 0);
}
struct sbiret pv_evtchn_unmask(int port) {
  return PV(FERRY_PV_EVTCHN_UNMASK, (unsigned long)port, 0);
}
struct sbiret pv_evtchn_close(int port) {
  return PV(FERRY_PV_EVTCHN_CLOSE, (unsigned long)port, 0);
}
struct sbiret pv_evtchn_status(int port) {
  return PV(FERRY_PV_EVTCHN_STATUS, (unsigned long)port, 0);
}
struct sbiret pv_evtchn_bind_vcpu(int port, int vcpu) {
  return PV(FERRY_PV_EVTCHN_BIND_VCPU, (unsigned long)port, (unsigned long)vcpu);
}

/* A context that enters the kernel at pc in S-mode with interrupts off (SPP = 1, SIE = 0),
 * a0 and a1 as given and every other register 0: what HSM hart_start would give. */
void pv_ctx_entry(unsigned long *ctx, unsigned long pc, unsigned long a0, unsigned long a1) {
  memset(ctx, 0, FERRY_CTX_WORDS * sizeof ctx[0]);
  ctx[FERRY_CTX_PC] = pc;
  ctx[CTX_X(10)] = a0;
  ctx[CTX_X(11)] = a1;
  ctx[FERRY_CTX_SSTATUS] = SSTATUS_SPP;
}

/* Starts down vCPU vcpu from ctx: vcpu_initialise, then vcpu_up. The same two calls
 * bring up a hart at boot, at power-on and after a resume in a new domain. Returns 0, or
 * -1 with the reason in why. */
int pv_vcpu_start(int vcpu, const unsigned long *ctx, char *why, int whylen) {
  struct sbiret r = pv_vcpu_initialise(vcpu, ctx);
  if (r.error) {
    snprintf(why, whylen, "vcpu %d: vcpu_initialise: %s", vcpu, sbi_strerror(r.error));
    return -1;
  }
  r = pv_vcpu_up(vcpu);
  if (r.error) {
    snprintf(why, whylen, "vcpu %d: vcpu_up: %s", vcpu, sbi_strerror(r.error));
    return -1;
  }
  return 0;
}

/* Downs vcpu and waits until vcpu_is_up says 0. vcpu_down is asynchronous: the target
 * stops at its next slice boundary, even spinning with interrupts off. */
int pv_vcpu_stop(int vcpu, char *why, int whylen) {
  struct sbiret r = pv_vcpu_down(vcpu);
  if (r.error && r.error != SBI_ERR_ALREADY_STOPPED) {
    snprintf(why, whylen, "vcpu %d: vcpu_down: %s", vcpu, sbi_strerror(r.error));
    return -1;
  }
  uint64 deadline = deadline_ms(TIMEOUT_MS);
  for (;;) {
    r = pv_vcpu_is_up(vcpu);
    if (r.error) {
      snprintf(why, whylen, "vcpu %d: vcpu_is_up: %s", vcpu, sbi_strerror(r.error));
      return -1;
    }
    if (r.value == 0)
      return 0;
    if (expired(deadline)) {
      snprintf(why, whylen, "vcpu %d still up %d ms after vcpu_down", vcpu, TIMEOUT_MS);
      return -1;
    }
  }
}
