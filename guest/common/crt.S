/*
 * Bare-metal start-up shared by every test and benchmark program.
 * Every hart enters _start in M-mode with a0 = mhartid, a1 = device tree address
 * (QEMU virt with -bios none, and Ferry's bare machine, both do this).
 * Hart 0 clears .bss and calls main(hartid, dtb); its return value becomes the exit
 * status. Other harts call secondary_main(hartid) if the program defines it, and
 * otherwise park in wfi forever. A trap nobody expected prints its cause and fails.
 */
#include "asm.h"

  .section .text.init
  .globl _start
_start:
  csrr  t0, mhartid
  li    t1, MAX_HARTS_ASM
  bgeu  t0, t1, park
  /* sp = __stacks_top - hartid * STACK_SIZE */
  la    sp, __stacks_top
  li    t1, STACK_SIZE_ASM
  mul   t1, t1, t0
  sub   sp, sp, t1
  la    t2, unexpected_trap
  csrw  mtvec, t2
  bnez  t0, secondary
  /* hart 0: clear .bss, then main */
  la    t1, __bss_start
  la    t2, __bss_end
1:
  bgeu  t1, t2, 2f
  sb    zero, 0(t1)
  addi  t1, t1, 1
  j     1b
2:
  fence
  la    t1, bss_ready
  li    t2, 1
  sw    t2, 0(t1)
  call  main
  call  exit
secondary:
  la    t1, bss_ready
3:
  lw    t2, 0(t1)
  beqz  t2, 3b
  fence
  la    t1, secondary_main
  beqz  t1, park
  mv    a0, t0
  jalr  t1
park:
  wfi
  j     park

  /* Default trap handler: report and fail with status 99. */
  .align 2
  .globl unexpected_trap
unexpected_trap:
  la    sp, __stacks_top
  csrr  t0, mhartid
  li    t1, STACK_SIZE_ASM
  mul   t1, t1, t0
  sub   sp, sp, t1
  csrr  a0, mcause
  csrr  a1, mepc
  csrr  a2, mtval
  call  report_unexpected_trap
  li    a0, 99
  call  exit

  .weak secondary_main

  .data
  .align 2
bss_ready:
  .word 0
