/*
 * rv-branch-jump: conditional branches and unconditional jumps of RV32I/RV64I.
 *
 *   branches: beq bne blt bge bltu bgeu
 *   jumps:    jal jalr
 *
 * Every branch is checked taken and not taken, forwards and backwards (TEST_BR_TAKEN /
 * TEST_BR_NOT_TAKEN in test.h), around the signed/unsigned boundaries: -1 is the largest
 * unsigned value but is below 0 signed, XMIN/XMAX order differently signed and unsigned, and
 * on RV64 values that agree in the low 32 bits are still different. Also: both operands the
 * same register, x0 operands (the beqz/bnez/bltz/bgez/blez/bgtz idioms), the largest 4-byte
 * aligned branch offsets (+4092 and -4096) and jal offsets above 4 KiB.
 *
 * jal/jalr: the link register holds the address of the following instruction, rd = x0
 * discards it, jalr adds a sign-extended 12-bit offset to rs1 and clears bit 0 of the sum,
 * and rd == rs1 uses the old rs1 value for the target.
 *
 * Case numbers: beq 1xx, bne 2xx, blt 3xx, bge 4xx, bltu 5xx, bgeu 6xx, x0 and same-register
 * forms 7xx, long branches 8xx, jal 9xx, jalr 10xx.
 */
#include "test.h"

/* Base encodings only (no c.beqz/c.j/c.jr); also keeps the .skip offsets exact. */
.option norvc

#if __riscv_xlen == 64
#define XMIN 0x8000000000000000
#define XMAX 0x7fffffffffffffff
#else
#define XMIN 0x80000000
#define XMAX 0x7fffffff
#endif

/* A case whose only check is reaching its end: the code branches to test_fail itself. */
#define TEST_FLOW(n, code...) \
test_##n: \
  li TESTNUM, n; \
  code;

TEST_BEGIN

  /* ---------------------------------------------------------------- beq */
  TEST_BR_TAKEN(101, beq, 0, 0)
  TEST_BR_TAKEN(102, beq, 1, 1)
  TEST_BR_TAKEN(103, beq, -1, -1)
  TEST_BR_TAKEN(104, beq, XMIN, XMIN)
  TEST_BR_TAKEN(105, beq, 0x12345678, 0x12345678)
  TEST_BR_NOT_TAKEN(106, beq, 0, 1)
  TEST_BR_NOT_TAKEN(107, beq, 1, 0)
  TEST_BR_NOT_TAKEN(108, beq, -1, 1)
  TEST_BR_NOT_TAKEN(109, beq, XMIN, 0)
  TEST_BR_NOT_TAKEN(110, beq, XMIN, XMAX)
  TEST_BR_NOT_TAKEN(111, beq, 0x12345678, 0x12345679)
#if __riscv_xlen == 64
  /* equal low words are not enough on RV64 */
  TEST_BR_NOT_TAKEN(112, beq, 0xffffffff, -1)
  TEST_BR_NOT_TAKEN(113, beq, 0x100000000, 0)
#else
  TEST_BR_TAKEN(112, beq, 0xffffffff, -1)
  TEST_BR_NOT_TAKEN(113, beq, 0x10000000, 0)
#endif

  /* ---------------------------------------------------------------- bne */
  TEST_BR_NOT_TAKEN(201, bne, 0, 0)
  TEST_BR_NOT_TAKEN(202, bne, 1, 1)
  TEST_BR_NOT_TAKEN(203, bne, -1, -1)
  TEST_BR_NOT_TAKEN(204, bne, XMIN, XMIN)
  TEST_BR_NOT_TAKEN(205, bne, 0x12345678, 0x12345678)
  TEST_BR_TAKEN(206, bne, 0, 1)
  TEST_BR_TAKEN(207, bne, 1, 0)
  TEST_BR_TAKEN(208, bne, -1, 1)
  TEST_BR_TAKEN(209, bne, XMIN, 0)
  TEST_BR_TAKEN(210, bne, XMIN, XMAX)
  TEST_BR_TAKEN(211, bne, 0x12345678, 0x12345679)
#if __riscv_xlen == 64
  TEST_BR_TAKEN(212, bne, 0xffffffff, -1)
  TEST_BR_TAKEN(213, bne, 0x100000000, 0)
#else
  TEST_BR_NOT_TAKEN(212, bne, 0xffffffff, -1)
  TEST_BR_TAKEN(213, bne, 0x10000000, 0)
#endif

  /* ---------------------------------------------------------------- blt */
  TEST_BR_TAKEN(301, blt, 0, 1)
  TEST_BR_TAKEN(302, blt, -1, 1)
  TEST_BR_TAKEN(303, blt, -2, -1)
  TEST_BR_TAKEN(304, blt, -1, 0)                 /* signed: -1 < 0 */
  TEST_BR_TAKEN(305, blt, XMIN, XMAX)
  TEST_BR_TAKEN(306, blt, XMIN, 0)
  TEST_BR_TAKEN(307, blt, XMIN, XMIN + 1)
  TEST_BR_TAKEN(308, blt, XMAX - 1, XMAX)
  TEST_BR_NOT_TAKEN(309, blt, 1, 0)
  TEST_BR_NOT_TAKEN(310, blt, 1, -1)
  TEST_BR_NOT_TAKEN(311, blt, -1, -2)
  TEST_BR_NOT_TAKEN(312, blt, 0, 0)              /* equal is not less */
  TEST_BR_NOT_TAKEN(313, blt, -1, -1)
  TEST_BR_NOT_TAKEN(314, blt, XMAX, XMIN)
  TEST_BR_NOT_TAKEN(315, blt, 0, XMIN)
  TEST_BR_NOT_TAKEN(316, blt, 0, -1)
#if __riscv_xlen == 64
  TEST_BR_TAKEN(317, blt, 0x7fffffff, 0x80000000)  /* both positive on RV64 */
  TEST_BR_NOT_TAKEN(318, blt, 0x80000000, 0x7fffffff)
#else
  TEST_BR_NOT_TAKEN(317, blt, 0x7fffffff, 0x80000000)
  TEST_BR_TAKEN(318, blt, 0x80000000, 0x7fffffff)
#endif

  /* ---------------------------------------------------------------- bge */
  TEST_BR_NOT_TAKEN(401, bge, 0, 1)
  TEST_BR_NOT_TAKEN(402, bge, -1, 1)
  TEST_BR_NOT_TAKEN(403, bge, -2, -1)
  TEST_BR_NOT_TAKEN(404, bge, -1, 0)
  TEST_BR_NOT_TAKEN(405, bge, XMIN, XMAX)
  TEST_BR_NOT_TAKEN(406, bge, XMIN, 0)
  TEST_BR_NOT_TAKEN(407, bge, XMIN, XMIN + 1)
  TEST_BR_NOT_TAKEN(408, bge, XMAX - 1, XMAX)
  TEST_BR_TAKEN(409, bge, 1, 0)
  TEST_BR_TAKEN(410, bge, 1, -1)
  TEST_BR_TAKEN(411, bge, -1, -2)
  TEST_BR_TAKEN(412, bge, 0, 0)                  /* equal is taken */
  TEST_BR_TAKEN(413, bge, -1, -1)
  TEST_BR_TAKEN(414, bge, XMAX, XMIN)
  TEST_BR_TAKEN(415, bge, 0, XMIN)
  TEST_BR_TAKEN(416, bge, 0, -1)
  TEST_BR_TAKEN(417, bge, XMIN, XMIN)
#if __riscv_xlen == 64
  TEST_BR_NOT_TAKEN(418, bge, 0x7fffffff, 0x80000000)
  TEST_BR_TAKEN(419, bge, 0x80000000, 0x7fffffff)
#else
  TEST_BR_TAKEN(418, bge, 0x7fffffff, 0x80000000)
  TEST_BR_NOT_TAKEN(419, bge, 0x80000000, 0x7fffffff)
#endif

  /* ---------------------------------------------------------------- bltu */
  TEST_BR_TAKEN(501, bltu, 0, 1)
  TEST_BR_TAKEN(502, bltu, 1, -1)                /* -1 is the largest unsigned value */
  TEST_BR_TAKEN(503, bltu, 0, -1)
  TEST_BR_TAKEN(504, bltu, -2, -1)
  TEST_BR_TAKEN(505, bltu, XMAX, XMIN)           /* unsigned: XMAX < XMIN */
  TEST_BR_TAKEN(506, bltu, 0, XMIN)
  TEST_BR_TAKEN(507, bltu, 0x7fffffff, 0x80000000)
  TEST_BR_NOT_TAKEN(508, bltu, 1, 0)
  TEST_BR_NOT_TAKEN(509, bltu, -1, 0)
  TEST_BR_NOT_TAKEN(510, bltu, -1, 1)
  TEST_BR_NOT_TAKEN(511, bltu, XMIN, XMAX)
  TEST_BR_NOT_TAKEN(512, bltu, 0, 0)
  TEST_BR_NOT_TAKEN(513, bltu, -1, -1)
  TEST_BR_NOT_TAKEN(514, bltu, -1, -2)
#if __riscv_xlen == 64
  TEST_BR_TAKEN(515, bltu, 0xffffffff, 0x100000000)
#else
  TEST_BR_TAKEN(515, bltu, 0xfffffffe, 0xffffffff)
#endif

  /* ---------------------------------------------------------------- bgeu */
  TEST_BR_NOT_TAKEN(601, bgeu, 0, 1)
  TEST_BR_NOT_TAKEN(602, bgeu, 1, -1)
  TEST_BR_NOT_TAKEN(603, bgeu, 0, -1)
  TEST_BR_NOT_TAKEN(604, bgeu, -2, -1)
  TEST_BR_NOT_TAKEN(605, bgeu, XMAX, XMIN)
  TEST_BR_NOT_TAKEN(606, bgeu, 0, XMIN)
  TEST_BR_NOT_TAKEN(607, bgeu, 0x7fffffff, 0x80000000)
  TEST_BR_TAKEN(608, bgeu, 1, 0)
  TEST_BR_TAKEN(609, bgeu, -1, 0)
  TEST_BR_TAKEN(610, bgeu, -1, 1)
  TEST_BR_TAKEN(611, bgeu, XMIN, XMAX)
  TEST_BR_TAKEN(612, bgeu, 0, 0)
  TEST_BR_TAKEN(613, bgeu, -1, -1)
  TEST_BR_TAKEN(614, bgeu, -1, -2)
#if __riscv_xlen == 64
  TEST_BR_NOT_TAKEN(615, bgeu, 0xffffffff, 0x100000000)
#else
  TEST_BR_NOT_TAKEN(615, bgeu, 0xfffffffe, 0xffffffff)
#endif

  /* ------------------------------------------------ x0 operands and rs1 == rs2 */
  TEST_FLOW(701, li x5, 0; beqz x5, 1f; FAIL_CASE 1: li x5, 3; beqz x5, 2f; j 3f; 2: FAIL_CASE 3:)
  TEST_FLOW(702, li x5, 3; bnez x5, 1f; FAIL_CASE 1: bnez x0, 2f; j 3f; 2: FAIL_CASE 3:)
  TEST_FLOW(703, li x5, -1; bltz x5, 1f; FAIL_CASE 1: bltz x0, 2f; j 3f; 2: FAIL_CASE 3:)
  TEST_FLOW(704, li x5, 1; bgtz x5, 1f; FAIL_CASE 1: bgtz x0, 2f; j 3f; 2: FAIL_CASE 3:)
  /* blez is bge x0, rs; bgez is bge rs, x0 */
  TEST_FLOW(705, blez x0, 1f; FAIL_CASE 1: li x5, 1; blez x5, 2f; j 3f; 2: FAIL_CASE 3:)
  TEST_FLOW(706, bgez x0, 1f; FAIL_CASE 1: li x5, XMIN; bgez x5, 2f; j 3f; 2: FAIL_CASE 3:)
  /* unsigned compare with x0: nothing is below zero, everything is >= zero */
  TEST_FLOW(707, li x5, -1; bltu x5, x0, 1f; j 2f; 1: FAIL_CASE 2: bgeu x5, x0, 3f; FAIL_CASE 3:)
  TEST_FLOW(708, li x5, 1; bltu x0, x5, 1f; FAIL_CASE 1: bgeu x0, x5, 2f; j 3f; 2: FAIL_CASE 3:)
  /* the same register on both sides */
  TEST_FLOW(709, li x5, XMIN; beq x5, x5, 1f; FAIL_CASE 1: bne x5, x5, 2f; j 3f; 2: FAIL_CASE 3:)
  TEST_FLOW(710, li x5, -7; blt x5, x5, 1f; bge x5, x5, 2f; 1: FAIL_CASE 2:)
  TEST_FLOW(711, li x5, -7; bltu x5, x5, 1f; bgeu x5, x5, 2f; 1: FAIL_CASE 2:)
  TEST_FLOW(712, beq x0, x0, 1f; FAIL_CASE 1: blt x0, x0, 2f; bltu x0, x0, 2f; j 3f; 2: FAIL_CASE 3:)
  /* a branch never writes a register: x1 and x2 are unchanged after it */
  TEST_CASE(713, x1, 5, li x1, 5; li x2, 5; beq x1, x2, 1f; FAIL_CASE 1: CHECK_EQ(x2, 5))

  /* ---------------------------------------------------------------- long branches */
  /* The largest 4-byte-aligned offsets: +4092 and -4096 (B-immediate range is
   * -4096..+4094). The space between is zero-filled: landing there is an illegal
   * instruction (the test then dies with an unexpected trap). */
test_801:
  li TESTNUM, 801
  li x5, 1
  li x6, 1
  beq x5, x6, 1f                 /* offset = 4 (this insn) + 4088 = +4092 */
  .skip 4088
1:
  j 2f
  FAIL_CASE
2:

test_802:
  li TESTNUM, 802
  li x5, -1
  li x6, 0
  j 2f
1:                               /* target of the backward branch */
  j 3f
  .skip 4092                     /* 4 (the j) + 4092 = 4096 bytes back from the branch */
2:
  bltu x6, x5, 1b                /* offset = -4096 */
  FAIL_CASE
3:

test_803:
  li TESTNUM, 803
  li x5, 1
  bne x5, x0, 1f                 /* offset = +2048: bit 11 of the offset only */
  .skip 2044
1:

test_804:
  li TESTNUM, 804
  j 2f
1:
  j 3f
  .skip 2044                     /* 4 + 2044 = 2048 back: offset -2048 */
2:
  bge x0, x0, 1b
  FAIL_CASE
3:

  /* ---------------------------------------------------------------- jal */
  /* The link register gets the address of the instruction after the jal. */
test_901:
  li TESTNUM, 901
  jal x1, 1f
2:
  FAIL_CASE
1:
  la x15, 2b
  CHECK_EQ_REG(x1, x15)

test_902:                        /* the alternate link register x5 (t0) */
  li TESTNUM, 902
  jal x5, 1f
2:
  FAIL_CASE
1:
  la x15, 2b
  CHECK_EQ_REG(x5, x15)

test_903:                        /* any register can be the link */
  li TESTNUM, 903
  jal x14, 1f
2:
  FAIL_CASE
1:
  la x15, 2b
  CHECK_EQ_REG(x14, x15)

test_904:                        /* j = jal x0: x0 stays zero */
  li TESTNUM, 904
  jal x0, 1f
  FAIL_CASE
1:
  CHECK_EQ(x0, 0)

test_905:                        /* backward jal, and the link still points forward */
  li TESTNUM, 905
  j 2f
1:
  la x15, 3f
  CHECK_EQ_REG(x1, x15)
  j 4f
2:
  jal x1, 1b
3:
  FAIL_CASE
4:

test_906:                        /* call a subroutine and return through the link */
  li TESTNUM, 906
  li x14, 0
  jal x1, jal_subroutine         /* adds 5 to x14 */
  jal x1, jal_subroutine
  CHECK_EQ(x14, 10)

test_907:                        /* a jal that is its own predecessor's target: jal 0 loops */
  li TESTNUM, 907
  li x5, 3
1:
  addi x5, x5, -1
  beqz x5, 2f
  jal x0, 1b
2:
  CHECK_EQ(x5, 0)

  /* Offsets above the branch range exercise J-immediate bits 11..13 and the sign bit. */
test_908:
  li TESTNUM, 908
  jal x1, 1f                     /* +0x3000 */
2:
  .skip 0x3000 - 4
1:
  la x15, 2b
  CHECK_EQ_REG(x1, x15)

test_909:
  li TESTNUM, 909
  j 2f
1:
  j 3f
  .skip 0x2800 - 4               /* -0x2800 from the jal below */
2:
  jal x0, 1b
  FAIL_CASE
3:

test_910:
  li TESTNUM, 910
  jal x0, 1f                     /* +0x1ffc: imm bits 2..12 all set */
  .skip 0x1ffc - 4
1:

  /* ---------------------------------------------------------------- jalr */
test_1001:                       /* link = address after the jalr */
  li TESTNUM, 1001
  la x5, 1f
  jalr x1, 0(x5)
2:
  FAIL_CASE
1:
  la x15, 2b
  CHECK_EQ_REG(x1, x15)

test_1002:                       /* positive offset */
  li TESTNUM, 1002
  la x5, 1f
  addi x5, x5, -8
  jalr x14, 8(x5)
2:
  FAIL_CASE
1:
  la x15, 2b
  CHECK_EQ_REG(x14, x15)

test_1003:                       /* the most negative offset, -2048 */
  li TESTNUM, 1003
  la x5, 1f
  addi x5, x5, 2047
  addi x5, x5, 1
  jalr x1, -2048(x5)
  FAIL_CASE
1:

test_1004:                       /* the largest offset, +2047 */
  li TESTNUM, 1004
  la x5, 1f
  addi x5, x5, -2047             /* x5 + 2047 = target */
  jalr x1, 2047(x5)
  FAIL_CASE
1:

test_1005:                       /* +2047 with an odd sum: bit 0 is cleared */
  li TESTNUM, 1005
  la x5, 1f
  addi x5, x5, -2046             /* x5 + 2047 = target + 1 */
  jalr x1, 2047(x5)
  FAIL_CASE
1:

test_1006:                       /* jalr clears bit 0 of rs1 + imm: odd rs1 */
  li TESTNUM, 1006
  la x5, 1f
  addi x5, x5, 1
  jalr x1, 0(x5)
  FAIL_CASE
1:

test_1007:                       /* odd immediate */
  li TESTNUM, 1007
  la x5, 1f
  jalr x1, 1(x5)
  FAIL_CASE
1:

test_1008:                       /* odd + even = odd: target - 2 + 3 = target + 1 -> target */
  li TESTNUM, 1008
  la x5, 1f
  addi x5, x5, -2
  jalr x1, 3(x5)
  FAIL_CASE
1:

test_1009:                       /* odd rs1 and odd imm add to an even target */
  li TESTNUM, 1009
  la x5, 1f
  addi x5, x5, -1
  jalr x1, 1(x5)
  FAIL_CASE
1:

test_1010:                       /* rd == rs1: the target uses the old value */
  li TESTNUM, 1010
  la x5, 1f
  jalr x5, 0(x5)
2:
  FAIL_CASE
1:
  la x15, 2b
  CHECK_EQ_REG(x5, x15)

test_1011:                       /* rd == rs1 with an offset */
  li TESTNUM, 1011
  la x5, 1f
  addi x5, x5, 12
  jalr x5, -12(x5)
2:
  FAIL_CASE
1:
  la x15, 2b
  CHECK_EQ_REG(x5, x15)

test_1012:                       /* jr: rd = x0 */
  li TESTNUM, 1012
  la x5, 1f
  jalr x0, 0(x5)
  FAIL_CASE
1:
  CHECK_EQ(x0, 0)
  la x15, 1b
  CHECK_EQ_REG(x5, x15)          /* rs1 unchanged */

test_1013:                       /* ret = jalr x0, 0(x1) */
  li TESTNUM, 1013
  la x1, 1f
  ret
  FAIL_CASE
1:

test_1014:                       /* backward jalr */
  li TESTNUM, 1014
  j 2f
1:
  la x15, 3f
  CHECK_EQ_REG(x14, x15)
  j 4f
2:
  la x5, 1b
  jalr x14, 0(x5)
3:
  FAIL_CASE
4:

test_1015:                       /* call through a register and return */
  li TESTNUM, 1015
  li x14, 1
  la x6, jal_subroutine
  jalr x1, 0(x6)
  jalr x1, 0(x6)
  jalr x1, 0(x6)
  CHECK_EQ(x14, 16)

test_1016:                       /* call/tail idioms of the assembler (auipc + jalr) */
  li TESTNUM, 1016
  li x14, 0
  call jal_subroutine
  CHECK_EQ(x14, 5)

test_1017:                       /* jalr to a target computed with odd garbage in bit 0 only */
  li TESTNUM, 1017
  la x5, 1f
  ori x5, x5, 1
  jalr x0, 0(x5)
  FAIL_CASE
1:

TEST_END

/* x14 += 5, return via x1. */
  .text
  .align 2
jal_subroutine:
  addi x14, x14, 5
  jalr x0, 0(x1)
