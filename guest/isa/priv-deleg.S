/*
 * Delegation of exceptions to S-mode with medeleg: scause/sepc/stval/sstatus.SPP/SPIE/SIE on
 * a delegated trap, sret, exceptions that are not delegated still going to M, traps taken in
 * M never being delegated, a U-mode ecall delegated to S, and sstatus/sie/sip as restricted
 * views of mstatus/mie/mip.
 *
 * QEMU 7.2 facts relied on: stval for a delegated illegal instruction is the instruction bits
 * (as mtval is); stval for an access fault is the address. medeleg has the standard
 * delegable bits 0-9, 12, 13, 15 writable (QEMU also lets bit 11 and the H-extension bits
 * 10, 20-23 be set: writing all ones reads back 0xf0bfff; only the standard bits are checked
 * here). mideleg: SSIP/STIP/SEIP (0x222) writable; QEMU 7.2 also shows the H-extension bits
 * 0x1444 as read-only ones, which is why every mideleg check is masked with 0x222.
 */
#include "priv.h"

#define UNMAPPED 0x80000
#define SVIEW (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR)
#define MONLY (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)

TEST_BEGIN
  PRIV_INIT

/* medeleg / mideleg writable bits */
CASE(1)
  li t0, -1
  csrw medeleg, t0
  CHECK_CSR_MASKED(medeleg, 0xb3ff, 0xb3ff)
  CHECK_CSR_MASKED(medeleg, 0x4000, 0)           /* 14 is reserved */
  csrw medeleg, zero
  CHECK_CSR_MASKED(medeleg, 0xb3ff, 0)
CASE(2)
  li t0, -1
  csrw mideleg, t0
  CHECK_CSR_MASKED(mideleg, 0xaaa, 0x222)        /* M-level interrupts never delegable */
  csrw mideleg, zero
  CHECK_CSR_MASKED(mideleg, 0x222, 0)

/* Illegal instruction in S, delegated: scause 2, sepc, stval = bits, SPP = S,
 * SPIE = the SIE S had (1), SIE = 0. */
CASE(3)
  li t0, 1 << CAUSE_ILLEGAL
  csrw medeleg, t0
  EXPECT_STRAP(t3_s_back)
  RUN_IN(MSTATUS_MPP_S, t3_s, 1f)
t3_s:
  li t0, MSTATUS_SIE
  csrs sstatus, t0
t3_s_ill:
  .4byte 0x0000000b
  j test_fail
t3_s_back:
  csrr s2, sstatus          /* the S handler returned with SPIE = 0: SIE = 0, SPIE = 1 */
  ecall                     /* not delegated: back to M */
  j test_fail
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK_STRAP_CEV(CAUSE_ILLEGAL, t3_s_ill, 0x0000000b)
  CHECK_STRAP_MASKED(TR_STATUS, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP | MSTATUS_SPIE)
  CHECK_MASKED(s2, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPIE)
  CHECK_CSR(scause, CAUSE_ILLEGAL)
  csrr t0, sepc
  CHECK_LABEL(t0, t3_s_back)          /* the S handler's sret went back through sepc */
  CHECK_CSR(stval, 0x0000000b)
  CHECK_CSR(mcause, CAUSE_ECALL_S)
CASE(4)      /* an M-mode CSR read in S is an illegal instruction, and it is delegated */
  EXPECT_STRAP(t4_s_back)
  RUN_IN(MSTATUS_MPP_S, t4_s, 1f)
t4_s:
  csrr s3, mcause
  j test_fail
t4_s_back:
  ecall
  j test_fail
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK_STRAP_CEV(CAUSE_ILLEGAL, t4_s, 0x342029f3)

/* The same exception from U goes to S with SPP = U */
CASE(5)
  EXPECT_STRAP(t5_s_back)
  RUN_IN(MSTATUS_MPP_U, t5_u, 1f)
t5_u:
  csrw sscratch, zero       /* S CSR from U: illegal */
  j test_fail
t5_s_back:
  ecall
  j test_fail
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK_STRAP_CEV(CAUSE_ILLEGAL, t5_u, 0x14001073)
  CHECK_STRAP_MASKED(TR_STATUS, MSTATUS_SPP, 0)

/* Not delegated: ebreak in S still goes to M, with mcause 3 */
CASE(6)
  RUN_IN(MSTATUS_MPP_S, t6_s, 1f)
t6_s:
  ebreak
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_BREAKPOINT, t6_s, 0)
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP, MSTATUS_MPP_S)

/* Traps taken in M are never delegated, whatever medeleg says */
CASE(7)
  li t0, (1 << CAUSE_ILLEGAL) | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_ECALL_U) | (1 << CAUSE_ECALL_S) | (1 << CAUSE_LOAD_ACCESS)
  csrw medeleg, t0
  EXPECT_TRAP(1f)
t7_ill:
  .4byte 0x0000000b
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_ILLEGAL, t7_ill, 0x0000000b)
  EXPECT_TRAP(1f)
t7_ebreak:
  ebreak
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_BREAKPOINT, t7_ebreak, 0)
  EXPECT_TRAP(1f)
t7_ld:
  li t0, UNMAPPED
  lw t0, 0(t0)
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_LOAD_ACCESS, t7_ld + 4, UNMAPPED)

/* ecall from U delegated to S: scause 8, stval 0, SPP = U. S gets back to M with ebreak. */
CASE(8)
  li t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ECALL_S)
  csrw medeleg, t0
  EXPECT_STRAP(t8_s_back)
  RUN_IN(MSTATUS_MPP_U, t8_u, 1f)
t8_u:
  ecall
  j test_fail
t8_s_back:
  ebreak
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_BREAKPOINT, t8_s_back, 0)
  CHECK_STRAP_CEV(CAUSE_ECALL_U, t8_u, 0)
  CHECK_STRAP_MASKED(TR_STATUS, MSTATUS_SPP, 0)

/* ecall from S delegated to S: scause 9, SPP = S */
CASE(9)
  EXPECT_STRAP(t9_s_back)
  RUN_IN(MSTATUS_MPP_S, t9_s, 1f)
t9_s:
  ecall
  j test_fail
t9_s_back:
  ebreak
  j test_fail
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_BREAKPOINT)
  CHECK_STRAP_CEV(CAUSE_ECALL_S, t9_s, 0)
  CHECK_STRAP_MASKED(TR_STATUS, MSTATUS_SPP, MSTATUS_SPP)

/* Delegated load and store access faults: stval = the address; the store one is not
 * delegated and goes to M */
CASE(10)
  li t0, 1 << CAUSE_LOAD_ACCESS
  csrw medeleg, t0
  li s0, UNMAPPED
  EXPECT_STRAP(t10_s_back)
  RUN_IN(MSTATUS_MPP_U, t10_u, 1f)
t10_u:
  lw t0, 12(s0)
  j test_fail
t10_s_back:
  sw zero, 4(s0)
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_STORE_ACCESS, t10_s_back, UNMAPPED + 4)
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP, MSTATUS_MPP_S)
  CHECK_STRAP_CEV(CAUSE_LOAD_ACCESS, t10_u, UNMAPPED + 12)

/* sret from the S handler back to U continues there (SPP = U kept by a handler that does
 * not touch it): here S's own code does the sret */
CASE(11)
  li t0, 1 << CAUSE_ECALL_U
  csrw medeleg, t0
  la t0, t11_stvec
  csrw stvec, t0
  li s4, 0
  RUN_IN(MSTATUS_MPP_U, t11_u, 1f)
t11_u:
  li s4, 1
  ecall                     /* to t11_stvec in S */
  addi s4, s4, 10           /* after sret */
  ebreak                    /* to M */
  j test_fail
  .balign 4
t11_stvec:
  addi s4, s4, 100
  csrr t0, sepc
  addi t0, t0, 4
  csrw sepc, t0
  sret
1:
  CHECK(s4, 111)
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP, MSTATUS_MPP_U)
  la t0, s_trap
  csrw stvec, t0

/* sstatus is a restricted view of mstatus */
CASE(12)
  csrw medeleg, zero
  li t0, MONLY | SVIEW
  csrc mstatus, t0
  li t0, MSTATUS_MPIE | MSTATUS_MPP_S | MSTATUS_MPRV | MSTATUS_SPIE | MSTATUS_SUM
  csrs mstatus, t0
  CHECK_CSR_MASKED(sstatus, MONLY | SVIEW, MSTATUS_SPIE | MSTATUS_SUM)
  li t0, MONLY | MSTATUS_SPP | MSTATUS_MXR
  csrs sstatus, t0          /* M-only bits are not writable through sstatus */
  CHECK_CSR_MASKED(mstatus, MONLY | SVIEW, MSTATUS_MPIE | MSTATUS_MPP_S | MSTATUS_MPRV | MSTATUS_SPIE | MSTATUS_SUM | MSTATUS_SPP | MSTATUS_MXR)
  li t0, MONLY | SVIEW
  csrc sstatus, t0
  CHECK_CSR_MASKED(mstatus, MONLY | SVIEW, MSTATUS_MPIE | MSTATUS_MPP_S | MSTATUS_MPRV)
  li t0, MSTATUS_MPRV | MSTATUS_MPIE
  csrc mstatus, t0
CASE(13)      /* and from S-mode itself */
  li t0, MSTATUS_TW | MSTATUS_MXR
  csrs mstatus, t0
  RUN_IN(MSTATUS_MPP_S, t13_s, 1f)
t13_s:
  csrr s2, sstatus
  li t0, MSTATUS_TW | MSTATUS_MIE | MSTATUS_SUM
  csrs sstatus, t0
  ecall
  j test_fail
1:
  CHECK_MASKED(s2, MONLY | SVIEW, MSTATUS_MXR)
  CHECK_CSR_MASKED(mstatus, MSTATUS_TW | MSTATUS_MIE | MSTATUS_SUM | MSTATUS_MXR, MSTATUS_TW | MSTATUS_SUM | MSTATUS_MXR)
  li t0, MSTATUS_TW | MSTATUS_SUM | MSTATUS_MXR
  csrc mstatus, t0

/* sie / sip are mie / mip restricted to the delegated interrupts (mideleg) */
CASE(14)
  li t0, 0x222
  csrw mideleg, t0
  li t0, 0xaaa
  csrw mie, t0
  CHECK_CSR_MASKED(sie, 0xaaa, 0x222)
  csrw sie, zero            /* clears only the delegated bits of mie */
  CHECK_CSR_MASKED(mie, 0xaaa, 0x888)
  li t0, MIP_STIP
  csrw mideleg, t0          /* only STIP delegated */
  li t0, 0xaaa
  csrw sie, t0
  CHECK_CSR_MASKED(mie, 0xaaa, 0x8a8)
  CHECK_CSR_MASKED(sie, 0xaaa, 0x020)
  csrw mie, zero
CASE(15)
  li t0, 0x222
  csrw mideleg, t0
  li t0, MIP_SSIP | MIP_STIP
  csrs mip, t0              /* M may set SSIP and STIP (menvcfg.STCE = 0) */
  CHECK_CSR_MASKED(mip, 0xaaa, MIP_SSIP | MIP_STIP)
  CHECK_CSR_MASKED(sip, 0xaaa, MIP_SSIP | MIP_STIP)
  li t0, MIP_SSIP | MIP_STIP
  csrc sip, t0              /* SSIP is writable through sip, STIP is not */
  CHECK_CSR_MASKED(mip, 0xaaa, MIP_STIP)
  csrw mideleg, zero        /* nothing delegated: sip shows nothing, ignores writes */
  CHECK_CSR_MASKED(sip, 0xaaa, 0)
  li t0, MIP_SSIP
  csrs sip, t0
  CHECK_CSR_MASKED(mip, 0xaaa, MIP_STIP)
  li t0, MIP_STIP
  csrc mip, t0
  CHECK_CSR_MASKED(mip, 0xaaa, 0)
CASE(16)      /* sip.SSIP written from S-mode reaches mip */
  li t0, MIP_SSIP
  csrw mideleg, t0
  RUN_IN(MSTATUS_MPP_S, t16_s, 1f)
t16_s:
  li t0, MIP_SSIP
  csrs sip, t0              /* sstatus.SIE = 0 and sie = 0: not taken */
  csrr s2, sip
  ecall
  j test_fail
1:
  CHECK_MASKED(s2, 0xaaa, MIP_SSIP)
  CHECK_CSR_MASKED(mip, 0xaaa, MIP_SSIP)
  li t0, MIP_SSIP
  csrc mip, t0
  csrw mideleg, zero
TEST_END
PRIV_SUPPORT
