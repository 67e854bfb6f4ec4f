//! harts: 4
/*
 * Four harts: each increments two shared counters ITERS times, one with amoadd.w and one
 * with an lr.w/sc.w loop; a spin barrier; hart 0 checks both totals. Then a cross-hart
 * reservation check (another hart's store to the reserved word makes hart 0's sc.w fail),
 * then msip IPIs from hart 0 wake harts 1-3 from wfi (with mstatus.MIE = 0, so no trap:
 * wfi returns because MSIP is pending and enabled in mie), and each clears its own msip.
 * mhartid and the a0 each hart starts with must agree.
 *
 * Every wait is bounded (SPIN_MAX polls), so a hart that never arrives fails the test
 * instead of hanging it.
 */
#include "priv.h"

#define NHARTS 4
#define ITERS 3000
#define SPIN_MAX 200000000

/* Spin until the word at addr_reg equals value, at most SPIN_MAX polls; on timeout jump to
 * fail_label. Uses t0-t2. */
#define WAIT_EQ(addr_reg, value, fail_label) \
  li t1, SPIN_MAX; \
  li t2, value; \
77: \
  lw t0, 0(addr_reg); \
  beq t0, t2, 78f; \
  addi t1, t1, -1; \
  bnez t1, 77b; \
  j fail_label; \
78: \
  fence rw, rw;

TEST_BEGIN
CASE(1)
  csrr t0, mhartid
  CHECK(t0, 0)
  csrw mie, zero

/* atomic counters and a barrier */
CASE(2)
  call smp_work
  la s0, barrier1
  li t0, 1
  amoadd.w zero, t0, (s0)
  WAIT_EQ(s0, NHARTS, test_fail)
  la t0, counter_amo
  lw t1, 0(t0)
  CHECK(t1, NHARTS * ITERS)
  la t0, counter_lrsc
  lw t1, 0(t0)
  CHECK(t1, NHARTS * ITERS)
  la t0, id_mismatch
  lw t1, 0(t0)
  CHECK(t1, 0)

/* a store by hart 1 to the word hart 0 holds a reservation on makes hart 0's sc fail */
CASE(3)
  la s0, resv_word
  li t0, 5
  sw t0, 0(s0)
  fence rw, rw
  lr.w t1, (s0)
  CHECK(t1, 5)
  la s1, flag_go
  li t0, 1
  sw t0, 0(s1)              /* hart 1: go and store 6 */
  la s2, flag_done
  WAIT_EQ(s2, 1, test_fail)
  li t3, 7
  sc.w t4, t3, (s0)
  bnez t4, 1f
  FAIL_WITH(t4, zero)
1:
  lw t1, 0(s0)
  CHECK(t1, 6)

/* IPIs: wake harts 1-3 from wfi through their msip */
CASE(4)
  la s0, ready
  WAIT_EQ(s0, NHARTS - 1, test_fail)
  li s1, 1
2:
  slli t0, s1, 2
  li t1, CLINT_MSIP0
  add t0, t0, t1
  li t1, 1
  sw t1, 0(t0)
  addi s1, s1, 1
  li t0, NHARTS
  bltu s1, t0, 2b
  la s0, woken
  WAIT_EQ(s0, NHARTS - 1, test_fail)
  la t0, woken_mask
  lw t1, 0(t0)
  CHECK(t1, 0xe)
  li t0, CLINT_MSIP0
  lw t1, 4(t0)              /* each hart cleared its own msip */
  lw t2, 8(t0)
  or t1, t1, t2
  lw t2, 12(t0)
  or t1, t1, t2
  CHECK(t1, 0)
TEST_END

/* Harts 1..3 (a0 = hartid) */
  .text
  .globl secondary_main
secondary_main:
  csrr t0, mhartid
  beq t0, a0, 1f
  la t1, id_mismatch
  li t2, 1
  amoadd.w zero, t2, (t1)
1:
  mv s11, a0
  csrw mie, zero
  call smp_work
  la s0, barrier1
  li t0, 1
  amoadd.w zero, t0, (s0)
  WAIT_EQ(s0, NHARTS, sec_park)
  /* hart 1 helps with the reservation check */
  li t0, 1
  bne s11, t0, 2f
  la s0, flag_go
  WAIT_EQ(s0, 1, sec_park)
  la t0, resv_word
  li t1, 6
  sw t1, 0(t0)
  fence rw, rw
  la t0, flag_done
  li t1, 1
  sw t1, 0(t0)
2:
  /* sleep until hart 0's IPI */
  li t0, MIP_MSIP
  csrw mie, t0
  la t0, ready
  li t1, 1
  amoadd.w zero, t1, (t0)
  li s1, SPIN_MAX
3:
  wfi
  csrr t0, mip
  andi t0, t0, MIP_MSIP
  bnez t0, 4f
  addi s1, s1, -1
  bnez s1, 3b
  j sec_park
4:
  slli t0, s11, 2           /* clear our own msip */
  li t1, CLINT_MSIP0
  add t0, t0, t1
  sw zero, 0(t0)
  li t1, 1
  sll t1, t1, s11
  la t0, woken_mask
  amoor.w zero, t1, (t0)
  la t0, woken
  li t1, 1
  amoadd.w zero, t1, (t0)
sec_park:
  csrw mie, zero
5:
  wfi
  j 5b

/* ITERS increments of counter_amo (amoadd.w) and of counter_lrsc (lr.w/sc.w) */
smp_work:
  la t0, counter_amo
  la t1, counter_lrsc
  li t2, ITERS
  li t3, 1
1:
  amoadd.w zero, t3, (t0)
2:
  lr.w t4, (t1)
  addi t4, t4, 1
  sc.w t5, t4, (t1)
  bnez t5, 2b
  addi t2, t2, -1
  bnez t2, 1b
  ret

PRIV_SUPPORT

/* Each shared word on its own 64-byte line */
  .data
  .balign 64
counter_amo: .word 0
  .balign 64
counter_lrsc: .word 0
  .balign 64
barrier1: .word 0
  .balign 64
resv_word: .word 0
  .balign 64
flag_go: .word 0
  .balign 64
flag_done: .word 0
  .balign 64
ready: .word 0
  .balign 64
woken: .word 0
  .balign 64
woken_mask: .word 0
  .balign 64
id_mismatch: .word 0
