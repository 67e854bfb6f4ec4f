/*
 * Many short timer waits: every vCPU is started and each, ROUNDS times, arms the SBI timer
 * PERIOD ticks ahead and waits in wfi (SIE off, STIE on) until STIP is pending; re-arming
 * clears it. A host that sleeps past a deadline without raising STIP leaves a vCPU in wfi
 * for good. A vCPU that is done stops itself, except the last one, which prints
 * "CHECK ok NN" and shuts down.
 */
#include "hv.h"

#define ROUNDS 200
#define PERIOD 2000                /* 200 us */

  .section .text.init
  .globl _start
_start:
  call hv_count_harts
  la t0, harts
  sw a0, 0(t0)
  la a1, secondary
  call hv_start_secondaries
  li a0, 0
secondary:
  csrci sstatus, SSTATUS_SIE
  li t0, SIE_STIE
  csrw sie, t0
  li s2, ROUNDS
1:
  rdtime a0
  li t0, PERIOD
  add a0, a0, t0
  li a1, 0                      /* RV32: the high word (guest time is young) */
  SBI(SBI_EXT_TIME, SBI_TIME_SET_TIMER)
  bnez a0, hv_fail
2:
  wfi
  csrr t0, sip
  andi t0, t0, SIP_STIP
  beqz t0, 2b
  addi s2, s2, -1
  bnez s2, 1b
  la t0, done
  li t1, 1
  amoadd.w t1, t1, (t0)         /* t1 = vCPUs done before this one */
  la t0, harts
  lw a0, 0(t0)
  addi t0, a0, -1
  bne t1, t0, 3f
  call hv_check_ok
  j hv_shutdown
3:
  SBI(SBI_EXT_HSM, SBI_HSM_HART_STOP)
  j hv_fail

  .data
  .balign 4
harts: .word 0
done: .word 0
