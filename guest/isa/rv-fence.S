/*
 * rv-fence: FENCE variants and Zifencei (FENCE.I) with self-modifying code.
 *
 * Self-modifying code: the test writes instructions into a buffer with ordinary stores,
 * executes FENCE.I, calls the buffer and checks the instructions' effect; then it overwrites
 * code that has already run, executes FENCE.I again and checks that the new instructions
 * (not stale cached ones) run. Variants: whole-word stores, byte stores, compressed
 * instructions written as halfwords, a 32-bit instruction straddling a 4-byte boundary,
 * patching one instruction in the middle of a sequence, a loop that rewrites and reruns the
 * same instruction 32 times, code buffers both in .data and inside .text (next to the
 * running code), patching the instruction right after the fence.i in the running code,
 * a loop that patches its own body, and instruction words copied from assembled templates
 * as well as encodings computed at run time.
 *
 * FENCE: every predecessor/successor combination the assembler offers, FENCE.TSO and
 * PAUSE, and encodings with the reserved fields set (rd, rs1, fm, empty sets), which base
 * implementations must execute as ordinary fences - in particular rd must not be written.
 * FENCE.I with non-zero rd/rs1/imm must likewise behave as FENCE.I.
 *
 * Case numbers: self-modifying code 1xx, FENCE.I reserved fields 2xx, FENCE 3xx.
 */
#include "test.h"

.option norvc

/* Hand-assembled encodings (checked against the assembler's templates in case 101). */
#define ENC_ADDI_A0_A0(imm) (0x00050513 | ((imm) << 20))  /* addi a0, a0, imm (0 <= imm < 2048) */
#define ENC_RET 0x00008067                                 /* jalr x0, 0(x1) */
#define ENC_SLLI_A0_A0_3 0x00351513                        /* slli a0, a0, 3 */
#define ENC_XORI_A0_A0_M1 0xfff54513                       /* xori a0, a0, -1 */
#define ENC_C_ADDI_A0_5 0x0515                             /* c.addi a0, 5: 000 0 01010 00101 01 */
#define ENC_C_NOP 0x0001                                   /* c.nop */
#define ENC_C_JR_RA 0x8082                                 /* c.jr ra: 100 0 00001 00000 10 */

  .data
  .balign 64
code_buf:                    /* code written at run time */
  .skip 64

  .text
TEST_BEGIN

  /* ------------------------------------------------ self-modifying code */
  /* Write "addi a0, a0, 1; ret" (copied from assembled templates), run it. */
test_101:
  li TESTNUM, 101
  la x7, tmpl_addi1
  lw x6, 0(x7)
  li x8, ENC_ADDI_A0_A0(1)       /* the template and the hand encoding agree */
  CHECK_EQ_REG(x6, x8)
  la x5, code_buf
  sw x6, 0(x5)
  lw x6, 4(x7)                   /* the ret after the template */
  li x8, ENC_RET
  CHECK_EQ_REG(x6, x8)
  sw x6, 4(x5)
  fence.i
  li a0, 10
  jalr ra, 0(x5)
  CHECK_EQ(a0, 11)

  /* Overwrite the instruction that just ran with "addi a0, a0, 2". */
test_102:
  li TESTNUM, 102
  la x5, code_buf
  li x6, ENC_ADDI_A0_A0(2)
  sw x6, 0(x5)
  fence.i
  li a0, 10
  jalr ra, 0(x5)
  CHECK_EQ(a0, 12)

  /* ... and with a different instruction, "slli a0, a0, 3". */
test_103:
  li TESTNUM, 103
  la x5, code_buf
  li x6, ENC_SLLI_A0_A0_3
  sw x6, 0(x5)
  fence.i
  li a0, 10
  jalr ra, 0(x5)
  CHECK_EQ(a0, 80)

  /* Rewrite and rerun the same instruction 32 times: addi a0, a0, i for i = 1..32. */
test_104:
  li TESTNUM, 104
  la x5, code_buf
  li a0, 0
  li x7, 1
  li x9, 33
1:
  li x6, ENC_ADDI_A0_A0(0)
  slli x8, x7, 20
  or x6, x6, x8
  sw x6, 0(x5)
  fence.i
  jalr ra, 0(x5)
  addi x7, x7, 1
  bne x7, x9, 1b
  CHECK_EQ(a0, 528)              /* 1 + 2 + ... + 32 */

  /* Write an instruction one byte at a time: "xori a0, a0, -1" (not). */
test_105:
  li TESTNUM, 105
  la x5, code_buf
  li x6, ENC_XORI_A0_A0_M1
  sb x6, 0(x5)
  srli x6, x6, 8
  sb x6, 1(x5)
  srli x6, x6, 8
  sb x6, 2(x5)
  srli x6, x6, 8
  sb x6, 3(x5)
  fence.i
  li a0, 0x5a
  jalr ra, 0(x5)
  CHECK_EQ(a0, ~0x5a)

  /* Compressed code written as halfwords: "c.addi a0, 5; c.jr ra". */
test_106:
  li TESTNUM, 106
  la x5, code_buf
  li x6, ENC_C_ADDI_A0_5
  sh x6, 0(x5)
  li x6, ENC_C_JR_RA
  sh x6, 2(x5)
  fence.i
  li a0, 10
  jalr ra, 0(x5)
  CHECK_EQ(a0, 15)

  /* A 32-bit instruction at a 2-byte offset, written as two halfwords:
   * "c.nop; addi a0, a0, 7; ret" occupying bytes 0-1, 2-5 and 6-9. */
test_107:
  li TESTNUM, 107
  la x5, code_buf
  li x6, ENC_C_NOP
  sh x6, 0(x5)
  li x6, ENC_ADDI_A0_A0(7)
  sh x6, 2(x5)
  srli x6, x6, 16
  sh x6, 4(x5)
  li x6, ENC_RET
  sh x6, 6(x5)
  srli x6, x6, 16
  sh x6, 8(x5)
  fence.i
  li a0, 10
  jalr ra, 0(x5)
  CHECK_EQ(a0, 17)

  /* Patch the middle of a sequence that has already run. */
test_108:
  li TESTNUM, 108
  la x5, code_buf
  li x6, ENC_ADDI_A0_A0(1)
  sw x6, 0(x5)
  sw x6, 4(x5)
  sw x6, 8(x5)
  li x6, ENC_RET
  sw x6, 12(x5)
  fence.i
  li a0, 0
  jalr ra, 0(x5)
  CHECK_EQ(a0, 3)
  li x6, ENC_ADDI_A0_A0(100)
  sw x6, 4(x5)
  fence.i
  li a0, 0
  jalr ra, 0(x5)
  CHECK_EQ(a0, 102)
  /* enter in the middle: only the last two instructions run */
  li a0, 0
  jalr ra, 4(x5)
  CHECK_EQ(a0, 101)

  /* Shorten the sequence by turning its first instruction into a ret. */
test_109:
  li TESTNUM, 109
  la x5, code_buf
  li x6, ENC_RET
  sw x6, 0(x5)
  fence.i
  li a0, 42
  jalr ra, 0(x5)
  CHECK_EQ(a0, 42)

  /* Code in .text, on the same page as the code that modifies it. */
test_110:
  li TESTNUM, 110
  la x5, text_buf
  li a0, 1
  jalr ra, 0(x5)                 /* initially: addi a0, a0, 1; ret */
  CHECK_EQ(a0, 2)
  la x7, tmpl_lui
  lw x6, 0(x7)                   /* lui a0, 0x12345 */
  sw x6, 0(x5)
  fence.i
  li a0, 1
  jalr ra, 0(x5)
  CHECK_EQ(a0, 0x12345000)
  li x6, ENC_ADDI_A0_A0(1)       /* restore the original */
  sw x6, 0(x5)
  fence.i
  li a0, 1
  jalr ra, 0(x5)
  CHECK_EQ(a0, 2)

  /* Copy a whole assembled routine (tmpl_sum: a0 = a0 * 3 + 4) and run the copy. */
test_111:
  li TESTNUM, 111
  la x7, tmpl_sum
  la x8, tmpl_sum_end
  la x5, code_buf
1:
  lw x6, 0(x7)
  sw x6, 0(x5)
  addi x7, x7, 4
  addi x5, x5, 4
  bltu x7, x8, 1b
  fence.i
  la x5, code_buf
  li a0, 5
  jalr ra, 0(x5)
  CHECK_EQ(a0, 19)

  /* Patch the instruction that directly follows in the running code: the nop at 1: becomes
   * "addi a0, a0, 5" before it is reached (it may already be fetched or cached). */
test_112:
  li TESTNUM, 112
  la x5, 1f
  li x6, ENC_ADDI_A0_A0(5)
  li a0, 0
  sw x6, 0(x5)
  fence.i
1:
  nop
  CHECK_EQ(a0, 5)

  /* A loop that patches its own body: the first pass runs "addi a0, a0, 1", then rewrites
   * it to "addi a0, a0, 16"; the second pass must run the new instruction. */
test_113:
  li TESTNUM, 113
  li a0, 0
  li x7, 2
  la x5, 2f
  li x6, ENC_ADDI_A0_A0(16)
1:
2:
  addi a0, a0, 1
  sw x6, 0(x5)
  fence.i
  addi x7, x7, -1
  bnez x7, 1b
  CHECK_EQ(a0, 17)

  /* ------------------------------------------------ FENCE.I reserved fields */
  /* fence.i with rd = x14, rs1 = x5, imm = 0x123: imm[31:20] rs1[19:15] 001 rd[11:7] 0001111
   * = 0x1232970f. It must still act as fence.i and must not write x14. */
test_201:
  li TESTNUM, 201
  la x5, code_buf
  li x6, ENC_ADDI_A0_A0(9)
  sw x6, 0(x5)
  li x6, ENC_RET
  sw x6, 4(x5)
  li x14, 0x777
  .4byte 0x1232970f              /* fence.i (reserved fields set) */
  CHECK_EQ(x14, 0x777)
  li a0, 1
  jalr ra, 0(x5)
  CHECK_EQ(a0, 10)

  /* ------------------------------------------------ FENCE */
test_301:                        /* the assembler's forms */
  li TESTNUM, 301
  li x14, 0x55
  fence
  fence iorw, iorw
  fence rw, rw
  fence r, r
  fence w, w
  fence r, rw
  fence rw, w
  fence w, r
  fence i, o
  fence o, i
  fence io, io
  fence iorw, r
  fence w, iorw
  CHECK_EQ(x14, 0x55)

test_302:
  li TESTNUM, 302
  li x14, 0x66
  .4byte 0x8330000f              /* fence.tso: fm=1000 pred=rw succ=rw */
  .4byte 0x0100000f              /* pause: fence pred=w succ=0 (Zihintpause) */
  .4byte 0x0000000f              /* fence with empty sets (reserved: a normal fence) */
  CHECK_EQ(x14, 0x66)

  /* Reserved fields set: base implementations ignore rd and rs1, and treat reserved fm
   * values as a normal fence. In particular rd is not written. */
test_303:
  li TESTNUM, 303
  li x14, 0x77
  li x5, 0x12345
  .4byte 0x0332870f              /* fence rw, rw with rs1 = x5, rd = x14 */
  CHECK_EQ(x14, 0x77)
  CHECK_EQ(x5, 0x12345)
  .4byte 0xfff2870f              /* fm = 1111, pred = succ = iorw, rs1 = x5, rd = x14 */
  CHECK_EQ(x14, 0x77)
  .4byte 0x0ff0070f              /* fence iorw, iorw with rd = x14 (rs1 = x0) */
  CHECK_EQ(x14, 0x77)

  /* A fence between a store and a load does not change what the load sees. */
test_304:
  li TESTNUM, 304
  la x5, code_buf
  li x6, 0x1234
  sw x6, 32(x5)
  fence w, r
  lw x14, 32(x5)
  CHECK_EQ(x14, 0x1234)
  li x6, 0x4321
  sw x6, 32(x5)
  fence.tso
  lw x14, 32(x5)
  CHECK_EQ(x14, 0x4321)

TEST_END

/* ------------------------------------------------------------------------ */
/* Templates: never executed in place, only copied.                          */
  .text
  .balign 4
tmpl_addi1:
  addi a0, a0, 1
  ret
tmpl_lui:
  lui a0, 0x12345
tmpl_sum:                        /* a0 = a0 * 3 + 4 */
  slli x28, a0, 1
  add a0, a0, x28
  addi a0, a0, 4
  ret
tmpl_sum_end:

/* A routine in .text that test 110 rewrites while the program runs. */
  .balign 4
text_buf:
  addi a0, a0, 1
  ret
