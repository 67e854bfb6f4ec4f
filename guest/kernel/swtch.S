/*
 * void swtch(struct context *old, struct context *new): save the callee-saved registers
 * of the running code in old and continue with the ones in new (layout: thread.h). The
 * caller-saved registers are already on the stack by the C calling convention. tp is not
 * touched: it names the CPU, not the thread, so a thread resumed on another CPU sees
 * that CPU's struct cpu.
 */
#if __riscv_xlen == 64
#define SREG sd
#define LREG ld
#define R 8
#else
#define SREG sw
#define LREG lw
#define R 4
#endif

  .text
  .align 2
  .globl swtch
swtch:
  SREG  ra, 0*R(a0)
  SREG  sp, 1*R(a0)
  SREG  s0, 2*R(a0)
  SREG  s1, 3*R(a0)
  SREG  s2, 4*R(a0)
  SREG  s3, 5*R(a0)
  SREG  s4, 6*R(a0)
  SREG  s5, 7*R(a0)
  SREG  s6, 8*R(a0)
  SREG  s7, 9*R(a0)
  SREG  s8, 10*R(a0)
  SREG  s9, 11*R(a0)
  SREG  s10, 12*R(a0)
  SREG  s11, 13*R(a0)
  LREG  ra, 0*R(a1)
  LREG  sp, 1*R(a1)
  LREG  s0, 2*R(a1)
  LREG  s1, 3*R(a1)
  LREG  s2, 4*R(a1)
  LREG  s3, 5*R(a1)
  LREG  s4, 6*R(a1)
  LREG  s5, 7*R(a1)
  LREG  s6, 8*R(a1)
  LREG  s7, 9*R(a1)
  LREG  s8, 10*R(a1)
  LREG  s9, 11*R(a1)
  LREG  s10, 12*R(a1)
  LREG  s11, 13*R(a1)
  ret
