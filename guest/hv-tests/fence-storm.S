/*
 * Remote fences in every direction at once: every vCPU is started and each asks every vCPU
 * (itself included, hart_mask_base = -1) for remote_sfence_vma ROUNDS times, so vCPUs wait
 * for each other's fences simultaneously — a host that does not serve fences while waiting
 * for its own deadlocks (or times out) here. A vCPU that is done stops itself, except the
 * last one, which prints "CHECK ok NN" and shuts down. No vCPU ever spins, so every fence
 * should complete as soon as the threads involved get to run.
 */
#include "hv.h"

#define ROUNDS 300

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
  li s2, ROUNDS
1:
  li a0, 0
  li a1, -1
  li a2, 0
  li a3, 0                      /* start 0, size 0: the whole address space */
  SBI(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_SFENCE_VMA)
  bnez a0, hv_fail
  addi s2, s2, -1
  bnez s2, 1b
  la t0, done
  li t1, 1
  amoadd.w t1, t1, (t0)         /* t1 = vCPUs done before this one */
  la t0, harts
  lw a0, 0(t0)
  addi t0, a0, -1
  bne t1, t0, 2f
  call hv_check_ok
  j hv_shutdown
2:
  SBI(SBI_EXT_HSM, SBI_HSM_HART_STOP)
  j hv_fail

  .data
  .balign 4
harts: .word 0
done: .word 0
