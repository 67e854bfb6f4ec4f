/*
 * rv-compressed: every RV32C/RV64C integer instruction (the C extension without the
 * floating-point loads and stores).
 *
 *   CIW: c.addi4spn          CL/CS: c.lw c.sw (+ c.ld c.sd on RV64)
 *   CI:  c.nop c.addi c.li c.addi16sp c.lui c.slli c.lwsp (+ c.addiw c.ldsp on RV64)
 *   CB:  c.srli c.srai c.andi c.beqz c.bnez
 *   CA:  c.sub c.xor c.or c.and (+ c.subw c.addw on RV64)
 *   CJ:  c.j (+ c.jal on RV32)
 *   CR:  c.jr c.jalr c.mv c.add c.ebreak
 *   CSS: c.swsp (+ c.sdsp on RV64)
 *
 * Corner cases: every bit of each scrambled immediate field is exercised (one at a time where
 * the field allows it) and all together (largest offsets: c.lw 124, c.ld 248, c.lwsp 252,
 * c.ldsp 504, c.addi4spn 1020, c.j +2046/-2048, c.beqz +254/-256), negative immediates
 * (sign extension to XLEN), c.addi16sp and c.addi4spn scaling, c.lui sign extension from
 * bit 17, shift amounts of 32..63 on RV64,
 * the 3-bit register fields (x8..x15) at both ends, link values pc + 2 for c.jal/c.jalr,
 * c.jalr ra (the target is read before the link is written), c.jr/c.jalr clearing bit 0,
 * c.ebreak raising a breakpoint with mepc at the 2-byte instruction, HINT encodings
 * (c.nop with an immediate, c.li x0) executing as no-ops, 32-bit instructions at 2-byte
 * aligned addresses, jumps and branches landing on 2-byte boundaries, and a 32-bit
 * instruction straddling a 4 KiB page boundary.
 *
 * Encodings: the explicit "c." mnemonics below can only assemble to the compressed form
 * (the assembler never widens them, except a c.j/c.jal/c.beqz/c.bnez whose target is out of
 * range - none here is: the largest offsets were checked in a disassembly). 32-bit
 * instructions that must stay 32-bit are wrapped in W32(...) (".option norvc"). HINTs the
 * assembler does not accept are written as .2byte literals with their encoding spelled out.
 *
 * Case numbers: c.addi4spn 1xx, c.lw/c.sw 2xx, c.ld/c.sd 3xx, c.nop/c.addi/c.li 4xx,
 * c.jal (RV32) / c.addiw (RV64) 5xx, c.addi16sp 6xx, c.lui 7xx, c.srli/c.srai/c.andi 8xx,
 * CA 9xx, c.j 10xx, c.beqz/c.bnez 11xx, c.slli 12xx, c.lwsp/c.swsp 13xx, c.ldsp/c.sdsp
 * 14xx, c.jr/c.jalr 15xx, c.mv/c.add 16xx, c.ebreak 17xx, alignment 18xx.
 */
#include "test.h"

.option rvc

/* Assemble the instructions as 32-bit encodings even though RVC is enabled. */
#define W32(insn...) .option push; .option norvc; insn; .option pop

#if __riscv_xlen == 64
#define XMIN 0x8000000000000000
#define XMAX 0x7fffffffffffffff
#else
#define XMIN 0x80000000
#define XMAX 0x7fffffff
#endif

/* A 32-bit pattern sign-extended to XLEN (what lw returns). */
#define SEXT32(v) (((v) ^ 0x80000000) - 0x80000000)

/* cbuf: read-only data; the word at byte offset k holds CBUF_W(k), the doubleword at an
 * 8-aligned offset k holds CBUF_D(k). */
#define CBUF_W(k) (0x0c0d0000 + (k))
#define CBUF_D(k) ((CBUF_W((k) + 4) << 32) | CBUF_W(k))

  .data
  .balign 16
cbuf:
  .set k, 0
  .rept 128
  .word 0x0c0d0000 + k
  .set k, k + 4
  .endr
negword:                     /* a word with bit 31 set, then its neighbour */
  .word 0x80000001
  .word 0x7ffffffe

  .bss
  .balign 16
sbuf:                        /* scratch for the stores */
  .skip 512

  .text
TEST_BEGIN

  /* ---------------------------------------------------------------- c.addi4spn */
  /* rd' = sp + nzuimm; nzuimm is a multiple of 4 in 4..1020, encoded as
   * inst[12:5] = nzuimm[5:4|9:6|2|3]. Each bit alone, then all of them. sp is just a
   * number here (no memory access). */
  TEST_CASE(101, x14, 0x1004, li sp, 0x1000; c.addi4spn a4, sp, 4)
  TEST_CASE(102, x14, 0x1008, li sp, 0x1000; c.addi4spn a4, sp, 8)
  TEST_CASE(103, x14, 0x1010, li sp, 0x1000; c.addi4spn a4, sp, 16)
  TEST_CASE(104, x14, 0x1020, li sp, 0x1000; c.addi4spn a4, sp, 32)
  TEST_CASE(105, x14, 0x1040, li sp, 0x1000; c.addi4spn a4, sp, 64)
  TEST_CASE(106, x14, 0x1080, li sp, 0x1000; c.addi4spn a4, sp, 128)
  TEST_CASE(107, x14, 0x1100, li sp, 0x1000; c.addi4spn a4, sp, 256)
  TEST_CASE(108, x14, 0x1200, li sp, 0x1000; c.addi4spn a4, sp, 512)
  TEST_CASE(109, x14, 0x13fc, li sp, 0x1000; c.addi4spn a4, sp, 1020) /* 0x1ff8: all bits */
  TEST_CASE(110, x8, 0, li sp, -8; c.addi4spn s0, sp, 8)              /* rd' = x8 */
  TEST_CASE(111, x15, 0x80000000, li sp, 0x7ffffffc; c.addi4spn a5, sp, 4) /* rd' = x15 */
  TEST_CASE(112, x2, 0x1000, li sp, 0x1000; c.addi4spn a4, sp, 1020)  /* sp unchanged */

  /* ---------------------------------------------------------------- c.lw / c.sw */
  /* uimm in 0..124, multiple of 4: inst[12:10] = uimm[5:3], inst[6:5] = uimm[2|6]. */
  TEST_CASE(201, x14, CBUF_W(0), la s0, cbuf; c.lw a4, 0(s0))
  TEST_CASE(202, x14, CBUF_W(4), la s0, cbuf; c.lw a4, 4(s0))
  TEST_CASE(203, x14, CBUF_W(8), la s0, cbuf; c.lw a4, 8(s0))
  TEST_CASE(204, x14, CBUF_W(16), la s0, cbuf; c.lw a4, 16(s0))
  TEST_CASE(205, x14, CBUF_W(32), la s0, cbuf; c.lw a4, 32(s0))
  TEST_CASE(206, x14, CBUF_W(64), la s0, cbuf; c.lw a4, 64(s0))
  TEST_CASE(207, x14, CBUF_W(124), la s0, cbuf; c.lw a4, 124(s0))     /* largest offset */
  TEST_CASE(208, x9, CBUF_W(188), la a5, cbuf + 64; c.lw s1, 124(a5)) /* rs1' = x15, rd' = x9 */
  TEST_CASE(209, x8, CBUF_W(96), la s0, cbuf; c.lw s0, 96(s0))        /* rd' == rs1' */
  TEST_CASE(210, x14, SEXT32(0x80000001), la s0, negword; c.lw a4, 0(s0)) /* sign-extends */
  TEST_CASE(211, x15, 0x12345678, la s0, sbuf; li a4, 0x12345678; c.sw a4, 0(s0); lw a5, 0(s0))
  TEST_CASE(212, x15, 0x0abcdef1, la s0, sbuf; li a4, 0x0abcdef1; c.sw a4, 124(s0); lw a5, 124(s0))
  /* distinct values at each single-bit offset, read back with 32-bit loads */
test_213:
  li TESTNUM, 213
  la a5, sbuf
  li s0, 0x104
  c.sw s0, 4(a5)
  li s0, 0x108
  c.sw s0, 8(a5)
  li s0, 0x110
  c.sw s0, 16(a5)
  li s0, 0x120
  c.sw s0, 32(a5)
  li s0, 0x140
  c.sw s0, 64(a5)
  W32(lw a4, 4(a5))
  CHECK_EQ(a4, 0x104)
  W32(lw a4, 8(a5))
  CHECK_EQ(a4, 0x108)
  W32(lw a4, 16(a5))
  CHECK_EQ(a4, 0x110)
  W32(lw a4, 32(a5))
  CHECK_EQ(a4, 0x120)
  W32(lw a4, 64(a5))
  CHECK_EQ(a4, 0x140)
  W32(lw a4, 124(a5))
  CHECK_EQ(a4, 0x0abcdef1)
  /* c.sw of the base register itself stores its low 32 bits */
#if __riscv_xlen == 64
  TEST_CASE(214, x14, 0, la s0, sbuf; c.sw s0, 0(s0); lwu a4, 0(s0); sub a4, a4, s0)
  /* c.sw on RV64 writes 32 bits only; c.lw sign-extends them */
  TEST_CASE(215, x14, 0xffffffff55667788, la s0, sbuf; li a4, -1; sd a4, 8(s0); li a4, 0x1122334455667788; c.sw a4, 8(s0); ld a4, 8(s0))
  TEST_CASE(216, x14, 0xffffffff80000000, la s0, sbuf; li a4, 0x80000000; c.sw a4, 16(s0); c.lw a4, 16(s0))
#else
  TEST_CASE(214, x14, 0, la s0, sbuf; c.sw s0, 0(s0); lw a4, 0(s0); sub a4, a4, s0)
  TEST_CASE(215, x14, 0x55667788, la s0, sbuf; li a4, -1; sw a4, 12(s0); li a4, 0x55667788; c.sw a4, 8(s0); lw a5, 12(s0); CHECK_EQ(a5, -1) lw a4, 8(s0))
  TEST_CASE(216, x14, 0x80000000, la s0, sbuf; li a4, 0x80000000; c.sw a4, 16(s0); c.lw a4, 16(s0))
#endif

#if __riscv_xlen == 64
  /* ---------------------------------------------------------------- c.ld / c.sd */
  /* uimm in 0..248, multiple of 8: inst[12:10] = uimm[5:3], inst[6:5] = uimm[7:6]. */
  TEST_CASE(301, x14, CBUF_D(0), la s0, cbuf; c.ld a4, 0(s0))
  TEST_CASE(302, x14, CBUF_D(8), la s0, cbuf; c.ld a4, 8(s0))
  TEST_CASE(303, x14, CBUF_D(16), la s0, cbuf; c.ld a4, 16(s0))
  TEST_CASE(304, x14, CBUF_D(32), la s0, cbuf; c.ld a4, 32(s0))
  TEST_CASE(305, x14, CBUF_D(64), la s0, cbuf; c.ld a4, 64(s0))
  TEST_CASE(306, x14, CBUF_D(128), la s0, cbuf; c.ld a4, 128(s0))
  TEST_CASE(307, x14, CBUF_D(248), la s0, cbuf; c.ld a4, 248(s0))     /* largest offset */
  TEST_CASE(308, x8, CBUF_D(240), la a5, cbuf + 8; c.ld s0, 232(a5))  /* rs1' = x15, rd' = x8 */
  TEST_CASE(309, x15, CBUF_D(200), la a5, cbuf; c.ld a5, 200(a5))     /* rd' == rs1' */
  TEST_CASE(310, x14, 0x7ffffffe80000001, la s0, negword; c.ld a4, 0(s0))
  TEST_CASE(311, x15, 0x0123456789abcdef, la s0, sbuf; li a4, 0x0123456789abcdef; c.sd a4, 0(s0); ld a5, 0(s0))
  TEST_CASE(312, x15, 0xfedcba9876543210, la s0, sbuf; li a4, 0xfedcba9876543210; c.sd a4, 248(s0); ld a5, 248(s0))
test_313:
  li TESTNUM, 313
  la a5, sbuf
  li s1, 0x1008
  c.sd s1, 8(a5)
  li s1, 0x1010
  c.sd s1, 16(a5)
  li s1, 0x1020
  c.sd s1, 32(a5)
  li s1, 0x1040
  c.sd s1, 64(a5)
  li s1, 0x1080
  c.sd s1, 128(a5)
  ld a4, 8(a5)
  CHECK_EQ(a4, 0x1008)
  ld a4, 16(a5)
  CHECK_EQ(a4, 0x1010)
  ld a4, 32(a5)
  CHECK_EQ(a4, 0x1020)
  ld a4, 64(a5)
  CHECK_EQ(a4, 0x1040)
  ld a4, 128(a5)
  CHECK_EQ(a4, 0x1080)
  TEST_CASE(314, x14, 0, la s0, sbuf; c.sd s0, 0(s0); c.ld a4, 0(s0); sub a4, a4, s0)
#endif

  /* ---------------------------------------------------------------- c.nop / c.addi / c.li */
  TEST_CASE(401, x14, 5, li a4, 5; c.nop)
  /* HINT: c.addi x0, 1 (c.nop with a non-zero immediate) = 000 0 00000 00001 01 = 0x0005 */
  TEST_CASE(402, x14, 5, li a4, 5; .2byte 0x0005; CHECK_EQ(x0, 0))
  TEST_CASE(403, x14, 6, li a4, 5; c.addi a4, 1)
  TEST_CASE(404, x14, 4, li a4, 5; c.addi a4, -1)
  TEST_CASE(405, x14, 36, li a4, 5; c.addi a4, 31)     /* largest */
  TEST_CASE(406, x14, -27, li a4, 5; c.addi a4, -32)   /* most negative, sign-extended */
  TEST_CASE(407, x14, XMIN, li a4, XMAX; c.addi a4, 1) /* wraps */
  TEST_CASE(408, x14, 0, li a4, -1; c.addi a4, 1)
  TEST_CASE(409, x1, 0x107, li x1, 0x100; c.addi x1, 7)     /* any rd, not just x8..x15 */
  TEST_CASE(410, x2, 0x1008, li sp, 0x1000; c.addi sp, 8)   /* c.addi on sp (not c.addi16sp) */
  TEST_CASE(411, x20, -16, li x20, 16; c.addi x20, -32)
#if __riscv_xlen == 64
  TEST_CASE(412, x14, 0x100000000, li a4, 0xffffffff; c.addi a4, 1) /* full width, no .w */
#else
  TEST_CASE(412, x14, 0, li a4, 0xffffffff; c.addi a4, 1)
#endif
  TEST_CASE(413, x14, 0, li a4, -1; c.li a4, 0)
  TEST_CASE(414, x14, 31, c.li a4, 31)
  TEST_CASE(415, x14, -32, c.li a4, -32)               /* sign-extended to XLEN */
  TEST_CASE(416, x14, -1, c.li a4, -1)
  TEST_CASE(417, x1, 17, c.li x1, 17)
  TEST_CASE(418, x2, -5, c.li sp, -5)
  TEST_CASE(419, x30, 1, c.li x30, 1)
  /* HINT: c.li x0, 5 = 010 0 00000 00101 01 = 0x4015 */
  TEST_CASE(420, x0, 0, .2byte 0x4015)

  /* ---------------------------------------------------------------- c.jal / c.addiw */
#if __riscv_xlen == 32
  /* c.jal: jal x1, offset; the link is the address of the next (2-byte) instruction. */
test_501:
  li TESTNUM, 501
  c.jal 1f
2:
  FAIL_CASE
1:
  la a5, 2b
  CHECK_EQ_REG(ra, a5)
test_502:                        /* the link is exactly 2 bytes past the c.jal */
  li TESTNUM, 502
  la a5, 1f
1:
  c.jal 2f
  FAIL_CASE
2:
  sub a4, ra, a5
  CHECK_EQ(a4, 2)
test_503:                        /* backward c.jal, link points forward */
  li TESTNUM, 503
  j 2f
1:
  la a5, 3f
  CHECK_EQ_REG(ra, a5)
  j 4f
2:
  c.jal 1b
3:
  FAIL_CASE
4:
test_504:                        /* largest forward offset: +2046 (0x2ffd) */
  li TESTNUM, 504
  c.jal 1f
  .skip 2044
1:
test_505:                        /* most negative offset: -2048 (0x3001) */
  li TESTNUM, 505
  j 2f
1:
  W32(j 3f)                      /* 4 bytes */
  .skip 2044
2:
  c.jal 1b
  FAIL_CASE
3:
  la a5, 2b + 2
  CHECK_EQ_REG(ra, a5)
#else
  /* c.addiw: addiw rd, rd, imm (rd != 0); imm 0 is sext.w */
  TEST_CASE(501, x14, 0xffffffff80000000, li a4, 0x7fffffff; c.addiw a4, 1)
  TEST_CASE(502, x14, 0x23456789, li a4, 0x123456789; c.addiw a4, 0)
  TEST_CASE(503, x14, 0xffffffff80000000, li a4, 0x80000000; c.addiw a4, 0)
  TEST_CASE(504, x14, -32, li a4, 0; c.addiw a4, -32)
  TEST_CASE(505, x14, 31, li a4, 0xffffffff00000000; c.addiw a4, 31)
  TEST_CASE(506, x1, -1, li x1, 0; c.addiw x1, -1)
  TEST_CASE(507, x14, 0x7fffffff, li a4, 0x80000000; c.addiw a4, -1)
  TEST_CASE(508, x14, 0, li a4, 0xffffffff; c.addiw a4, 1)
#endif

  /* ---------------------------------------------------------------- c.addi16sp */
  /* sp += nzimm, nzimm a multiple of 16 in -512..496: inst[12] = nzimm[9],
   * inst[6:2] = nzimm[4|6|8:7|5]. */
  TEST_CASE(601, x2, 0x1010, li sp, 0x1000; c.addi16sp sp, 16)
  TEST_CASE(602, x2, 0x1020, li sp, 0x1000; c.addi16sp sp, 32)
  TEST_CASE(603, x2, 0x1040, li sp, 0x1000; c.addi16sp sp, 64)
  TEST_CASE(604, x2, 0x1080, li sp, 0x1000; c.addi16sp sp, 128)
  TEST_CASE(605, x2, 0x1100, li sp, 0x1000; c.addi16sp sp, 256)
  TEST_CASE(606, x2, 0x11f0, li sp, 0x1000; c.addi16sp sp, 496)   /* largest */
  TEST_CASE(607, x2, 0x0ff0, li sp, 0x1000; c.addi16sp sp, -16)
  TEST_CASE(608, x2, 0x0e00, li sp, 0x1000; c.addi16sp sp, -512)  /* most negative: 0x7101 */
  TEST_CASE(609, x2, -512, li sp, 0; c.addi16sp sp, -512)
  TEST_CASE(610, x2, 0x1000, li sp, 0x1000; c.addi16sp sp, -32; c.addi16sp sp, 32)
  TEST_CASE(611, x2, XMAX - 0xf, li sp, XMIN; c.addi16sp sp, -16)  /* wraps */

  /* ---------------------------------------------------------------- c.lui */
  /* rd = sext(nzimm[17:12] << 12); the assembler takes the 20-bit lui immediate, so the
   * negative values are written 0xfffe0..0xfffff. */
  TEST_CASE(701, x14, 0x1000, c.lui a4, 1)
  TEST_CASE(702, x14, 0x1f000, c.lui a4, 31)          /* largest positive: 0x677d */
  TEST_CASE(703, x14, -0x20000, c.lui a4, 0xfffe0)    /* bit 17 set: sign-extended, 0x7701 */
  TEST_CASE(704, x14, -0x1000, c.lui a4, 0xfffff)
  TEST_CASE(705, x14, -0x10000, c.lui a4, 0xffff0)
  TEST_CASE(706, x1, 0x10000, c.lui x1, 0x10)
  TEST_CASE(707, x14, 0x2000, c.lui x31, 2; mv a4, x31)           /* rd = x31 */
  TEST_CASE(708, x14, 0x1fff, c.lui a4, 2; c.addi a4, -1)

  /* ---------------------------------------------------------------- c.srli / c.srai / c.andi */
#if __riscv_xlen == 64
  TEST_CASE(801, x14, 0x4000000000000000, li a4, XMIN; c.srli a4, 1)
  TEST_CASE(802, x14, 0x100000000, li a4, XMIN; c.srli a4, 31)
  TEST_CASE(803, x14, 0x80000000, li a4, XMIN; c.srli a4, 32)     /* shamt[5] = inst[12] */
  TEST_CASE(804, x14, 1, li a4, XMIN; c.srli a4, 63)
  TEST_CASE(805, x14, 0xc000000000000000, li a4, XMIN; c.srai a4, 1)
  TEST_CASE(806, x14, 0xffffffff00000000, li a4, XMIN; c.srai a4, 31)
  TEST_CASE(807, x14, 0xffffffff80000000, li a4, XMIN; c.srai a4, 32)
  TEST_CASE(808, x14, -1, li a4, XMIN; c.srai a4, 63)
#else
  TEST_CASE(801, x14, 0x40000000, li a4, XMIN; c.srli a4, 1)
  TEST_CASE(802, x14, 1, li a4, XMIN; c.srli a4, 31)
  TEST_CASE(803, x14, 0x00800000, li a4, XMIN; c.srli a4, 8)
  TEST_CASE(804, x14, 0x00010000, li a4, XMIN; c.srli a4, 15)
  TEST_CASE(805, x14, 0xc0000000, li a4, XMIN; c.srai a4, 1)
  TEST_CASE(806, x14, -1, li a4, XMIN; c.srai a4, 31)
  TEST_CASE(807, x14, 0xff800000, li a4, XMIN; c.srai a4, 8)
  TEST_CASE(808, x14, 0xffff0000, li a4, XMIN; c.srai a4, 15)
#endif
  TEST_CASE(809, x14, XMAX, li a4, -1; c.srli a4, 1)
  TEST_CASE(810, x14, 8, li a4, 0x40; c.srai a4, 3)                 /* positive: zeros in */
  TEST_CASE(811, x8, 0x1234, li s0, 0x12340; c.srli s0, 4)          /* rd' = x8 */
  TEST_CASE(812, x15, -0x1235, li a5, -0x12341; c.srai a5, 4)       /* rd' = x15 */
  TEST_CASE(813, x14, 0, li a4, -1; c.andi a4, 0)
  TEST_CASE(814, x14, -1, li a4, -1; c.andi a4, -1)                 /* imm sign-extended */
  TEST_CASE(815, x14, -32, li a4, -1; c.andi a4, -32)
  TEST_CASE(816, x14, 0x12345660, li a4, 0x12345678; c.andi a4, -32)
  TEST_CASE(817, x14, 0x18, li a4, 0x12345678; c.andi a4, 31)
  TEST_CASE(818, x14, 0x10, li a4, 0x12345678; c.andi a4, 0x10)
  TEST_CASE(819, x8, 0x1220, li s0, 0x1234; c.andi s0, -32)       /* rd' = x8 */
  TEST_CASE(820, x15, 0, li a5, 0x20; c.andi a5, 0x1f)

  /* ---------------------------------------------------------------- CA: sub xor or and */
  TEST_CASE(901, x14, 7, li a4, 10; li a5, 3; c.sub a4, a5)
  TEST_CASE(902, x14, -1, li a4, 0; li a5, 1; c.sub a4, a5)
  TEST_CASE(903, x14, 0, li a4, 0x1234; c.sub a4, a4)
  TEST_CASE(904, x14, XMAX, li a4, XMIN; li a5, 1; c.sub a4, a5)
  TEST_CASE(905, x14, 0xf0f0, li a4, 0xff00; li a5, 0x0ff0; c.xor a4, a5)
  TEST_CASE(906, x14, 0, li a4, -1; c.xor a4, a4)
  TEST_CASE(907, x14, 0xfff0, li a4, 0xff00; li a5, 0x0ff0; c.or a4, a5)
  TEST_CASE(908, x14, -1, li a4, XMIN; li a5, XMAX; c.or a4, a5)
  TEST_CASE(909, x14, 0x0f00, li a4, 0xff00; li a5, 0x0ff0; c.and a4, a5)
  TEST_CASE(910, x14, XMIN, li a4, -1; li a5, XMIN; c.and a4, a5)
  TEST_CASE(911, x8, 0x55, li s0, 0x5a; li a5, 0x0f; c.xor s0, a5)  /* rd' = x8, rs2' = x15 */
  TEST_CASE(912, x15, 0x03, li a5, 0x3f; li s0, 0xc3; c.and a5, s0) /* rd' = x15, rs2' = x8 */
  TEST_CASE(913, x9, -3, li s1, 4; li s0, 7; c.sub s1, s0)
  TEST_CASE(914, x15, 0x7f, li a5, 0x70; li a0, 0x0f; c.or a5, a0)
#if __riscv_xlen == 64
  TEST_CASE(915, x14, 0x7fffffff, li a4, 0x80000000; li a5, 1; c.subw a4, a5)
  TEST_CASE(916, x14, 0xffffffff80000000, li a4, 0; li a5, 0x80000000; c.subw a4, a5)
  TEST_CASE(917, x14, 0, li a4, 0x123456789; c.subw a4, a4)
  TEST_CASE(918, x14, 0xffffffff80000000, li a4, 0x7fffffff; li a5, 1; c.addw a4, a5)
  TEST_CASE(919, x14, 3, li a4, 0xffffffff00000001; li a5, 0x100000002; c.addw a4, a5) /* upper bits ignored */
  TEST_CASE(920, x14, -2, li a4, 0x7fffffffffffffff; c.addw a4, a4)
  TEST_CASE(921, x8, 0xffffffff80000001, li s0, 0x80000000; li a5, 1; c.addw s0, a5)
  TEST_CASE(922, x15, 2, li a5, 0x0000000500000005; li s1, 0x0000000700000003; c.subw a5, s1)
#endif

  /* ---------------------------------------------------------------- c.j */
  /* offset in -2048..2046, inst[12:2] = offset[11|4|9:8|10|6|7|3:1|5]. The gaps are
   * zero-filled: landing in one is an illegal instruction. */
test_1001:                        /* +2: the next instruction */
  li TESTNUM, 1001
  c.j 1f
1:
test_1002:                        /* backward */
  li TESTNUM, 1002
  c.j 2f
1:
  c.j 3f
2:
  c.j 1b
  FAIL_CASE
3:
#define CJ_FWD(n, off) \
test_##n: \
  li TESTNUM, n; \
  c.j 1f; \
  .skip (off) - 2; \
1:
  CJ_FWD(1003, 4)
  CJ_FWD(1004, 8)
  CJ_FWD(1005, 16)
  CJ_FWD(1006, 32)
  CJ_FWD(1007, 64)
  CJ_FWD(1008, 128)
  CJ_FWD(1009, 256)
  CJ_FWD(1010, 512)
  CJ_FWD(1011, 1024)
  CJ_FWD(1012, 2046)              /* largest: 0xaffd */
test_1013:                        /* most negative: -2048 (0xb001) */
  li TESTNUM, 1013
  j 2f
1:
  W32(j 3f)                       /* 4 bytes: 3f is out of c.j range */
  .skip 2044
2:
  c.j 1b
  FAIL_CASE
3:
test_1014:                        /* -1024 and -2 */
  li TESTNUM, 1014
  j 2f
1:
  c.j 4f
3:
  c.j 1b                          /* -2 */
  .skip 1022
2:
  c.j 3b                          /* -1024 */
  FAIL_CASE
4:

  /* ---------------------------------------------------------------- c.beqz / c.bnez */
  /* offset in -256..254, inst[12:10] = offset[8|4:3], inst[6:2] = offset[7:6|2:1|5]. */
test_1101:                        /* taken */
  li TESTNUM, 1101
  li a4, 0
  c.beqz a4, 1f
  FAIL_CASE
1:
test_1102:                        /* not taken */
  li TESTNUM, 1102
  li a4, 1
  c.beqz a4, 1f
  c.j 2f
1:
  FAIL_CASE
2:
test_1103:                        /* the whole register is compared, not the low word */
  li TESTNUM, 1103
#if __riscv_xlen == 64
  li a4, 0x100000000
#else
  li a4, XMIN
#endif
  c.beqz a4, 1f
  c.bnez a4, 2f
1:
  FAIL_CASE
2:
test_1104:                        /* c.bnez taken with -1, not taken with 0 */
  li TESTNUM, 1104
  li s0, -1
  c.bnez s0, 1f
  FAIL_CASE
1:
  li a5, 0
  c.bnez a5, 2f
  c.beqz a5, 3f
2:
  FAIL_CASE
3:
test_1105:                        /* backward, both */
  li TESTNUM, 1105
  li s1, 0
  li a5, 3
  j 2f
1:
  c.j 3f
2:
  c.beqz s1, 4f
  FAIL_CASE
4:
  c.bnez a5, 1b
  FAIL_CASE
3:
/* taken forward branch over exactly off bytes: the branch (2), a 4-byte jump to test_fail
 * for the not-taken path, and a zero-filled gap */
#define CB_FWD(n, inst, reg, off) \
test_##n: \
  li TESTNUM, n; \
  inst reg, 1f; \
  W32(j test_fail); \
  .skip (off) - 6; \
1:
  li s0, 0
  li a5, 1
  CB_FWD(1106, c.beqz, s0, 8)
  CB_FWD(1107, c.bnez, a5, 16)
  CB_FWD(1108, c.beqz, s0, 32)
  CB_FWD(1109, c.bnez, a5, 64)
  CB_FWD(1110, c.beqz, s0, 128)
  CB_FWD(1111, c.bnez, a5, 254)   /* largest (c.bnez a5): 0xeffd */
test_1112:                        /* most negative: -256 (c.beqz a4: 0xd301) */
  li TESTNUM, 1112
  li a4, 0
  j 2f
1:
  c.j 3f
  .skip 254
2:
  c.beqz a4, 1b
  FAIL_CASE
3:
test_1113:                        /* -128 and -4 */
  li TESTNUM, 1113
  li a4, 7
  j 2f
1:
  c.j 4f
  c.nop
3:
  c.bnez a4, 1b                   /* -4 */
  .skip 126
2:
  c.bnez a4, 3b                   /* -128 */
  FAIL_CASE
4:
test_1114:                        /* offsets 4 and 6 (offset bits 2 and 1|2): the skipped */
  li TESTNUM, 1114                /* halfwords are illegal instructions (0x0000) */
  li s0, 0
  li a5, 1
  c.bnez a5, 1f
  .2byte 0
1:
  c.beqz s0, 2f
  .2byte 0, 0
2:

  /* ---------------------------------------------------------------- c.slli */
  TEST_CASE(1201, x14, 2, li a4, 1; c.slli a4, 1)
  TEST_CASE(1202, x14, 0x80000000, li a4, 1; c.slli a4, 31)
  TEST_CASE(1203, x14, -2, li a4, -1; c.slli a4, 1)
  TEST_CASE(1204, x1, 0x120, li x1, 0x12; c.slli x1, 4)      /* any rd */
  TEST_CASE(1205, x2, 0x80, li sp, 1; c.slli sp, 7)
  TEST_CASE(1206, x30, 0x30000, li x30, 3; c.slli x30, 16)
#if __riscv_xlen == 64
  TEST_CASE(1207, x14, 0x100000000, li a4, 1; c.slli a4, 32) /* shamt[5] = inst[12] */
  TEST_CASE(1208, x14, XMIN, li a4, 1; c.slli a4, 63)
  TEST_CASE(1209, x14, 0x1234567800000000, li a4, 0x12345678; c.slli a4, 32)
#else
  TEST_CASE(1207, x14, 0x00010000, li a4, 1; c.slli a4, 16)
  TEST_CASE(1208, x14, XMIN, li a4, 3; c.slli a4, 31)
  TEST_CASE(1209, x14, 0x56780000, li a4, 0x12345678; c.slli a4, 16)
#endif

  /* ---------------------------------------------------------------- c.lwsp / c.swsp */
  /* c.lwsp: uimm in 0..252, inst[12] = uimm[5], inst[6:2] = uimm[4:2|7:6]; rd != 0. */
  TEST_CASE(1301, x14, CBUF_W(0), la sp, cbuf; c.lwsp a4, 0(sp))
  TEST_CASE(1302, x14, CBUF_W(4), la sp, cbuf; c.lwsp a4, 4(sp))
  TEST_CASE(1303, x14, CBUF_W(8), la sp, cbuf; c.lwsp a4, 8(sp))
  TEST_CASE(1304, x14, CBUF_W(16), la sp, cbuf; c.lwsp a4, 16(sp))
  TEST_CASE(1305, x14, CBUF_W(32), la sp, cbuf; c.lwsp a4, 32(sp))
  TEST_CASE(1306, x14, CBUF_W(64), la sp, cbuf; c.lwsp a4, 64(sp))
  TEST_CASE(1307, x14, CBUF_W(128), la sp, cbuf; c.lwsp a4, 128(sp))
  TEST_CASE(1308, x14, CBUF_W(252), la sp, cbuf; c.lwsp a4, 252(sp))   /* largest */
  TEST_CASE(1309, x1, CBUF_W(300), la sp, cbuf + 48; c.lwsp ra, 252(sp)) /* any rd */
  TEST_CASE(1310, x14, SEXT32(0x80000001), la sp, negword; c.lwsp a4, 0(sp))
  TEST_CASE(1311, x2, CBUF_W(12), la sp, cbuf; c.lwsp sp, 12(sp))      /* rd == sp */
  TEST_CASE(1312, x14, CBUF_W(20), la sp, cbuf; c.lwsp x31, 20(sp); mv a4, x31) /* rd = x31 */
  /* c.swsp: uimm in 0..252, inst[12:7] = uimm[5:2|7:6]; any rs2 including x0. */
  TEST_CASE(1313, x15, 0x11223344, la sp, sbuf; li a4, 0x11223344; c.swsp a4, 0(sp); lw a5, 0(sp))
test_1314:
  li TESTNUM, 1314
  la sp, sbuf
  li a4, 0x204
  c.swsp a4, 4(sp)
  li a4, 0x208
  c.swsp a4, 8(sp)
  li a4, 0x210
  c.swsp a4, 16(sp)
  li a4, 0x220
  c.swsp a4, 32(sp)
  li a4, 0x240
  c.swsp a4, 64(sp)
  li a4, 0x280
  c.swsp a4, 128(sp)
  li a4, 0x2fc
  c.swsp a4, 252(sp)              /* largest */
  W32(lw a5, 4(sp))
  CHECK_EQ(a5, 0x204)
  W32(lw a5, 8(sp))
  CHECK_EQ(a5, 0x208)
  W32(lw a5, 16(sp))
  CHECK_EQ(a5, 0x210)
  W32(lw a5, 32(sp))
  CHECK_EQ(a5, 0x220)
  W32(lw a5, 64(sp))
  CHECK_EQ(a5, 0x240)
  W32(lw a5, 128(sp))
  CHECK_EQ(a5, 0x280)
  W32(lw a5, 252(sp))
  CHECK_EQ(a5, 0x2fc)
  TEST_CASE(1315, x15, 0, la sp, sbuf; li a4, -1; sw a4, 8(sp); c.swsp x0, 8(sp); lw a5, 8(sp)) /* rs2 = x0 */
  TEST_CASE(1316, x15, 0x5a5, la sp, sbuf; li ra, 0x5a5; c.swsp ra, 12(sp); lw a5, 12(sp))
#if __riscv_xlen == 64
  TEST_CASE(1317, x14, 0, la sp, sbuf; c.swsp sp, 16(sp); lwu a4, 16(sp); sub a4, a4, sp) /* rs2 == sp */
#else
  TEST_CASE(1317, x14, 0, la sp, sbuf; c.swsp sp, 16(sp); lw a4, 16(sp); sub a4, a4, sp)
#endif

#if __riscv_xlen == 64
  /* ---------------------------------------------------------------- c.ldsp / c.sdsp */
  /* c.ldsp: uimm in 0..504, inst[12] = uimm[5], inst[6:2] = uimm[4:3|8:6]. */
  TEST_CASE(1401, x14, CBUF_D(0), la sp, cbuf; c.ldsp a4, 0(sp))
  TEST_CASE(1402, x14, CBUF_D(8), la sp, cbuf; c.ldsp a4, 8(sp))
  TEST_CASE(1403, x14, CBUF_D(16), la sp, cbuf; c.ldsp a4, 16(sp))
  TEST_CASE(1404, x14, CBUF_D(32), la sp, cbuf; c.ldsp a4, 32(sp))
  TEST_CASE(1405, x14, CBUF_D(64), la sp, cbuf; c.ldsp a4, 64(sp))
  TEST_CASE(1406, x14, CBUF_D(128), la sp, cbuf; c.ldsp a4, 128(sp))
  TEST_CASE(1407, x14, CBUF_D(256), la sp, cbuf; c.ldsp a4, 256(sp))
  TEST_CASE(1408, x14, CBUF_D(504), la sp, cbuf; c.ldsp a4, 504(sp))   /* largest */
  TEST_CASE(1409, x1, CBUF_D(440), la sp, cbuf - 64; c.ldsp ra, 504(sp))
  TEST_CASE(1410, x2, CBUF_D(24), la sp, cbuf; c.ldsp sp, 24(sp))      /* rd == sp */
  TEST_CASE(1411, x14, 0x7ffffffe80000001, la sp, negword; c.ldsp a4, 0(sp))
  /* c.sdsp: uimm in 0..504, inst[12:7] = uimm[5:3|8:6]. */
  TEST_CASE(1412, x15, 0x1122334455667788, la sp, sbuf; li a4, 0x1122334455667788; c.sdsp a4, 0(sp); ld a5, 0(sp))
test_1413:
  li TESTNUM, 1413
  la sp, sbuf
  li a4, 0x308
  c.sdsp a4, 8(sp)
  li a4, 0x310
  c.sdsp a4, 16(sp)
  li a4, 0x320
  c.sdsp a4, 32(sp)
  li a4, 0x340
  c.sdsp a4, 64(sp)
  li a4, 0x380
  c.sdsp a4, 128(sp)
  li a4, 0x400
  c.sdsp a4, 256(sp)
  li a4, -0x1f8
  c.sdsp a4, 504(sp)              /* largest */
  ld a5, 8(sp)
  CHECK_EQ(a5, 0x308)
  ld a5, 16(sp)
  CHECK_EQ(a5, 0x310)
  ld a5, 32(sp)
  CHECK_EQ(a5, 0x320)
  ld a5, 64(sp)
  CHECK_EQ(a5, 0x340)
  ld a5, 128(sp)
  CHECK_EQ(a5, 0x380)
  ld a5, 256(sp)
  CHECK_EQ(a5, 0x400)
  ld a5, 504(sp)
  CHECK_EQ(a5, -0x1f8)
  TEST_CASE(1414, x15, 0, la sp, sbuf; li a4, -1; sd a4, 24(sp); c.sdsp x0, 24(sp); ld a5, 24(sp))
  TEST_CASE(1415, x14, 0, la sp, sbuf; c.sdsp sp, 32(sp); ld a4, 32(sp); sub a4, a4, sp)
#endif

  /* ---------------------------------------------------------------- c.jr / c.jalr */
test_1501:                        /* c.jr */
  li TESTNUM, 1501
  la a4, 1f
  c.jr a4
  FAIL_CASE
1:
test_1502:                        /* c.jr clears bit 0 of the target (it is jalr x0, 0(rs1)) */
  li TESTNUM, 1502
  la a4, 1f
  addi a4, a4, 1
  c.jr a4
  FAIL_CASE
1:
test_1503:                        /* c.jr ra: the usual return */
  li TESTNUM, 1503
  la ra, 1f
  c.jr ra
  FAIL_CASE
1:
test_1504:                        /* c.jalr: link = pc + 2 */
  li TESTNUM, 1504
  la a4, 1f
  c.jalr a4
2:
  FAIL_CASE
1:
  la a5, 2b
  CHECK_EQ_REG(ra, a5)
test_1505:                        /* c.jalr ra: target = old ra, then ra = pc + 2 */
  li TESTNUM, 1505
  la ra, 1f
  c.jalr ra
2:
  FAIL_CASE
1:
  la a5, 2b
  CHECK_EQ_REG(ra, a5)
test_1506:                        /* call and return through compressed instructions */
  li TESTNUM, 1506
  li a0, 1
  la t0, c_double
  c.jalr t0
  c.jalr t0
  c.jalr t0
  CHECK_EQ(a0, 8)
test_1507:                        /* c.jalr with an odd target: bit 0 cleared */
  li TESTNUM, 1507
  la a4, 1f
  addi a4, a4, 1
  c.jalr a4
2:
  FAIL_CASE
1:
  la a5, 2b
  CHECK_EQ_REG(ra, a5)
test_1508:                        /* backward c.jr */
  li TESTNUM, 1508
  j 2f
1:
  c.j 3f
2:
  la a5, 1b
  c.jr a5
  FAIL_CASE
3:

  /* ---------------------------------------------------------------- c.mv / c.add */
  TEST_CASE(1601, x14, 0x1234, li a5, 0x1234; li a4, 0; c.mv a4, a5)
  TEST_CASE(1602, x14, -1, li a5, -1; c.mv a4, a5)              /* full width copy */
  TEST_CASE(1603, x14, 0x77, li a4, 0x77; c.mv a4, a4)
  TEST_CASE(1604, x1, 0x5000, li sp, 0x5000; c.mv ra, sp)
  TEST_CASE(1605, x2, 0x6000, li x30, 0x6000; c.mv sp, x30)
  TEST_CASE(1606, x14, 0x31, li x1, 0x31; c.mv x31, x1; mv a4, x31)  /* rd = x31 */
  TEST_CASE(1607, x14, 7, li a4, 3; li a5, 4; c.add a4, a5)
  TEST_CASE(1608, x14, 6, li a4, 3; c.add a4, a4)               /* rd == rs2 */
  TEST_CASE(1609, x14, XMIN, li a4, XMAX; li a5, 1; c.add a4, a5)
  TEST_CASE(1610, x1, 0x1100, li x1, 0x100; li sp, 0x1000; c.add ra, sp)
  TEST_CASE(1611, x2, 0x1100, li x1, 0x100; li sp, 0x1000; c.add sp, ra)
#if __riscv_xlen == 64
  TEST_CASE(1612, x14, 0x100000000, li a4, 0xffffffff; li a5, 1; c.add a4, a5) /* not .w */
#else
  TEST_CASE(1612, x14, 0, li a4, 0xffffffff; li a5, 1; c.add a4, a5)
#endif
  TEST_CASE(1613, x20, -3, li x20, -1; li x21, -2; c.add x20, x21)

  /* ---------------------------------------------------------------- c.ebreak */
  /* c.ebreak raises a breakpoint exception (mcause 3) with mepc = its own address. The
   * handler records mcause and mepc and resumes 2 bytes later. */
test_1701:
  li TESTNUM, 1701
  la t0, ebreak_handler
  csrrw s1, mtvec, t0
  li a4, -1
  li a5, -1
  la s0, 1f
1:
  c.ebreak
  csrw mtvec, s1
  CHECK_EQ(a4, 3)
  CHECK_EQ_REG(a5, s0)

  /* ---------------------------------------------------------------- alignment */
  /* A 32-bit instruction at an address that is 2 mod 4. */
test_1801:
  li TESTNUM, 1801
  .balign 4
  c.nop
  W32(auipc a5, 0)                 /* at 2 mod 4 */
  W32(addi a4, x0, 0x123)
  andi a5, a5, 3
  CHECK_EQ(a5, 2)
  CHECK_EQ(a4, 0x123)
  /* A 32-bit branch at 2 mod 4, taken to a target at 2 mod 4. */
test_1802:
  li TESTNUM, 1802
  .balign 4
  c.nop
  W32(beq x0, x0, 1f)
  FAIL_CASE
  .balign 4
  c.nop
1:
  W32(auipc a5, 0)
  andi a5, a5, 3
  CHECK_EQ(a5, 2)
  /* A 32-bit jal at 2 mod 4: the link is pc + 4, also 2 mod 4. */
test_1803:
  li TESTNUM, 1803
  .balign 4
  c.nop
  W32(jal ra, 1f)
2:
  FAIL_CASE
1:
  la a5, 2b
  CHECK_EQ_REG(ra, a5)
  andi a5, ra, 3
  CHECK_EQ(a5, 2)
  /* jalr to a target with bit 1 set, the target being a 32-bit instruction. */
test_1804:
  li TESTNUM, 1804
  la a4, 1f
  W32(jalr ra, 0(a4))
  FAIL_CASE
  .balign 4
  c.nop
1:
  W32(addi a4, x0, 0x2aa)
  CHECK_EQ(a4, 0x2aa)
  /* 32-bit loads and stores executing at 2 mod 4. */
test_1805:
  li TESTNUM, 1805
  la s0, sbuf
  li a5, 0x6789
  .balign 4
  c.nop
  W32(sw a5, 40(s0))
  W32(lw a4, 40(s0))
  CHECK_EQ(a4, 0x6789)
  /* c.j and c.beqz from 0 mod 4 to 2 mod 4 and back. */
test_1806:
  li TESTNUM, 1806
  li a4, 0
  .balign 4
  c.j 1f
  FAIL_CASE
  .balign 4
  c.nop
1:
  c.beqz a4, 2f
  FAIL_CASE
  .balign 4
2:
  W32(auipc a5, 0)
  andi a5, a5, 3
  CHECK_EQ(a5, 0)
  /* Alternating 16- and 32-bit instructions. */
test_1807:
  li TESTNUM, 1807
  .balign 4
  c.li a4, 1
  W32(addi a4, a4, 2)
  c.slli a4, 4
  W32(addi a4, a4, 3)
  c.addi a4, 4
  W32(slli a4, a4, 1)
  CHECK_EQ(a4, 0x6e)               /* ((((1 + 2) << 4) + 3) + 4) << 1 = 110 */
  /* A 32-bit instruction straddling a 4 KiB page boundary: its low half is the last
   * 2 bytes of one page, its high half the first 2 bytes of the next. */
test_1808:
  li TESTNUM, 1808
  li a4, 0
  j 1f
  .balign 4096
  .skip 4092
1:
  c.nop                            /* page + 4092 */
  W32(addi a4, a4, 0x5a)           /* page + 4094 .. page + 4097 */
  W32(auipc a5, 0)                 /* page + 4098 */
  CHECK_EQ(a4, 0x5a)
  li a4, 0xfff
  and a5, a5, a4
  CHECK_EQ(a5, 2)
  /* A jump whose target is an instruction straddling the page boundary. */
test_1809:
  li TESTNUM, 1809
  li a4, 0
  j 1f
  .balign 4096
  .skip 4094
1:
  W32(addi a4, a4, 0x6b)           /* page + 4094 */
  CHECK_EQ(a4, 0x6b)

TEST_END

/* Breakpoint handler for case 1701: a4 = mcause, a5 = mepc, resume after the c.ebreak. */
  .text
  .balign 4
ebreak_handler:
  csrr a4, mcause
  csrr a5, mepc
  addi t0, a5, 2
  csrw mepc, t0
  mret

/* a0 *= 2, return with c.jr. */
  .balign 4
c_double:
  c.slli a0, 1
  c.jr ra
