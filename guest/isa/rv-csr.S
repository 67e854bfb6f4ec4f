/*
 * rv-csr: the Zicsr instructions and a few always-present CSRs, in M-mode.
 *
 *   csrrw csrrs csrrc csrrwi csrrsi csrrci (and the csrr/csrw/csrs/csrc/csrwi/csrsi/csrci
 *   pseudo-instructions, which are the rd = x0 or rs1 = x0 forms)
 *
 * On mscratch (a plain read/write XLEN-bit register): every instruction returns the old
 * value in rd and then writes; csrrw with rs1 = x0 and csrrwi with uimm = 0 still write
 * (zero); csrrs/csrrc with rs1 = x0 and csrrsi/csrrci with uimm = 0 do not write; the
 * 5-bit uimm is zero-extended (31 is 31, not -1); rd = x0 forms still write; rd == rs1 reads
 * the old CSR value and uses the old register value.
 *
 * "Do not write" is shown on read-only CSRs (mhartid, cycle, time, instret): the
 * non-writing forms must read them without an illegal-instruction trap (a trap here fails
 * the test with status 99).
 *
 * Counters: cycle, instret and time (and cycleh/instreth/timeh on RV32) must not go
 * backwards. Their values are never printed: they differ between runs and emulators.
 * misa reports I, M, A, C, S and U, not E, and MXL = 1 (RV32) or 2 (RV64); mhartid is 0 on
 * hart 0.
 *
 * Case numbers: csrrw 1xx, csrrs 2xx, csrrc 3xx, csrrwi 4xx, csrrsi 5xx, csrrci 6xx,
 * non-writing forms on read-only CSRs 7xx, counters 8xx, misa 9xx, mhartid 10xx.
 */
#include "test.h"

.option norvc

#if __riscv_xlen == 64
#define XMIN 0x8000000000000000
#define XMAX 0x7fffffffffffffff
#else
#define XMIN 0x80000000
#define XMAX 0x7fffffff
#endif

/*
 * COUNTER_CHECK(csr): read a 64-bit counter twice, with a short delay loop between, and fail
 * unless the second value >= the first (unsigned). RV64: a single CSR. RV32: the low and
 * high halves (csr and csr##h), read high/low/high until the high half is stable so that a
 * carry between the two reads is not misread; then a 64-bit comparison.
 * Uses x5-x10 and x28, and local labels 1-5.
 */
#if __riscv_xlen == 64
#define COUNTER_CHECK(csr) \
  csrr x5, csr; \
  li x28, 50; \
1: addi x28, x28, -1; \
  bnez x28, 1b; \
  csrr x6, csr; \
  bgeu x6, x5, 4f; \
  FAIL_CASE \
4:
#else
#define COUNTER_CHECK(csr) \
1: csrr x7, csr##h; \
  csrr x5, csr; \
  csrr x8, csr##h; \
  bne x7, x8, 1b; \
  li x28, 50; \
2: addi x28, x28, -1; \
  bnez x28, 2b; \
3: csrr x9, csr##h; \
  csrr x6, csr; \
  csrr x10, csr##h; \
  bne x9, x10, 3b; \
  bltu x7, x9, 4f;      /* high half grew: later */ \
  bne x7, x9, 5f;       /* high half shrank: fail */ \
  bgeu x6, x5, 4f;      /* same high half: compare the low halves */ \
5: FAIL_CASE \
4:
#endif

#define TEST_COUNTER_MONOTONIC(n, csr) \
test_##n: \
  li TESTNUM, n; \
  COUNTER_CHECK(csr)

/* The same check repeated 20 times in a row. Uses x29 and local label 7. */
#define TEST_COUNTER_MONOTONIC_LOOP(n, csr) \
test_##n: \
  li TESTNUM, n; \
  li x29, 20; \
7: \
  COUNTER_CHECK(csr) \
  addi x29, x29, -1; \
  bnez x29, 7b;

TEST_BEGIN

  /* ---------------------------------------------------------------- csrrw */
  TEST_CASE(101, x14, 0, csrw mscratch, x0; li x1, 0x12345678; csrrw x14, mscratch, x1)
  TEST_CASE(102, x15, 0x12345678, csrr x15, mscratch)
  TEST_CASE(103, x14, 0x12345678, li x1, -1; csrrw x14, mscratch, x1; CHECK_EQ(x1, -1))
  TEST_CASE(104, x15, -1, csrr x15, mscratch)              /* all XLEN bits are writable */
#if __riscv_xlen == 64
  TEST_CASE(105, x15, 0x0123456789abcdef, li x1, 0x0123456789abcdef; csrw mscratch, x1; csrr x15, mscratch)
#else
  TEST_CASE(105, x15, 0x89abcdef, li x1, 0x89abcdef; csrw mscratch, x1; csrr x15, mscratch)
#endif
  /* csrrw with rs1 = x0 writes zero */
#if __riscv_xlen == 64
  TEST_CASE(106, x14, 0x0123456789abcdef, csrrw x14, mscratch, x0; csrr x15, mscratch; CHECK_EQ(x15, 0))
#else
  TEST_CASE(106, x14, 0x89abcdef, csrrw x14, mscratch, x0; csrr x15, mscratch; CHECK_EQ(x15, 0))
#endif
  /* rd == rs1: swap a register with the CSR */
  TEST_CASE(107, x5, 0, li x5, 0x5a5a; csrrw x5, mscratch, x5; csrr x15, mscratch; CHECK_EQ(x15, 0x5a5a))
  TEST_CASE(108, x15, 0x7777, li x5, 0x7777; csrrw x0, mscratch, x5; csrr x15, mscratch) /* csrw */
  TEST_CASE(109, x15, XMIN, li x5, XMIN; csrw mscratch, x5; csrr x15, mscratch)
  TEST_CASE(110, x0, 0, csrrw x0, mscratch, x5)            /* rd = x0 */

  /* ---------------------------------------------------------------- csrrs */
  TEST_CASE(201, x14, 0x0f0f, li x5, 0x0f0f; csrw mscratch, x5; li x1, 0xf000; csrrs x14, mscratch, x1)
  TEST_CASE(202, x15, 0xff0f, csrr x15, mscratch)
  TEST_CASE(203, x14, 0xff0f, csrrs x14, mscratch, x0; csrr x15, mscratch; CHECK_EQ(x15, 0xff0f)) /* no write */
  TEST_CASE(204, x14, 0xff0f, li x1, 0; csrrs x14, mscratch, x1; csrr x15, mscratch; CHECK_EQ(x15, 0xff0f))
  TEST_CASE(205, x15, 0xff0f | XMIN, li x1, XMIN; csrs mscratch, x1; csrr x15, mscratch) /* csrs = rd x0 */
  TEST_CASE(206, x15, 0xff0f | XMIN, li x1, 0x0f; csrrs x0, mscratch, x1; csrr x15, mscratch) /* bits already set */
  /* rd == rs1: rd gets the old CSR; the CSR gets old | old register */
  TEST_CASE(207, x5, 0xff0f | XMIN, li x5, 0x30; csrrs x5, mscratch, x5; csrr x15, mscratch; CHECK_EQ(x15, 0xff3f | XMIN))
  TEST_CASE(208, x14, -1, csrw mscratch, x0; li x1, -1; csrrs x0, mscratch, x1; csrrs x14, mscratch, x0)

  /* ---------------------------------------------------------------- csrrc */
  TEST_CASE(301, x14, -1, li x1, 0xf0f0; csrrc x14, mscratch, x1)
  TEST_CASE(302, x15, ~0xf0f0, csrr x15, mscratch)
  TEST_CASE(303, x14, ~0xf0f0, csrrc x14, mscratch, x0; csrr x15, mscratch; CHECK_EQ(x15, ~0xf0f0)) /* no write */
  TEST_CASE(304, x14, ~0xf0f0, li x1, 0; csrrc x14, mscratch, x1; csrr x15, mscratch; CHECK_EQ(x15, ~0xf0f0))
  TEST_CASE(305, x15, ~0xf0f0 & XMAX, li x1, XMIN; csrc mscratch, x1; csrr x15, mscratch)
  TEST_CASE(306, x15, ~0xf0f0 & XMAX, li x1, 0x10; csrrc x0, mscratch, x1; csrr x15, mscratch) /* already clear */
  TEST_CASE(307, x5, 0x3c, li x1, 0x3c; csrw mscratch, x1; li x5, 0x0c; csrrc x5, mscratch, x5; csrr x15, mscratch; CHECK_EQ(x15, 0x30))
  TEST_CASE(308, x15, 0, li x1, -1; csrc mscratch, x1; csrr x15, mscratch)

  /* ---------------------------------------------------------------- csrrwi */
  TEST_CASE(401, x14, 0, csrrwi x14, mscratch, 31; csrr x15, mscratch; CHECK_EQ(x15, 31)) /* zero-extended */
  TEST_CASE(402, x14, 31, csrrwi x14, mscratch, 16; csrr x15, mscratch; CHECK_EQ(x15, 16)) /* not sign-extended */
  TEST_CASE(403, x14, 16, csrrwi x14, mscratch, 0; csrr x15, mscratch; CHECK_EQ(x15, 0))  /* uimm 0 still writes */
  TEST_CASE(404, x15, 21, li x1, -1; csrw mscratch, x1; csrwi mscratch, 21; csrr x15, mscratch) /* all upper bits cleared */
  TEST_CASE(405, x15, 1, csrrwi x0, mscratch, 1; csrr x15, mscratch)
  TEST_CASE(406, x14, 1, csrrwi x14, mscratch, 5; csrr x15, mscratch; CHECK_EQ(x15, 5))

  /* ---------------------------------------------------------------- csrrsi */
  TEST_CASE(501, x14, 5, csrrsi x14, mscratch, 0x10; csrr x15, mscratch; CHECK_EQ(x15, 0x15))
  TEST_CASE(502, x14, 0x15, csrrsi x14, mscratch, 0; csrr x15, mscratch; CHECK_EQ(x15, 0x15)) /* no write */
  TEST_CASE(503, x15, 0x1f, csrsi mscratch, 0x0a; csrr x15, mscratch)
  TEST_CASE(504, x14, 0x1f, csrrsi x14, mscratch, 31; csrr x15, mscratch; CHECK_EQ(x15, 0x1f))
  TEST_CASE(505, x15, 0x1000001f, li x1, 0x10000000; csrs mscratch, x1; csrsi mscratch, 0x1f; csrr x15, mscratch)

  /* ---------------------------------------------------------------- csrrci */
  TEST_CASE(601, x14, 0x1000001f, csrrci x14, mscratch, 0x11; csrr x15, mscratch; CHECK_EQ(x15, 0x1000000e))
  TEST_CASE(602, x14, 0x1000000e, csrrci x14, mscratch, 0; csrr x15, mscratch; CHECK_EQ(x15, 0x1000000e)) /* no write */
  TEST_CASE(603, x15, 0x10000000, csrci mscratch, 31; csrr x15, mscratch) /* clears only bits 4:0 */
  TEST_CASE(604, x15, -0x20, li x1, -1; csrw mscratch, x1; csrci mscratch, 0x1f; csrr x15, mscratch)
  TEST_CASE(605, x14, -0x20, csrrci x14, mscratch, 1; csrr x15, mscratch; CHECK_EQ(x15, -0x20))

  /* ------------------------------------- non-writing forms on read-only CSRs */
  /* None of these may raise an illegal-instruction exception. */
  TEST_CASE(701, x14, 0, li x14, -1; csrrs x14, mhartid, x0)
  TEST_CASE(702, x14, 0, li x14, -1; csrrc x14, mhartid, x0)
  TEST_CASE(703, x14, 0, li x14, -1; csrrsi x14, mhartid, 0)
  TEST_CASE(704, x14, 0, li x14, -1; csrrci x14, mhartid, 0)
  TEST_CASE(705, x0, 0, csrrs x0, mhartid, x0)
  TEST_CASE(706, x0, 0, csrrs x14, cycle, x0; csrrc x14, cycle, x0; csrrsi x14, cycle, 0; csrrci x14, cycle, 0)
  TEST_CASE(707, x0, 0, csrrs x14, instret, x0; csrrc x14, instret, x0; csrrsi x14, instret, 0; csrrci x14, instret, 0)
  TEST_CASE(708, x0, 0, csrrs x14, time, x0; csrrc x14, time, x0; csrrsi x14, time, 0; csrrci x14, time, 0)
#if __riscv_xlen == 32
  TEST_CASE(709, x0, 0, csrrs x14, cycleh, x0; csrrsi x14, instreth, 0; csrrci x14, timeh, 0)
#endif
  /* misa is writable (WARL) but a non-writing read must leave it as it was */
  TEST_CASE(710, x14, 0, csrr x5, misa; csrrs x6, misa, x0; csrrci x7, misa, 0; csrr x8, misa; xor x14, x5, x8; CHECK_EQ_REG(x5, x6) CHECK_EQ_REG(x5, x7))

  /* ---------------------------------------------------------------- counters */
  TEST_COUNTER_MONOTONIC(801, cycle)
  TEST_COUNTER_MONOTONIC(802, instret)
  TEST_COUNTER_MONOTONIC(803, time)
  /* the pseudo-instructions assemble to the same CSR reads */
  TEST_CASE(804, x0, 0, rdcycle x5; rdinstret x6; rdtime x7)
#if __riscv_xlen == 32
  TEST_CASE(805, x0, 0, rdcycleh x5; rdinstreth x6; rdtimeh x7)
#endif
  /* back-to-back reads in a loop never go backwards either */
  TEST_COUNTER_MONOTONIC_LOOP(806, time)
  TEST_COUNTER_MONOTONIC_LOOP(807, cycle)
  TEST_COUNTER_MONOTONIC_LOOP(808, instret)

  /* ---------------------------------------------------------------- misa */
  TEST_CASE(901, x14, 1, csrr x5, misa; srli x14, x5, 8; andi x14, x14, 1)   /* I */
  TEST_CASE(902, x14, 1, srli x14, x5, 12; andi x14, x14, 1)                 /* M */
  TEST_CASE(903, x14, 1, andi x14, x5, 1)                                    /* A */
  TEST_CASE(904, x14, 1, srli x14, x5, 2; andi x14, x14, 1)                  /* C */
  TEST_CASE(905, x14, 1, srli x14, x5, 18; andi x14, x14, 1)                 /* S */
  TEST_CASE(906, x14, 1, srli x14, x5, 20; andi x14, x14, 1)                 /* U */
  TEST_CASE(907, x14, 0, srli x14, x5, 4; andi x14, x14, 1)                  /* not E */
#if __riscv_xlen == 64
  TEST_CASE(908, x14, 2, srli x14, x5, 62)                                   /* MXL = 2: 64-bit */
#else
  TEST_CASE(908, x14, 1, srli x14, x5, 30)                                   /* MXL = 1: 32-bit */
#endif
  /* the bits between MXL and the 26 extension bits read as zero */
  TEST_CASE(909, x14, 0, slli x14, x5, 2; srli x14, x14, 28)

  /* ---------------------------------------------------------------- mhartid */
  TEST_CASE(1001, x14, 0, li x14, -1; csrr x14, mhartid)

TEST_END
