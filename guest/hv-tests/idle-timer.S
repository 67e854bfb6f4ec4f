/*
 * Idle vCPUs: every secondary is started and waits in wfi for an interrupt that never comes
 * (SSIP enabled, nobody sends it); vCPU 0 arms the SBI timer 1 s (10,000,000 ticks) ahead
 * and waits in wfi for it. When it fires, vCPU 0 checks that the time really passed, prints
 * "CHECK ok NN" and shuts down. A host running this should spend almost no CPU time.
 */
#include "hv.h"

#define DELAY_TICKS 10000000

  .section .text.init
  .globl _start
_start:
  call hv_count_harts
  mv s0, a0
  la a1, secondary
  call hv_start_secondaries

  rdtime s1                     /* (RV32: the low word suffices for a 1 s wait) */
  li t0, DELAY_TICKS
  add s2, s1, t0                /* s2 = deadline */
  mv a0, s2
  li a1, 0                      /* RV32: the high word of the deadline */
  SBI(SBI_EXT_TIME, SBI_TIME_SET_TIMER)
  bnez a0, hv_fail
  csrci sstatus, SSTATUS_SIE
  li t0, SIE_STIE
  csrw sie, t0
1:
  wfi
  csrr t0, sip
  andi t0, t0, SIP_STIP
  beqz t0, 1b
  rdtime t0
  bltu t0, s2, hv_fail          /* woken before the deadline */
  mv a0, s0
  call hv_check_ok
  j hv_shutdown

secondary:
  csrci sstatus, SSTATUS_SIE
  csrw sie, SIE_SSIE
1:
  wfi
  j 1b
