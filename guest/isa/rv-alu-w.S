//! xlen: 64
/*
 * rv-alu-w: the RV64I 32-bit ("word") computational instructions.
 *
 *   register-register:  addw subw sllw srlw sraw
 *   register-immediate: addiw slliw srliw sraiw
 *
 * Each operates on the low 32 bits of its inputs and sign-extends the 32-bit result from
 * bit 31 into bits 63:32. Edge cases covered: results with bit 31 set become negative
 * 64-bit values, the upper 32 bits of the inputs are ignored (garbage there must not leak
 * into the result), shift amounts come from rs2[4:0] only (rs2 = 32 shifts by 0),
 * srlw/srliw by 0 still sign-extend, sraw shifts in copies of bit 31 (not bit 63), x0 as
 * a source and destination, and register aliasing.
 *
 * Case numbers: addw 1xx, subw 2xx, sllw 3xx, srlw 4xx, sraw 5xx, addiw 6xx, slliw 7xx,
 * srliw 8xx, sraiw 9xx.
 */
#include "test.h"

/* Force 32-bit encodings (addw/subw/addiw would otherwise be compressed in some forms). */
.option norvc

TEST_BEGIN

  /* ---------------------------------------------------------------- addw */
  TEST_RR_OP(101, addw, 0, 0, 0)
  TEST_RR_OP(102, addw, 2, 1, 1)
  TEST_RR_OP(103, addw, 10, 3, 7)
  TEST_RR_OP(104, addw, 0xffffffff80000000, 0x7fffffff, 1) /* 32-bit overflow, sign-extended */
  TEST_RR_OP(105, addw, 0, 0xffffffff, 1)        /* no carry into bit 32 */
  TEST_RR_OP(106, addw, -2, -1, -1)
  TEST_RR_OP(107, addw, 0, 0x80000000, 0x80000000)
  TEST_RR_OP(108, addw, 3, 0x1234567800000001, 0xfedcba9800000002) /* upper bits ignored */
  TEST_RR_OP(109, addw, 0x7fffffff, 0x7fffffff, 0xffffffff00000000)
  TEST_RR_OP(110, addw, 0xffffffff80000000, 0x0000000180000000, 0)
  TEST_RR_OP(111, addw, 0xffffffff80000000, 0x40000000, 0x40000000)
  TEST_RR_OP(112, addw, -2, 0x8000000080000000, 0x7fffffff7ffffffe)
  TEST_RR_RD_RS1(113, addw, 24, 13, 11)
  TEST_RR_RD_RS2(114, addw, 25, 14, 11)
  TEST_RR_RD_RS1_RS2(115, addw, 0xffffffff80000000, 0x40000000)
  TEST_RR_RS1_X0(116, addw, 0xffffffff80000000, 0x0000000180000000)
  TEST_RR_RS2_X0(117, addw, -1, 0x7fffffffffffffff) /* sext.w */
  TEST_RR_RD_X0(118, addw, 16, 30)

  /* ---------------------------------------------------------------- subw */
  TEST_RR_OP(201, subw, 0, 0, 0)
  TEST_RR_OP(202, subw, 0, 1, 1)
  TEST_RR_OP(203, subw, -4, 3, 7)
  TEST_RR_OP(204, subw, -1, 0, 1)
  TEST_RR_OP(205, subw, 0x7fffffff, 0x80000000, 1)           /* 32-bit signed underflow */
  TEST_RR_OP(206, subw, 0xffffffff80000000, 0x7fffffff, -1)  /* 32-bit signed overflow */
  TEST_RR_OP(207, subw, 0xffffffff80000000, 0, 0x80000000)
  TEST_RR_OP(208, subw, 2, 0xaaaaaaaa00000005, 0x5555555500000003) /* upper bits ignored */
  TEST_RR_OP(209, subw, -1, 0x100000000, 1)      /* low word 0 - 1 */
  TEST_RR_OP(210, subw, 0, 0x100000000, 0x200000000)
  TEST_RR_RD_RS1(211, subw, 3, 14, 11)
  TEST_RR_RD_RS2(212, subw, 4, 15, 11)
  TEST_RR_RD_RS1_RS2(213, subw, 0, 0x123456789)
  TEST_RR_RS1_X0(214, subw, -1, 1)               /* negw */
  TEST_RR_RS1_X0(215, subw, 0xffffffff80000000, 0x80000000)
  TEST_RR_RS2_X0(216, subw, 0x12345678, 0xabcdef0012345678)
  TEST_RR_RD_X0(217, subw, 16, 30)

  /* ---------------------------------------------------------------- sllw */
  TEST_RR_OP(301, sllw, 1, 1, 0)
  TEST_RR_OP(302, sllw, 2, 1, 1)
  TEST_RR_OP(303, sllw, 0x80, 1, 7)
  TEST_RR_OP(304, sllw, 0x4000, 1, 14)
  TEST_RR_OP(305, sllw, 0xffffffff80000000, 1, 31) /* bit 31 set -> negative */
  TEST_RR_OP(306, sllw, -1, -1, 0)
  TEST_RR_OP(307, sllw, 0xffffffff80000000, -1, 31)
  TEST_RR_OP(308, sllw, 0x42424242, 0x21212121, 1)
  TEST_RR_OP(309, sllw, 0xffffffff90909080, 0x21212121, 7)
  TEST_RR_OP(310, sllw, 0x48484000, 0x21212121, 14)
  TEST_RR_OP(311, sllw, 0xffffffff80000000, 0x21212121, 31)
  /* shift amount is rs2[4:0] */
  TEST_RR_OP(312, sllw, 1, 1, 32)                 /* 32 -> shift by 0 */
  TEST_RR_OP(313, sllw, 2, 1, 33)
  TEST_RR_OP(314, sllw, 0xffffffff80000000, 1, -1)
  TEST_RR_OP(315, sllw, 0xffffffff90909080, 0x21212121, 0xffffffe7)
  /* rs1[63:32] ignored: bits shifted out of bit 31 are gone, not kept in bit 32+ */
  TEST_RR_OP(316, sllw, 2, 0xffffffff00000001, 1)
  TEST_RR_OP(317, sllw, 0xffffffffffff0000, 0x123456780000ffff, 16)
  TEST_RR_OP(318, sllw, 0, 0x80000000, 1)
  TEST_RR_RD_RS1(319, sllw, 0x80, 1, 7)
  TEST_RR_RD_RS2(320, sllw, 0x4000, 1, 14)
  TEST_RR_RD_RS1_RS2(321, sllw, 24, 3)
  TEST_RR_RS1_X0(322, sllw, 0, 15)
  TEST_RR_RS2_X0(323, sllw, 0xffffffff80000000, 0x80000000) /* shift 0 still sign-extends */
  TEST_RR_RD_X0(324, sllw, 16, 3)

  /* ---------------------------------------------------------------- srlw */
  TEST_RR_OP(401, srlw, 0xffffffff80000000, 0x80000000, 0) /* shift by 0 sign-extends */
  TEST_RR_OP(402, srlw, 0x40000000, 0x80000000, 1)
  TEST_RR_OP(403, srlw, 0x01000000, 0x80000000, 7)
  TEST_RR_OP(404, srlw, 0x00020000, 0x80000000, 14)
  TEST_RR_OP(405, srlw, 1, 0x80000000, 31)
  TEST_RR_OP(406, srlw, -1, -1, 0)
  TEST_RR_OP(407, srlw, 0x7fffffff, -1, 1)        /* zero enters at bit 31, not bit 63 */
  TEST_RR_OP(408, srlw, 1, -1, 31)
  TEST_RR_OP(409, srlw, 0x10909090, 0x21212121, 1)
  TEST_RR_OP(410, srlw, 0x00424242, 0x21212121, 7)
  TEST_RR_OP(411, srlw, 0x00008484, 0x21212121, 14)
  TEST_RR_OP(412, srlw, 0, 0x21212121, 31)
  TEST_RR_OP(413, srlw, 0, 0xffffffff00000000, 0) /* upper bits ignored */
  TEST_RR_OP(414, srlw, 0x08765432, 0x1234567887654321, 4)
  TEST_RR_OP(415, srlw, -1, -1, 32)               /* 32 -> shift by 0 */
  TEST_RR_OP(416, srlw, 0x7fffffff, -1, 33)
  TEST_RR_OP(417, srlw, 1, 0x80000000, -1)
  TEST_RR_RD_RS1(418, srlw, 0x10909090, 0x21212121, 1)
  TEST_RR_RD_RS2(419, srlw, 0x00424242, 0x21212121, 7)
  TEST_RR_RD_RS1_RS2(420, srlw, 0, 7)
  TEST_RR_RS1_X0(421, srlw, 0, 15)
  TEST_RR_RS2_X0(422, srlw, 32, 0x1200000020)
  TEST_RR_RD_X0(423, srlw, 16, 3)

  /* ---------------------------------------------------------------- sraw */
  TEST_RR_OP(501, sraw, 0xffffffff80000000, 0x80000000, 0)
  TEST_RR_OP(502, sraw, 0xffffffffc0000000, 0x80000000, 1) /* copies of bit 31 shifted in */
  TEST_RR_OP(503, sraw, 0xffffffffff000000, 0x80000000, 7)
  TEST_RR_OP(504, sraw, 0xfffffffffffe0000, 0x80000000, 14)
  TEST_RR_OP(505, sraw, -1, 0x80000000, 31)
  TEST_RR_OP(506, sraw, 0x7fffffff, 0x7fffffff, 0)
  TEST_RR_OP(507, sraw, 0x3fffffff, 0x7fffffff, 1)
  TEST_RR_OP(508, sraw, 0, 0x7fffffff, 31)
  TEST_RR_OP(509, sraw, 0xffffffffc0c0c0c0, 0x81818181, 1)
  TEST_RR_OP(510, sraw, 0xffffffffff030303, 0x81818181, 7)
  TEST_RR_OP(511, sraw, 0xfffffffffffe0606, 0x81818181, 14)
  TEST_RR_OP(512, sraw, -1, 0x81818181, 31)
  /* The sign comes from bit 31 of rs1, not bit 63. */
  TEST_RR_OP(513, sraw, -1, 0x0000000080000000, 31)
  TEST_RR_OP(514, sraw, 0, 0xffffffff7fffffff, 31)
  TEST_RR_OP(515, sraw, 0x00001234, 0x8000000012345678, 16)
  TEST_RR_OP(516, sraw, 0xffffffff80000000, 0x80000000, 32) /* 32 -> shift by 0 */
  TEST_RR_OP(517, sraw, 0xffffffffc0000000, 0x80000000, 33)
  TEST_RR_OP(518, sraw, -1, 0x80000000, -1)
  TEST_RR_RD_RS1(519, sraw, -8, -16, 1)
  TEST_RR_RD_RS2(520, sraw, -2, -16, 3)
  TEST_RR_RD_RS1_RS2(521, sraw, 0, 7)
  TEST_RR_RS1_X0(522, sraw, 0, 15)
  TEST_RR_RS2_X0(523, sraw, -32, 0x00000000ffffffe0)
  TEST_RR_RD_X0(524, sraw, -16, 3)

  /* ---------------------------------------------------------------- addiw */
  TEST_IMM_OP(601, addiw, 0, 0, 0)
  TEST_IMM_OP(602, addiw, 2, 1, 1)
  TEST_IMM_OP(603, addiw, 10, 3, 7)
  TEST_IMM_OP(604, addiw, 0xffffffff80000000, 0x7fffffff, 1)
  TEST_IMM_OP(605, addiw, -2048, 0, -2048)
  TEST_IMM_OP(606, addiw, 2047, 0, 2047)
  TEST_IMM_OP(607, addiw, 0x7fffffff, 0x80000000, -1)
  TEST_IMM_OP(608, addiw, 0, 0xffffffff, 1)
  TEST_IMM_OP(609, addiw, 0xffffffff80000000, 0x0000000080000000, 0) /* sext.w */
  TEST_IMM_OP(610, addiw, 0x7fffffff, 0x123456787fffffff, 0)
  TEST_IMM_OP(611, addiw, 0x7fffffff, 0xffffffff7ffff800, 2047)
  TEST_IMM_OP(612, addiw, 0xffffffff80000000, 0x7ffff801, 2047)
  TEST_IMM_OP(613, addiw, 0x7ffff800, 0xffffffff80000000, -2048)
  TEST_IMM_OP(614, addiw, -1, 0x5555555500000000, -1)
  TEST_IMM_RD_RS1(615, addiw, 24, 13, 11)
  TEST_IMM_RS1_X0(616, addiw, -1, -1)
  TEST_IMM_RD_X0(617, addiw, 5, 7)

  /* ---------------------------------------------------------------- slliw */
  TEST_IMM_OP(701, slliw, 1, 1, 0)
  TEST_IMM_OP(702, slliw, 2, 1, 1)
  TEST_IMM_OP(703, slliw, 0x80, 1, 7)
  TEST_IMM_OP(704, slliw, 0x4000, 1, 14)
  TEST_IMM_OP(705, slliw, 0xffffffff80000000, 1, 31)
  TEST_IMM_OP(706, slliw, -1, -1, 0)
  TEST_IMM_OP(707, slliw, 0xffffffff80000000, -1, 31)
  TEST_IMM_OP(708, slliw, 0x42424242, 0x21212121, 1)
  TEST_IMM_OP(709, slliw, 0xffffffff90909080, 0x21212121, 7)
  TEST_IMM_OP(710, slliw, 0x48484000, 0x21212121, 14)
  TEST_IMM_OP(711, slliw, 0xffffffff80000000, 0x21212121, 31)
  TEST_IMM_OP(712, slliw, 2, 0xffffffff00000001, 1) /* upper bits ignored */
  TEST_IMM_OP(713, slliw, 0xffffffff80000000, 0x1234567800000001, 31)
  TEST_IMM_OP(714, slliw, 0xffffffff80000000, 0x0000000080000000, 0)
  TEST_IMM_OP(715, slliw, 0, 0x0000000180000000, 1)
  TEST_IMM_RD_RS1(716, slliw, 0x80, 1, 7)
  TEST_IMM_RS1_X0(717, slliw, 0, 31)
  TEST_IMM_RD_X0(718, slliw, 1, 4)

  /* ---------------------------------------------------------------- srliw */
  TEST_IMM_OP(801, srliw, 0xffffffff80000000, 0x80000000, 0) /* shift by 0 sign-extends */
  TEST_IMM_OP(802, srliw, 0x40000000, 0x80000000, 1)
  TEST_IMM_OP(803, srliw, 0x01000000, 0x80000000, 7)
  TEST_IMM_OP(804, srliw, 0x00020000, 0x80000000, 14)
  TEST_IMM_OP(805, srliw, 1, 0x80000000, 31)
  TEST_IMM_OP(806, srliw, -1, -1, 0)
  TEST_IMM_OP(807, srliw, 0x7fffffff, -1, 1)
  TEST_IMM_OP(808, srliw, 1, -1, 31)
  TEST_IMM_OP(809, srliw, 0x10909090, 0x21212121, 1)
  TEST_IMM_OP(810, srliw, 0x00424242, 0x21212121, 7)
  TEST_IMM_OP(811, srliw, 0x00008484, 0x21212121, 14)
  TEST_IMM_OP(812, srliw, 0, 0x21212121, 31)
  TEST_IMM_OP(813, srliw, 0, 0xffffffff00000000, 4) /* upper bits ignored */
  TEST_IMM_OP(814, srliw, 0x08765432, 0x1234567887654321, 4)
  TEST_IMM_RD_RS1(815, srliw, 0x10909090, 0x21212121, 1)
  TEST_IMM_RS1_X0(816, srliw, 0, 3)
  TEST_IMM_RD_X0(817, srliw, -1, 4)

  /* ---------------------------------------------------------------- sraiw */
  TEST_IMM_OP(901, sraiw, 0xffffffff80000000, 0x80000000, 0)
  TEST_IMM_OP(902, sraiw, 0xffffffffc0000000, 0x80000000, 1)
  TEST_IMM_OP(903, sraiw, 0xffffffffff000000, 0x80000000, 7)
  TEST_IMM_OP(904, sraiw, 0xfffffffffffe0000, 0x80000000, 14)
  TEST_IMM_OP(905, sraiw, -1, 0x80000000, 31)
  TEST_IMM_OP(906, sraiw, 0x7fffffff, 0x7fffffff, 0)
  TEST_IMM_OP(907, sraiw, 0x3fffffff, 0x7fffffff, 1)
  TEST_IMM_OP(908, sraiw, 0, 0x7fffffff, 31)
  TEST_IMM_OP(909, sraiw, 0xffffffffc0c0c0c0, 0x81818181, 1)
  TEST_IMM_OP(910, sraiw, 0xffffffffff030303, 0x81818181, 7)
  TEST_IMM_OP(911, sraiw, -1, 0x81818181, 31)
  TEST_IMM_OP(912, sraiw, -1, 0x0000000080000000, 31) /* sign is bit 31, not bit 63 */
  TEST_IMM_OP(913, sraiw, 0, 0xffffffff7fffffff, 31)
  TEST_IMM_OP(914, sraiw, 0xffffffffff030303, 0x1234567881818181, 7)
  TEST_IMM_RD_RS1(915, sraiw, -8, -16, 1)
  TEST_IMM_RS1_X0(916, sraiw, 0, 3)
  TEST_IMM_RD_X0(917, sraiw, -1, 4)

TEST_END
