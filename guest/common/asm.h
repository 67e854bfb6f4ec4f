/* Assembly helpers shared by the bare-metal programs: XLEN-neutral loads and stores. */
#ifndef ASM_H
#define ASM_H

#define MAX_HARTS_ASM 16
#define STACK_SIZE_ASM 0x4000

#if __riscv_xlen == 64
#define LREG ld
#define SREG sd
#define REGBYTES 8
#else
#define LREG lw
#define SREG sw
#define REGBYTES 4
#endif

#endif
