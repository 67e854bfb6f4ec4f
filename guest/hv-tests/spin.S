/*
 * Busy vCPUs with a known register state, for pause, save and restore: every vCPU is
 * started; each sets stvec to `trap`, s1 = 0x5a5a0000 + hart id, and then counts forever
 * in s2, storing the count to counters[hart id] (a word each). Interrupts stay disabled.
 */
#include "hv.h"

  .section .text.init
  .globl _start
_start:
  call hv_count_harts
  la a1, secondary
  call hv_start_secondaries
  li a0, 0
secondary:
  mv s0, a0
  la t0, trap
  csrw stvec, t0
  csrw sie, zero
  li s1, 0x5a5a0000
  add s1, s1, s0
  li s2, 0
  la s3, counters
  slli t0, s0, 2
  add s3, s3, t0
  .globl spin_loop
spin_loop:
  addi s2, s2, 1
  sw s2, 0(s3)
  j spin_loop
  .globl spin_loop_end
spin_loop_end:

  .balign 4
trap:
  j hv_fail

  .bss
  .balign 4
  .globl counters
counters: .space 4 * 64
