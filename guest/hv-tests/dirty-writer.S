/*
 * Memory writers for dirty logging: every vCPU is started and each rewrites its own 64
 * pages of scratch RAM at SCRATCH_BASE + hart id * 256 KiB, page after page, forever. A page
 * gets amoadd.w round on its last word, then is filled up to that word with XLEN-wide
 * stores of (round << 16 | index). Each page is thus written many times in a row and then left alone for a
 * long while — the pattern that exposes a host reading a page while a vCPU still writes it
 * through a write-TLB entry cached before the harvest. Every value differs from the last,
 * so a missed write leaves the host's shadow copy different.
 */
#include "hv.h"

#define PAGES 64

  .section .text.init
  .globl _start
_start:
  call hv_count_harts
  la a1, secondary
  call hv_start_secondaries
  li a0, 0
secondary:
  li s0, SCRATCH_BASE
  slli t0, a0, 18
  add s0, s0, t0                /* s0 = this vCPU's region */
  li s1, 0                      /* s1 = round */
  li s5, 4096 - 4               /* offset of a page's amoadd word */
1:
  addi s1, s1, 1
  slli s3, s1, 16               /* s3 = round << 16 */
  mv s2, s0                     /* s2 = page */
  li t3, PAGES
2:
  add t2, s2, s5
  amoadd.w zero, s1, (t2)       /* first, so that it marks nothing the stores need */
  li t0, 0                      /* t0 = byte offset in the page */
3:
  srli t1, t0, 2
  or t1, t1, s3
  add t2, s2, t0
  SREG t1, 0(t2)
  addi t0, t0, REGBYTES
  blt t0, s5, 3b
  li t0, 4096
  add s2, s2, t0
  addi t3, t3, -1
  bnez t3, 2b
  j 1b
