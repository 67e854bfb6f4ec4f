/*
 * Interrupts: the machine timer (CLINT mtimecmp, mcause = interrupt bit | 7), the machine
 * software interrupt (CLINT msip, cause 3), priority between pending interrupts, gating by
 * mie and mstatus.MIE, wfi waking on a pending enabled interrupt even with MIE = 0,
 * supervisor software and timer interrupts delegated to S-mode (SSIP / STIP set by M in mip),
 * an undelegated S-level interrupt going to M, M-level interrupts taken in S regardless of
 * mstatus.MIE, and vectored mtvec / stvec (MODE = 1: interrupts go to base + 4 * cause,
 * exceptions to base).
 *
 * Pinned behaviour (QEMU 7.2 does this; the spec leaves the exact moment open): an
 * interrupt that becomes pending-and-enabled through a CSR write (mstatus, mie, mip, sip,
 * sstatus) or that is already pending when mret/sret lowers the privilege is taken before
 * the next instruction, so mepc/sepc is the instruction after that write (or the mret/sret
 * target). After an MMIO store (msip) it is taken soon, not necessarily at once, so no
 * mepc is checked there. CLINT-driven mip bits are polled for after the MMIO write that
 * changes them (see WAIT_MIP). mtval is 0 for interrupts. mip.MTIP and mip.MSIP are
 * read-only (CLINT-driven); mip.SSIP and mip.STIP are writable by M (menvcfg.STCE = 0, as
 * after reset), and so is mip.SEIP.
 *
 * Priority: QEMU 7.2 (without AIA) takes the pending-and-enabled interrupt with the lowest
 * number first (SSI 1, MSI 3, STI 5, MTI 7, SEI 9, MEI 11), while the spec orders them MEI,
 * MSI, MTI, SEI, SSI, STI. Only pairs on which both agree are tested: MSI before MTI, MTI
 * before SEI, SSI before STI.
 */
#include "priv.h"

#define MSIP_WRITE(v) \
  csrr t1, mhartid; \
  slli t1, t1, 2; \
  li t0, CLINT_MSIP0; \
  add t1, t1, t0; \
  li t0, v; \
  sw t0, 0(t1);

/* Spin for a bounded time waiting for an interrupt to be taken (the handler resumes
 * elsewhere); fall through to a failure if it never comes. */
#define SPIN_FAIL \
  li t2, 200000000; \
88: \
  addi t2, t2, -1; \
  bnez t2, 88b; \
  j priv_stop;

/* Wait (bounded) until (mip & mask) == value. CLINT-driven bits (MSIP, MTIP) may reach mip
 * some time after the MMIO write that changes them (QEMU: at once; an emulator may update
 * them between time slices), so tests poll for them instead of expecting them on the very
 * next instruction. Uses t0-t2. */
#define WAIT_MIP(mask, value) \
  li t2, 2000000; \
87: \
  csrr t0, mip; \
  li t1, mask; \
  and t0, t0, t1; \
  li t1, value; \
  beq t0, t1, 86f; \
  addi t2, t2, -1; \
  bnez t2, 87b; \
  FAIL_WITH(t0, t1) \
86:

/* Interrupts back to a quiet state */
#define QUIET \
  li t0, MSTATUS_MIE | MSTATUS_SIE; \
  csrc mstatus, t0; \
  csrw mie, zero; \
  csrw mideleg, zero; \
  li t0, MIP_SSIP | MIP_STIP | MIP_SEIP; \
  csrc mip, t0; \
  MSIP_WRITE(0) \
  TIMER_OFF \
  WAIT_MIP(MIP_MSIP | MIP_MTIP, 0)

TEST_BEGIN
  PRIV_INIT

/* mip.MTIP follows mtime >= mtimecmp; MTIP and MSIP cannot be written in mip */
CASE(1)
  WAIT_MIP(MIP_MTIP | MIP_MSIP, 0)
  csrr t1, mhartid
  slli t1, t1, 3
  li t0, CLINT_MTIMECMP0
  add t1, t1, t0
#if XLEN == 64
  sd zero, 0(t1)
#else
  sw zero, 0(t1)
  sw zero, 4(t1)
#endif
  WAIT_MIP(MIP_MTIP, MIP_MTIP)
  TIMER_OFF
  WAIT_MIP(MIP_MTIP, 0)
  li t0, MIP_MTIP | MIP_MSIP
  csrs mip, t0
  CHECK_CSR_MASKED(mip, MIP_MTIP | MIP_MSIP, 0)

/* Machine timer interrupt: mcause = interrupt | 7, mtval = 0, MPP = M, MPIE = 1, MIE = 0 */
CASE(2)
  li t0, MIP_MTIP
  csrw mie, t0
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  EXPECT_TRAP(1f)
  TIMER_IN(1000)
  SPIN_FAIL
1:
  CHECK_MTRAP(TR_COUNT, 1)
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_M_TIMER))
  CHECK_MTRAP(TR_TVAL, 0)
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE, MSTATUS_MPP_M | MSTATUS_MPIE)
  CHECK_CSR_MASKED(mip, MIP_MTIP, MIP_MTIP)   /* still pending until mtimecmp moves */
  CHECK_CSR_MASKED(mstatus, MSTATUS_MIE, 0)
  TIMER_OFF
  WAIT_MIP(MIP_MTIP, 0)
  QUIET

/* Machine software interrupt through msip (taken soon after the store; QEMU takes it a few
 * instructions later, at the end of its translation block, so mepc is not checked) */
CASE(3)
  li t0, MIP_MSIP
  csrw mie, t0
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  EXPECT_TRAP(1f)
  MSIP_WRITE(1)
  SPIN_FAIL
1:
  CHECK_MTRAP(TR_COUNT, 1)
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_M_SOFT))
  CHECK_MTRAP(TR_TVAL, 0)
  CHECK_CSR_MASKED(mip, MIP_MSIP, MIP_MSIP)
  MSIP_WRITE(0)
  WAIT_MIP(MIP_MSIP, 0)
  QUIET

/* mstatus.MIE gates: pending + enabled in mie but MIE = 0 waits; setting MIE takes it */
CASE(4)
  li t0, MIP_MSIP
  csrw mie, t0
  MSIP_WRITE(1)
  WAIT_MIP(MIP_MSIP, MIP_MSIP)
  EXPECT_TRAP(1f)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
t4_after:
  SPIN_FAIL
1:
  CHECK_MTRAP_CEV(CAUSE_INTR(IRQ_M_SOFT), t4_after, 0)
  QUIET

/* mie gates: MIE = 1 but mie.MSIE = 0 waits; setting mie.MSIE takes it */
CASE(5)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  MSIP_WRITE(1)
  WAIT_MIP(MIP_MSIP, MIP_MSIP)       /* pending, not enabled in mie: not taken */
  EXPECT_TRAP(1f)
  li t0, MIP_MSIP
  csrs mie, t0
t5_after:
  SPIN_FAIL
1:
  CHECK_MTRAP_CEV(CAUSE_INTR(IRQ_M_SOFT), t5_after, 0)
  QUIET

/* Priority: MSI before MTI; then MTI once MSI is gone */
CASE(6)
  csrr t1, mhartid
  slli t1, t1, 3
  li t0, CLINT_MTIMECMP0
  add t1, t1, t0
  sw zero, 0(t1)
  sw zero, 4(t1)
  MSIP_WRITE(1)
  WAIT_MIP(MIP_MTIP | MIP_MSIP, MIP_MTIP | MIP_MSIP)
  li t0, MIP_MTIP | MIP_MSIP
  csrw mie, t0
  EXPECT_TRAP(1f)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  SPIN_FAIL
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_M_SOFT))
  MSIP_WRITE(0)
  WAIT_MIP(MIP_MTIP | MIP_MSIP, MIP_MTIP)
  EXPECT_TRAP(1f)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  SPIN_FAIL
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_M_TIMER))
  QUIET

/* Priority: MTI before SEI; SSI before STI (both orders agree with the spec and QEMU 7.2;
 * see the header for where they differ) */
CASE(7)
  TIMER_IN(0)               /* mtimecmp = now: MTIP pending */
  WAIT_MIP(MIP_MTIP, MIP_MTIP)
  li t0, MIP_SEIP
  csrs mip, t0
  li t0, MIP_MTIP | MIP_SEIP
  csrw mie, t0
  EXPECT_TRAP(1f)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  SPIN_FAIL
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_M_TIMER))
  TIMER_OFF
  WAIT_MIP(MIP_MTIP, 0)
  EXPECT_TRAP(1f)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  SPIN_FAIL
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_S_EXT))
  li t0, MIP_SEIP
  csrc mip, t0
  CHECK_CSR_MASKED(mip, MIP_SEIP, 0)
  li t0, MIP_SSIP | MIP_STIP
  csrs mip, t0
  csrw mie, t0
  EXPECT_TRAP(1f)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  SPIN_FAIL
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_S_SOFT))
  li t0, MIP_SSIP
  csrc mip, t0
  EXPECT_TRAP(1f)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  SPIN_FAIL
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_S_TIMER))
  QUIET

/* wfi with MIE = 0 wakes up when an interrupt enabled in mie becomes pending; no trap */
CASE(8)
  li t0, MIP_MTIP
  csrw mie, t0
  TIMER_IN(2000)
  li s1, 0
2:
  addi s1, s1, 1
  li t0, 100000000
  bgeu s1, t0, test_fail    /* wfi may also return early; bounded anyway */
  wfi
  csrr t0, mip
  andi t0, t0, MIP_MTIP
  beqz t0, 2b
  QUIET

/* Supervisor software interrupt delegated to S: set by M in mip, not taken in M (even with
 * MIE = 1), taken at once on entering S with SIE = 1: scause = interrupt | 1, sepc = the
 * first S instruction, SPP = S, SPIE = 1, stval = 0 */
CASE(9)
  li t0, MIP_SSIP
  csrw mideleg, t0
  csrw mie, t0
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  li t0, MIP_SSIP
  csrs mip, t0
  li t2, 1000
2:
  addi t2, t2, -1
  bnez t2, 2b
  li t0, MSTATUS_MIE
  csrc mstatus, t0
  li t0, MSTATUS_SIE
  csrs mstatus, t0
  EXPECT_STRAP(t9_s_back)
  RUN_IN(MSTATUS_MPP_S, t9_s, 1f)
t9_s:
  SPIN_FAIL
t9_s_back:
  csrr s2, sip
  li t0, MIP_SSIP
  csrc sip, t0
  ecall
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK_STRAP_CEV(CAUSE_INTR(IRQ_S_SOFT), t9_s, 0)
  CHECK_STRAP_MASKED(TR_STATUS, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP | MSTATUS_SPIE)
  CHECK_MASKED(s2, MIP_SSIP, MIP_SSIP)
  CHECK_CSR_MASKED(mip, MIP_SSIP, 0)
  QUIET

/* Delegated, pending and enabled in sie: not taken in S with SIE = 0, taken in U anyway */
CASE(10)
  li t0, MIP_SSIP
  csrw mideleg, t0
  csrw mie, t0
  csrs mip, t0
  EXPECT_STRAP(t10_s_back)
  RUN_IN(MSTATUS_MPP_S, t10_s, 1f)
t10_s:
  li s3, 0
  li t2, 1000
2:
  addi t2, t2, -1
  bnez t2, 2b
  li s3, 1                  /* still here: not taken with SIE = 0 */
  la t0, t10_u
  csrw sepc, t0
  li t0, MSTATUS_SPP
  csrc sstatus, t0
  sret
t10_u:
  SPIN_FAIL
t10_s_back:
  li t0, MIP_SSIP
  csrc sip, t0
  ecall
1:
  CHECK(s3, 1)
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK_STRAP_CEV(CAUSE_INTR(IRQ_S_SOFT), t10_u, 0)
  CHECK_STRAP_MASKED(TR_STATUS, MSTATUS_SPP, 0)
  QUIET

/* Supervisor timer interrupt delegated to S, with STIP set by M in mip; S cannot clear it
 * through sip */
CASE(11)
  li t0, MIP_STIP
  csrw mideleg, t0
  csrw mie, t0
  csrs mip, t0
  li t0, MSTATUS_SIE
  csrs mstatus, t0
  EXPECT_STRAP(t11_s_back)
  RUN_IN(MSTATUS_MPP_S, t11_s, 1f)
t11_s:
  SPIN_FAIL
t11_s_back:
  csrr s2, sip
  li t0, MIP_STIP
  csrc sip, t0
  csrr s4, sip
  ecall
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK_STRAP_CEV(CAUSE_INTR(IRQ_S_TIMER), t11_s, 0)
  CHECK_MASKED(s2, MIP_STIP, MIP_STIP)
  CHECK_MASKED(s4, MIP_STIP, MIP_STIP)
  CHECK_CSR_MASKED(mip, MIP_STIP, MIP_STIP)
  QUIET

/* An S-level interrupt that is not delegated goes to M, even from S with MIE = 0 */
CASE(12)
  li t0, MIP_SSIP
  csrw mie, t0
  csrs mip, t0              /* in M with MIE = 0: pending, not taken */
  li t0, MSTATUS_MPIE
  csrc mstatus, t0          /* S runs with MIE = 0 */
  li t0, MSTATUS_SIE
  csrs mstatus, t0
  RUN_IN(MSTATUS_MPP_S, t12_s, 1f)
t12_s:
  SPIN_FAIL
1:
  CHECK_MTRAP_CEV(CAUSE_INTR(IRQ_S_SOFT), t12_s, 0)
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP | MSTATUS_MPIE, MSTATUS_MPP_S)
  QUIET

/* A machine interrupt is taken in S (and U) even though mstatus.MIE = 0 */
CASE(13)
  li t0, MIP_MSIP
  csrw mie, t0
  MSIP_WRITE(1)             /* in M with MIE = 0: pending, not taken */
  WAIT_MIP(MIP_MSIP, MIP_MSIP)
  li t0, MSTATUS_MPIE
  csrc mstatus, t0
  RUN_IN(MSTATUS_MPP_S, t13_s, 1f)
t13_s:
  SPIN_FAIL
1:
  CHECK_MTRAP_CEV(CAUSE_INTR(IRQ_M_SOFT), t13_s, 0)
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP | MSTATUS_MPIE, MSTATUS_MPP_S)
  li t0, MSTATUS_MPIE
  csrc mstatus, t0
  RUN_IN(MSTATUS_MPP_U, t13_u, 1f)
t13_u:
  SPIN_FAIL
1:
  CHECK_MTRAP_CEV(CAUSE_INTR(IRQ_M_SOFT), t13_u, 0)
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP | MSTATUS_MPIE, MSTATUS_MPP_U)
  QUIET

/* Vectored mtvec: interrupts go to base + 4 * cause, exceptions to base */
CASE(14)
  la t0, m_vec_table
  ori t0, t0, 1
  csrw mtvec, t0
  CHECK_CSR_MASKED(mtvec, 3, 1)
  li s9, -1
  EXPECT_TRAP(1f)
  ecall
1:
  CHECK(s9, 0)
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_M)
  li s9, -1
  li t0, MIP_MSIP
  csrw mie, t0
  MSIP_WRITE(1)
  EXPECT_TRAP(1f)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  SPIN_FAIL
1:
  CHECK(s9, 3)
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_M_SOFT))
  QUIET
  li s9, -1
  li t0, MIP_MTIP
  csrw mie, t0
  EXPECT_TRAP(1f)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  TIMER_IN(500)
  SPIN_FAIL
1:
  CHECK(s9, 7)
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_M_TIMER))
  QUIET
  li s9, -1
  li t0, MIP_SSIP | MIP_STIP
  csrw mie, t0
  li t0, MIP_STIP
  csrs mip, t0
  EXPECT_TRAP(1f)
  li t0, MSTATUS_MIE
  csrs mstatus, t0
  SPIN_FAIL
1:
  CHECK(s9, 5)
  CHECK_MTRAP(TR_CAUSE, CAUSE_INTR(IRQ_S_TIMER))
  QUIET
  la t0, m_trap
  csrw mtvec, t0

/* Vectored stvec: a delegated exception goes to base, a delegated SSI to base + 4 */
CASE(15)
  la t0, s_vec_table
  ori t0, t0, 1
  csrw stvec, t0
  li t0, MIP_SSIP
  csrw mideleg, t0
  csrw mie, t0
  li t0, 1 << CAUSE_ILLEGAL
  csrw medeleg, t0
  li s9, -1
  EXPECT_STRAP(t15_s_1)
  RUN_IN(MSTATUS_MPP_S, t15_s, 1f)
t15_s:
  .4byte 0x0000000b
  j test_fail
t15_s_1:
  mv s8, s9
  li s9, -1
  EXPECT_STRAP(t15_s_2)
  li t0, MIP_SSIP
  csrs sip, t0
  li t0, MSTATUS_SIE
  csrs sstatus, t0
  SPIN_FAIL
t15_s_2:
  li t0, MIP_SSIP
  csrc sip, t0
  ecall
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK(s8, 100)
  CHECK(s9, 101)
  CHECK_STRAP(TR_CAUSE, CAUSE_INTR(IRQ_S_SOFT))
  QUIET
  csrw medeleg, zero
  la t0, s_trap
  csrw stvec, t0
TEST_END
PRIV_SUPPORT

/* Vector tables. Entry n jumps to a stub that sets s9 = n (S: 100 + n) and continues in
 * the recording handler. Every entry is one 4-byte jal. */
#define VSTUB(tbl, n, val, handler) \
tbl##_stub_##n: \
  li s9, val; \
  j handler;

  .text
  .balign 256
m_vec_table:
  .option push
  .option norvc
  j m_vec_table_stub_0
  j m_vec_table_stub_1
  j m_vec_table_stub_2
  j m_vec_table_stub_3
  j m_vec_table_stub_4
  j m_vec_table_stub_5
  j m_vec_table_stub_6
  j m_vec_table_stub_7
  j m_vec_table_stub_8
  j m_vec_table_stub_9
  j m_vec_table_stub_10
  j m_vec_table_stub_11
  .option pop
  VSTUB(m_vec_table, 0, 0, m_trap)
  VSTUB(m_vec_table, 1, 1, m_trap)
  VSTUB(m_vec_table, 2, 2, m_trap)
  VSTUB(m_vec_table, 3, 3, m_trap)
  VSTUB(m_vec_table, 4, 4, m_trap)
  VSTUB(m_vec_table, 5, 5, m_trap)
  VSTUB(m_vec_table, 6, 6, m_trap)
  VSTUB(m_vec_table, 7, 7, m_trap)
  VSTUB(m_vec_table, 8, 8, m_trap)
  VSTUB(m_vec_table, 9, 9, m_trap)
  VSTUB(m_vec_table, 10, 10, m_trap)
  VSTUB(m_vec_table, 11, 11, m_trap)

  .balign 256
s_vec_table:
  .option push
  .option norvc
  j s_vec_table_stub_0
  j s_vec_table_stub_1
  j s_vec_table_stub_2
  j s_vec_table_stub_3
  j s_vec_table_stub_4
  j s_vec_table_stub_5
  .option pop
  VSTUB(s_vec_table, 0, 100, s_trap)
  VSTUB(s_vec_table, 1, 101, s_trap)
  VSTUB(s_vec_table, 2, 102, s_trap)
  VSTUB(s_vec_table, 3, 103, s_trap)
  VSTUB(s_vec_table, 4, 104, s_trap)
  VSTUB(s_vec_table, 5, 105, s_trap)
