/*
 * Supervisor traps. The kernel expects exactly three kinds: the supervisor software
 * interrupt (an IPI, scause = interrupt | 1), the supervisor timer interrupt
 * (scause = interrupt | 5) and, with Ferry's PV extension, the supervisor external
 * interrupt (an event channel upcall, scause = interrupt | 9). Anything else is a bug in
 * the kernel or the hypervisor and panics with scause, sepc and stval, except one
 * exception that a test announced with expect_fault(). Traps arrive through kernelvec (entry.S) with interrupts off (the
 * hardware cleared sstatus.SIE), and the handlers never enable them.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "riscv.h"

/* Per-hart trap setup: the vector, and which interrupts may be taken (external ones only
 * with PV: they are event channel upcalls, evtchn.c). sstatus.SIE stays as the caller
 * has it. */
void trapinithart(void) {
  w_stvec((unsigned long)kernelvec);
  w_sie(SIE_SSIE | SIE_STIE | (pv_present ? SIE_SEIE : 0));
}

/* The next exception on this hart is expected: an SBI call that must fault. The SBI v2.0
 * legacy extensions (§5) redirect a fault taken while reading supervisor memory back to
 * the supervisor with sepc at the ecall. kerneltrap records it and resumes after that
 * ecall; a fault anywhere else still panics. */
void expect_fault(void) {
  struct cpu *c = mycpu();
  c->fault_cause = 0;
  c->fault_epc = 0;
  c->fault_armed = 1;
}

/* Disarms expect_fault; 1 if the fault came, with its scause and sepc. */
int fault_taken(unsigned long *cause, unsigned long *epc) {
  struct cpu *c = mycpu();
  int armed = c->fault_armed;
  c->fault_armed = 0;
  *cause = c->fault_cause;
  *epc = c->fault_epc;
  return !armed;
}

/* Whether the instruction at pc is ecall. Read as two halves: with compressed code a
 * 32-bit instruction may sit on a 2-byte boundary. */
static int is_ecall(unsigned long pc) {
  volatile uint16 *p = (volatile uint16 *)pc;
  return p[0] == 0x0073 && p[1] == 0x0000;
}

void kerneltrap(void) {
  unsigned long sepc = r_sepc();
  unsigned long sstatus = r_sstatus();
  unsigned long scause = r_scause();

  if ((sstatus & SSTATUS_SPP) == 0)
    panic("kerneltrap: trap from user mode (scause %p sepc %p)", (void *)scause, (void *)sepc);
  if (intr_get())
    panic("kerneltrap: interrupts enabled");

  if (scause == (SCAUSE_INTERRUPT | IRQ_S_SOFT)) {
    /* Clear before looking at the mailboxes: a message posted after this point raises
     * SSIP again, so none is missed (smp.c). */
    clear_sip(SIP_SSIP);
    mycpu()->nipi++;
    ipi_intr();
    xc_poll();
  } else if (scause == (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
    timer_intr(scause);
  } else if (scause == (SCAUSE_INTERRUPT | IRQ_S_EXT) && pv_present) {
    evtchn_intr();
  } else if (mycpu()->fault_armed && is_ecall(sepc)) {
    struct cpu *c = mycpu();
    c->fault_cause = scause;
    c->fault_epc = sepc;
    c->fault_armed = 0;
    sepc += 4;
  } else {
    panic("unexpected trap: scause %p sepc %p stval %p", (void *)scause, (void *)sepc,
          (void *)r_stval());
  }

  /* Preemption switches threads here, on the interrupted thread's stack; it comes back
   * (perhaps on another CPU) with sepc and sstatus still in these locals. */
  disp_preempt();

  /* The handlers make SBI calls but take no nested traps; restore anyway so that a
   * change to either CSR can never leak into the interrupted code. */
  w_sepc(sepc);
  w_sstatus(sstatus);
}
