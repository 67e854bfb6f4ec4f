//! qemu: none
//! expect-status: 3
/*
 * Like htif-exit.S, but exits with code 3: writes (3 << 1) | 1 = 7 to tohost. The runner
 * expects exit status 3 (Ferry only; QEMU virt has no HTIF). Nothing is printed.
 */
#include "test.h"

#define EXIT_CODE 3

  .text
  .globl main
main:
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
