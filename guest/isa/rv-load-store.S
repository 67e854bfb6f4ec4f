/*
 * rv-load-store: integer loads and stores of RV32I/RV64I.
 *
 *   loads:  lb lh lw lbu lhu (+ lwu ld on RV64)
 *   stores: sb sh sw (+ sd on RV64)
 *
 * Covered: sign extension (lb/lh/lw, and lw on RV64) versus zero extension (lbu/lhu/lwu),
 * little-endian byte order in both directions, positive, zero and negative offsets up to
 * the 12-bit limits (-2048 and +2047), stores writing only their own width (neighbouring
 * bytes untouched, upper register bits ignored), store then load of every width, loads
 * into x0 (discarded), rd == rs1 for loads, a store of the base register itself, and a load
 * from the code. All accesses are naturally aligned (misaligned ones are not portable).
 *
 * Case numbers: lb 1xx, lbu 2xx, lh 3xx, lhu 4xx, lw 5xx, lwu 6xx, ld 7xx, negative and
 * large offsets 8xx, sb 9xx, sh 10xx, sw 11xx, sd 12xx, byte order and partial overwrites
 * 13xx, special registers 14xx.
 */
#include "test.h"

/* Base encodings only (no c.lw/c.sw/...). */
.option norvc

/* ld_data bytes (offset: value)
 *    0: 01 82 03 84 85 06 87 08
 *    8: ff 7f 00 80 ef be ad de
 *   16: 00 00 00 00 00 00 00 80
 *   24: ff ff ff ff ff ff ff 7f
 */
  .section .rodata
  .balign 16
ld_data:
  .byte 0x01, 0x82, 0x03, 0x84, 0x85, 0x06, 0x87, 0x08
  .byte 0xff, 0x7f, 0x00, 0x80, 0xef, 0xbe, 0xad, 0xde
  .byte 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80
  .byte 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
ld_data_end:

/* A 4 KiB window for the extreme offsets: ld_far + 2048 is the base register. */
  .balign 16
ld_far:
  .byte 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c  /* at base - 2048 */
  .skip 2048 - 8
ld_far_base:
  .skip 2040
  .byte 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0xf8  /* at base + 2040 .. base + 2047 */

  .bss
  .balign 16
st_buf:
  .skip 64
st_far:
  .skip 4096

  .text
TEST_BEGIN

  /* ---------------------------------------------------------------- lb */
  TEST_LOAD(101, lb, 0x01, 0, ld_data)
  TEST_LOAD(102, lb, -0x7e, 1, ld_data)          /* 0x82 sign-extended */
  TEST_LOAD(103, lb, 0x03, 2, ld_data)
  TEST_LOAD(104, lb, -0x7c, 3, ld_data)
  TEST_LOAD(105, lb, -0x7b, 4, ld_data)
  TEST_LOAD(106, lb, 0x06, 5, ld_data)
  TEST_LOAD(107, lb, -1, 8, ld_data)             /* 0xff */
  TEST_LOAD(108, lb, 0x7f, 9, ld_data)           /* largest positive byte */
  TEST_LOAD(109, lb, 0, 10, ld_data)
  TEST_LOAD(110, lb, -128, 11, ld_data)          /* 0x80 */
  TEST_LOAD(111, lb, -0x22, 15, ld_data)         /* 0xde */

  /* ---------------------------------------------------------------- lbu */
  TEST_LOAD(201, lbu, 0x01, 0, ld_data)
  TEST_LOAD(202, lbu, 0x82, 1, ld_data)          /* zero-extended */
  TEST_LOAD(203, lbu, 0x84, 3, ld_data)
  TEST_LOAD(204, lbu, 0xff, 8, ld_data)
  TEST_LOAD(205, lbu, 0x7f, 9, ld_data)
  TEST_LOAD(206, lbu, 0x80, 11, ld_data)
  TEST_LOAD(207, lbu, 0xde, 15, ld_data)
  TEST_LOAD(208, lbu, 0, 16, ld_data)

  /* ---------------------------------------------------------------- lh */
  TEST_LOAD(301, lh, -0x7dff, 0, ld_data)        /* 0x8201 (little-endian) sign-extended */
  TEST_LOAD(302, lh, -0x7bfd, 2, ld_data)        /* 0x8403 */
  TEST_LOAD(303, lh, 0x0685, 4, ld_data)         /* positive despite 0x85 low byte */
  TEST_LOAD(304, lh, 0x0887, 6, ld_data)
  TEST_LOAD(305, lh, 0x7fff, 8, ld_data)
  TEST_LOAD(306, lh, -0x8000, 10, ld_data)       /* 0x8000 */
  TEST_LOAD(307, lh, -0x4111, 12, ld_data)       /* 0xbeef */
  TEST_LOAD(308, lh, -0x2153, 14, ld_data)       /* 0xdead */
  TEST_LOAD(309, lh, -1, 24, ld_data)

  /* ---------------------------------------------------------------- lhu */
  TEST_LOAD(401, lhu, 0x8201, 0, ld_data)
  TEST_LOAD(402, lhu, 0x8403, 2, ld_data)
  TEST_LOAD(403, lhu, 0x0685, 4, ld_data)
  TEST_LOAD(404, lhu, 0x7fff, 8, ld_data)
  TEST_LOAD(405, lhu, 0x8000, 10, ld_data)
  TEST_LOAD(406, lhu, 0xbeef, 12, ld_data)
  TEST_LOAD(407, lhu, 0xdead, 14, ld_data)
  TEST_LOAD(408, lhu, 0xffff, 24, ld_data)

  /* ---------------------------------------------------------------- lw */
  TEST_LOAD(501, lw, 0x08870685, 4, ld_data)
  TEST_LOAD(502, lw, 0, 16, ld_data)
  TEST_LOAD(503, lw, -1, 24, ld_data)
  TEST_LOAD(504, lw, 0x7fffffff, 28, ld_data)
#if __riscv_xlen == 64
  /* lw sign-extends from bit 31 on RV64 */
  TEST_LOAD(505, lw, 0xffffffff84038201, 0, ld_data)
  TEST_LOAD(506, lw, 0xffffffff80007fff, 8, ld_data)
  TEST_LOAD(507, lw, 0xffffffffdeadbeef, 12, ld_data)
  TEST_LOAD(508, lw, 0xffffffff80000000, 20, ld_data)
#else
  TEST_LOAD(505, lw, 0x84038201, 0, ld_data)
  TEST_LOAD(506, lw, 0x80007fff, 8, ld_data)
  TEST_LOAD(507, lw, 0xdeadbeef, 12, ld_data)
  TEST_LOAD(508, lw, 0x80000000, 20, ld_data)
#endif

#if __riscv_xlen == 64
  /* ---------------------------------------------------------------- lwu */
  TEST_LOAD(601, lwu, 0x84038201, 0, ld_data)    /* zero-extended */
  TEST_LOAD(602, lwu, 0x08870685, 4, ld_data)
  TEST_LOAD(603, lwu, 0x80007fff, 8, ld_data)
  TEST_LOAD(604, lwu, 0xdeadbeef, 12, ld_data)
  TEST_LOAD(605, lwu, 0, 16, ld_data)
  TEST_LOAD(606, lwu, 0x80000000, 20, ld_data)
  TEST_LOAD(607, lwu, 0xffffffff, 24, ld_data)

  /* ---------------------------------------------------------------- ld */
  TEST_LOAD(701, ld, 0x0887068584038201, 0, ld_data)
  TEST_LOAD(702, ld, 0xdeadbeef80007fff, 8, ld_data)
  TEST_LOAD(703, ld, 0x8000000000000000, 16, ld_data)
  TEST_LOAD(704, ld, 0x7fffffffffffffff, 24, ld_data)
#endif

  /* ------------------------------------------------ negative and large offsets */
  TEST_LOAD(801, lbu, 0x82, -31, ld_data + 32)
  TEST_LOAD(802, lb, -0x7e, -31, ld_data + 32)
  TEST_LOAD(803, lh, -0x8000, -22, ld_data + 32)
  TEST_LOAD(804, lhu, 0xdead, -18, ld_data + 32)
  TEST_LOAD(805, lw, 0x08870685, -28, ld_data + 32)
  TEST_LOAD(806, lw, 0x7fffffff, -4, ld_data + 32)
  TEST_LOAD(807, lbu, 0xa5, -2048, ld_far_base)  /* most negative offset */
  TEST_LOAD(808, lb, -0x5b, -2048, ld_far_base)
  TEST_LOAD(809, lhu, 0x96a5, -2048, ld_far_base)
  TEST_LOAD(810, lw, 0x788796a5, -2048, ld_far_base)
  TEST_LOAD(811, lbu, 0xf8, 2047, ld_far_base)   /* largest offset */
  TEST_LOAD(812, lb, -8, 2047, ld_far_base)
  TEST_LOAD(813, lh, -0x789, 2046, ld_far_base)  /* bytes 77 f8: 0xf877 */
  TEST_LOAD(814, lw, 0x44332211, 2040, ld_far_base)
#if __riscv_xlen == 64
  TEST_LOAD(815, lw, 0xfffffffff8776655, 2044, ld_far_base)
  TEST_LOAD(816, ld, 0x3c4b5a69788796a5, -2048, ld_far_base)
  TEST_LOAD(817, ld, 0xf877665544332211, 2040, ld_far_base)
  TEST_LOAD(818, lwu, 0xf8776655, 2044, ld_far_base)
  TEST_LOAD(819, lwu, 0x3c4b5a69, -2044, ld_far_base)
#else
  TEST_LOAD(815, lw, 0xf8776655, 2044, ld_far_base)
#endif

  /* ---------------------------------------------------------------- sb */
  TEST_STORE(901, lbu, sb, 0xaa, 0xaa, 0, st_buf)
  TEST_STORE(902, lb, sb, -0x56, 0xaa, 1, st_buf)
  TEST_STORE(903, lbu, sb, 0x78, 0x12345678, 2, st_buf) /* only the low byte is stored */
  TEST_STORE(904, lb, sb, -1, -1, 3, st_buf)
  TEST_STORE(905, lb, sb, 0, 0x100, 4, st_buf)
  TEST_STORE(906, lbu, sb, 0x7f, 0x7f, 7, st_buf)
  TEST_STORE(907, lbu, sb, 0x5a, 0x5a, -1, st_buf + 8)
  TEST_STORE(908, lbu, sb, 0xc3, 0xc3, -2048, st_far + 2048)
  TEST_STORE(909, lbu, sb, 0x3c, 0x3c, 2047, st_far + 2048)

  /* ---------------------------------------------------------------- sh */
  TEST_STORE(1001, lhu, sh, 0xaa55, 0xaa55, 0, st_buf)
  TEST_STORE(1002, lh, sh, -0x55ab, 0xaa55, 2, st_buf)  /* 0xaa55 sign-extended */
  TEST_STORE(1003, lhu, sh, 0x5678, 0x12345678, 4, st_buf) /* low half only */
  TEST_STORE(1004, lh, sh, 0x7fff, 0x7fff, 6, st_buf)
  TEST_STORE(1005, lh, sh, -0x8000, 0x8000, 8, st_buf)
  TEST_STORE(1006, lhu, sh, 0x1234, 0x1234, -2, st_buf + 16)
  TEST_STORE(1007, lhu, sh, 0xbeef, 0xbeef, -2048, st_far + 2048)
  TEST_STORE(1008, lhu, sh, 0xcafe, 0xcafe, 2046, st_far + 2048)

  /* ---------------------------------------------------------------- sw */
  TEST_STORE(1101, lw, sw, 0x12345678, 0x12345678, 0, st_buf)
  TEST_STORE(1102, lw, sw, 0x7fffffff, 0x7fffffff, 4, st_buf)
  TEST_STORE(1103, lw, sw, -1, -1, 8, st_buf)
  TEST_STORE(1104, lw, sw, 0, 0, 12, st_buf)
  TEST_STORE(1105, lw, sw, 0x0aabbccd, 0x0aabbccd, -4, st_buf + 32)
#if __riscv_xlen == 64
  TEST_STORE(1106, lw, sw, 0xffffffffdeadbeef, 0xdeadbeef, 16, st_buf)
  TEST_STORE(1107, lwu, sw, 0xdeadbeef, 0xdeadbeef, 20, st_buf)
  TEST_STORE(1108, lw, sw, 0x55667788, 0x1122334455667788, 24, st_buf) /* low word only */
  TEST_STORE(1109, lw, sw, 0xffffffff80000000, 0x80000000, -2048, st_far + 2048)
  TEST_STORE(1110, lwu, sw, 0x80000001, 0x80000001, 2044, st_far + 2048)
#else
  TEST_STORE(1106, lw, sw, 0xdeadbeef, 0xdeadbeef, 16, st_buf)
  TEST_STORE(1107, lw, sw, 0xdeadbeef, 0xdeadbeef, 20, st_buf)
  TEST_STORE(1108, lw, sw, 0x55667788, 0x55667788, 24, st_buf)
  TEST_STORE(1109, lw, sw, 0x80000000, 0x80000000, -2048, st_far + 2048)
  TEST_STORE(1110, lw, sw, 0x80000001, 0x80000001, 2044, st_far + 2048)
#endif

#if __riscv_xlen == 64
  /* ---------------------------------------------------------------- sd */
  TEST_STORE(1201, ld, sd, 0x0123456789abcdef, 0x0123456789abcdef, 0, st_buf)
  TEST_STORE(1202, ld, sd, -1, -1, 8, st_buf)
  TEST_STORE(1203, ld, sd, 0x8000000000000000, 0x8000000000000000, 16, st_buf)
  TEST_STORE(1204, ld, sd, 0, 0, -8, st_buf + 32)
  TEST_STORE(1205, ld, sd, 0xfedcba9876543210, 0xfedcba9876543210, -2048, st_far + 2048)
  TEST_STORE(1206, ld, sd, 0x1111222233334444, 0x1111222233334444, 2040, st_far + 2048)
  /* an sd is visible through each narrower load, low byte at the lowest address */
  TEST_CASE(1207, x14, 0x89abcdef, la x1, st_buf; li x2, 0x0123456789abcdef; sd x2, 0(x1); lwu x14, 0(x1))
  TEST_CASE(1208, x14, 0x01234567, la x1, st_buf; lw x14, 4(x1))
  TEST_CASE(1209, x14, 0xcdef, la x1, st_buf; lhu x14, 0(x1))
  TEST_CASE(1210, x14, 0x0123, la x1, st_buf; lhu x14, 6(x1))
  TEST_CASE(1211, x14, 0xef, la x1, st_buf; lbu x14, 0(x1))
  TEST_CASE(1212, x14, 0x01, la x1, st_buf; lbu x14, 7(x1))
  /* sw must not touch the upper word; sb inside a doubleword */
  TEST_CASE(1213, x14, 0x01234567aabbccdd, la x1, st_buf; li x2, 0xaabbccdd; sw x2, 0(x1); ld x14, 0(x1))
  TEST_CASE(1214, x14, 0x0123ff67aabbccdd, la x1, st_buf; li x2, -1; sb x2, 5(x1); ld x14, 0(x1))
  TEST_CASE(1215, x14, 0x0000ff67aabbccdd, la x1, st_buf; sh x0, 6(x1); ld x14, 0(x1))
#endif

  /* --------------------------------------------- byte order and partial overwrites */
  /* A word store lays the least significant byte at the lowest address. */
  TEST_CASE(1301, x14, 0x44, la x1, st_buf; li x2, 0x11223344; sw x2, 0(x1); lbu x14, 0(x1))
  TEST_CASE(1302, x14, 0x33, la x1, st_buf; lbu x14, 1(x1))
  TEST_CASE(1303, x14, 0x22, la x1, st_buf; lbu x14, 2(x1))
  TEST_CASE(1304, x14, 0x11, la x1, st_buf; lbu x14, 3(x1))
  TEST_CASE(1305, x14, 0x3344, la x1, st_buf; lhu x14, 0(x1))
  TEST_CASE(1306, x14, 0x1122, la x1, st_buf; lhu x14, 2(x1))
  /* Bytes stored one at a time assemble into a little-endian word. */
  TEST_CASE(1307, x14, 0x04030201, la x1, st_buf; li x2, 1; sb x2, 4(x1); li x2, 2; sb x2, 5(x1); li x2, 3; sb x2, 6(x1); li x2, 4; sb x2, 7(x1); lw x14, 4(x1))
  TEST_CASE(1308, x14, 0x0d0c0b0a, la x1, st_buf; li x2, 0x0b0a; sh x2, 8(x1); li x2, 0x0d0c; sh x2, 10(x1); lw x14, 8(x1))
  /* Narrow stores replace only their bytes. */
  TEST_CASE(1309, x14, 0x1122aa44, la x1, st_buf; li x2, 0xaa; sb x2, 1(x1); lw x14, 0(x1))
#if __riscv_xlen == 64
  TEST_CASE(1310, x14, 0xffffffffbbccaa44, la x1, st_buf; li x2, 0xbbcc; sh x2, 2(x1); lw x14, 0(x1))
#else
  TEST_CASE(1310, x14, 0xbbccaa44, la x1, st_buf; li x2, 0xbbcc; sh x2, 2(x1); lw x14, 0(x1))
#endif
#if __riscv_xlen == 64
  TEST_CASE(1311, x14, 0xffffffffbbcc0044, la x1, st_buf; sb x0, 1(x1); lw x14, 0(x1))
#else
  TEST_CASE(1311, x14, 0xbbcc0044, la x1, st_buf; sb x0, 1(x1); lw x14, 0(x1))
#endif
  /* Neighbours of a byte store are untouched. */
  TEST_CASE(1312, x14, -1, la x1, st_buf + 16; li x2, -1; sw x2, 0(x1); sw x2, 4(x1); sw x2, 8(x1); sw x2, 12(x1); sb x0, 5(x1); lw x14, 0(x1))
  TEST_CASE(1313, x14, -0xff01, la x1, st_buf + 16; lw x14, 4(x1)) /* 0xffff00ff */
  TEST_CASE(1314, x14, -1, la x1, st_buf + 16; lw x14, 8(x1))
  TEST_CASE(1315, x14, 0xff, la x1, st_buf + 16; lbu x14, 4(x1))
  TEST_CASE(1316, x14, 0, la x1, st_buf + 16; lbu x14, 5(x1))
  TEST_CASE(1317, x14, 0xff, la x1, st_buf + 16; lbu x14, 6(x1))
  /* ... and of a halfword store */
  TEST_CASE(1318, x14, -0x10000 + 0x1234, la x1, st_buf + 16; li x2, 0x1234; sh x2, 8(x1); lw x14, 8(x1))
  TEST_CASE(1319, x14, -1, la x1, st_buf + 16; lw x14, 12(x1))
  /* Loads observe the most recent store to the same address, whatever the width. */
  TEST_CASE(1320, x14, 0x5a, la x1, st_buf; li x2, 0; sw x2, 0(x1); li x2, 0x5a; sb x2, 0(x1); lw x14, 0(x1))

  /* ---------------------------------------------------------------- special registers */
  TEST_CASE(1401, x14, 0x08870685, la x14, ld_data; lw x14, 4(x14)) /* rd == rs1 */
  TEST_CASE(1402, x14, 0x82, la x14, ld_data; lbu x14, 1(x14))
  TEST_CASE(1403, x0, 0, la x1, ld_data; lw x0, 4(x1))            /* load into x0 discarded */
  TEST_CASE(1404, x14, 0x08870685, la x1, ld_data; lw x0, 0(x1); lw x14, 4(x1))
  /* store of the base register itself */
  TEST_CASE(1405, x14, 0, la x1, st_buf; SREG x1, 0(x1); LREG x14, 0(x1); sub x14, x14, x1)
  /* store of x0 */
  TEST_CASE(1406, x14, 0, la x1, st_buf; li x2, -1; sw x2, 8(x1); sw x0, 8(x1); lw x14, 8(x1))
  /* loads from the code: the word at 1: is the encoding of "addi x0, x0, 0" */
  TEST_CASE(1407, x14, 0x00000013, la x1, 1f; lw x14, 0(x1); j 2f; 1: nop; 2:)
  /* a store followed by a dependent load through a register computed from the load */
  TEST_CASE(1408, x14, 0x77, la x1, st_buf; la x2, st_buf + 32; SREG x2, 0(x1); li x5, 0x77; sb x5, 32(x1); LREG x6, 0(x1); lbu x14, 0(x6))

TEST_END
