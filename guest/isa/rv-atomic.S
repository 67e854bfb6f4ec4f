/*
 * rv-atomic: the A extension on a single hart.
 *
 *   lr.w sc.w (+ lr.d sc.d on RV64)
 *   amoswap amoadd amoxor amoand amoor amomin amomax amominu amomaxu, .w (+ .d on RV64)
 *
 * LR/SC: an SC with no reservation fails (rd != 0) and writes nothing; LR then SC to the
 * same address succeeds (rd = 0) and writes; any SC - successful or not - ends the
 * reservation, so a second SC fails; an SC to an address other than the reserved one fails
 * (the two are in different 64-byte blocks, so this holds for any reservation granule); a
 * newer LR replaces the reservation; a store by this hart to another block between LR and SC
 * does not make the SC fail (the spec would allow a failure there, QEMU and Ferry keep the
 * reservation); lr.w sign-extends on RV64 and sc.w stores only 32 bits.
 *
 * AMOs: rd gets the old memory value (sign-extended from bit 31 for .w on RV64), memory gets
 * op(old, rs2), rs2 is unchanged, neighbouring words are untouched, min/max compare signed
 * and minu/maxu unsigned - on the low 32 bits only for .w - and every instruction is also
 * run with .aq, .rl and .aqrl. Also rd = x0, rd == rs2 (swap a register with memory) and
 * rs2 = x0 (an atomic read).
 *
 * All accesses are naturally aligned (misaligned AMOs trap). Case numbers: LR/SC 1xx
 * (.w) and 2xx (.d), amoswap 3xx, amoadd 4xx, amoxor 5xx, amoand 6xx, amoor 7xx, amomin 8xx,
 * amomax 9xx, amominu 10xx, amomaxu 11xx, register forms 12xx. Within each AMO block the .w
 * cases come first and the .d cases (RV64) start at x50.
 */
#include "test.h"

.option norvc

/* A 32-bit pattern sign-extended to XLEN (the value lw/lr.w/amo*.w return). */
#define SEXT32(v) (((v) ^ 0x80000000) - 0x80000000)

#define GUARD_W 0xa5a5a5a5
#define GUARD_D 0xa5a5a5a5c3c3c3c3

  .data
  .balign 128
lr_a:                        /* LR/SC target A and, 128 bytes away, target B */
  .dword 0, 0
  .balign 128
lr_b:
  .dword 0, 0
  .balign 128
other:                       /* a third, unrelated block for plain stores */
  .dword 0, 0
  .balign 16
amo_lo:                      /* guard, then the AMO target at amo_buf, then guard */
  .dword 0
amo_buf:
  .dword 0
  .dword 0

/*
 * AMO on a word: memory = init with a guard word on each side, rs2 (x2) = operand.
 * Checks rd == old, memory == new, both guards intact, rs2 unchanged. old/new are
 * 32-bit patterns; the checks sign-extend them (lw and amo*.w both sign-extend on RV64).
 */
#define TEST_AMO_W(n, inst, init, operand, old, new) \
test_##n: \
  li TESTNUM, n; \
  la x5, amo_buf; \
  li x6, GUARD_W; \
  sw x6, -4(x5); \
  sw x6, 4(x5); \
  li x6, init; \
  sw x6, 0(x5); \
  li x2, operand; \
  inst x14, x2, (x5); \
  CHECK_EQ(x14, SEXT32(old)) \
  lw x15, 0(x5); \
  CHECK_EQ(x15, SEXT32(new)) \
  lw x15, -4(x5); \
  CHECK_EQ(x15, SEXT32(GUARD_W)) \
  lw x15, 4(x5); \
  CHECK_EQ(x15, SEXT32(GUARD_W)) \
  CHECK_EQ(x2, operand)

/* The same for a doubleword (RV64), with guard doublewords on each side. */
#define TEST_AMO_D(n, inst, init, operand, old, new) \
test_##n: \
  li TESTNUM, n; \
  la x5, amo_buf; \
  li x6, GUARD_D; \
  sd x6, -8(x5); \
  sd x6, 8(x5); \
  li x6, init; \
  sd x6, 0(x5); \
  li x2, operand; \
  inst x14, x2, (x5); \
  CHECK_EQ(x14, old) \
  ld x15, 0(x5); \
  CHECK_EQ(x15, new) \
  ld x15, -8(x5); \
  CHECK_EQ(x15, GUARD_D) \
  ld x15, 8(x5); \
  CHECK_EQ(x15, GUARD_D) \
  CHECK_EQ(x2, operand)

  .text
TEST_BEGIN

  /* ======================================================== LR/SC, word */

  /* No LR has run since reset: the SC has no reservation, fails and writes nothing. */
test_101:
  li TESTNUM, 101
  la x5, lr_a
  li x6, 0x11111111
  sw x6, 0(x5)
  li x7, 0x22222222
  sc.w x14, x7, (x5)
  CHECK_NE(x14, 0)
  lw x15, 0(x5)
  CHECK_EQ(x15, 0x11111111)

  /* LR returns the value; SC to the same address succeeds with 0 and writes. */
test_102:
  li TESTNUM, 102
  la x5, lr_a
  li x6, 0x12345678
  sw x6, 0(x5)
  lr.w x14, (x5)
  CHECK_EQ(x14, 0x12345678)
  li x7, 0x0badf00d
  sc.w x15, x7, (x5)
  CHECK_EQ(x15, 0)
  lw x15, 0(x5)
  CHECK_EQ(x15, 0x0badf00d)

  /* The successful SC consumed the reservation: a second SC fails and does not write. */
test_103:
  li TESTNUM, 103
  la x5, lr_a
  li x7, 0x33333333
  sc.w x14, x7, (x5)
  CHECK_NE(x14, 0)
  lw x15, 0(x5)
  CHECK_EQ(x15, 0x0badf00d)

  /* A store by this hart to another block between LR and SC keeps the reservation. */
test_104:
  li TESTNUM, 104
  la x5, lr_a
  la x8, other
  lr.w x14, (x5)
  CHECK_EQ(x14, 0x0badf00d)
  li x6, 0x44444444
  sw x6, 0(x8)
  li x7, 0x55555555
  sc.w x15, x7, (x5)
  CHECK_EQ(x15, 0)
  lw x15, 0(x5)
  CHECK_EQ(x15, 0x55555555)
  lw x15, 0(x8)
  CHECK_EQ(x15, 0x44444444)

  /* An SC to an address outside the reserved block fails and writes nothing... */
test_105:
  li TESTNUM, 105
  la x5, lr_a
  la x9, lr_b
  li x6, 0x66666666
  sw x6, 0(x9)
  lr.w x14, (x5)
  CHECK_EQ(x14, 0x55555555)
  li x7, 0x77777777
  sc.w x15, x7, (x9)
  CHECK_NE(x15, 0)
  lw x15, 0(x9)
  CHECK_EQ(x15, 0x66666666)
  /* ...and, failed or not, it ended the reservation on A too. */
  sc.w x15, x7, (x5)
  CHECK_NE(x15, 0)
  lw x15, 0(x5)
  CHECK_EQ(x15, 0x55555555)

  /* A newer LR replaces the reservation: SC to the first address fails, to the second
   * succeeds. */
test_106:
  li TESTNUM, 106
  la x5, lr_a
  la x9, lr_b
  lr.w x14, (x5)
  lr.w x14, (x9)
  CHECK_EQ(x14, 0x66666666)
  li x7, 0x01010101
  sc.w x15, x7, (x5)
  CHECK_NE(x15, 0)
  lr.w x14, (x5)
  lr.w x14, (x9)
  li x7, 0x02020202
  sc.w x15, x7, (x9)
  CHECK_EQ(x15, 0)
  lw x15, 0(x9)
  CHECK_EQ(x15, 0x02020202)
  lw x15, 0(x5)
  CHECK_EQ(x15, 0x55555555)

  /* lr.w sign-extends on RV64; sc.w stores only the low 32 bits of rs2 and leaves the
   * next word alone. */
test_107:
  li TESTNUM, 107
  la x5, lr_a
  li x6, 0x89abcdef
  sw x6, 0(x5)
  li x6, 0x13579bdf
  sw x6, 4(x5)
  lr.w x14, (x5)
  CHECK_EQ(x14, SEXT32(0x89abcdef))
#if __riscv_xlen == 64
  li x7, 0x1234567887654321
#else
  li x7, 0x87654321
#endif
  sc.w x15, x7, (x5)
  CHECK_EQ(x15, 0)
  lw x15, 0(x5)
  CHECK_EQ(x15, SEXT32(0x87654321))
  lw x15, 4(x5)
  CHECK_EQ(x15, 0x13579bdf)

  /* rd == rs2 for SC: the old register value is stored, then rd becomes 0. */
test_108:
  li TESTNUM, 108
  la x5, lr_a
  lr.w x14, (x5)
  li x7, 0x0f0f0f0f
  sc.w x7, x7, (x5)
  CHECK_EQ(x7, 0)
  lw x15, 0(x5)
  CHECK_EQ(x15, 0x0f0f0f0f)

  /* rd == rs1 for LR: the loaded value replaces the address register, and the
   * reservation is on the address that was used. */
test_109:
  li TESTNUM, 109
  la x14, lr_a
  lr.w x14, (x14)
  CHECK_EQ(x14, 0x0f0f0f0f)
  la x5, lr_a
  li x7, 0x1e1e1e1e
  sc.w x15, x7, (x5)             /* the reservation was still made on lr_a */
  CHECK_EQ(x15, 0)

  /* An LR/SC retry loop implementing an atomic add, ten times. */
test_110:
  li TESTNUM, 110
  la x5, lr_a
  sw x0, 0(x5)
  li x8, 10
1:
  lr.w x6, (x5)
  addi x6, x6, 3
  sc.w x7, x6, (x5)
  bnez x7, 1b
  addi x8, x8, -1
  bnez x8, 1b
  lw x14, 0(x5)
  CHECK_EQ(x14, 30)

  /* The ordering bits do not change the result. */
test_111:
  li TESTNUM, 111
  la x5, lr_a
  lr.w.aq x14, (x5)
  CHECK_EQ(x14, 30)
  li x7, 31
  sc.w.rl x15, x7, (x5)
  CHECK_EQ(x15, 0)
  lr.w.aqrl x14, (x5)
  CHECK_EQ(x14, 31)
  li x7, 32
  sc.w.aqrl x15, x7, (x5)
  CHECK_EQ(x15, 0)
  lr.w.rl x14, (x5)
  li x7, 33
  sc.w.aq x15, x7, (x5)
  CHECK_EQ(x15, 0)
  lw x14, 0(x5)
  CHECK_EQ(x14, 33)
  sc.w.aqrl x15, x7, (x5)        /* no reservation left */
  CHECK_NE(x15, 0)

  /* SC with rd = x0: the store still happens, the status is discarded. */
test_112:
  li TESTNUM, 112
  la x5, lr_a
  lr.w x14, (x5)
  li x7, 0x5ca1ab1e
  sc.w x0, x7, (x5)
  CHECK_EQ(x0, 0)
  lw x15, 0(x5)
  CHECK_EQ(x15, 0x5ca1ab1e)

  /* An SC of x0 stores zero. */
test_113:
  li TESTNUM, 113
  la x5, lr_a
  lr.w x14, (x5)
  CHECK_EQ(x14, 0x5ca1ab1e)
  sc.w x15, x0, (x5)
  CHECK_EQ(x15, 0)
  lw x15, 0(x5)
  CHECK_EQ(x15, 0)

#if __riscv_xlen == 64
  /* ======================================================== LR/SC, doubleword */
test_201:                        /* no reservation (the last SC ended it) */
  li TESTNUM, 201
  la x5, lr_b
  li x6, 0x1111111122222222
  sd x6, 0(x5)
  li x7, 0x3333333344444444
  sc.d x14, x7, (x5)
  CHECK_NE(x14, 0)
  ld x15, 0(x5)
  CHECK_EQ(x15, 0x1111111122222222)

test_202:                        /* success path */
  li TESTNUM, 202
  la x5, lr_b
  lr.d x14, (x5)
  CHECK_EQ(x14, 0x1111111122222222)
  li x7, 0xfedcba9876543210
  sc.d x15, x7, (x5)
  CHECK_EQ(x15, 0)
  ld x15, 0(x5)
  CHECK_EQ(x15, 0xfedcba9876543210)

test_203:                        /* second SC fails */
  li TESTNUM, 203
  la x5, lr_b
  li x7, 0x5555555555555555
  sc.d x14, x7, (x5)
  CHECK_NE(x14, 0)
  ld x15, 0(x5)
  CHECK_EQ(x15, 0xfedcba9876543210)

test_204:                        /* store elsewhere keeps the reservation */
  li TESTNUM, 204
  la x5, lr_b
  la x8, other
  lr.d x14, (x5)
  li x6, -1
  sd x6, 0(x8)
  li x7, 0x0123456789abcdef
  sc.d x15, x7, (x5)
  CHECK_EQ(x15, 0)
  ld x15, 0(x5)
  CHECK_EQ(x15, 0x0123456789abcdef)

test_205:                        /* SC to another block fails, and ends the reservation */
  li TESTNUM, 205
  la x5, lr_b
  la x9, lr_a
  sd x0, 0(x9)
  lr.d x14, (x5)
  li x7, 0x7777777777777777
  sc.d x15, x7, (x9)
  CHECK_NE(x15, 0)
  ld x15, 0(x9)
  CHECK_EQ(x15, 0)
  sc.d x15, x7, (x5)
  CHECK_NE(x15, 0)
  ld x15, 0(x5)
  CHECK_EQ(x15, 0x0123456789abcdef)

test_206:                        /* ordering bits, and an atomic add loop */
  li TESTNUM, 206
  la x5, lr_b
  li x6, 0xffffffff
  sd x6, 0(x5)
  li x8, 4
1:
  lr.d.aqrl x6, (x5)
  addi x6, x6, 1                 /* carries into the upper word: not a .w operation */
  sc.d.rl x7, x6, (x5)
  bnez x7, 1b
  addi x8, x8, -1
  bnez x8, 1b
  ld x14, 0(x5)
  CHECK_EQ(x14, 0x100000003)
  lr.d.aq x14, (x5)
  li x7, -2
  sc.d.aq x15, x7, (x5)
  CHECK_EQ(x15, 0)
  lr.d.rl x14, (x5)
  CHECK_EQ(x14, -2)
  sc.d.aqrl x15, x0, (x5)
  CHECK_EQ(x15, 0)
  ld x14, 0(x5)
  CHECK_EQ(x14, 0)
#endif

  /* ======================================================== amoswap */
  TEST_AMO_W(301, amoswap.w, 0x12345678, 0xdeadbeef, 0x12345678, 0xdeadbeef)
  TEST_AMO_W(302, amoswap.w.aq, 0x80000000, 0, 0x80000000, 0)
  TEST_AMO_W(303, amoswap.w.rl, 0, -1, 0, 0xffffffff)
  TEST_AMO_W(304, amoswap.w.aqrl, 0x7fffffff, 0x80000000, 0x7fffffff, 0x80000000)
#if __riscv_xlen == 64
  TEST_AMO_W(305, amoswap.w, 0x55555555, 0xffffffff00000001, 0x55555555, 1) /* rs2[63:32] ignored */
  TEST_AMO_D(350, amoswap.d, 0x0123456789abcdef, 0xfedcba9876543210, 0x0123456789abcdef, 0xfedcba9876543210)
  TEST_AMO_D(351, amoswap.d.aq, 0x8000000000000000, 0, 0x8000000000000000, 0)
  TEST_AMO_D(352, amoswap.d.rl, 0, -1, 0, -1)
  TEST_AMO_D(353, amoswap.d.aqrl, 0xffffffff, 0x100000000, 0xffffffff, 0x100000000)
#endif

  /* ======================================================== amoadd */
  TEST_AMO_W(401, amoadd.w, 1, 2, 1, 3)
  TEST_AMO_W(402, amoadd.w.aq, 0x7fffffff, 1, 0x7fffffff, 0x80000000) /* wraps, sign-extends */
  TEST_AMO_W(403, amoadd.w.rl, 0xffffffff, 1, 0xffffffff, 0)         /* no carry out */
  TEST_AMO_W(404, amoadd.w.aqrl, -1, -1, 0xffffffff, 0xfffffffe)
  TEST_AMO_W(405, amoadd.w, 0x12345678, -0x12345678, 0x12345678, 0)
#if __riscv_xlen == 64
  TEST_AMO_W(406, amoadd.w, 1, 0x0000000100000001, 1, 2)             /* rs2[63:32] ignored */
  TEST_AMO_D(450, amoadd.d, 0xffffffff, 1, 0xffffffff, 0x100000000) /* carries into bit 32 */
  TEST_AMO_D(451, amoadd.d.aq, 0x7fffffffffffffff, 1, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_AMO_D(452, amoadd.d.rl, -1, 1, -1, 0)
  TEST_AMO_D(453, amoadd.d.aqrl, 0x123456789abcdef0, 0x0fedcba987654321, 0x123456789abcdef0, 0x2222222222222211)
#endif

  /* ======================================================== amoxor */
  TEST_AMO_W(501, amoxor.w, 0xff00ff00, 0x0ff00ff0, 0xff00ff00, 0xf0f0f0f0)
  TEST_AMO_W(502, amoxor.w.aq, 0x12345678, 0x12345678, 0x12345678, 0)
  TEST_AMO_W(503, amoxor.w.rl, 0x0000ffff, -1, 0x0000ffff, 0xffff0000)
  TEST_AMO_W(504, amoxor.w.aqrl, 0x80000000, 0x80000001, 0x80000000, 1)
#if __riscv_xlen == 64
  TEST_AMO_D(550, amoxor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0)
  TEST_AMO_D(551, amoxor.d.aq, -1, 0x8000000000000000, -1, 0x7fffffffffffffff)
  TEST_AMO_D(552, amoxor.d.rl, 0x1234, 0x1234, 0x1234, 0)
  TEST_AMO_D(553, amoxor.d.aqrl, 0xffffffff, 0xffffffff00000000, 0xffffffff, -1)
#endif

  /* ======================================================== amoand */
  TEST_AMO_W(601, amoand.w, 0xff00ff00, 0x0ff00ff0, 0xff00ff00, 0x0f000f00)
  TEST_AMO_W(602, amoand.w.aq, -1, 0x80000000, 0xffffffff, 0x80000000)
  TEST_AMO_W(603, amoand.w.rl, 0x12345678, 0, 0x12345678, 0)
  TEST_AMO_W(604, amoand.w.aqrl, 0xdeadbeef, 0xffff0000, 0xdeadbeef, 0xdead0000)
#if __riscv_xlen == 64
  TEST_AMO_D(650, amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00)
  TEST_AMO_D(651, amoand.d.aq, -1, 0xffffffff00000000, -1, 0xffffffff00000000)
  TEST_AMO_D(652, amoand.d.rl, 0x123456789abcdef0, 0, 0x123456789abcdef0, 0)
  TEST_AMO_D(653, amoand.d.aqrl, 0x8000000000000001, -1, 0x8000000000000001, 0x8000000000000001)
#endif

  /* ======================================================== amoor */
  TEST_AMO_W(701, amoor.w, 0xff00ff00, 0x0ff00ff0, 0xff00ff00, 0xfff0fff0)
  TEST_AMO_W(702, amoor.w.aq, 0, 0x80000000, 0, 0x80000000)
  TEST_AMO_W(703, amoor.w.rl, 0x12345678, 0, 0x12345678, 0x12345678)
  TEST_AMO_W(704, amoor.w.aqrl, 0x0000ffff, 0xffff0000, 0x0000ffff, 0xffffffff)
#if __riscv_xlen == 64
  TEST_AMO_D(750, amoor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0)
  TEST_AMO_D(751, amoor.d.aq, 0, 0x8000000000000000, 0, 0x8000000000000000)
  TEST_AMO_D(752, amoor.d.rl, 0xffffffff, 0xffffffff00000000, 0xffffffff, -1)
  TEST_AMO_D(753, amoor.d.aqrl, 0x1200000000000034, 0, 0x1200000000000034, 0x1200000000000034)
#endif

  /* ======================================================== amomin (signed) */
  TEST_AMO_W(801, amomin.w, 5, -3, 5, 0xfffffffd)
  TEST_AMO_W(802, amomin.w.aq, -3, 5, 0xfffffffd, 0xfffffffd)
  TEST_AMO_W(803, amomin.w.rl, 0x7fffffff, 0x80000000, 0x7fffffff, 0x80000000)
  TEST_AMO_W(804, amomin.w.aqrl, 0x80000000, 0x7fffffff, 0x80000000, 0x80000000)
  TEST_AMO_W(805, amomin.w, 7, 7, 7, 7)
  TEST_AMO_W(806, amomin.w, -1, 0, 0xffffffff, 0xffffffff)
#if __riscv_xlen == 64
  /* rs2 = 0x0000000080000000 is positive as 64 bits but -2^31 as a word */
  TEST_AMO_W(807, amomin.w, 1, 0x0000000080000000, 1, 0x80000000)
  TEST_AMO_D(850, amomin.d, 1, 0x0000000080000000, 1, 1)  /* no such effect for .d */
  TEST_AMO_D(851, amomin.d.aq, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_AMO_D(852, amomin.d.rl, -2, -1, -2, -2)
  TEST_AMO_D(853, amomin.d.aqrl, 0, -1, 0, -1)
#endif

  /* ======================================================== amomax (signed) */
  TEST_AMO_W(901, amomax.w, 5, -3, 5, 5)
  TEST_AMO_W(902, amomax.w.aq, -3, 5, 0xfffffffd, 5)
  TEST_AMO_W(903, amomax.w.rl, 0x7fffffff, 0x80000000, 0x7fffffff, 0x7fffffff)
  TEST_AMO_W(904, amomax.w.aqrl, 0x80000000, 0x7fffffff, 0x80000000, 0x7fffffff)
  TEST_AMO_W(905, amomax.w, -1, -2, 0xffffffff, 0xffffffff)
  TEST_AMO_W(906, amomax.w, -1, 0, 0xffffffff, 0)
#if __riscv_xlen == 64
  TEST_AMO_W(907, amomax.w, -1, 0xffffffff00000000, 0xffffffff, 0) /* rs2 word is 0 */
  TEST_AMO_D(950, amomax.d, -1, 0x0000000080000000, -1, 0x80000000)
  TEST_AMO_D(951, amomax.d.aq, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff, 0x7fffffffffffffff)
  TEST_AMO_D(952, amomax.d.rl, -2, -1, -2, -1)
  TEST_AMO_D(953, amomax.d.aqrl, 0xffffffff, 0x100000000, 0xffffffff, 0x100000000)
#endif

  /* ======================================================== amominu (unsigned) */
  TEST_AMO_W(1001, amominu.w, 5, -3, 5, 5)       /* -3 is 0xfffffffd: large */
  TEST_AMO_W(1002, amominu.w.aq, -3, 5, 0xfffffffd, 5)
  TEST_AMO_W(1003, amominu.w.rl, 0x7fffffff, 0x80000000, 0x7fffffff, 0x7fffffff)
  TEST_AMO_W(1004, amominu.w.aqrl, 0x80000000, 0x7fffffff, 0x80000000, 0x7fffffff)
  TEST_AMO_W(1005, amominu.w, 0, -1, 0, 0)
  TEST_AMO_W(1006, amominu.w, -1, -2, 0xffffffff, 0xfffffffe)
#if __riscv_xlen == 64
  TEST_AMO_W(1007, amominu.w, 2, 0xffffffff00000001, 2, 1)        /* rs2[63:32] ignored */
  TEST_AMO_W(1008, amominu.w, 0x80000000, 0x00000000ffffffff, 0x80000000, 0x80000000)
  TEST_AMO_D(1050, amominu.d, 2, 0xffffffff00000001, 2, 2)
  TEST_AMO_D(1051, amominu.d.aq, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
  TEST_AMO_D(1052, amominu.d.rl, -1, 0, -1, 0)
  TEST_AMO_D(1053, amominu.d.aqrl, 0x100000000, 0xffffffff, 0x100000000, 0xffffffff)
#endif

  /* ======================================================== amomaxu (unsigned) */
  TEST_AMO_W(1101, amomaxu.w, 5, -3, 5, 0xfffffffd)
  TEST_AMO_W(1102, amomaxu.w.aq, -3, 5, 0xfffffffd, 0xfffffffd)
  TEST_AMO_W(1103, amomaxu.w.rl, 0x7fffffff, 0x80000000, 0x7fffffff, 0x80000000)
  TEST_AMO_W(1104, amomaxu.w.aqrl, 0x80000000, 0x7fffffff, 0x80000000, 0x80000000)
  TEST_AMO_W(1105, amomaxu.w, 0, -1, 0, 0xffffffff)
  TEST_AMO_W(1106, amomaxu.w, 7, 7, 7, 7)
#if __riscv_xlen == 64
  TEST_AMO_W(1107, amomaxu.w, 2, 0xffffffff00000001, 2, 2)        /* rs2[63:32] ignored */
  TEST_AMO_D(1150, amomaxu.d, 2, 0xffffffff00000001, 2, 0xffffffff00000001)
  TEST_AMO_D(1151, amomaxu.d.aq, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000)
  TEST_AMO_D(1152, amomaxu.d.rl, -1, 0, -1, -1)
  TEST_AMO_D(1153, amomaxu.d.aqrl, 0xffffffff, 0x100000000, 0xffffffff, 0x100000000)
#endif

  /* ======================================================== register forms */
  /* rd = x0: memory is still updated. */
test_1201:
  li TESTNUM, 1201
  la x5, amo_buf
  li x6, 40
  sw x6, 0(x5)
  li x2, 2
  amoadd.w x0, x2, (x5)
  CHECK_EQ(x0, 0)
  lw x14, 0(x5)
  CHECK_EQ(x14, 42)

  /* rd == rs2: swap a register with memory; rd gets the old memory, memory the old rd. */
test_1202:
  li TESTNUM, 1202
  la x5, amo_buf
  li x2, 0x600dcafe
  amoswap.w x2, x2, (x5)
  CHECK_EQ(x2, 42)
  lw x14, 0(x5)
  CHECK_EQ(x14, 0x600dcafe)

  /* rd == rs2 for an arithmetic AMO: memory = old + old rs2, rd = old memory. */
test_1203:
  li TESTNUM, 1203
  la x5, amo_buf
  li x6, 100
  sw x6, 0(x5)
  li x2, 23
  amoadd.w x2, x2, (x5)
  CHECK_EQ(x2, 100)
  lw x14, 0(x5)
  CHECK_EQ(x14, 123)

  /* rs2 = x0: amoor/amoadd with zero is an atomic read; memory unchanged. */
test_1204:
  li TESTNUM, 1204
  la x5, amo_buf
  amoor.w x14, x0, (x5)
  CHECK_EQ(x14, 123)
  amoadd.w.aqrl x14, x0, (x5)
  CHECK_EQ(x14, 123)
  lw x14, 0(x5)
  CHECK_EQ(x14, 123)

  /* amoswap with rs2 = x0 clears memory; amoand with x0 likewise. */
test_1205:
  li TESTNUM, 1205
  la x5, amo_buf
  amoswap.w x14, x0, (x5)
  CHECK_EQ(x14, 123)
  lw x14, 0(x5)
  CHECK_EQ(x14, 0)

  /* AMO on the upper word of a doubleword leaves the lower word alone. */
test_1206:
  li TESTNUM, 1206
  la x5, amo_buf
  li x6, 0x11111111
  sw x6, 0(x5)
  li x6, 0x22222222
  sw x6, 4(x5)
  addi x8, x5, 4
  li x2, 0x01010101
  amoadd.w x14, x2, (x8)
  CHECK_EQ(x14, 0x22222222)
  lw x14, 4(x5)
  CHECK_EQ(x14, 0x23232323)
  lw x14, 0(x5)
  CHECK_EQ(x14, 0x11111111)

  /* rd == rs1: the address register is replaced by the old value after the access. */
test_1207:
  li TESTNUM, 1207
  la x5, amo_buf
  li x6, 0x7654321
  sw x6, 0(x5)
  mv x14, x5
  li x2, 1
  amoadd.w x14, x2, (x14)
  CHECK_EQ(x14, 0x7654321)
  lw x14, 0(x5)
  CHECK_EQ(x14, 0x7654322)

  /* A sequence of AMOs accumulates: add, then max, then xor, then minu. */
test_1208:
  li TESTNUM, 1208
  la x5, amo_buf
  sw x0, 0(x5)
  li x2, 10
  amoadd.w x0, x2, (x5)
  amoadd.w x0, x2, (x5)           /* 20 */
  li x2, 15
  amomax.w x0, x2, (x5)           /* 20 */
  li x2, 0xff
  amoxor.w x0, x2, (x5)           /* 0xeb */
  li x2, 0x100
  amominu.w x14, x2, (x5)         /* 0xeb */
  CHECK_EQ(x14, 0xeb)
  lw x14, 0(x5)
  CHECK_EQ(x14, 0xeb)

#if __riscv_xlen == 64
  /* .d register forms */
test_1209:
  li TESTNUM, 1209
  la x5, amo_buf
  li x2, 0x0123456789abcdef
  sd x2, 0(x5)
  li x2, -1
  amoswap.d x2, x2, (x5)
  CHECK_EQ(x2, 0x0123456789abcdef)
  ld x14, 0(x5)
  CHECK_EQ(x14, -1)
  amoadd.d x0, x0, (x5)
  ld x14, 0(x5)
  CHECK_EQ(x14, -1)
  amoor.d x14, x0, (x5)
  CHECK_EQ(x14, -1)
#endif

TEST_END
