/*
 * Harts: starting them with HSM, IPIs to a set of them, IPI messages between them, and a
 * barrier.
 *
 * IPI messages. An SSIP is one pending bit: two IPIs that arrive before the target takes
 * the first merge into one interrupt, so interrupts cannot be counted to prove delivery.
 * Instead hart S sends hart T a message by setting T's mbox[S] and then calling send_ipi;
 * T's interrupt handler clears SSIP first and then empties every mailbox, counting each
 * message once (trap.c). A message posted after the clear raises SSIP again, so none is
 * stranded. The sender waits for its mailbox slot to clear before sending again, with
 * interrupts on so that it keeps acknowledging messages sent to itself meanwhile; two
 * harts waiting on each other therefore cannot deadlock.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "riscv.h"

static const char *state_name(long s) {
  switch (s) {
  case SBI_HART_STATE_STARTED: return "STARTED";
  case SBI_HART_STATE_STOPPED: return "STOPPED";
  case SBI_HART_STATE_START_PENDING: return "START_PENDING";
  case SBI_HART_STATE_STOP_PENDING: return "STOP_PENDING";
  case SBI_HART_STATE_SUSPENDED: return "SUSPENDED";
  case SBI_HART_STATE_SUSPEND_PENDING: return "SUSPEND_PENDING";
  case SBI_HART_STATE_RESUME_PENDING: return "RESUME_PENDING";
  default: return "an unknown state";
  }
}

/* Polls hart_get_status until it reports want. Returns 0, or -1 on an SBI error or after
 * TIMEOUT_MS; *last gets the last state seen (or the negative error). */
int smp_wait_status(unsigned long hartid, long want, long *last) {
  uint64 deadline = deadline_ms(TIMEOUT_MS);
  for (;;) {
    struct sbiret r = sbi_hart_get_status(hartid);
    *last = r.error ? r.error : r.value;
    if (r.error)
      return -1;
    if (r.value == want)
      return 0;
    if (expired(deadline))
      return -1;
  }
}

/*
 * Starts a stopped hart at secondary_entry with the given opaque value (HSM hart_start,
 * or with PV vcpu_initialise + vcpu_up from the same registers), and checks the HSM
 * states on the way (SBI v2.0 §9: STOPPED, then START_PENDING for a while, then
 * STARTED) and that the hart arrived with a0 = its id and a1 = opaque. Returns 0, or -1
 * with the reason in why.
 */
int smp_start_hart(unsigned long hartid, unsigned long opaque, char *why, int whylen) {
  struct cpu *c = &cpus[hartid];
  struct sbiret r = sbi_hart_get_status(hartid);
  if (r.error || r.value != SBI_HART_STATE_STOPPED) {
    snprintf(why, whylen, "hart %lu: hart_get_status before start: %s", hartid,
             r.error ? sbi_strerror(r.error) : state_name(r.value));
    return -1;
  }
  uint32 starts = c->nstarts;
  if (pv_present) {
    /* The call that also re-creates CPUs after a resume (suspend.c); HSM then reports
     * the vCPU as it would after hart_start. */
    unsigned long ctx[FERRY_CTX_WORDS];
    pv_ctx_entry(ctx, (unsigned long)secondary_entry, hartid, opaque);
    if (pv_vcpu_start((int)hartid, ctx, why, whylen) < 0)
      return -1;
  } else if ((r = sbi_hart_start(hartid, (unsigned long)secondary_entry, opaque)).error) {
    snprintf(why, whylen, "hart %lu: hart_start: %s", hartid, sbi_strerror(r.error));
    return -1;
  }
  uint64 deadline = deadline_ms(TIMEOUT_MS);
  for (;;) {
    r = sbi_hart_get_status(hartid);
    if (r.error) {
      snprintf(why, whylen, "hart %lu: hart_get_status after start: %s", hartid,
               sbi_strerror(r.error));
      return -1;
    }
    if (r.value == SBI_HART_STATE_STARTED)
      break;
    if (r.value != SBI_HART_STATE_START_PENDING) {
      snprintf(why, whylen, "hart %lu: %s after hart_start", hartid, state_name(r.value));
      return -1;
    }
    if (expired(deadline)) {
      snprintf(why, whylen, "hart %lu: still START_PENDING", hartid);
      return -1;
    }
  }
  while (__atomic_load_n(&c->nstarts, __ATOMIC_ACQUIRE) == starts || !c->online) {
    if (expired(deadline)) {
      snprintf(why, whylen, "hart %lu: STARTED but never reached secondary_entry", hartid);
      return -1;
    }
  }
  if (c->entry_a0 != hartid || c->entry_a1 != opaque) {
    snprintf(why, whylen, "hart %lu: started with a0=%p a1=%p, want a0=%p a1=%p", hartid,
             (void *)c->entry_a0, (void *)c->entry_a1, (void *)hartid, (void *)opaque);
    return -1;
  }
  return 0;
}

/*
 * Sends an IPI to every hart in s. send_ipi's hart_mask is an unsigned long, XLEN bits
 * counted from hart_mask_base, so a set of up to 64 harts takes one call per XLEN-hart
 * group that has a member: one call on RV64, up to two (bases 0 and 32) on RV32. Returns
 * the first error, or 0; the other groups are still sent to.
 */
long ipi_send(cpuset s) {
  long err = 0;
  for (int base = 0; base < NCPU; base += __riscv_xlen) {
    unsigned long m = (unsigned long)(s >> base);
    if (m) {
      long e = sbi_send_ipi(m, base).error;
      if (e && !err)
        err = e;
    }
  }
  return err;
}

/* Posts one message to target and sends the IPI; returns send_ipi's result. */
struct sbiret ipi_post(unsigned long target) {
  __atomic_store_n(&cpus[target].mbox[mycpu()->hartid], 1, __ATOMIC_RELEASE);
  __sync_synchronize(); /* the message is visible before the IPI can be taken */
  return sbi_send_ipi(1, target);
}

/* Waits until target has taken the last message this hart posted; -1 at the deadline.
 * The caller must have interrupts on (see the top of this file). */
int ipi_wait_ack(unsigned long target, uint64 deadline) {
  while (__atomic_load_n(&cpus[target].mbox[mycpu()->hartid], __ATOMIC_ACQUIRE) != 0)
    if (expired(deadline))
      return -1;
  return 0;
}

/* From kerneltrap, after SSIP was cleared. */
void ipi_intr(void) {
  struct cpu *c = mycpu();
  for (int src = 0; src < NCPU; src++)
    if (__atomic_load_n(&c->mbox[src], __ATOMIC_RELAXED) != 0 &&
        __atomic_exchange_n(&c->mbox[src], 0, __ATOMIC_ACQ_REL) != 0)
      c->nmsg++;
}

/*
 * Waits until n harts have arrived. The last to arrive resets the count and then bumps
 * the round with release ordering, so a hart that sees the new round also sees the reset
 * count and can enter the next barrier at once. Returns -1 if the others do not arrive
 * within 6 * TIMEOUT_MS (a hart is dead or stuck).
 */
int barrier_wait(struct barrier *b, uint32 n) {
  uint32 round = __atomic_load_n(&b->round, __ATOMIC_ACQUIRE);
  if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == n) {
    __atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&b->round, round + 1, __ATOMIC_RELEASE);
    return 0;
  }
  uint64 deadline = deadline_ms(6 * TIMEOUT_MS);
  while (__atomic_load_n(&b->round, __ATOMIC_ACQUIRE) == round)
    if (expired(deadline))
      return -1;
  return 0;
}
