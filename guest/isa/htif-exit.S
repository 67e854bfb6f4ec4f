//! qemu: none
/*
 * Ends through the Spike / riscv-tests HTIF convention instead of the test finisher: after
 * printing PASS on the UART it writes (code << 1) | 1 = 1 (exit code 0) to the 64-bit word
 * "tohost" in section .tohost (8-byte aligned, page-aligned by bare.ld), with "fromhost"
 * right after it, then spins. QEMU virt has no HTIF, so this runs on Ferry only; Ferry must
 * find tohost by its ELF symbol and exit with status 0.
 * On RV32 the word is written as two 32-bit stores, the low half (the command) first, then
 * the high half (0), as riscv-tests do. QEMU's HTIF acts on the high-half store; Spike polls
 * the whole word; a device acting on the first store that makes tohost nonzero also works.
 */
#include "test.h"

#define EXIT_CODE 0

  .text
  .globl main
main:
  la a0, htif_msg
  call puts_uart
  li t1, (EXIT_CODE << 1) | 1
  la t0, tohost
#if __riscv_xlen == 64
  sd t1, 0(t0)
#else
  sw t1, 0(t0)
  sw zero, 4(t0)
#endif
1:
  j 1b

  .section .rodata
htif_msg:
  .asciz "PASS\n"

  .section .tohost, "aw", @progbits
  .balign 8
  .globl tohost
  .type tohost, @object
  .size tohost, 8
tohost:
  .dword 0
  .globl fromhost
  .type fromhost, @object
  .size fromhost, 8
fromhost:
  .dword 0
