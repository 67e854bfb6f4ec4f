/*
 * Kernel entry points and the supervisor trap vector.
 *
 * Every way into the kernel arrives in S-mode with paging off, a0 = hart id, and a1 =
 * the device tree (_entry) or the opaque value the caller passed to SBI (secondary_entry,
 * resume_entry). Each entry picks the hart's stack by id, points tp at cpus[id] (its
 * struct cpu, CPU_STRIDE bytes each) and calls C. A hart id >= NCPU cannot be served and
 * parks in wfi.
 */
#include "param.h"

#if __riscv_xlen == 64
#define SREG sd
#define LREG ld
#define REGBYTES 8
#else
#define SREG sw
#define LREG lw
#define REGBYTES 4
#endif

/* sp = base + (id + 1) * size; tp = cpus + id * CPU_STRIDE. Uses t0. */
.macro hart_setup id, base, size
  la    sp, \base
  li    t0, \size
  addi  tp, \id, 1
  mul   t0, t0, tp
  add   sp, sp, t0
  la    tp, cpus
  li    t0, CPU_STRIDE
  mul   t0, t0, \id
  add   tp, tp, t0
.endm

  .section .text.entry
  .globl _entry
  /* The firmware jumps here on the one hart it boots: a0 = hart id, a1 = dtb. */
_entry:
  li    t0, NCPU
  bltu  a0, t0, 0f
  j     park              /* far: .text.entry is placed apart from .text */
0:
  /* Clear bss (kernel.ld aligns both ends to 16 bytes). The stacks live there, so this
   * must finish before the first call. */
  la    t0, __bss_start
  la    t1, __bss_end
1:
  bgeu  t0, t1, 2f
  SREG  zero, 0(t0)
  addi  t0, t0, REGBYTES
  j     1b
2:
  hart_setup a0, kstacks, KSTACKSIZE
  call  main
  j     park

  .text
  .align 2
  .globl secondary_entry
  /* HSM hart_start lands here: a0 = hart id, a1 = opaque. bss is already clear. */
secondary_entry:
  li    t0, NCPU
  bltu  a0, t0, 0f
  j     park              /* far: .text.entry is placed apart from .text */
0:
  hart_setup a0, kstacks, KSTACKSIZE
  call  mpmain
  j     park

  .align 2
  .globl resume_entry
  /* Non-retentive HSM suspend and SUSP system_suspend resume here: a0 = hart id,
   * a1 = opaque. The hart's kernel stack still holds the frames that longjmp returns
   * to, so C runs on the small resume stack until then. An id >= NCPU gets the spare
   * resume stack so resume_main can report it. */
resume_entry:
  mv    t1, a0
  li    t0, NCPU
  bltu  t1, t0, 1f
  li    t1, NCPU
1:
  hart_setup t1, rstacks, RSTACKSIZE
  call  resume_main
park:
  wfi
  j     park

  /*
   * Supervisor trap vector (stvec direct mode). Traps come only from S-mode: the
   * caller-saved registers are saved on the current stack, kerneltrap() runs, and sret
   * returns to sepc. Callee-saved registers are kept by kerneltrap itself (C ABI);
   * tp and gp are never changed by C code.
   */
  .align 4
  .globl kernelvec
kernelvec:
  addi  sp, sp, -16*REGBYTES
  SREG  ra, 0*REGBYTES(sp)
  SREG  t0, 1*REGBYTES(sp)
  SREG  t1, 2*REGBYTES(sp)
  SREG  t2, 3*REGBYTES(sp)
  SREG  t3, 4*REGBYTES(sp)
  SREG  t4, 5*REGBYTES(sp)
  SREG  t5, 6*REGBYTES(sp)
  SREG  t6, 7*REGBYTES(sp)
  SREG  a0, 8*REGBYTES(sp)
  SREG  a1, 9*REGBYTES(sp)
  SREG  a2, 10*REGBYTES(sp)
  SREG  a3, 11*REGBYTES(sp)
  SREG  a4, 12*REGBYTES(sp)
  SREG  a5, 13*REGBYTES(sp)
  SREG  a6, 14*REGBYTES(sp)
  SREG  a7, 15*REGBYTES(sp)
  call  kerneltrap
  LREG  ra, 0*REGBYTES(sp)
  LREG  t0, 1*REGBYTES(sp)
  LREG  t1, 2*REGBYTES(sp)
  LREG  t2, 3*REGBYTES(sp)
  LREG  t3, 4*REGBYTES(sp)
  LREG  t4, 5*REGBYTES(sp)
  LREG  t5, 6*REGBYTES(sp)
  LREG  t6, 7*REGBYTES(sp)
  LREG  a0, 8*REGBYTES(sp)
  LREG  a1, 9*REGBYTES(sp)
  LREG  a2, 10*REGBYTES(sp)
  LREG  a3, 11*REGBYTES(sp)
  LREG  a4, 12*REGBYTES(sp)
  LREG  a5, 13*REGBYTES(sp)
  LREG  a6, 14*REGBYTES(sp)
  LREG  a7, 15*REGBYTES(sp)
  addi  sp, sp, 16*REGBYTES
  sret
