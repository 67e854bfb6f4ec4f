/*
 * Helpers for the privileged-architecture tests (guest/isa/priv-*.S). Include this instead of
 * (or after) test.h. The pattern every test follows:
 *
 *   #include "priv.h"
 *   TEST_BEGIN
 *     PRIV_INIT                         // trap handler, PMP entry 0 = all memory RWX, ...
 *   CASE(1)
 *     EXPECT_TRAP(1f)                   // the next trap resumes, in M-mode, at 1:
 *     ecall
 *   1:
 *     CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_M)
 *     ...
 *   TEST_END
 *   PRIV_SUPPORT                        // handlers, trap records, failure reporting
 *
 * The M-mode handler (m_trap) records mcause, mepc, mtval and mstatus (as they are on entry)
 * in m_trap_rec, counts the trap, and then "resumes": it returns to M-mode (MPP = M) at the
 * address EXPECT_TRAP armed, with MPIE cleared (so MIE is 0 after the mret). The resume
 * address is one-shot; a trap with nothing armed goes to the runtime's unexpected_trap, which
 * prints the cause and exits with status 99. The handler clobbers only mscratch.
 *
 * The S-mode handler (s_trap, installed in stvec by PRIV_INIT) does the same with scause,
 * sepc, stval and sstatus into s_trap_rec, resuming in S-mode (SPP = S, SPIE cleared) at the
 * address EXPECT_STRAP armed. It clobbers only sscratch.
 *
 * Checks run in M-mode: CHECK_* compare and, on a mismatch, print "got X expected Y" before
 * test.h's "FAIL case N". Both that path and priv_stop (jump there when an awaited trap or
 * interrupt never comes) first disable interrupts and disarm the handler, so nothing can
 * resume the test halfway through the failure message. Registers: TESTNUM (gp) holds the case number; t0, t1, t5, t6
 * (and a0, a1 on a failure) are scratch for the check/arm/run macros; TIMER_IN and the
 * MAP_* page-table macros also use t2. s0-s11, a0-a7 (except on failure) and t3, t4 are
 * never touched by them, nor by the handlers (which only use mscratch / sscratch).
 *
 * The S-mode handler and its record must be reachable in S-mode: with paging on, map them
 * (the paging tests identity-map the whole image).
 */
#ifndef PRIV_H
#define PRIV_H
#include "test.h"

#define XLEN __riscv_xlen

/* mstatus / sstatus fields */
#define MSTATUS_SIE 0x2
#define MSTATUS_MIE 0x8
#define MSTATUS_SPIE 0x20
#define MSTATUS_MPIE 0x80
#define MSTATUS_SPP 0x100
#define MSTATUS_MPP 0x1800
#define MSTATUS_MPP_U 0x0000
#define MSTATUS_MPP_S 0x0800
#define MSTATUS_MPP_M 0x1800
#define MSTATUS_FS 0x6000
#define MSTATUS_MPRV 0x20000
#define MSTATUS_SUM 0x40000
#define MSTATUS_MXR 0x80000
#define MSTATUS_TVM 0x100000
#define MSTATUS_TW 0x200000
#define MSTATUS_TSR 0x400000

/* Exception causes */
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9
#define CAUSE_ECALL_M 11
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15

/* Interrupt numbers (bit positions in mip/mie), and mcause values for them */
#define IRQ_S_SOFT 1
#define IRQ_M_SOFT 3
#define IRQ_S_TIMER 5
#define IRQ_M_TIMER 7
#define IRQ_S_EXT 9
#define IRQ_M_EXT 11
#define MIP_SSIP (1 << IRQ_S_SOFT)
#define MIP_MSIP (1 << IRQ_M_SOFT)
#define MIP_STIP (1 << IRQ_S_TIMER)
#define MIP_MTIP (1 << IRQ_M_TIMER)
#define MIP_SEIP (1 << IRQ_S_EXT)
#define MIP_MEIP (1 << IRQ_M_EXT)
#define CAUSE_INTR(n) ((1 << (XLEN - 1)) | (n))

/* satp */
#if XLEN == 64
#define SATP_MODE_SV39 (8 << 60)
#else
#define SATP_MODE_SV32 (1 << 31)
#endif

/* Page-table entry bits */
#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80

/* Page tables (Sv39 on RV64, Sv32 on RV32: a PTE is REGBYTES wide either way).
 * MAKE_PTE: reg = a PTE for the physical address in pa_reg (reg may be pa_reg), with flags.
 * SET_PTE / LOAD_PTE: table[idx] = reg / reg = table[idx] (uses t0, t1).
 * MAP_LABEL / MAP_PA: table[idx] = PTE for the address of a label / a constant (also t2). */
#define MAKE_PTE(reg, pa_reg, flags) \
  srli reg, pa_reg, 12; \
  slli reg, reg, 10; \
  ori reg, reg, flags;

#define SET_PTE(table, idx, reg) \
  la t0, table; \
  li t1, (idx) * REGBYTES; \
  add t0, t0, t1; \
  SREG reg, 0(t0);

#define LOAD_PTE(reg, table, idx) \
  la t0, table; \
  li t1, (idx) * REGBYTES; \
  add t0, t0, t1; \
  LREG reg, 0(t0);

#define MAP_LABEL(table, idx, l, flags) \
  la t2, l; \
  MAKE_PTE(t2, t2, flags) \
  SET_PTE(table, idx, t2)

#define MAP_PA(table, idx, pa, flags) \
  li t2, pa; \
  MAKE_PTE(t2, t2, flags) \
  SET_PTE(table, idx, t2)

/* CLINT (QEMU virt layout) */
#define CLINT_MSIP0 0x2000000
#define CLINT_MTIMECMP0 0x2004000
#define CLINT_MTIME_ADDR 0x200bff8

/* Layout of a trap record (m_trap_rec / s_trap_rec) */
#define TR_CAUSE (0 * REGBYTES)
#define TR_EPC (1 * REGBYTES)
#define TR_TVAL (2 * REGBYTES)
#define TR_STATUS (3 * REGBYTES)
#define TR_COUNT (4 * REGBYTES)
#define TR_RESUME (5 * REGBYTES)
#define TR_SAVE (6 * REGBYTES)
#define TR_SIZE (8 * REGBYTES)

/* Start of a numbered case: every check that fails after it reports this number. */
#define CASE(n) \
test_##n: \
  li TESTNUM, n;

/* Fail the current case, reporting got = r and expected = register e. */
#define FAIL_WITH(r, e) \
  mv a0, r; \
  mv a1, e; \
  j priv_fail;

/* Compare register r with immediate v / with the address of label l / with register e. */
#define CHECK(r, v) \
  li t6, v; \
  beq r, t6, 99f; \
  FAIL_WITH(r, t6) \
99:

#define CHECK_LABEL(r, l) \
  la t6, l; \
  beq r, t6, 99f; \
  FAIL_WITH(r, t6) \
99:

#define CHECK_REG(r, e) \
  beq r, e, 99f; \
  FAIL_WITH(r, e) \
99:

/* Compare (r & mask) with v. Uses t5. */
#define CHECK_MASKED(r, mask, v) \
  li t5, mask; \
  and t5, r, t5; \
  CHECK(t5, v)

/* Check a CSR's value / a CSR's value under a mask. Use t0. */
#define CHECK_CSR(csr, v) \
  csrr t0, csr; \
  CHECK(t0, v)

#define CHECK_CSR_MASKED(csr, mask, v) \
  csrr t0, csr; \
  CHECK_MASKED(t0, mask, v)

/* Write v to a CSR and check that it reads back as r. */
#define CHECK_CSR_WRITE(csr, v, r) \
  li t0, v; \
  csrw csr, t0; \
  CHECK_CSR(csr, r)

/* Check a field of the M-mode / S-mode trap record. Use t0 and t1. */
#define LOAD_MTRAP(reg, field) \
  la reg, m_trap_rec; \
  LREG reg, field(reg);

#define LOAD_STRAP(reg, field) \
  la reg, s_trap_rec; \
  LREG reg, field(reg);

#define CHECK_MTRAP(field, v) \
  LOAD_MTRAP(t0, field) \
  CHECK(t0, v)

#define CHECK_MTRAP_LABEL(field, l) \
  LOAD_MTRAP(t0, field) \
  CHECK_LABEL(t0, l)

#define CHECK_MTRAP_MASKED(field, mask, v) \
  LOAD_MTRAP(t0, field) \
  CHECK_MASKED(t0, mask, v)

#define CHECK_STRAP(field, v) \
  LOAD_STRAP(t0, field) \
  CHECK(t0, v)

#define CHECK_STRAP_LABEL(field, l) \
  LOAD_STRAP(t0, field) \
  CHECK_LABEL(t0, l)

#define CHECK_STRAP_MASKED(field, mask, v) \
  LOAD_STRAP(t0, field) \
  CHECK_MASKED(t0, mask, v)

/* The usual check after an expected trap to M: exactly one trap, with this cause, this mepc
 * (a label) and this mtval. */
#define CHECK_MTRAP_CEV(cause, epc_label, tval) \
  CHECK_MTRAP(TR_COUNT, 1) \
  CHECK_MTRAP(TR_CAUSE, cause) \
  CHECK_MTRAP_LABEL(TR_EPC, epc_label) \
  CHECK_MTRAP(TR_TVAL, tval)

#define CHECK_STRAP_CEV(cause, epc_label, tval) \
  CHECK_STRAP(TR_COUNT, 1) \
  CHECK_STRAP(TR_CAUSE, cause) \
  CHECK_STRAP_LABEL(TR_EPC, epc_label) \
  CHECK_STRAP(TR_TVAL, tval)

/* Load the 32-bit instruction at label l into reg, zero-extended. */
#if XLEN == 64
#define LOAD_INSN32(reg, l) \
  la reg, l; \
  lwu reg, 0(reg);
#else
#define LOAD_INSN32(reg, l) \
  la reg, l; \
  lw reg, 0(reg);
#endif

/* After an expected trap: one illegal-instruction trap to M at the 32-bit instruction at
 * label l, with mtval = that instruction's bits. Uses t0, t1. */
#define CHECK_MTRAP_ILLEGAL(l) \
  CHECK_MTRAP(TR_COUNT, 1) \
  CHECK_MTRAP(TR_CAUSE, CAUSE_ILLEGAL) \
  CHECK_MTRAP_LABEL(TR_EPC, l) \
  LOAD_INSN32(t1, l) \
  LOAD_MTRAP(t0, TR_TVAL) \
  CHECK_REG(t0, t1)

/* Arm the M-mode handler: the next trap to M resumes in M-mode at label l. Also clears the
 * trap count and sets the recorded cause to -1, so a missing trap is noticed. Uses t0, t1.
 * Must run in M-mode (or wherever m_trap_rec is writable). */
#define EXPECT_TRAP(l) \
  la t1, m_trap_rec; \
  la t0, l; \
  SREG t0, TR_RESUME(t1); \
  SREG zero, TR_COUNT(t1); \
  li t0, -1; \
  SREG t0, TR_CAUSE(t1);

/* Arm the S-mode handler: the next trap to S resumes in S-mode at label l. */
#define EXPECT_STRAP(l) \
  la t1, s_trap_rec; \
  la t0, l; \
  SREG t0, TR_RESUME(t1); \
  SREG zero, TR_COUNT(t1); \
  li t0, -1; \
  SREG t0, TR_CAUSE(t1);

/* Disarm: a further trap is unexpected again. */
#define DISARM_TRAP \
  la t1, m_trap_rec; \
  SREG zero, TR_RESUME(t1);

/* Leave M-mode with mret for privilege mpp (MSTATUS_MPP_U/S/M) at label l. Uses t0. */
#define MRET_TO(mpp, l) \
  li t0, MSTATUS_MPP; \
  csrc mstatus, t0; \
  li t0, mpp; \
  csrs mstatus, t0; \
  la t0, l; \
  csrw mepc, t0; \
  mret;

/* Run the code at label l in mode mpp; the first trap to M resumes in M-mode at label r. */
#define RUN_IN(mpp, l, r) \
  EXPECT_TRAP(r) \
  MRET_TO(mpp, l)

/* Run the code at the constant (virtual) address addr in mode mpp; the first trap to M
 * resumes in M-mode at label r. Uses t0, t1. */
#define RUN_AT(mpp, addr, r) \
  EXPECT_TRAP(r) \
  li t0, MSTATUS_MPP; \
  csrc mstatus, t0; \
  li t0, mpp; \
  csrs mstatus, t0; \
  li t0, addr; \
  csrw mepc, t0; \
  mret;

/* From S/U-mode code: return to M-mode at label r, through ecall (armed from M beforehand
 * with EXPECT_TRAP(r), or by RUN_IN). */
#define TO_M ecall;

/* Set up for a privileged test, in M-mode: mtvec/stvec = the recording handlers, PMP entry 0
 * = NAPOT over the whole address space with RWX (so S/U-mode may access everything),
 * no delegation, no interrupts enabled, mtimecmp of this hart = max. */
#define PRIV_INIT \
  la t0, m_trap; \
  csrw mtvec, t0; \
  la t0, s_trap; \
  csrw stvec, t0; \
  li t0, -1; \
  csrw pmpaddr0, t0; \
  li t0, 0x1f; \
  csrw pmpcfg0, t0; \
  csrw medeleg, zero; \
  csrw mideleg, zero; \
  csrw mie, zero; \
  TIMER_OFF

/* Push this hart's mtimecmp to the far future (clears MTIP). Uses t0, t1. */
#if XLEN == 64
#define TIMER_OFF \
  csrr t1, mhartid; \
  slli t1, t1, 3; \
  li t0, CLINT_MTIMECMP0; \
  add t1, t1, t0; \
  li t0, -1; \
  sd t0, 0(t1);
#else
#define TIMER_OFF \
  csrr t1, mhartid; \
  slli t1, t1, 3; \
  li t0, CLINT_MTIMECMP0; \
  add t1, t1, t0; \
  li t0, -1; \
  sw t0, 4(t1); \
  sw t0, 0(t1);
#endif

/* Set this hart's mtimecmp to mtime + delta (0 <= delta < 2^31 ticks). Uses t0-t2, t5, t6. */
#if XLEN == 64
#define TIMER_IN(delta) \
  li t0, CLINT_MTIME_ADDR; \
  ld t0, 0(t0); \
  li t2, delta; \
  add t0, t0, t2; \
  csrr t1, mhartid; \
  slli t1, t1, 3; \
  li t2, CLINT_MTIMECMP0; \
  add t1, t1, t2; \
  sd t0, 0(t1);
#else
/* The high word of mtimecmp is set to all ones first so that no intermediate value is in
 * the past. mtime's two halves are read low then high; a carry between the reads can only
 * make the deadline later, never earlier. */
#define TIMER_IN(delta) \
  csrr t1, mhartid; \
  slli t1, t1, 3; \
  li t2, CLINT_MTIMECMP0; \
  add t1, t1, t2; \
  li t2, -1; \
  sw t2, 4(t1); \
  li t0, CLINT_MTIME_ADDR; \
  lw t2, 0(t0); \
  lw t5, 4(t0); \
  li t6, delta; \
  add t6, t2, t6; \
  sltu t2, t6, t2; \
  add t5, t5, t2; \
  sw t6, 0(t1); \
  sw t5, 4(t1);
#endif

/* Before reporting a failure: no interrupt may be taken any more, and no trap may resume the
 * test (M-mode only). Uses t0. */
#define PRIV_QUIESCE \
  csrci mstatus, MSTATUS_MIE; \
  csrw mie, zero; \
  la t0, m_trap_rec; \
  SREG zero, TR_RESUME(t0);

/* print_hex takes a uint64_t: on RV32 that is the pair a0 (low), a1 (high). */
#if XLEN == 64
#define PRINT_HEX_A0 call print_hex;
#else
#define PRINT_HEX_A0 li a1, 0; call print_hex;
#endif

/* Handlers, trap records and the failure reporter: put once at the end of the file, after
 * TEST_END. */
#define PRIV_SUPPORT \
  .text; \
  .align 6; \
  .globl m_trap; \
m_trap: \
  csrw mscratch, t0; \
  la t0, m_trap_rec; \
  SREG t1, TR_SAVE(t0); \
  csrr t1, mcause; \
  SREG t1, TR_CAUSE(t0); \
  csrr t1, mepc; \
  SREG t1, TR_EPC(t0); \
  csrr t1, mtval; \
  SREG t1, TR_TVAL(t0); \
  csrr t1, mstatus; \
  SREG t1, TR_STATUS(t0); \
  LREG t1, TR_COUNT(t0); \
  addi t1, t1, 1; \
  SREG t1, TR_COUNT(t0); \
  LREG t1, TR_RESUME(t0); \
  beqz t1, m_trap_unexpected; \
  csrw mepc, t1; \
  SREG zero, TR_RESUME(t0); \
  li t1, MSTATUS_MPP; \
  csrs mstatus, t1; \
  li t1, MSTATUS_MPIE; \
  csrc mstatus, t1; \
  LREG t1, TR_SAVE(t0); \
  csrr t0, mscratch; \
  mret; \
m_trap_unexpected: \
  csrr t1, mepc; \
  la t0, s_trap_report; \
  beq t0, t1, 1f; \
  la t0, unexpected_trap; \
  jr t0; \
1: /* reported from s_trap_unexpected: print the S-mode trap */ \
  la sp, __stacks_top; \
  la a0, priv_s_msg; \
  call puts_uart; \
  la t0, s_trap_rec; \
  LREG a0, TR_CAUSE(t0); \
  LREG a1, TR_EPC(t0); \
  LREG a2, TR_TVAL(t0); \
  call report_unexpected_trap; \
  li a0, 99; \
  call exit; \
  .align 6; \
  .globl s_trap; \
s_trap: \
  csrw sscratch, t0; \
  la t0, s_trap_rec; \
  SREG t1, TR_SAVE(t0); \
  csrr t1, scause; \
  SREG t1, TR_CAUSE(t0); \
  csrr t1, sepc; \
  SREG t1, TR_EPC(t0); \
  csrr t1, stval; \
  SREG t1, TR_TVAL(t0); \
  csrr t1, sstatus; \
  SREG t1, TR_STATUS(t0); \
  LREG t1, TR_COUNT(t0); \
  addi t1, t1, 1; \
  SREG t1, TR_COUNT(t0); \
  LREG t1, TR_RESUME(t0); \
  beqz t1, s_trap_unexpected; \
  csrw sepc, t1; \
  SREG zero, TR_RESUME(t0); \
  li t1, MSTATUS_SPP; \
  csrs sstatus, t1; \
  li t1, MSTATUS_SPIE; \
  csrc sstatus, t1; \
  LREG t1, TR_SAVE(t0); \
  csrr t0, sscratch; \
  sret; \
s_trap_unexpected: \
  /* An unexpected trap in S-mode: ebreak to M (disarmed), which prints s_trap_rec. */ \
  la t0, m_trap_rec; \
  SREG zero, TR_RESUME(t0); \
s_trap_report: \
  ebreak; \
priv_fail: \
  PRIV_QUIESCE \
  mv s10, a0; \
  mv s11, a1; \
  la a0, priv_got_msg; \
  call puts_uart; \
  mv a0, s10; \
  PRINT_HEX_A0 \
  la a0, priv_exp_msg; \
  call puts_uart; \
  mv a0, s11; \
  PRINT_HEX_A0 \
  la a0, priv_nl_msg; \
  call puts_uart; \
  j test_fail; \
  /* a wait for an interrupt or a trap that never came */ \
  .globl priv_stop; \
priv_stop: \
  PRIV_QUIESCE \
  j test_fail; \
  .section .rodata; \
priv_got_msg: \
  .asciz "got "; \
priv_exp_msg: \
  .asciz " expected "; \
priv_nl_msg: \
  .asciz "\n"; \
priv_s_msg: \
  .asciz "in S-mode: "; \
  .data; \
  .align 4; \
  .globl m_trap_rec; \
m_trap_rec: \
  .zero TR_SIZE; \
  .globl s_trap_rec; \
s_trap_rec: \
  .zero TR_SIZE; \
  .text;

#endif
