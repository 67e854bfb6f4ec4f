/*
 * Macros for self-checking ISA tests in assembly. A test file does:
 *
 *   #include "test.h"
 *   TEST_BEGIN
 *     TEST_RR_OP(1, add, 3, 1, 2)
 *     ...
 *   TEST_END
 *
 * Each case loads TESTNUM (gp) with its number first. The first failing case prints
 * "FAIL case N" and exits with status 1; reaching TEST_END prints "PASS" and exits 0.
 * Case numbers must be unique within a file (every case defines the label test_N, so the
 * assembler rejects duplicates).
 *
 * Register conventions:
 *   gp (x3)     TESTNUM, the current case number. Tests must not use it otherwise.
 *   t6 (x31)    scratch of the CHECK_* macros (holds the expected value).
 *   x1, x2      operands of the TEST_* operation macros (ra and sp; see below).
 *   x14 (a4)    result of the TEST_* operation macros.
 * Every other register is free for the test's own use.
 *
 * TEST_BEGIN saves the stack pointer and TEST_END restores it before calling into the C
 * runtime, so a test may freely clobber sp (x2) and ra (x1) - the operation macros do. Do
 * not return from main: TEST_END always exits.
 *
 * The checks reach test_fail with a jal (+-1 MiB), so files may hold any number of cases.
 * Expected values wider than 32 bits belong under "#if __riscv_xlen == 64".
 */
#ifndef TEST_H
#define TEST_H
#include "asm.h"

#define TESTNUM gp

/*
 * test_bne_fail a, b: jump to test_fail if registers a and b differ. An assembler macro
 * (not a cpp one) so that its label is unique (\@) and never captures a test's own numeric
 * local labels ("1b", "2f") across a check.
 */
.macro test_bne_fail a, b
  beq \a, \b, .Ltest_ok_\@
  j test_fail
.Ltest_ok_\@:
.endm

/* test_beq_fail a, b: jump to test_fail if registers a and b are equal. */
.macro test_beq_fail a, b
  bne \a, \b, .Ltest_ok_\@
  j test_fail
.Ltest_ok_\@:
.endm

#define TEST_BEGIN \
  .text; \
  .globl main; \
  .align 2; \
main: \
  addi sp, sp, -16; \
  SREG ra, 0(sp); \
  la t0, test_saved_sp; \
  SREG sp, 0(t0);

#define TEST_END \
  j test_pass; \
test_fail: \
  la sp, test_saved_sp; \
  LREG sp, 0(sp); \
  mv a0, TESTNUM; \
  call report_case_failure; \
  li a0, 1; \
  call exit; \
test_pass: \
  la sp, test_saved_sp; \
  LREG sp, 0(sp); \
  la a0, pass_message; \
  call puts_uart; \
  li a0, 0; \
  call exit; \
  .section .rodata; \
pass_message: \
  .asciz "PASS\n"; \
  .section .bss; \
  .align 3; \
test_saved_sp: \
  .skip 8; \
  .text;

/* ------------------------------------------------------------------------------------ */
/* Checks. All use t6 as scratch and fail the current case (TESTNUM).                     */

/* Compare register r with the immediate value v; fail the current case if they differ. */
#define CHECK_EQ(r, v) \
  li t6, v; \
  test_bne_fail r, t6;

/* Fail the current case if register r equals the immediate value v. */
#define CHECK_NE(r, v) \
  li t6, v; \
  test_beq_fail r, t6;

/* Fail the current case if registers a and b differ. */
#define CHECK_EQ_REG(a, b) \
  test_bne_fail a, b;

/* Fail the current case unconditionally (for paths that must never be reached). */
#define FAIL_CASE \
  j test_fail;

/* ------------------------------------------------------------------------------------ */
/* Generic case: run code, then check that register r holds v.                           */

#define TEST_CASE(n, r, v, code...) \
test_##n: \
  li TESTNUM, n; \
  code; \
  CHECK_EQ(r, v)

/* ------------------------------------------------------------------------------------ */
/* Register-register and register-immediate operations.                                   */

/* x14 = inst(v1, v2) */
#define TEST_RR_OP(n, inst, result, v1, v2) \
  TEST_CASE(n, x14, result, li x1, v1; li x2, v2; inst x14, x1, x2)

/* x14 = inst(v1, imm) */
#define TEST_IMM_OP(n, inst, result, v1, imm) \
  TEST_CASE(n, x14, result, li x1, v1; inst x14, x1, imm)

/* Aliasing: rd == rs1 (x1 = inst(x1, x2)). */
#define TEST_RR_RD_RS1(n, inst, result, v1, v2) \
  TEST_CASE(n, x1, result, li x1, v1; li x2, v2; inst x1, x1, x2)

/* Aliasing: rd == rs2 (x2 = inst(x1, x2)). */
#define TEST_RR_RD_RS2(n, inst, result, v1, v2) \
  TEST_CASE(n, x2, result, li x1, v1; li x2, v2; inst x2, x1, x2)

/* Aliasing: rd == rs1 == rs2 (x1 = inst(x1, x1)). */
#define TEST_RR_RD_RS1_RS2(n, inst, result, v) \
  TEST_CASE(n, x1, result, li x1, v; inst x1, x1, x1)

/* rs1 == rs2 but rd distinct (x14 = inst(x1, x1)). */
#define TEST_RR_RS1_RS2(n, inst, result, v) \
  TEST_CASE(n, x14, result, li x1, v; inst x14, x1, x1)

/* x0 as a source: x14 = inst(x0, v2) and x14 = inst(v1, x0). */
#define TEST_RR_RS1_X0(n, inst, result, v2) \
  TEST_CASE(n, x14, result, li x2, v2; inst x14, x0, x2)
#define TEST_RR_RS2_X0(n, inst, result, v1) \
  TEST_CASE(n, x14, result, li x1, v1; inst x14, x1, x0)

/* x0 as the destination: the result is discarded and x0 still reads as zero. */
#define TEST_RR_RD_X0(n, inst, v1, v2) \
  TEST_CASE(n, x0, 0, li x1, v1; li x2, v2; inst x0, x1, x2)

/* Aliasing for immediates: rd == rs1 (x1 = inst(x1, imm)). */
#define TEST_IMM_RD_RS1(n, inst, result, v1, imm) \
  TEST_CASE(n, x1, result, li x1, v1; inst x1, x1, imm)

/* x14 = inst(x0, imm) */
#define TEST_IMM_RS1_X0(n, inst, result, imm) \
  TEST_CASE(n, x14, result, inst x14, x0, imm)

/* inst x0, x1, imm: discarded. */
#define TEST_IMM_RD_X0(n, inst, v1, imm) \
  TEST_CASE(n, x0, 0, li x1, v1; inst x0, x1, imm)

/* ------------------------------------------------------------------------------------ */
/* Conditional branches (inst x1, x2, target).                                            */

/* The branch must be taken, forwards and then backwards. */
#define TEST_BR_TAKEN(n, inst, v1, v2) \
test_##n: \
  li TESTNUM, n; \
  li x1, v1; \
  li x2, v2; \
  inst x1, x2, 2f; \
  FAIL_CASE \
1: \
  j 3f; \
  FAIL_CASE \
2: \
  inst x1, x2, 1b; \
  FAIL_CASE \
3:

/* The branch must fall through, forwards and backwards. */
#define TEST_BR_NOT_TAKEN(n, inst, v1, v2) \
test_##n: \
  li TESTNUM, n; \
  li x1, v1; \
  li x2, v2; \
  j 2f; \
1: \
  FAIL_CASE \
2: \
  inst x1, x2, 1b; \
  inst x1, x2, 3f; \
  j 4f; \
3: \
  FAIL_CASE \
4:

/* ------------------------------------------------------------------------------------ */
/* Loads and stores.                                                                      */

/* x14 = inst offset(base), with base an address expression (label). */
#define TEST_LOAD(n, inst, result, offset, base) \
  TEST_CASE(n, x14, result, la x1, base; inst x14, offset(x1))

/* Store v with st at offset(base), read it back with ld into x14 and compare with result. */
#define TEST_STORE(n, ld, st, result, v, offset, base) \
  TEST_CASE(n, x14, result, la x1, base; li x2, v; st x2, offset(x1); ld x14, offset(x1))

#endif
