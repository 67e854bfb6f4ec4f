/*
 * ksetjmp/klongjmp: save and restore the callee-saved context of a C caller (ra, sp,
 * s0-s11; layout of struct jmpbuf in cpu.h). A hart that resumes from a non-retentive
 * suspend has lost every register, so resume_main longjmps to the buffer saved just
 * before the suspend call, making that call appear to return a second time with 1.
 * tp and gp are not saved: the caller restores tp (it is derived from the hart id) and
 * gp is unused (the kernel is linked without relaxation).
 */
#if __riscv_xlen == 64
#define SREG sd
#define LREG ld
#define REGBYTES 8
#else
#define SREG sw
#define LREG lw
#define REGBYTES 4
#endif

  .text
  .align 2
  .globl ksetjmp
  /* int ksetjmp(struct jmpbuf *jb): 0 when called, v when klongjmp(jb, v) comes back. */
ksetjmp:
  SREG  ra, 0*REGBYTES(a0)
  SREG  sp, 1*REGBYTES(a0)
  SREG  s0, 2*REGBYTES(a0)
  SREG  s1, 3*REGBYTES(a0)
  SREG  s2, 4*REGBYTES(a0)
  SREG  s3, 5*REGBYTES(a0)
  SREG  s4, 6*REGBYTES(a0)
  SREG  s5, 7*REGBYTES(a0)
  SREG  s6, 8*REGBYTES(a0)
  SREG  s7, 9*REGBYTES(a0)
  SREG  s8, 10*REGBYTES(a0)
  SREG  s9, 11*REGBYTES(a0)
  SREG  s10, 12*REGBYTES(a0)
  SREG  s11, 13*REGBYTES(a0)
  li    a0, 0
  ret

  .globl klongjmp
  /* void klongjmp(struct jmpbuf *jb, int v): v must not be 0. */
klongjmp:
  LREG  ra, 0*REGBYTES(a0)
  LREG  sp, 1*REGBYTES(a0)
  LREG  s0, 2*REGBYTES(a0)
  LREG  s1, 3*REGBYTES(a0)
  LREG  s2, 4*REGBYTES(a0)
  LREG  s3, 5*REGBYTES(a0)
  LREG  s4, 6*REGBYTES(a0)
  LREG  s5, 7*REGBYTES(a0)
  LREG  s6, 8*REGBYTES(a0)
  LREG  s7, 9*REGBYTES(a0)
  LREG  s8, 10*REGBYTES(a0)
  LREG  s9, 11*REGBYTES(a0)
  LREG  s10, 12*REGBYTES(a0)
  LREG  s11, 13*REGBYTES(a0)
  mv    a0, a1
  ret
