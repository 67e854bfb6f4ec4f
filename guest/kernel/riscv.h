/* Supervisor CSR accessors and bits (RISC-V privileged specification, chapter 10). */
#ifndef RISCV_H
#define RISCV_H

#include "types.h"

#define SSTATUS_SIE (1UL << 1)   /* supervisor interrupt enable */
#define SSTATUS_SPIE (1UL << 5)  /* SIE before the trap */
#define SSTATUS_SPP (1UL << 8)   /* privilege before the trap: 1 = supervisor */

#define SIE_SSIE (1UL << 1)      /* software interrupt (IPI) enable */
#define SIE_STIE (1UL << 5)      /* timer interrupt enable */
#define SIE_SEIE (1UL << 9)      /* external interrupt enable (PV event channel upcalls) */
#define SIP_SSIP (1UL << 1)
#define SIP_STIP (1UL << 5)

#define SCAUSE_INTERRUPT (1UL << (__riscv_xlen - 1))
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9

#define CSR_READ(name)                                  \
  static inline unsigned long r_##name(void) {          \
    unsigned long x;                                    \
    asm volatile("csrr %0, " #name : "=r"(x));          \
    return x;                                           \
  }
#define CSR_WRITE(name)                                 \
  static inline void w_##name(unsigned long x) {        \
    asm volatile("csrw " #name ", %0" : : "r"(x));      \
  }

CSR_READ(sstatus)
CSR_WRITE(sstatus)
CSR_READ(sie)
CSR_WRITE(sie)
CSR_READ(sip)
CSR_READ(scause)
CSR_READ(sepc)
CSR_WRITE(sepc)
CSR_READ(stval)
CSR_READ(stvec)
CSR_WRITE(stvec)
CSR_READ(satp)
CSR_READ(sscratch)

/* sip.SSIP is the only bit of sip that supervisor software may clear. */
static inline void clear_sip(unsigned long bits) {
  asm volatile("csrc sip, %0" : : "r"(bits));
}

/* The time CSR (Zicntr); on RV32 the halves are re-read until they agree. */
static inline uint64 r_time(void) {
#if __riscv_xlen == 64
  unsigned long x;
  asm volatile("rdtime %0" : "=r"(x));
  return x;
#else
  uint32 hi, lo, hi2;
  do {
    asm volatile("rdtimeh %0" : "=r"(hi));
    asm volatile("rdtime %0" : "=r"(lo));
    asm volatile("rdtimeh %0" : "=r"(hi2));
  } while (hi != hi2);
  return ((uint64)hi << 32) | lo;
#endif
}

static inline unsigned long r_tp(void) {
  unsigned long x;
  asm volatile("mv %0, tp" : "=r"(x));
  return x;
}
static inline void w_tp(unsigned long x) {
  asm volatile("mv tp, %0" : : "r"(x));
}

static inline unsigned long r_gp(void) {
  unsigned long x;
  asm volatile("mv %0, gp" : "=r"(x));
  return x;
}

static inline void intr_on(void) {
  asm volatile("csrs sstatus, %0" : : "r"(SSTATUS_SIE) : "memory");
}
static inline void intr_off(void) {
  asm volatile("csrc sstatus, %0" : : "r"(SSTATUS_SIE) : "memory");
}
static inline int intr_get(void) {
  return (r_sstatus() & SSTATUS_SIE) != 0;
}

/* Waits for an interrupt that is pending and enabled in sie, even with sstatus.SIE clear. */
static inline void wfi(void) {
  asm volatile("wfi" : : : "memory");
}

#endif
