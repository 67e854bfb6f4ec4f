/*
 * SMP bring-up through SBI: vCPU 0 counts the vCPUs (hart_get_status), starts the others
 * with hart_start (opaque = hart id), and every vCPU prints "hart NN up" with DBCN. Each
 * secondary then waits in wfi for an IPI from vCPU 0 and stops itself with hart_stop; vCPU 0
 * waits until all are STOPPED, prints "CHECK ok NN" (NN = vCPUs) and shuts down with SRST.
 * Any failed check prints "CHECK fail" and shuts down with reason SYSTEM_FAILURE.
 */
#include "hv.h"

  .section .text.init
  .globl _start
_start:
  bnez a0, hv_fail              /* the boot vCPU is 0 */
  call hv_count_harts
  mv s0, a0                     /* s0 = vCPUs */
  li a0, 0
  call hv_hart_up
  mv a0, s0
  la a1, secondary
  call hv_start_secondaries
  addi s2, s0, -1               /* s2 = secondaries */

  la a0, up_count
  mv a1, s2
  call hv_wait_eq

  /* IPI every secondary: hart_mask = all but bit 0, hart_mask_base = 0 */
  li t0, 1
  sll t0, t0, s0
  addi t0, t0, -1
  andi a0, t0, -2
  li a1, 0
  SBI(SBI_EXT_IPI, SBI_IPI_SEND_IPI)
  bnez a0, hv_fail
  la a0, ipi_count
  mv a1, s2
  call hv_wait_eq

  /* every secondary reaches STOPPED */
  li s1, 1
1:
  bge s1, s0, 3f
  li s3, SPIN_MAX
2:
  mv a0, s1
  SBI(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS)
  bnez a0, hv_fail
  li t0, SBI_HART_STATE_STOPPED
  beq a1, t0, 4f
  addi s3, s3, -1
  bnez s3, 2b
  j hv_fail
4:
  addi s1, s1, 1
  j 1b
3:
  mv a0, s0
  call hv_check_ok
  j hv_shutdown

/* a0 = hart id, a1 = opaque (the hart id again) */
secondary:
  bne a0, a1, hv_fail
  mv s0, a0
  call hv_hart_up
  la t0, up_count
  li t1, 1
  amoadd.w zero, t1, (t0)
  /* Wait for the IPI with SIE clear: wfi returns once SSIP is pending and enabled in sie. */
  csrci sstatus, SSTATUS_SIE
  csrw sie, SIE_SSIE
1:
  wfi
  csrr t0, sip
  andi t0, t0, SIP_SSIP
  beqz t0, 1b
  csrci sip, SIP_SSIP
  la t0, ipi_count
  li t1, 1
  amoadd.w zero, t1, (t0)
  SBI(SBI_EXT_HSM, SBI_HSM_HART_STOP)
  j hv_fail                     /* hart_stop does not return */

  .bss
  .balign 4
up_count: .word 0
ipi_count: .word 0
