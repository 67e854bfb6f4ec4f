/*
 * rv-muldiv: the M extension.
 *
 *   mul mulh mulhsu mulhu div divu rem remu (+ mulw divw divuw remw remuw on RV64)
 *
 * Covered: the low and the three kinds of high product halves with every sign
 * combination, -1 (all ones) read as a huge unsigned value by the unsigned forms, the
 * extremes XMIN/XMAX, division rounding toward zero with the remainder taking the sign of
 * the dividend, and the cases that do not trap but have defined results:
 *   - division by zero: div/divu give all ones (-1), rem/remu give the dividend;
 *   - signed overflow XMIN / -1: div gives XMIN, rem gives 0.
 * RV64 word forms use only the low 32 bits of their operands (the upper bits may hold
 * garbage, and a divisor whose low word is 0 is a division by zero) and sign-extend the
 * 32-bit result, also for divuw/remuw. Also x0 as an operand (x0 as divisor is a division
 * by zero), rd aliasing its sources, and rd = x0.
 *
 * Case numbers: mul 1xx, mulh 2xx, mulhsu 3xx, mulhu 4xx, div 5xx, divu 6xx, rem 7xx,
 * remu 8xx, large RV64 operands 9xx, mulw 10xx, divw 11xx, divuw 12xx, remw 13xx, remuw 14xx,
 * aliasing and x0 15xx.
 */
#include "test.h"

/* Base encodings (irrelevant for M, but keeps the whole file free of RVC). */
.option norvc

#if __riscv_xlen == 64
#define XMIN 0x8000000000000000
#define XMAX 0x7fffffffffffffff
#else
#define XMIN 0x80000000
#define XMAX 0x7fffffff
#endif

TEST_BEGIN

  /* ---------------------------------------------------------------- mul */
  TEST_RR_OP(101, mul, 0, 0, 0)
  TEST_RR_OP(102, mul, 1, 1, 1)
  TEST_RR_OP(103, mul, 21, 3, 7)
  TEST_RR_OP(104, mul, -21, -3, 7)
  TEST_RR_OP(105, mul, -21, 3, -7)
  TEST_RR_OP(106, mul, 21, -3, -7)  /* negative times negative */
  TEST_RR_OP(107, mul, 0, 0, XMIN)
#if __riscv_xlen == 64
  TEST_RR_OP(108, mul, 0x8000000000000000, XMIN, 1)
  TEST_RR_OP(109, mul, 0x8000000000000000, XMIN, -1)  /* overflow: -XMIN wraps to XMIN */
#else
  TEST_RR_OP(108, mul, 0x80000000, XMIN, 1)
  TEST_RR_OP(109, mul, 0x80000000, XMIN, -1)  /* overflow: -XMIN wraps to XMIN */
#endif
  TEST_RR_OP(110, mul, 0, XMIN, XMIN)  /* low half of 2^(2*XLEN-2) is 0 */
  TEST_RR_OP(111, mul, 1, XMAX, XMAX)
  TEST_RR_OP(112, mul, 1, -1, -1)
#if __riscv_xlen == 64
  TEST_RR_OP(113, mul, 0x100000000, 0x10000, 0x10000)
  TEST_RR_OP(114, mul, 0xb00ea4e242d208, 0x12345678, 0x9abcdef)
  TEST_RR_OP(115, mul, 0xfffe80008000, 0xffff8000, 0xffff)
  TEST_RR_OP(116, mul, 0x3fffffff00000001, 0x7fffffff, 0x7fffffff)
#else
  TEST_RR_OP(113, mul, 0, 0x10000, 0x10000)
  TEST_RR_OP(114, mul, 0xe242d208, 0x12345678, 0x9abcdef)
  TEST_RR_OP(115, mul, 0x80008000, 0xffff8000, 0xffff)
  TEST_RR_OP(116, mul, 1, 0x7fffffff, 0x7fffffff)
#endif

  /* ---------------------------------------------------------------- mulh */
  TEST_RR_OP(201, mulh, 0, 0, 0)
  TEST_RR_OP(202, mulh, 0, 1, 1)
  TEST_RR_OP(203, mulh, 0, 3, 7)
  TEST_RR_OP(204, mulh, -1, -3, 7)  /* high half of a small negative product is all ones */
  TEST_RR_OP(205, mulh, -1, 3, -7)
  TEST_RR_OP(206, mulh, 0, -3, -7)
  TEST_RR_OP(207, mulh, 0, 0, XMIN)
  TEST_RR_OP(208, mulh, -1, XMIN, 1)
  TEST_RR_OP(209, mulh, 0, XMIN, -1)
#if __riscv_xlen == 64
  TEST_RR_OP(210, mulh, 0x4000000000000000, XMIN, XMIN)  /* (-2^(XLEN-1))^2 = 2^(2XLEN-2): high half 2^(XLEN-2) */
  TEST_RR_OP(211, mulh, 0x3fffffffffffffff, XMAX, XMAX)
  TEST_RR_OP(212, mulh, 0xc000000000000000, XMAX, XMIN)
#else
  TEST_RR_OP(210, mulh, 0x40000000, XMIN, XMIN)  /* (-2^(XLEN-1))^2 = 2^(2XLEN-2): high half 2^(XLEN-2) */
  TEST_RR_OP(211, mulh, 0x3fffffff, XMAX, XMAX)
  TEST_RR_OP(212, mulh, 0xc0000000, XMAX, XMIN)
#endif
  TEST_RR_OP(213, mulh, 0, -1, -1)
  TEST_RR_OP(214, mulh, -1, -1, 1)
#if __riscv_xlen == 64
  TEST_RR_OP(215, mulh, 0, 0x12345678, 0x9abcdef)
  TEST_RR_OP(216, mulh, 0, 0x80000000, 0x80000000)
  TEST_RR_OP(217, mulh, 0, 0x7fffffff, 0x7fffffff)
#else
  TEST_RR_OP(215, mulh, 0xb00ea4, 0x12345678, 0x9abcdef)
  TEST_RR_OP(216, mulh, 0x40000000, 0x80000000, 0x80000000)
  TEST_RR_OP(217, mulh, 0x3fffffff, 0x7fffffff, 0x7fffffff)
#endif
  TEST_RR_OP(218, mulh, -1, XMIN, 2)

  /* ---------------------------------------------------------------- mulhsu */
  TEST_RR_OP(301, mulhsu, 0, 0, 0)
  TEST_RR_OP(302, mulhsu, 0, 1, 1)
  TEST_RR_OP(303, mulhsu, 0, 3, 7)
  TEST_RR_OP(304, mulhsu, -1, -3, 7)  /* rs1 signed */
  TEST_RR_OP(305, mulhsu, 2, 3, -7)  /* rs2 unsigned: -7 is 2^XLEN - 7 */
  TEST_RR_OP(306, mulhsu, -3, -3, -7)
  TEST_RR_OP(307, mulhsu, 0, 0, XMIN)
  TEST_RR_OP(308, mulhsu, -1, XMIN, 1)
#if __riscv_xlen == 64
  TEST_RR_OP(309, mulhsu, 0x8000000000000000, XMIN, -1)  /* -2^(XLEN-1) * (2^XLEN - 1) */
  TEST_RR_OP(310, mulhsu, 0xc000000000000000, XMIN, XMIN)
  TEST_RR_OP(311, mulhsu, 0x3fffffffffffffff, XMAX, XMAX)
  TEST_RR_OP(312, mulhsu, 0x7ffffffffffffffe, XMAX, -1)
#else
  TEST_RR_OP(309, mulhsu, 0x80000000, XMIN, -1)  /* -2^(XLEN-1) * (2^XLEN - 1) */
  TEST_RR_OP(310, mulhsu, 0xc0000000, XMIN, XMIN)
  TEST_RR_OP(311, mulhsu, 0x3fffffff, XMAX, XMAX)
  TEST_RR_OP(312, mulhsu, 0x7ffffffe, XMAX, -1)
#endif
  TEST_RR_OP(313, mulhsu, -1, -1, -1)
  TEST_RR_OP(314, mulhsu, -1, -1, 1)
#if __riscv_xlen == 64
  TEST_RR_OP(315, mulhsu, 0, 0x12345678, 0x9abcdef)
  TEST_RR_OP(316, mulhsu, 0, 0x80000000, 0x80000000)
#else
  TEST_RR_OP(315, mulhsu, 0xb00ea4, 0x12345678, 0x9abcdef)
  TEST_RR_OP(316, mulhsu, 0xc0000000, 0x80000000, 0x80000000)
#endif
  TEST_RR_OP(317, mulhsu, -1, -1, XMIN)

  /* ---------------------------------------------------------------- mulhu */
  TEST_RR_OP(401, mulhu, 0, 0, 0)
  TEST_RR_OP(402, mulhu, 0, 1, 1)
  TEST_RR_OP(403, mulhu, 0, 3, 7)
  TEST_RR_OP(404, mulhu, 6, -3, 7)  /* both operands unsigned */
  TEST_RR_OP(405, mulhu, 2, 3, -7)
  TEST_RR_OP(406, mulhu, -10, -3, -7)
  TEST_RR_OP(407, mulhu, 0, 0, XMIN)
  TEST_RR_OP(408, mulhu, 0, XMIN, 1)
#if __riscv_xlen == 64
  TEST_RR_OP(409, mulhu, 0x7fffffffffffffff, XMIN, -1)
  TEST_RR_OP(410, mulhu, 0x4000000000000000, XMIN, XMIN)
  TEST_RR_OP(411, mulhu, 0x3fffffffffffffff, XMAX, XMAX)
#else
  TEST_RR_OP(409, mulhu, 0x7fffffff, XMIN, -1)
  TEST_RR_OP(410, mulhu, 0x40000000, XMIN, XMIN)
  TEST_RR_OP(411, mulhu, 0x3fffffff, XMAX, XMAX)
#endif
  TEST_RR_OP(412, mulhu, -2, -1, -1)  /* (2^XLEN-1)^2: high half 2^XLEN - 2 */
  TEST_RR_OP(413, mulhu, 0, -1, 1)
#if __riscv_xlen == 64
  TEST_RR_OP(414, mulhu, 0, 0x12345678, 0x9abcdef)
  TEST_RR_OP(415, mulhu, 0, 0x80000000, 0x80000000)
  TEST_RR_OP(416, mulhu, 0, 0xaaaaaaab, 0x0002fe7d)
#else
  TEST_RR_OP(414, mulhu, 0xb00ea4, 0x12345678, 0x9abcdef)
  TEST_RR_OP(415, mulhu, 0x40000000, 0x80000000, 0x80000000)
  TEST_RR_OP(416, mulhu, 0x1fefe, 0xaaaaaaab, 0x0002fe7d)
#endif

  /* ---------------------------------------------------------------- div */
  TEST_RR_OP(501, div, 0, 0, 1)
  TEST_RR_OP(502, div, 1, 1, 1)
  TEST_RR_OP(503, div, 3, 20, 6)
  TEST_RR_OP(504, div, -3, -20, 6)  /* rounds toward zero, not down */
  TEST_RR_OP(505, div, -3, 20, -6)
  TEST_RR_OP(506, div, 3, -20, -6)
  TEST_RR_OP(507, div, 0, 6, 20)
  TEST_RR_OP(508, div, 0, -6, 20)
#if __riscv_xlen == 64
  TEST_RR_OP(509, div, 0x8000000000000000, XMIN, 1)
  TEST_RR_OP(510, div, 0x8000000000000000, XMIN, -1)  /* signed overflow: quotient is the dividend */
  TEST_RR_OP(511, div, 0xc000000000000000, XMIN, 2)
#else
  TEST_RR_OP(509, div, 0x80000000, XMIN, 1)
  TEST_RR_OP(510, div, 0x80000000, XMIN, -1)  /* signed overflow: quotient is the dividend */
  TEST_RR_OP(511, div, 0xc0000000, XMIN, 2)
#endif
  TEST_RR_OP(512, div, 1, XMIN, XMIN)
#if __riscv_xlen == 64
  TEST_RR_OP(513, div, 0x8000000000000001, XMAX, -1)
#else
  TEST_RR_OP(513, div, 0x80000001, XMAX, -1)
#endif
  TEST_RR_OP(514, div, 0, XMAX, XMIN)
  TEST_RR_OP(515, div, -1, 0, 0)  /* division by zero: quotient all ones */
  TEST_RR_OP(516, div, -1, 1, 0)
  TEST_RR_OP(517, div, -1, -1, 0)
  TEST_RR_OP(518, div, -1, XMIN, 0)
  TEST_RR_OP(519, div, -1, XMAX, 0)
  TEST_RR_OP(520, div, 1, -1, -1)
  TEST_RR_OP(521, div, 0x10004, 0x12345678, 0x1234)
  TEST_RR_OP(522, div, -3, -7, 2)

  /* ---------------------------------------------------------------- divu */
  TEST_RR_OP(601, divu, 0, 0, 1)
  TEST_RR_OP(602, divu, 1, 1, 1)
  TEST_RR_OP(603, divu, 3, 20, 6)
#if __riscv_xlen == 64
  TEST_RR_OP(604, divu, 0x2aaaaaaaaaaaaaa7, -20, 6)  /* -20 read as 2^XLEN - 20 */
#else
  TEST_RR_OP(604, divu, 0x2aaaaaa7, -20, 6)  /* -20 read as 2^XLEN - 20 */
#endif
  TEST_RR_OP(605, divu, 0, 20, -6)
  TEST_RR_OP(606, divu, 0, -20, -6)
  TEST_RR_OP(607, divu, 0, 6, 20)
#if __riscv_xlen == 64
  TEST_RR_OP(608, divu, 0x8000000000000000, XMIN, 1)
#else
  TEST_RR_OP(608, divu, 0x80000000, XMIN, 1)
#endif
  TEST_RR_OP(609, divu, 0, XMIN, -1)  /* no overflow case for unsigned */
#if __riscv_xlen == 64
  TEST_RR_OP(610, divu, 0x4000000000000000, XMIN, 2)
#else
  TEST_RR_OP(610, divu, 0x40000000, XMIN, 2)
#endif
  TEST_RR_OP(611, divu, 1, -1, XMIN)
  TEST_RR_OP(612, divu, 0, XMAX, XMIN)
  TEST_RR_OP(613, divu, -1, 0, 0)  /* division by zero: all ones */
  TEST_RR_OP(614, divu, -1, 1, 0)
  TEST_RR_OP(615, divu, -1, -1, 0)
  TEST_RR_OP(616, divu, -1, XMIN, 0)
  TEST_RR_OP(617, divu, 1, -1, -1)
  TEST_RR_OP(618, divu, -1, -1, 1)
  TEST_RR_OP(619, divu, 0x10004, 0x12345678, 0x1234)
  TEST_RR_OP(620, divu, 0x2aaaaaaa, 0x80000000, 3)

  /* ---------------------------------------------------------------- rem */
  TEST_RR_OP(701, rem, 0, 0, 1)
  TEST_RR_OP(702, rem, 0, 1, 1)
  TEST_RR_OP(703, rem, 2, 20, 6)
  TEST_RR_OP(704, rem, -2, -20, 6)  /* the remainder takes the sign of the dividend */
  TEST_RR_OP(705, rem, 2, 20, -6)
  TEST_RR_OP(706, rem, -2, -20, -6)
  TEST_RR_OP(707, rem, 6, 6, 20)
  TEST_RR_OP(708, rem, -6, -6, 20)
  TEST_RR_OP(709, rem, 0, XMIN, 1)
  TEST_RR_OP(710, rem, 0, XMIN, -1)  /* signed overflow: remainder 0 */
  TEST_RR_OP(711, rem, -2, XMIN, 3)
  TEST_RR_OP(712, rem, 0, XMIN, XMIN)
  TEST_RR_OP(713, rem, 0, XMAX, -1)
#if __riscv_xlen == 64
  TEST_RR_OP(714, rem, 0x7fffffffffffffff, XMAX, XMIN)
#else
  TEST_RR_OP(714, rem, 0x7fffffff, XMAX, XMIN)
#endif
  TEST_RR_OP(715, rem, 0, 0, 0)  /* division by zero: remainder is the dividend */
  TEST_RR_OP(716, rem, 1, 1, 0)
  TEST_RR_OP(717, rem, -1, -1, 0)
#if __riscv_xlen == 64
  TEST_RR_OP(718, rem, 0x8000000000000000, XMIN, 0)
  TEST_RR_OP(719, rem, 0x7fffffffffffffff, XMAX, 0)
#else
  TEST_RR_OP(718, rem, 0x80000000, XMIN, 0)
  TEST_RR_OP(719, rem, 0x7fffffff, XMAX, 0)
#endif
  TEST_RR_OP(720, rem, -1, -7, 2)
  TEST_RR_OP(721, rem, 3496, 0x12345678, 0x1234)

  /* ---------------------------------------------------------------- remu */
  TEST_RR_OP(801, remu, 0, 0, 1)
  TEST_RR_OP(802, remu, 0, 1, 1)
  TEST_RR_OP(803, remu, 2, 20, 6)
  TEST_RR_OP(804, remu, 2, -20, 6)
  TEST_RR_OP(805, remu, 20, 20, -6)  /* divisor larger than dividend (unsigned) */
  TEST_RR_OP(806, remu, -20, -20, -6)
  TEST_RR_OP(807, remu, 6, 6, 20)
  TEST_RR_OP(808, remu, 0, XMIN, 1)
#if __riscv_xlen == 64
  TEST_RR_OP(809, remu, 0x8000000000000000, XMIN, -1)
#else
  TEST_RR_OP(809, remu, 0x80000000, XMIN, -1)
#endif
  TEST_RR_OP(810, remu, 2, XMIN, 3)
#if __riscv_xlen == 64
  TEST_RR_OP(811, remu, 0x7fffffffffffffff, -1, XMIN)
  TEST_RR_OP(812, remu, 0x7fffffffffffffff, XMAX, XMIN)
#else
  TEST_RR_OP(811, remu, 0x7fffffff, -1, XMIN)
  TEST_RR_OP(812, remu, 0x7fffffff, XMAX, XMIN)
#endif
  TEST_RR_OP(813, remu, 0, 0, 0)  /* division by zero: remainder is the dividend */
  TEST_RR_OP(814, remu, 1, 1, 0)
  TEST_RR_OP(815, remu, -1, -1, 0)
#if __riscv_xlen == 64
  TEST_RR_OP(816, remu, 0x8000000000000000, XMIN, 0)
#else
  TEST_RR_OP(816, remu, 0x80000000, XMIN, 0)
#endif
  TEST_RR_OP(817, remu, 0, -1, -1)
  TEST_RR_OP(818, remu, 3496, 0x12345678, 0x1234)
  TEST_RR_OP(819, remu, 2, 0x80000000, 3)

  /* ------------------------------------------------ large RV64 operands */
#if __riscv_xlen == 64
  TEST_RR_OP(901, mul, 0x236d88fe5618cf00, 0x123456789abcdef0, 0xfedcba9876543210)
  TEST_RR_OP(902, mulh, 0xffeb49923cc09532, 0x123456789abcdef0, 0xfedcba9876543210)
  TEST_RR_OP(903, mulhsu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210)
  TEST_RR_OP(904, mulhu, 0x121fa00ad77d7422, 0x123456789abcdef0, 0xfedcba9876543210)
  TEST_RR_OP(905, mulhsu, 0xffeb49923cc09532, 0xfedcba9876543210, 0x123456789abcdef0)
  TEST_RR_OP(906, mulh, 1, 0x100000000, 0x100000000)  /* 2^64: high half 1, low half 0 */
  TEST_RR_OP(907, mul, 0, 0x100000000, 0x100000000)
  TEST_RR_OP(908, div, 0x7fffffff, 0x7fffffffffffffff, 0x100000000)
  TEST_RR_OP(909, divu, 0xffffffff, -1, 0x100000000)
  TEST_RR_OP(910, div, 0xffffffff80000001, 0x8000000000000001, 0x100000000)
  TEST_RR_OP(911, rem, 0x88888878, 0x123456789abcdef0, 0x100000001)
  TEST_RR_OP(912, remu, 0x77777779, 0xfedcba9876543210, 0x100000001)
  TEST_RR_OP(913, rem, 0xffffffff77777777, 0xfedcba9876543210, 0x100000001)
  TEST_RR_OP(914, divu, 0xe0000000, 0xfedcba9876543210, 0x123456789)
#endif

#if __riscv_xlen == 64
  /* ---------------------------------------------------------------- mulw */
  TEST_RR_OP(1001, mulw, 0, 0, 0)
  TEST_RR_OP(1002, mulw, 21, 3, 7)
  TEST_RR_OP(1003, mulw, -21, -3, 7)
  TEST_RR_OP(1004, mulw, 21, -3, -7)
  TEST_RR_OP(1005, mulw, -2, 0x7fffffff, 2)  /* low 32 bits 0xfffffffe, sign-extended */
  TEST_RR_OP(1006, mulw, 0xffffffff80000000, 0x10000, 0x8000)  /* 0x80000000 sign-extended */
  TEST_RR_OP(1007, mulw, 0, 0x10000, 0x10000)  /* 2^32: low word is 0 */
  TEST_RR_OP(1008, mulw, 21, 0xffffffff00000003, 0x0000000500000007)  /* upper input bits ignored */
  TEST_RR_OP(1009, mulw, 0xffffffff80000000, 0x80000000, -1)
  TEST_RR_OP(1010, mulw, 0xffffffffe242d208, 0x12345678, 0x9abcdef)
  TEST_RR_OP(1011, mulw, 1, -1, -1)
  /* ---------------------------------------------------------------- divw */
  TEST_RR_OP(1101, divw, 3, 20, 6)
  TEST_RR_OP(1102, divw, -3, -20, 6)
  TEST_RR_OP(1103, divw, -3, 20, -6)
  TEST_RR_OP(1104, divw, 3, -20, -6)
  TEST_RR_OP(1105, divw, 0xffffffff80000000, 0x80000000, 1)  /* operands are 32-bit signed: 0x80000000 is -2^31 */
  TEST_RR_OP(1106, divw, 0xffffffff80000000, 0x80000000, -1)  /* 32-bit signed overflow: -2^31, sign-extended */
  TEST_RR_OP(1107, divw, 0xffffffff80000000, 0x80000000, 0xffffffff)  /* same, -1 given as 0x00000000ffffffff */
  TEST_RR_OP(1108, divw, -1, 0, 0)  /* division by zero: all ones */
  TEST_RR_OP(1109, divw, -1, 5, 0x100000000)  /* low word of the divisor is 0: division by zero */
  TEST_RR_OP(1110, divw, 0x7fffffff, 0x7fffffff, 0x0000000100000001)  /* divisor low word 1 */
  TEST_RR_OP(1111, divw, -3, 0x1234567800000014, 0x9abcdef0fffffffa)  /* upper bits ignored: 20 / -6 */
  TEST_RR_OP(1112, divw, 0, 0xffffffff, 2)  /* -1 / 2 = 0 */
  /* ---------------------------------------------------------------- divuw */
  TEST_RR_OP(1201, divuw, 3, 20, 6)
  TEST_RR_OP(1202, divuw, 0x2aaaaaa7, -20, 6)  /* 0xffffffec / 6 */
  TEST_RR_OP(1203, divuw, 0, 20, -6)
  TEST_RR_OP(1204, divuw, 0xffffffff80000000, 0x80000000, 1)  /* result 0x80000000 sign-extended */
  TEST_RR_OP(1205, divuw, -1, 0xffffffff, 1)  /* result all ones in the low word: -1 */
  TEST_RR_OP(1206, divuw, 0, 0x80000000, 0xffffffff)
  TEST_RR_OP(1207, divuw, -1, 0, 0)  /* division by zero: all ones */
  TEST_RR_OP(1208, divuw, -1, 7, 0xffffffff00000000)  /* low word of the divisor is 0 */
  TEST_RR_OP(1209, divuw, 3, 0xffffffff00000014, 6)  /* upper bits ignored */
  TEST_RR_OP(1210, divuw, 0x7fffffff, 0xfffffffe, 2)
  /* ---------------------------------------------------------------- remw */
  TEST_RR_OP(1301, remw, 2, 20, 6)
  TEST_RR_OP(1302, remw, -2, -20, 6)
  TEST_RR_OP(1303, remw, 2, 20, -6)
  TEST_RR_OP(1304, remw, -2, -20, -6)
  TEST_RR_OP(1305, remw, 0, 0x80000000, -1)  /* 32-bit signed overflow: 0 */
  TEST_RR_OP(1306, remw, 0, 0x80000000, 0xffffffff)
  TEST_RR_OP(1307, remw, 0xffffffff80000000, 0x80000000, 0)  /* division by zero: dividend, sign-extended from bit 31 */
  TEST_RR_OP(1308, remw, 11, 0x123456780000000b, 0)  /* division by zero: only the low word, sign-extended */
  TEST_RR_OP(1309, remw, -1, 0x80000001, 3)
  TEST_RR_OP(1310, remw, 2, 0x1234567800000014, 0x9abcdef0fffffffa)  /* upper bits ignored */
  /* ---------------------------------------------------------------- remuw */
  TEST_RR_OP(1401, remuw, 2, 20, 6)
  TEST_RR_OP(1402, remuw, 2, -20, 6)
  TEST_RR_OP(1403, remuw, 20, 20, -6)
  TEST_RR_OP(1404, remuw, 0xffffffff80000000, 0x80000000, 0xffffffff)
  TEST_RR_OP(1405, remuw, 0xffffffff80000000, 0x80000000, 0)  /* division by zero: dividend low word, sign-extended */
  TEST_RR_OP(1406, remuw, 0xffffffff80000001, 0xfedcba9880000001, 0)  /* division by zero */
  TEST_RR_OP(1407, remuw, 0x7fffffff, 0xffffffff, 0x80000000)  /* remainder 0x7fffffff */
  TEST_RR_OP(1408, remuw, -2, 0xfffffffe, 0xffffffff)  /* remainder 0xfffffffe, sign-extended */
  TEST_RR_OP(1409, remuw, 2, 0xffffffff00000014, 6)  /* upper bits ignored */
#endif

  /* ------------------------------------------------ aliasing and x0 operands */
  TEST_RR_RD_RS1(1501, mul, -77, 7, -11)
  TEST_RR_RD_RS2(1502, mul, -77, -7, 11)
  TEST_RR_RD_RS1_RS2(1503, mul, 169, 13)
  TEST_RR_RD_RS1_RS2(1504, mulhu, 0, 13)
  TEST_RR_RD_RS1_RS2(1505, mulh, 0, -13)
  TEST_RR_RD_RS1(1506, div, -3, 20, -6)
  TEST_RR_RD_RS2(1507, divu, 3, 20, 6)
  TEST_RR_RD_RS1_RS2(1508, div, 1, -13)        /* x / x */
  TEST_RR_RD_RS1_RS2(1509, rem, 0, -13)
  TEST_RR_RD_RS1_RS2(1510, remu, 0, XMIN)
  TEST_RR_RD_RS1(1511, rem, -2, -20, 6)
  TEST_RR_RD_RS2(1512, remu, 2, 20, 6)
  TEST_RR_RS1_X0(1513, div, 0, 5)              /* 0 / 5 */
  TEST_RR_RS1_X0(1514, rem, 0, 5)
  TEST_RR_RS1_X0(1515, mul, 0, -1)
  TEST_RR_RS2_X0(1516, div, -1, 5)             /* divisor x0: division by zero */
  TEST_RR_RS2_X0(1517, divu, -1, 5)
  TEST_RR_RS2_X0(1518, rem, -5, -5)
  TEST_RR_RS2_X0(1519, remu, -5, -5)
  TEST_RR_RS2_X0(1520, mulh, 0, -5)
  TEST_RR_RD_X0(1521, mul, 3, 7)
  TEST_RR_RD_X0(1522, div, 7, 0)
  TEST_RR_RD_X0(1523, mulhu, -1, -1)
  TEST_RR_RD_X0(1524, remu, 7, 0)
#if __riscv_xlen == 64
  TEST_RR_RD_RS1(1525, mulw, 0xffffffff80000000, 0x10000, 0x8000)
  TEST_RR_RD_RS1_RS2(1526, divw, 1, 0x80000000)
  TEST_RR_RS2_X0(1527, divw, -1, 5)
  TEST_RR_RS2_X0(1528, remw, 0xffffffff80000000, 0x1234567880000000) /* dividend sign-extended */
  TEST_RR_RS2_X0(1529, divuw, -1, 5)
  TEST_RR_RS2_X0(1530, remuw, -5, 0x00000000fffffffb)
  TEST_RR_RD_X0(1531, remw, 7, 0)
#endif

TEST_END
