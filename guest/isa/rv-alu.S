/*
 * rv-alu: the RV32I/RV64I integer computational instructions.
 *
 *   register-register:  add sub sll slt sltu xor srl sra or and
 *   register-immediate: addi slti sltiu xori ori andi slli srli srai
 *   upper immediates:   lui auipc
 *
 * Edge cases covered: sign extension of the 12-bit immediates (-2048 and 2047), overflow
 * wrap-around at XLEN (no traps), shifts by 0 and by XLEN-1, shift amounts taken from the
 * low log2(XLEN) bits of rs2 only, writes to x0 discarded, x0 as a source, and aliasing
 * (rd == rs1, rd == rs2, rd == rs1 == rs2).
 *
 * Case numbers are grouped per instruction: add 1xx, sub 2xx, sll 3xx, slt 4xx, sltu 5xx,
 * xor 6xx, srl 7xx, sra 8xx, or 9xx, and 10xx, addi 11xx, slti 12xx, sltiu 13xx, xori 14xx,
 * ori 15xx, andi 16xx, slli 17xx, srli 18xx, srai 19xx, lui 20xx, auipc 21xx.
 *
 * Note on constants: "li r, 0x80000000" gives 0x80000000 on RV32 and 0x0000000080000000 on
 * RV64, so a 32-bit hex expected value means "that bit pattern, zero-extended" on RV64.
 */
#include "test.h"

/* Force 32-bit encodings: the assembler would otherwise turn e.g. "add x1, x1, x2" into
 * c.add, and this file must test the base instructions. */
.option norvc

#if __riscv_xlen == 64
#define XMIN 0x8000000000000000
#define XMAX 0x7fffffffffffffff
#define XLEN_M1 63
#else
#define XMIN 0x80000000
#define XMAX 0x7fffffff
#define XLEN_M1 31
#endif

TEST_BEGIN

  /* ---------------------------------------------------------------- add */
  TEST_RR_OP(101, add, 0, 0, 0)
  TEST_RR_OP(102, add, 2, 1, 1)
  TEST_RR_OP(103, add, 10, 3, 7)
  TEST_RR_OP(104, add, 0, -1, 1)                /* wraps to zero */
  TEST_RR_OP(105, add, -2, -1, -1)
  TEST_RR_OP(106, add, 0x80000000, 0x7fffffff, 1) /* RV32: signed overflow, no trap */
  TEST_RR_OP(107, add, XMIN, XMAX, 1)           /* XLEN signed overflow wraps */
  TEST_RR_OP(108, add, 0, XMIN, XMIN)           /* carry out of bit XLEN-1 is lost */
  TEST_RR_OP(109, add, XMAX, XMIN, -1)
  TEST_RR_OP(110, add, 0x22222221, 0x12345678, 0x0fedcba9)
#if __riscv_xlen == 64
  TEST_RR_OP(111, add, 0x100000000, 0xffffffff, 1) /* carries into bit 32 */
#else
  TEST_RR_OP(111, add, 0, 0xffffffff, 1)
#endif
  TEST_RR_RD_RS1(112, add, 24, 13, 11)
  TEST_RR_RD_RS2(113, add, 25, 14, 11)
  TEST_RR_RD_RS1_RS2(114, add, 26, 13)
  TEST_RR_RS1_RS2(115, add, -10, -5)
  TEST_RR_RS1_X0(116, add, 15, 15)
  TEST_RR_RS2_X0(117, add, 32, 32)
  TEST_RR_RD_X0(118, add, 16, 30)
  TEST_CASE(119, x14, 0, li x14, 5; add x14, x0, x0)

  /* ---------------------------------------------------------------- sub */
  TEST_RR_OP(201, sub, 0, 0, 0)
  TEST_RR_OP(202, sub, 0, 1, 1)
  TEST_RR_OP(203, sub, -4, 3, 7)
  TEST_RR_OP(204, sub, -1, 0, 1)                /* borrows through every bit */
  TEST_RR_OP(205, sub, XMAX, XMIN, 1)           /* signed underflow wraps */
  TEST_RR_OP(206, sub, XMIN, XMAX, -1)
  TEST_RR_OP(207, sub, XMIN, 0, XMIN)           /* -XMIN == XMIN */
  TEST_RR_OP(208, sub, 0, -1, -1)
  TEST_RR_OP(209, sub, 0x7fffffff, 0x80000000, 1)
#if __riscv_xlen == 64
  TEST_RR_OP(210, sub, 0xffffffff00000001, 0, 0xffffffff)
#else
  TEST_RR_OP(210, sub, 1, 0, 0xffffffff)
#endif
  TEST_RR_RD_RS1(211, sub, 3, 14, 11)
  TEST_RR_RD_RS2(212, sub, 4, 15, 11)
  TEST_RR_RD_RS1_RS2(213, sub, 0, 13)
  TEST_RR_RS1_X0(214, sub, -15, 15)              /* neg */
  TEST_RR_RS2_X0(215, sub, 32, 32)
  TEST_RR_RD_X0(216, sub, 16, 30)
  TEST_RR_RS1_X0(217, sub, XMIN, XMIN)

  /* ---------------------------------------------------------------- sll */
  TEST_RR_OP(301, sll, 1, 1, 0)
  TEST_RR_OP(302, sll, 2, 1, 1)
  TEST_RR_OP(303, sll, 0x80, 1, 7)
  TEST_RR_OP(304, sll, 0x4000, 1, 14)
  TEST_RR_OP(305, sll, 0x80000000, 1, 31)
  TEST_RR_OP(306, sll, XMIN, 1, XLEN_M1)
  TEST_RR_OP(307, sll, -1, -1, 0)
  TEST_RR_OP(308, sll, -2, -1, 1)
  TEST_RR_OP(309, sll, XMIN, -1, XLEN_M1)
  TEST_RR_OP(310, sll, 0x21212121, 0x21212121, 0)
  TEST_RR_OP(311, sll, 0x42424242, 0x21212121, 1)
#if __riscv_xlen == 64
  TEST_RR_OP(312, sll, 0x1090909080, 0x21212121, 7)
  TEST_RR_OP(313, sll, 0x84848484000, 0x21212121, 14)
  TEST_RR_OP(314, sll, 0x1090909080000000, 0x21212121, 31)
#else
  TEST_RR_OP(312, sll, 0x90909080, 0x21212121, 7)
  TEST_RR_OP(313, sll, 0x48484000, 0x21212121, 14)
  TEST_RR_OP(314, sll, 0x80000000, 0x21212121, 31)
#endif
  /* Only rs2[5:0] (RV64) / rs2[4:0] (RV32) is the shift amount. */
  TEST_RR_OP(315, sll, 2, 1, -63)               /* ...ffc1: low bits are 1 for both */
#if __riscv_xlen == 64
  TEST_RR_OP(316, sll, 0x100000000, 1, 32)      /* 32 is a real shift on RV64 */
#else
  TEST_RR_OP(316, sll, 1, 1, 32)                /* 32 -> shift by 0 on RV32 */
#endif
  TEST_RR_OP(317, sll, 1, 1, 64)                /* shift by 0 for both */
  TEST_RR_OP(318, sll, XMIN, 0x21212121, -1)    /* all ones -> shift by XLEN-1 */
  TEST_RR_OP(319, sll, 0x300, 3, 0xffffff08)    /* upper garbage ignored: shift by 8 */
  TEST_RR_RD_RS1(320, sll, 0x80, 1, 7)
  TEST_RR_RD_RS2(321, sll, 0x4000, 1, 14)
  TEST_RR_RD_RS1_RS2(322, sll, 24, 3)
  TEST_RR_RS1_X0(323, sll, 0, 15)
  TEST_RR_RS2_X0(324, sll, 32, 32)
  TEST_RR_RD_X0(325, sll, 16, 3)

  /* ---------------------------------------------------------------- slt */
  TEST_RR_OP(401, slt, 0, 0, 0)
  TEST_RR_OP(402, slt, 0, 1, 1)
  TEST_RR_OP(403, slt, 1, 3, 7)
  TEST_RR_OP(404, slt, 0, 7, 3)
  TEST_RR_OP(405, slt, 0, 0, XMIN)
  TEST_RR_OP(406, slt, 1, XMIN, 0)
  TEST_RR_OP(407, slt, 0, XMAX, XMIN)           /* signed: max > min */
  TEST_RR_OP(408, slt, 1, XMIN, XMAX)
  TEST_RR_OP(409, slt, 1, -1, 0)
  TEST_RR_OP(410, slt, 0, 0, -1)
  TEST_RR_OP(411, slt, 1, -1, 1)
  TEST_RR_OP(412, slt, 1, -2, -1)
  TEST_RR_OP(413, slt, 0, XMAX, XMAX)
#if __riscv_xlen == 64
  TEST_RR_OP(414, slt, 1, 0x7fffffff, 0x80000000) /* both positive on RV64 */
#else
  TEST_RR_OP(414, slt, 0, 0x7fffffff, 0x80000000) /* 0x80000000 is negative on RV32 */
#endif
  TEST_RR_RD_RS1(415, slt, 1, 11, 13)
  TEST_RR_RD_RS2(416, slt, 0, 14, 13)
  TEST_RR_RD_RS1_RS2(417, slt, 0, -5)
  TEST_RR_RS1_X0(418, slt, 0, -1)
  TEST_RR_RS1_X0(419, slt, 1, 1)                /* sgtz */
  TEST_RR_RS2_X0(420, slt, 1, -1)               /* sltz */
  TEST_RR_RD_X0(421, slt, 16, 30)

  /* ---------------------------------------------------------------- sltu */
  TEST_RR_OP(501, sltu, 0, 0, 0)
  TEST_RR_OP(502, sltu, 0, 1, 1)
  TEST_RR_OP(503, sltu, 1, 3, 7)
  TEST_RR_OP(504, sltu, 0, 7, 3)
  TEST_RR_OP(505, sltu, 1, 0, XMIN)
  TEST_RR_OP(506, sltu, 0, XMIN, 0)
  TEST_RR_OP(507, sltu, 1, XMAX, XMIN)          /* unsigned: max < min */
  TEST_RR_OP(508, sltu, 0, -1, 0)               /* -1 is the largest unsigned value */
  TEST_RR_OP(509, sltu, 1, 0, -1)
  TEST_RR_OP(510, sltu, 0, -1, -2)
  TEST_RR_OP(511, sltu, 1, -2, -1)
  TEST_RR_OP(512, sltu, 0, XMIN, XMAX)
  TEST_RR_OP(513, sltu, 1, 0x7fffffff, 0x80000000)
  TEST_RR_OP(514, sltu, 0, -1, -1)
  TEST_RR_RD_RS1(515, sltu, 1, 11, 13)
  TEST_RR_RD_RS2(516, sltu, 0, 14, 13)
  TEST_RR_RD_RS1_RS2(517, sltu, 0, -1)
  TEST_RR_RS1_X0(518, sltu, 1, 5)               /* snez */
  TEST_RR_RS1_X0(519, sltu, 0, 0)
  TEST_RR_RS2_X0(520, sltu, 0, -1)              /* nothing is below zero */
  TEST_RR_RD_X0(521, sltu, 16, 30)

  /* ---------------------------------------------------------------- xor */
  TEST_RR_OP(601, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
  TEST_RR_OP(602, xor, 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0)
  TEST_RR_OP(603, xor, 0x0ff00ff0, 0x00ff00ff, 0x0f0f0f0f)
  TEST_RR_OP(604, xor, 0x00ff00ff, 0xf00ff00f, 0xf0f0f0f0)
  TEST_RR_OP(605, xor, -1, -1, 0)
  TEST_RR_OP(606, xor, 0, -1, -1)
  TEST_RR_OP(607, xor, XMAX, -1, XMIN)
#if __riscv_xlen == 64
  TEST_RR_OP(608, xor, 0xf00ff00ff00ff00f, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
#else
  TEST_RR_OP(608, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
#endif
  TEST_RR_RD_RS1(609, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
  TEST_RR_RD_RS2(610, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
  TEST_RR_RD_RS1_RS2(611, xor, 0, 0xff00ff00)
  TEST_RR_RS1_X0(612, xor, 0x12345678, 0x12345678)
  TEST_RR_RS2_X0(613, xor, -7, -7)
  TEST_RR_RD_X0(614, xor, 0x1234, 0x4321)

  /* ---------------------------------------------------------------- srl */
  TEST_RR_OP(701, srl, XMIN, XMIN, 0)
#if __riscv_xlen == 64
  TEST_RR_OP(702, srl, 0x4000000000000000, XMIN, 1)
  TEST_RR_OP(703, srl, 0x0100000000000000, XMIN, 7)
  TEST_RR_OP(704, srl, 0x0002000000000000, XMIN, 14)
#else
  TEST_RR_OP(702, srl, 0x40000000, XMIN, 1)
  TEST_RR_OP(703, srl, 0x01000000, XMIN, 7)
  TEST_RR_OP(704, srl, 0x00020000, XMIN, 14)
#endif
  TEST_RR_OP(705, srl, 1, XMIN, XLEN_M1)
  TEST_RR_OP(706, srl, -1, -1, 0)
  TEST_RR_OP(707, srl, XMAX, -1, 1)             /* zeros shifted in at the top */
  TEST_RR_OP(708, srl, 1, -1, XLEN_M1)
  TEST_RR_OP(709, srl, 0x21212121, 0x21212121, 0)
  TEST_RR_OP(710, srl, 0x10909090, 0x21212121, 1)
  TEST_RR_OP(711, srl, 0x00424242, 0x21212121, 7)
  TEST_RR_OP(712, srl, 0x00008484, 0x21212121, 14)
  TEST_RR_OP(713, srl, 0, 0x21212121, 31)
#if __riscv_xlen == 64
  TEST_RR_OP(714, srl, 0xffffffff, -1, 32)
#else
  TEST_RR_OP(714, srl, -1, -1, 32)              /* 32 -> shift by 0 on RV32 */
#endif
  TEST_RR_OP(715, srl, -1, -1, 64)
#if __riscv_xlen == 64
  TEST_RR_OP(716, srl, 0x4000000000000000, XMIN, -63)
#else
  TEST_RR_OP(716, srl, 0x40000000, XMIN, -63)
#endif
  TEST_RR_OP(717, srl, 1, -1, -1)               /* all ones -> shift by XLEN-1 */
  TEST_RR_RD_RS1(718, srl, 0x10909090, 0x21212121, 1)
  TEST_RR_RD_RS2(719, srl, 0x00424242, 0x21212121, 7)
  TEST_RR_RD_RS1_RS2(720, srl, 0, 7)
  TEST_RR_RS1_X0(721, srl, 0, 15)
  TEST_RR_RS2_X0(722, srl, 32, 32)
  TEST_RR_RD_X0(723, srl, 16, 3)

  /* ---------------------------------------------------------------- sra */
  TEST_RR_OP(801, sra, XMIN, XMIN, 0)
#if __riscv_xlen == 64
  TEST_RR_OP(802, sra, 0xc000000000000000, XMIN, 1) /* sign bit replicated */
  TEST_RR_OP(803, sra, 0xff00000000000000, XMIN, 7)
  TEST_RR_OP(804, sra, 0xfffe000000000000, XMIN, 14)
#else
  TEST_RR_OP(802, sra, 0xc0000000, XMIN, 1)
  TEST_RR_OP(803, sra, 0xff000000, XMIN, 7)
  TEST_RR_OP(804, sra, 0xfffe0000, XMIN, 14)
#endif
  TEST_RR_OP(805, sra, -1, XMIN, XLEN_M1)
  TEST_RR_OP(806, sra, XMAX, XMAX, 0)
#if __riscv_xlen == 64
  TEST_RR_OP(807, sra, 0x3fffffffffffffff, XMAX, 1)
#else
  TEST_RR_OP(807, sra, 0x3fffffff, XMAX, 1)
#endif
  TEST_RR_OP(808, sra, 0, XMAX, XLEN_M1)
  TEST_RR_OP(809, sra, -1, -1, XLEN_M1)
#if __riscv_xlen == 64
  /* 0x81818181 is positive on RV64 */
  TEST_RR_OP(810, sra, 0x40c0c0c0, 0x81818181, 1)
  TEST_RR_OP(811, sra, 0x01030303, 0x81818181, 7)
  TEST_RR_OP(812, sra, 0x00020606, 0x81818181, 14)
  TEST_RR_OP(813, sra, 1, 0x81818181, 31)
  TEST_RR_OP(814, sra, 0xffffffff80000000, XMIN, 32)
  TEST_RR_OP(815, sra, 0xc000000000000000, XMIN, -63)
#else
  TEST_RR_OP(810, sra, 0xc0c0c0c0, 0x81818181, 1)
  TEST_RR_OP(811, sra, 0xff030303, 0x81818181, 7)
  TEST_RR_OP(812, sra, 0xfffe0606, 0x81818181, 14)
  TEST_RR_OP(813, sra, -1, 0x81818181, 31)
  TEST_RR_OP(814, sra, XMIN, XMIN, 32)          /* 32 -> shift by 0 on RV32 */
  TEST_RR_OP(815, sra, 0xc0000000, XMIN, -63)
#endif
  TEST_RR_OP(816, sra, -1, XMIN, -1)            /* all ones -> shift by XLEN-1 */
  TEST_RR_OP(817, sra, XMIN, XMIN, 64)
  TEST_RR_OP(818, sra, -4, -16, 2)
  TEST_RR_RD_RS1(819, sra, -8, -16, 1)
  TEST_RR_RD_RS2(820, sra, -2, -16, 3)
  TEST_RR_RD_RS1_RS2(821, sra, 0, 7)
  TEST_RR_RS1_X0(822, sra, 0, 15)
  TEST_RR_RS2_X0(823, sra, -32, -32)
  TEST_RR_RD_X0(824, sra, -16, 3)

  /* ---------------------------------------------------------------- or */
  TEST_RR_OP(901, or, 0xff0fff0f, 0xff00ff00, 0x0f0f0f0f)
  TEST_RR_OP(902, or, 0xfff0fff0, 0x0ff00ff0, 0xf0f0f0f0)
  TEST_RR_OP(903, or, 0x0fff0fff, 0x00ff00ff, 0x0f0f0f0f)
  TEST_RR_OP(904, or, 0xf0fff0ff, 0xf00ff00f, 0xf0f0f0f0)
  TEST_RR_OP(905, or, -1, XMIN, XMAX)
  TEST_RR_OP(906, or, 0, 0, 0)
#if __riscv_xlen == 64
  TEST_RR_OP(907, or, 0xff00ff00000000ff, 0xff00ff0000000000, 0xff)
#else
  TEST_RR_OP(907, or, 0xff00ffff, 0xff00ff00, 0xff)
#endif
  TEST_RR_RD_RS1(908, or, 0xff0fff0f, 0xff00ff00, 0x0f0f0f0f)
  TEST_RR_RD_RS2(909, or, 0xff0fff0f, 0xff00ff00, 0x0f0f0f0f)
  TEST_RR_RD_RS1_RS2(910, or, 0xff00ff00, 0xff00ff00)
  TEST_RR_RS1_X0(911, or, 0x12345678, 0x12345678)
  TEST_RR_RS2_X0(912, or, -7, -7)
  TEST_RR_RD_X0(913, or, 0x1234, 0x4321)

  /* ---------------------------------------------------------------- and */
  TEST_RR_OP(1001, and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f)
  TEST_RR_OP(1002, and, 0x00f000f0, 0x0ff00ff0, 0xf0f0f0f0)
  TEST_RR_OP(1003, and, 0x000f000f, 0x00ff00ff, 0x0f0f0f0f)
  TEST_RR_OP(1004, and, 0xf000f000, 0xf00ff00f, 0xf0f0f0f0)
  TEST_RR_OP(1005, and, XMIN, -1, XMIN)
  TEST_RR_OP(1006, and, 0, XMIN, XMAX)
#if __riscv_xlen == 64
  TEST_RR_OP(1007, and, 0x1200000000000078, 0x1234567800000078, 0xff000000000000ff)
#else
  TEST_RR_OP(1007, and, 0x12000078, 0x12345678, 0xff0000ff)
#endif
  TEST_RR_RD_RS1(1008, and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f)
  TEST_RR_RD_RS2(1009, and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f)
  TEST_RR_RD_RS1_RS2(1010, and, 0xff00ff00, 0xff00ff00)
  TEST_RR_RS1_X0(1011, and, 0, -1)
  TEST_RR_RS2_X0(1012, and, 0, -1)
  TEST_RR_RD_X0(1013, and, -1, -1)

  /* ---------------------------------------------------------------- addi */
  TEST_IMM_OP(1101, addi, 0, 0, 0)
  TEST_IMM_OP(1102, addi, 2, 1, 1)
  TEST_IMM_OP(1103, addi, 10, 3, 7)
  TEST_IMM_OP(1104, addi, -2048, 0, -2048)      /* most negative immediate, sign-extended */
  TEST_IMM_OP(1105, addi, 2047, 0, 2047)        /* largest positive immediate */
#if __riscv_xlen == 64
  TEST_IMM_OP(1106, addi, 0x7ffffffffffff800, XMIN, -2048) /* wraps */
  TEST_IMM_OP(1107, addi, 0x80000000000007fe, XMAX, 2047)
#else
  TEST_IMM_OP(1106, addi, 0x7ffff800, XMIN, -2048)
  TEST_IMM_OP(1107, addi, 0x800007fe, XMAX, 2047)
#endif
  TEST_IMM_OP(1108, addi, XMIN, XMAX, 1)
  TEST_IMM_OP(1109, addi, 0, -1, 1)
  TEST_IMM_OP(1110, addi, -1, 0, -1)
  TEST_IMM_OP(1111, addi, 0x80000000, 0x7fffffff, 1)
#if __riscv_xlen == 64
  TEST_IMM_OP(1112, addi, 0x100000000, 0xffffffff, 1)
#else
  TEST_IMM_OP(1112, addi, 0, 0xffffffff, 1)
#endif
  TEST_IMM_OP(1113, addi, 0xfffffffe, 0xffffffff, -1)
  TEST_IMM_OP(1114, addi, 0x12345678, 0x12345678, 0) /* mv */
  TEST_IMM_OP(1115, addi, -0x801, -1, -2048)
  TEST_IMM_RD_RS1(1116, addi, 24, 13, 11)
  TEST_IMM_RS1_X0(1117, addi, -5, -5)           /* li */
  TEST_IMM_RS1_X0(1118, addi, 2047, 2047)
  TEST_IMM_RD_X0(1119, addi, 5, 7)

  /* ---------------------------------------------------------------- slti */
  TEST_IMM_OP(1201, slti, 0, 0, 0)
  TEST_IMM_OP(1202, slti, 0, 1, 1)
  TEST_IMM_OP(1203, slti, 1, 3, 7)
  TEST_IMM_OP(1204, slti, 0, 7, 3)
  TEST_IMM_OP(1205, slti, 0, 0, -2048)          /* immediate is negative */
  TEST_IMM_OP(1206, slti, 1, XMIN, 0)
  TEST_IMM_OP(1207, slti, 1, 0, 2047)
  TEST_IMM_OP(1208, slti, 0, XMAX, 2047)
  TEST_IMM_OP(1209, slti, 1, XMIN, -2048)
  TEST_IMM_OP(1210, slti, 1, -1, 0)
  TEST_IMM_OP(1211, slti, 0, 0, -1)
  TEST_IMM_OP(1212, slti, 0, -1, -1)
  TEST_IMM_OP(1213, slti, 1, -2, -1)
  TEST_IMM_OP(1214, slti, 0, -2048, -2048)
  TEST_IMM_OP(1215, slti, 1, -2049, -2048)
#if __riscv_xlen == 64
  TEST_IMM_OP(1216, slti, 0, 0x80000000, 0)     /* positive on RV64 */
#else
  TEST_IMM_OP(1216, slti, 1, 0x80000000, 0)     /* negative on RV32 */
#endif
  TEST_IMM_RD_RS1(1217, slti, 1, 11, 13)
  TEST_IMM_RS1_X0(1218, slti, 1, 1)
  TEST_IMM_RS1_X0(1219, slti, 0, -1)
  TEST_IMM_RD_X0(1220, slti, -1, 0)

  /* ---------------------------------------------------------------- sltiu */
  TEST_IMM_OP(1301, sltiu, 0, 0, 0)
  TEST_IMM_OP(1302, sltiu, 0, 1, 1)
  TEST_IMM_OP(1303, sltiu, 1, 3, 7)
  TEST_IMM_OP(1304, sltiu, 0, 7, 3)
  /* The immediate is sign-extended and then compared unsigned: -2048 is 0xff...f800. */
  TEST_IMM_OP(1305, sltiu, 1, 0, -2048)
  TEST_IMM_OP(1306, sltiu, 0, XMIN, 0)
  TEST_IMM_OP(1307, sltiu, 1, 0, 2047)
  TEST_IMM_OP(1308, sltiu, 1, XMIN, -2048)
  TEST_IMM_OP(1309, sltiu, 0, XMAX, 2047)
  TEST_IMM_OP(1310, sltiu, 0, -1, -1)
  TEST_IMM_OP(1311, sltiu, 1, -2, -1)           /* x < -1 for every x but all-ones */
  TEST_IMM_OP(1312, sltiu, 1, XMAX, -1)
  TEST_IMM_OP(1313, sltiu, 0, -2048, -2048)
  TEST_IMM_OP(1314, sltiu, 1, -2049, -2048)
  TEST_IMM_OP(1315, sltiu, 0, -1, 0)
  TEST_IMM_OP(1316, sltiu, 1, 0, 1)             /* seqz */
  TEST_IMM_OP(1317, sltiu, 0, 5, 1)
  TEST_IMM_OP(1318, sltiu, 0, -1, 1)
  TEST_IMM_RD_RS1(1319, sltiu, 1, 11, 13)
  TEST_IMM_RS1_X0(1320, sltiu, 1, -1)
  TEST_IMM_RS1_X0(1321, sltiu, 0, 0)
  TEST_IMM_RD_X0(1322, sltiu, 0, 1)

  /* ---------------------------------------------------------------- xori */
  TEST_IMM_OP(1401, xori, 0x00ff080f, 0x00ff0f00, 0x70f)
#if __riscv_xlen == 64
  TEST_IMM_OP(1402, xori, 0xffffffffff00f00f, 0x00ff0f00, -0xf1) /* imm = ...ff0f */
  TEST_IMM_OP(1403, xori, 0xffffffffedcba987, 0x12345678, -1)    /* not */
#else
  TEST_IMM_OP(1402, xori, 0xff00f00f, 0x00ff0f00, -0xf1)
  TEST_IMM_OP(1403, xori, 0xedcba987, 0x12345678, -1)
#endif
  TEST_IMM_OP(1404, xori, -2048, 0, -2048)
  TEST_IMM_OP(1405, xori, -2048, -1, 2047)
  TEST_IMM_OP(1406, xori, 2047, -1, -2048)
  TEST_IMM_OP(1407, xori, 0, 0x7ff, 0x7ff)
  TEST_IMM_OP(1408, xori, XMAX, XMIN, -1)
  TEST_IMM_RD_RS1(1409, xori, 0x00ff080f, 0x00ff0f00, 0x70f)
  TEST_IMM_RS1_X0(1410, xori, -0xf1, -0xf1)
  TEST_IMM_RD_X0(1411, xori, 0x1234, 0x321)

  /* ---------------------------------------------------------------- ori */
  TEST_IMM_OP(1501, ori, -0xf1, 0xff00ff00, -0xf1) /* sign-extended imm sets upper bits */
  TEST_IMM_OP(1502, ori, 0x0ff00ff0, 0x0ff00ff0, 0x0f0)
  TEST_IMM_OP(1503, ori, 0x00ff07ff, 0x00ff00ff, 0x70f)
  TEST_IMM_OP(1504, ori, 0xf00ff0ff, 0xf00ff00f, 0x0f0)
  TEST_IMM_OP(1505, ori, -2048, 0, -2048)
  TEST_IMM_OP(1506, ori, 2047, 0, 2047)
  TEST_IMM_OP(1507, ori, XMIN, XMIN, 0)
  TEST_IMM_OP(1508, ori, -1, XMAX, -2048)
  TEST_IMM_RD_RS1(1509, ori, 0xff07ff, 0xff00ff, 0x70f)
  TEST_IMM_RS1_X0(1510, ori, 0x7ff, 0x7ff)
  TEST_IMM_RD_X0(1511, ori, 0x1234, 0x321)

  /* ---------------------------------------------------------------- andi */
  TEST_IMM_OP(1601, andi, 0xff00ff00, 0xff00ff00, -0xf1) /* upper bits kept by sign ext */
  TEST_IMM_OP(1602, andi, 0x0f0, 0x0ff00ff0, 0x0f0)
  TEST_IMM_OP(1603, andi, 0x00f, 0x00ff00ff, 0x70f)
  TEST_IMM_OP(1604, andi, 0, 0xf00ff00f, 0x0f0)
  TEST_IMM_OP(1605, andi, -2048, -1, -2048)
  TEST_IMM_OP(1606, andi, 2047, -1, 2047)
  TEST_IMM_OP(1607, andi, XMIN, XMIN, -1)
  TEST_IMM_OP(1608, andi, 0, XMAX, 0)           /* imm 0 clears everything */
#if __riscv_xlen == 64
  TEST_IMM_OP(1609, andi, 0x123456789abcd800, 0x123456789abcdef0, -2048)
#else
  TEST_IMM_OP(1609, andi, 0x9abcd800, 0x9abcdef0, -2048)
#endif
  TEST_IMM_RD_RS1(1610, andi, 0x0f0, 0x0ff00ff0, 0x0f0)
  TEST_IMM_RS1_X0(1611, andi, 0, -1)
  TEST_IMM_RD_X0(1612, andi, -1, -1)

  /* ---------------------------------------------------------------- slli */
  TEST_IMM_OP(1701, slli, 1, 1, 0)
  TEST_IMM_OP(1702, slli, 2, 1, 1)
  TEST_IMM_OP(1703, slli, 0x80, 1, 7)
  TEST_IMM_OP(1704, slli, 0x4000, 1, 14)
  TEST_IMM_OP(1705, slli, 0x80000000, 1, 31)
  TEST_IMM_OP(1706, slli, XMIN, 1, XLEN_M1)
  TEST_IMM_OP(1707, slli, -1, -1, 0)
  TEST_IMM_OP(1708, slli, -2, -1, 1)
  TEST_IMM_OP(1709, slli, XMIN, -1, XLEN_M1)
  TEST_IMM_OP(1710, slli, 0x42424242, 0x21212121, 1)
#if __riscv_xlen == 64
  TEST_IMM_OP(1711, slli, 0x1090909080, 0x21212121, 7)
  TEST_IMM_OP(1712, slli, 0x84848484000, 0x21212121, 14)
  TEST_IMM_OP(1713, slli, 0x1090909080000000, 0x21212121, 31)
  TEST_IMM_OP(1714, slli, 0x2121212100000000, 0x21212121, 32) /* shamt[5] is legal on RV64 */
  TEST_IMM_OP(1715, slli, 0x4242424200000000, 0x21212121, 33)
#else
  TEST_IMM_OP(1711, slli, 0x90909080, 0x21212121, 7)
  TEST_IMM_OP(1712, slli, 0x48484000, 0x21212121, 14)
  TEST_IMM_OP(1713, slli, 0x80000000, 0x21212121, 31)
#endif
  TEST_IMM_RD_RS1(1716, slli, 0x80, 1, 7)
  TEST_IMM_RS1_X0(1717, slli, 0, 31)
  TEST_IMM_RD_X0(1718, slli, 1, 4)

  /* ---------------------------------------------------------------- srli */
  TEST_IMM_OP(1801, srli, XMIN, XMIN, 0)
#if __riscv_xlen == 64
  TEST_IMM_OP(1802, srli, 0x4000000000000000, XMIN, 1)
  TEST_IMM_OP(1803, srli, 0x0100000000000000, XMIN, 7)
  TEST_IMM_OP(1804, srli, 0x0002000000000000, XMIN, 14)
  TEST_IMM_OP(1805, srli, 0x100000000, XMIN, 31)
  TEST_IMM_OP(1806, srli, 0xffffffff, -1, 32)
#else
  TEST_IMM_OP(1802, srli, 0x40000000, XMIN, 1)
  TEST_IMM_OP(1803, srli, 0x01000000, XMIN, 7)
  TEST_IMM_OP(1804, srli, 0x00020000, XMIN, 14)
  TEST_IMM_OP(1805, srli, 1, XMIN, 31)
  TEST_IMM_OP(1806, srli, 1, -1, 31)
#endif
  TEST_IMM_OP(1807, srli, 1, XMIN, XLEN_M1)
  TEST_IMM_OP(1808, srli, -1, -1, 0)
  TEST_IMM_OP(1809, srli, XMAX, -1, 1)
  TEST_IMM_OP(1810, srli, 1, -1, XLEN_M1)
  TEST_IMM_OP(1811, srli, 0x10909090, 0x21212121, 1)
  TEST_IMM_OP(1812, srli, 0x00424242, 0x21212121, 7)
  TEST_IMM_OP(1813, srli, 0x00008484, 0x21212121, 14)
  TEST_IMM_OP(1814, srli, 0, 0x21212121, 31)
  TEST_IMM_RD_RS1(1815, srli, 0x10909090, 0x21212121, 1)
  TEST_IMM_RS1_X0(1816, srli, 0, 3)
  TEST_IMM_RD_X0(1817, srli, -1, 4)

  /* ---------------------------------------------------------------- srai */
  TEST_IMM_OP(1901, srai, XMIN, XMIN, 0)
#if __riscv_xlen == 64
  TEST_IMM_OP(1902, srai, 0xc000000000000000, XMIN, 1)
  TEST_IMM_OP(1903, srai, 0xff00000000000000, XMIN, 7)
  TEST_IMM_OP(1904, srai, 0xfffe000000000000, XMIN, 14)
  TEST_IMM_OP(1905, srai, 0xffffffff00000000, XMIN, 31)
  TEST_IMM_OP(1906, srai, 0xffffffff80000000, XMIN, 32)
  TEST_IMM_OP(1907, srai, 0x40c0c0c0, 0x81818181, 1) /* positive on RV64 */
  TEST_IMM_OP(1908, srai, 1, 0x81818181, 31)
#else
  TEST_IMM_OP(1902, srai, 0xc0000000, XMIN, 1)
  TEST_IMM_OP(1903, srai, 0xff000000, XMIN, 7)
  TEST_IMM_OP(1904, srai, 0xfffe0000, XMIN, 14)
  TEST_IMM_OP(1905, srai, -1, XMIN, 31)
  TEST_IMM_OP(1906, srai, 0xffff0000, XMIN, 15)
  TEST_IMM_OP(1907, srai, 0xc0c0c0c0, 0x81818181, 1)
  TEST_IMM_OP(1908, srai, -1, 0x81818181, 31)
#endif
  TEST_IMM_OP(1909, srai, -1, XMIN, XLEN_M1)
  TEST_IMM_OP(1910, srai, XMAX, XMAX, 0)
  TEST_IMM_OP(1911, srai, 0, XMAX, XLEN_M1)
  TEST_IMM_OP(1912, srai, -1, -1, XLEN_M1)
  TEST_IMM_OP(1913, srai, -4, -16, 2)
  TEST_IMM_OP(1914, srai, 0x00424242, 0x21212121, 7)
  TEST_IMM_RD_RS1(1915, srai, -8, -16, 1)
  TEST_IMM_RS1_X0(1916, srai, 0, 3)
  TEST_IMM_RD_X0(1917, srai, -1, 4)

  /* ---------------------------------------------------------------- lui */
  TEST_CASE(2001, x14, 0, li x14, -1; lui x14, 0)
  TEST_CASE(2002, x14, 0x1000, lui x14, 1)
  TEST_CASE(2003, x14, 0x12345000, lui x14, 0x12345)
  TEST_CASE(2004, x14, 0x7ffff000, lui x14, 0x7ffff)
#if __riscv_xlen == 64
  /* The 32-bit result is sign-extended to 64 bits. */
  TEST_CASE(2005, x14, 0xffffffff80000000, lui x14, 0x80000)
  TEST_CASE(2006, x14, 0xffffffff7fffffff, lui x14, 0x80000; addi x14, x14, -1)
#else
  TEST_CASE(2005, x14, 0x80000000, lui x14, 0x80000)
  TEST_CASE(2006, x14, 0x7fffffff, lui x14, 0x80000; addi x14, x14, -1)
#endif
  TEST_CASE(2007, x14, -4096, lui x14, 0xfffff)
  TEST_CASE(2008, x14, -2048, lui x14, 0xfffff; srai x14, x14, 1)
  TEST_CASE(2009, x14, 0x12345678, lui x14, 0x12345; addi x14, x14, 0x678)
  TEST_CASE(2010, x14, 0x12345801, lui x14, 0x12346; addi x14, x14, -0x7ff)
  TEST_CASE(2011, x0, 0, lui x0, 0x12345)       /* discarded */
  TEST_CASE(2012, x1, 0x80000, lui x1, 0x80; srli x1, x1, 0)

  /* ---------------------------------------------------------------- auipc */
  /* The jal's link (x15) is the address of the auipc, so x14 - x15 is exactly the
   * sign-extended upper immediate, independent of where the test is linked. */
  TEST_CASE(2101, x14, 0, jal x15, 1f; 1: auipc x14, 0; sub x14, x14, x15)
  TEST_CASE(2102, x14, 0x1000, jal x15, 1f; 1: auipc x14, 1; sub x14, x14, x15)
  TEST_CASE(2103, x14, -0x1000, jal x15, 1f; 1: auipc x14, 0xfffff; sub x14, x14, x15)
  TEST_CASE(2104, x14, 0x7ffff000, jal x15, 1f; 1: auipc x14, 0x7ffff; sub x14, x14, x15)
  /* imm 0x80000 adds sign-extended 0x80000000: -2^31 on RV64, 2^31 (mod 2^32) on RV32;
   * "li -0x80000000" produces the matching bit pattern for both. */
  TEST_CASE(2105, x14, -0x80000000, jal x15, 1f; 1: auipc x14, 0x80000; sub x14, x14, x15)
  TEST_CASE(2106, x14, 0x12345000, jal x15, 1f; 1: auipc x14, 0x12345; sub x14, x14, x15)
  /* auipc is pc-relative to itself, not to the next instruction */
  TEST_CASE(2107, x14, -4, jal x15, 1f; 1: nop; auipc x14, 0; sub x14, x15, x14)
  TEST_CASE(2108, x0, 0, auipc x0, 0x12345)      /* discarded */
  /* rd aliasing the link register */
  TEST_CASE(2109, x15, 0, jal x14, 1f; 1: auipc x15, 0; sub x15, x15, x14)

TEST_END
