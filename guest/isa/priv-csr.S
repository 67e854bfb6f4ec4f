/*
 * CSR access rules and WARL fields: writes to read-only CSRs, M-mode CSRs from S, S-mode
 * CSRs from U, unimplemented CSRs, pmpcfg/pmpaddr read-back, mcounteren/scounteren gating of
 * cycle/time/instret, the time CSR mirroring CLINT mtime, mstatus WARL fields, mtvec/stvec
 * modes, satp modes and widths, misa, and the TVM/TW/TSR traps.
 *
 * QEMU 7.2 choices pinned here (each is allowed by the spec):
 *   - every illegal CSR access raises cause 2 with mtval = the instruction bits;
 *   - unimplemented CSRs (the custom ranges 0x7c0, 0x5c0, 0x800, 0xfc0, the debug-mode
 *     dcsr 0x7b0, pmpaddr16 0x3c0: 16 PMP entries) are illegal, on read and on write;
 *   - pmpaddr has 4-byte granularity (reads back as written); pmpcfg bytes read back as
 *     written (for the legal values used here);
 *   - mtvec/stvec written with MODE 2 or 3: the whole write is ignored (old value kept);
 *     MODE 1 is accepted with any 4-byte-aligned base;
 *   - satp ASID width: 9 bits on RV32, 16 bits on RV64; all PPN bits writable; a write with an
 *     unsupported MODE is ignored entirely (the spec requires that);
 *   - misa is read-only (writes ignored);
 *   - mstatus.UXL = SXL = 2 on RV64; UBE/SBE/MBE are 0.
 * Deliberately not pinned (QEMU 7.2 departs from the spec, see README-priv.md): mstatus.MPP
 * written with 2 (QEMU 7.2 keeps 2; QEMU 8 keeps the old value): the check accepts both;
 * csrrs/csrrc of a read-only CSR with rs1 != x0 holding 0 (QEMU 7.2 does not trap).
 */
#include "priv.h"

/* Expect the 32-bit instruction insn (at label l) to trap to M as illegal, mtval = its bits */
#define ILLEGAL_M(l, insn...) \
  EXPECT_TRAP(88f); \
l: \
  insn; \
  j test_fail; \
88: \
  CHECK_MTRAP_ILLEGAL(l)

/* The same, with insn run in mode mpp */
#define ILLEGAL_IN(mpp, l, insn...) \
  RUN_IN(mpp, l, 88f); \
l: \
  insn; \
  j test_fail; \
88: \
  CHECK_MTRAP_ILLEGAL(l) \
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP, mpp)

/* Run insn in mode mpp and expect no trap until the ecall that follows it */
#define LEGAL_IN(mpp, l, insn...) \
  RUN_IN(mpp, l, 88f); \
l: \
  insn; \
l##_ecall: \
  ecall; \
  j test_fail; \
88: \
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_U + (mpp >> 11)) \
  CHECK_MTRAP_LABEL(TR_EPC, l##_ecall) \
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP, mpp)

#define CY 1
#define TM 2
#define IR 4
#define MISA_BIT(c) (1 << ((c) - 'A'))

TEST_BEGIN
  PRIV_INIT

/* Writes to read-only CSRs (csr[11:10] = 3) are illegal, even of the same value or with
 * csrrwi 0; csrrs/csrrc with rs1 = x0 and csrrsi/csrrci with 0 only read, and are legal.
 * (csrrs/csrrc with rs1 != x0 holding 0 are not tested: the spec says they write, and so
 * trap on a read-only CSR, but QEMU 7.2 does not trap.) */
CASE(1)
  ILLEGAL_M(t1_a, csrw mvendorid, zero)
  ILLEGAL_M(t1_b, csrrwi t2, marchid, 0)
  li s0, 1
  ILLEGAL_M(t1_c, csrrs t2, mimpid, s0)
  ILLEGAL_M(t1_d, csrrci t2, mhartid, 1)
  ILLEGAL_M(t1_e, csrw cycle, zero)
  ILLEGAL_M(t1_f, csrw time, zero)
  ILLEGAL_M(t1_g, csrrc t2, instret, s0)
  csrrs t2, mhartid, zero
  csrrc t2, mvendorid, zero
  csrrsi t2, marchid, 0
  csrrci t2, cycle, 0
  CHECK_CSR(mhartid, 0)

/* M-mode CSRs from S, and S-mode CSRs from U, are illegal */
CASE(2)
  ILLEGAL_IN(MSTATUS_MPP_S, t2_a, csrr t2, mstatus)
  ILLEGAL_IN(MSTATUS_MPP_S, t2_b, csrw mtvec, zero)
  ILLEGAL_IN(MSTATUS_MPP_S, t2_c, csrr t2, mscratch)
  ILLEGAL_IN(MSTATUS_MPP_S, t2_d, csrr t2, mhartid)
  ILLEGAL_IN(MSTATUS_MPP_S, t2_e, csrr t2, pmpcfg0)
  ILLEGAL_IN(MSTATUS_MPP_S, t2_f, csrs mie, t2)
  ILLEGAL_IN(MSTATUS_MPP_S, t2_g, csrr t2, medeleg)
  ILLEGAL_IN(MSTATUS_MPP_S, t2_h, csrr t2, mcounteren)
  ILLEGAL_IN(MSTATUS_MPP_U, t2_i, csrr t2, sstatus)
  ILLEGAL_IN(MSTATUS_MPP_U, t2_j, csrw stvec, zero)
  ILLEGAL_IN(MSTATUS_MPP_U, t2_k, csrr t2, satp)
  ILLEGAL_IN(MSTATUS_MPP_U, t2_l, csrr t2, sscratch)
  ILLEGAL_IN(MSTATUS_MPP_U, t2_m, csrr t2, mstatus)
  LEGAL_IN(MSTATUS_MPP_S, t2_n, csrr t2, sstatus)
  LEGAL_IN(MSTATUS_MPP_S, t2_o, csrw sscratch, t2)

/* Unimplemented CSRs are illegal, read or written */
CASE(3)
  ILLEGAL_M(t3_a, csrr t2, 0x7c0)
  ILLEGAL_M(t3_b, csrw 0x7c0, zero)
  ILLEGAL_M(t3_c, csrr t2, 0x5c0)
  ILLEGAL_M(t3_d, csrr t2, 0x800)
  ILLEGAL_M(t3_e, csrr t2, 0xfc0)
  ILLEGAL_M(t3_f, csrr t2, 0x7b0)           /* dcsr: only in debug mode */
  ILLEGAL_M(t3_g, csrr t2, 0x3c0)           /* pmpaddr16: QEMU has 16 PMP entries */
  ILLEGAL_M(t3_h, csrw 0x3ef, zero)         /* pmpaddr63 */
#if XLEN == 64
  ILLEGAL_M(t3_i, csrr t2, 0x3a1)           /* pmpcfg1 does not exist on RV64 */
  ILLEGAL_M(t3_j, csrr t2, 0x3a3)
#endif
  ILLEGAL_IN(MSTATUS_MPP_S, t3_k, csrr t2, 0x5c0)

/* pmpaddr/pmpcfg accept writes and read them back (4-byte granularity) */
CASE(4)
  CHECK_CSR_WRITE(pmpaddr1, 0x12345678, 0x12345678)
  CHECK_CSR_WRITE(pmpaddr2, 0x20000fff, 0x20000fff)
  CHECK_CSR_WRITE(pmpaddr15, 0x0abcdef1, 0x0abcdef1)
  li t0, -1
  csrw pmpaddr3, t0
#if XLEN == 64
  CHECK_CSR_MASKED(pmpaddr3, 0x003fffffffffffff, 0x003fffffffffffff)
#else
  CHECK_CSR(pmpaddr3, -1)
#endif
CASE(5)
  /* entry 0 stays NAPOT RWX over everything; entries 1-3 (RV32) / 1-7 (RV64) get legal
   * R/W/X combinations with A = OFF or TOR; pmpcfg2 holds entries 8-15 on RV64 (on RV32
   * pmpcfg1 holds 4-7 and pmpcfg2 8-11) */
#if XLEN == 64
  CHECK_CSR_WRITE(pmpcfg0, 0x0f0d0b0907050b1f, 0x0f0d0b0907050b1f)
  CHECK_CSR_WRITE(pmpcfg2, 0x0103050709000000, 0x0103050709000000)
  CHECK_CSR_WRITE(pmpcfg2, 0, 0)
#else
  CHECK_CSR_WRITE(pmpcfg0, 0x0907031f, 0x0907031f)
  CHECK_CSR_WRITE(pmpcfg1, 0x0f0d0b01, 0x0f0d0b01)
  CHECK_CSR_WRITE(pmpcfg2, 0x01030507, 0x01030507)
  CHECK_CSR_WRITE(pmpcfg3, 0x0b000000, 0x0b000000)
  CHECK_CSR_WRITE(pmpcfg1, 0, 0)
  CHECK_CSR_WRITE(pmpcfg2, 0, 0)
  CHECK_CSR_WRITE(pmpcfg3, 0, 0)
#endif
  CHECK_CSR_WRITE(pmpcfg0, 0x1f, 0x1f)
  csrr t0, pmpaddr0
  CHECK(t0, -1)

/* Counters: M can always read them; S needs the mcounteren bit, U needs the mcounteren and
 * scounteren bits (CY = cycle, TM = time, IR = instret) */
CASE(6)
  li t0, CY | TM | IR
  csrw mcounteren, t0
  CHECK_CSR_MASKED(mcounteren, 7, 7)
  csrw scounteren, t0
  CHECK_CSR_MASKED(scounteren, 7, 7)
  LEGAL_IN(MSTATUS_MPP_S, t6_a, rdcycle t2; rdtime t2; rdinstret t2)
  LEGAL_IN(MSTATUS_MPP_U, t6_b, rdcycle t2; rdtime t2; rdinstret t2)
#if XLEN == 32
  LEGAL_IN(MSTATUS_MPP_U, t6_c, rdcycleh t2; rdtimeh t2; rdinstreth t2)
#endif
CASE(7)
  csrw mcounteren, zero
  ILLEGAL_IN(MSTATUS_MPP_S, t7_a, rdcycle t2)
  ILLEGAL_IN(MSTATUS_MPP_S, t7_b, rdtime t2)
  ILLEGAL_IN(MSTATUS_MPP_S, t7_c, rdinstret t2)
  ILLEGAL_IN(MSTATUS_MPP_U, t7_d, rdtime t2)  /* scounteren = 7 is not enough */
#if XLEN == 32
  ILLEGAL_IN(MSTATUS_MPP_S, t7_e, rdcycleh t2)
  ILLEGAL_IN(MSTATUS_MPP_S, t7_f, rdtimeh t2)
  ILLEGAL_IN(MSTATUS_MPP_S, t7_g, rdinstreth t2)
#endif
  rdcycle t2                /* M: never gated */
  rdtime t2
  rdinstret t2
CASE(8)
  li t0, TM
  csrw mcounteren, t0
  LEGAL_IN(MSTATUS_MPP_S, t8_a, rdtime t2)
  ILLEGAL_IN(MSTATUS_MPP_S, t8_b, rdcycle t2)
  ILLEGAL_IN(MSTATUS_MPP_S, t8_c, rdinstret t2)
  li t0, IR
  csrw scounteren, t0
  ILLEGAL_IN(MSTATUS_MPP_U, t8_d, rdtime t2)  /* mcounteren.TM but not scounteren.TM */
  ILLEGAL_IN(MSTATUS_MPP_U, t8_e, rdinstret t2)  /* scounteren.IR but not mcounteren.IR */
  li t0, CY | IR
  csrw mcounteren, t0
  LEGAL_IN(MSTATUS_MPP_U, t8_f, rdinstret t2)
  ILLEGAL_IN(MSTATUS_MPP_U, t8_g, rdcycle t2)
  csrw mcounteren, zero
  csrw scounteren, zero

/* time mirrors the CLINT's mtime; instret and cycle count up */
CASE(9)
  li t0, CLINT_MTIME_ADDR
  lw s1, 0(t0)              /* low 32 bits are enough over this short span */
  rdtime s2
  lw s3, 0(t0)
  sub t1, s2, s1
  sub t2, s3, s1
  slli t1, t1, XLEN - 32    /* compare the low 32 bits, unsigned */
  slli t2, t2, XLEN - 32
  bltu t2, t1, 1f
  j 2f
1:
  FAIL_WITH(s2, s1)
2:
  rdinstret s1
  li t0, 100
3:
  addi t0, t0, -1
  bnez t0, 3b
  rdinstret s2
  sub t1, s2, s1
  li t0, 200
  bgeu t1, t0, 4f
  FAIL_WITH(t1, t0)
4:
  rdcycle s1
  nop
  rdcycle s2
  bgeu s2, s1, 5f           /* never backwards (QEMU without -icount counts host ticks) */
  FAIL_WITH(s2, s1)
5:

/* mstatus WARL fields */
CASE(10)
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  CHECK_CSR_MASKED(mstatus, MSTATUS_MPP, MSTATUS_MPP_U)
  li t0, MSTATUS_MPP_S
  csrs mstatus, t0
  CHECK_CSR_MASKED(mstatus, MSTATUS_MPP, MSTATUS_MPP_S)
  li t0, MSTATUS_MPP
  csrs mstatus, t0
  CHECK_CSR_MASKED(mstatus, MSTATUS_MPP, MSTATUS_MPP_M)
  /* MPP = 2 is reserved: QEMU 7.2 keeps 2, a conforming hart keeps a legal value (QEMU 8
   * keeps the old one). Accept 2 or the previous value (M). */
  li t0, MSTATUS_MPP_S
  csrc mstatus, t0          /* MPP = 2 */
  csrr t1, mstatus
  li t0, MSTATUS_MPP
  and t1, t1, t0
  li t0, 0x1000
  beq t1, t0, 1f
  CHECK(t1, MSTATUS_MPP_M)
1:
  li t0, MSTATUS_MPP
  csrc mstatus, t0
CASE(11)      /* SPP is one bit; XS and the endianness bits are read-only 0 */
  li t0, MSTATUS_SPP
  csrs mstatus, t0
  CHECK_CSR_MASKED(mstatus, MSTATUS_SPP, MSTATUS_SPP)
  csrc mstatus, t0
  CHECK_CSR_MASKED(mstatus, MSTATUS_SPP, 0)
  li t0, 0x18040            /* XS, UBE */
  csrs mstatus, t0
  CHECK_CSR_MASKED(mstatus, 0x18040, 0)
#if XLEN == 64
  li t0, 0x3000000000       /* SBE, MBE */
  csrs mstatus, t0
  CHECK_CSR_MASKED(mstatus, 0x3000000000, 0)
  CHECK_CSR_MASKED(mstatus, 0xf00000000, 0xa00000000)   /* SXL = UXL = 2 (64-bit) */
#endif
CASE(12)      /* MPRV, SUM, MXR, TVM, TW, TSR, MIE, SIE, MPIE, SPIE are plain bits */
  li s1, MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_MPIE
  csrs mstatus, s1
  csrr t1, mstatus
  and t1, t1, s1
  CHECK_REG(t1, s1)
  csrc mstatus, s1
  csrr t1, mstatus
  and t1, t1, s1
  CHECK(t1, 0)

/* mtvec / stvec: MODE 0 and 1 accepted; MODE 2 and 3 make QEMU ignore the whole write */
CASE(13)
  csrr s1, mtvec
  la s2, t13_base
  ori t0, s2, 1
  csrw mtvec, t0
  csrr t1, mtvec
  CHECK_REG(t1, t0)
  addi t0, s2, 0x102        /* MODE 2 */
  csrw mtvec, t0
  csrr t1, mtvec
  ori t0, s2, 1
  CHECK_REG(t1, t0)
  addi t0, s2, 0x203        /* MODE 3 */
  csrw mtvec, t0
  csrr t1, mtvec
  ori t0, s2, 1
  CHECK_REG(t1, t0)
  addi t0, s2, 4            /* MODE 0, base only 4-byte aligned */
  csrw mtvec, t0
  csrr t1, mtvec
  CHECK_REG(t1, t0)
  addi t0, s2, 0x45         /* MODE 1, base only 4-byte aligned */
  csrw mtvec, t0
  csrr t1, mtvec
  CHECK_REG(t1, t0)
  csrw mtvec, s1
CASE(14)
  csrr s1, stvec
  ori t0, s2, 1
  csrw stvec, t0
  csrr t1, stvec
  CHECK_REG(t1, t0)
  addi t0, s2, 0x12
  csrw stvec, t0
  csrr t1, stvec
  ori t0, s2, 1
  CHECK_REG(t1, t0)
  addi t0, s2, 0x23
  csrw stvec, t0
  csrr t1, stvec
  ori t0, s2, 1
  CHECK_REG(t1, t0)
  csrw stvec, s1

/* satp: ASID and PPN widths, MODE values */
CASE(15)
#if XLEN == 64
  CHECK_CSR_WRITE(satp, 0x8000000000012345, 0x8000000000012345)
  li t0, -1
  csrw satp, t0             /* MODE 15: unsupported, so the write is ignored */
  CHECK_CSR(satp, 0x8000000000012345)
  li t0, 0x1fffffffffffffff
  csrw satp, t0             /* MODE 1: reserved, ignored */
  CHECK_CSR(satp, 0x8000000000012345)
  CHECK_CSR_WRITE(satp, 0x8ffffffffffffff0, 0x8ffffffffffffff0)  /* 16 ASID bits, 44 PPN bits */
  CHECK_CSR_WRITE(satp, 0x0000000000000000, 0)
#else
  CHECK_CSR_WRITE(satp, 0x80012345, 0x80012345)
  CHECK_CSR_WRITE(satp, 0xffffffff, 0xffffffff)  /* 9 ASID bits, 22 PPN bits */
  CHECK_CSR_WRITE(satp, 0x7fffffff, 0x7fffffff)  /* MODE Bare with ASID/PPN set */
  CHECK_CSR_WRITE(satp, 0, 0)
#endif

/* misa: MXL and the base extensions; writes are ignored */
CASE(16)
  csrr s1, misa
#if XLEN == 64
  li t0, 2
#else
  li t0, 1
#endif
  srli t1, s1, XLEN - 2
  CHECK_REG(t1, t0)
  CHECK_MASKED(s1, MISA_BIT('I') | MISA_BIT('M') | MISA_BIT('A') | MISA_BIT('C') | MISA_BIT('S') | MISA_BIT('U'), MISA_BIT('I') | MISA_BIT('M') | MISA_BIT('A') | MISA_BIT('C') | MISA_BIT('S') | MISA_BIT('U'))
  CHECK_MASKED(s1, MISA_BIT('E'), 0)
  li t0, MISA_BIT('C') | MISA_BIT('M')
  csrc misa, t0
  csrr t1, misa
  CHECK_REG(t1, s1)

/* mie has the six standard enable bits writable */
CASE(17)
  li t0, -1
  csrw mie, t0
  CHECK_CSR_MASKED(mie, 0xaaa, 0xaaa)
  csrw mie, zero
  CHECK_CSR_MASKED(mie, 0xaaa, 0)

/* mstatus.TVM: satp and sfence.vma are illegal in S-mode */
CASE(18)
  li t0, MSTATUS_TVM
  csrs mstatus, t0
  ILLEGAL_IN(MSTATUS_MPP_S, t18_a, csrr t2, satp)
  ILLEGAL_IN(MSTATUS_MPP_S, t18_b, csrw satp, zero)
  ILLEGAL_IN(MSTATUS_MPP_S, t18_c, sfence.vma)
  csrr t2, satp             /* M is not affected */
  sfence.vma
  li t0, MSTATUS_TVM
  csrc mstatus, t0
  LEGAL_IN(MSTATUS_MPP_S, t18_d, csrr t2, satp; sfence.vma)

/* mstatus.TSR: sret is illegal in S-mode (not in M) */
CASE(19)
  li t0, MSTATUS_TSR
  csrs mstatus, t0
  ILLEGAL_IN(MSTATUS_MPP_S, t19_a, sret)
  li t0, MSTATUS_SPP
  csrs mstatus, t0
  la t0, t19_b
  csrw sepc, t0
  EXPECT_TRAP(1f)
  sret                      /* from M: allowed, goes to S */
t19_b:
  ecall
1:
  CHECK_MTRAP_CEV(CAUSE_ECALL_S, t19_b, 0)
  li t0, MSTATUS_TSR
  csrc mstatus, t0

/* mstatus.TW: wfi is illegal in S-mode. With TW = 0, wfi in S returns once an interrupt is
 * pending and enabled in mie (here a delegated SSI, masked by SIE = 0) */
CASE(20)
  li t0, MSTATUS_TW
  csrs mstatus, t0
  ILLEGAL_IN(MSTATUS_MPP_S, t20_a, wfi)
  li t0, MSTATUS_TW
  csrc mstatus, t0
  li t0, MIP_SSIP
  csrw mideleg, t0
  csrw mie, t0
  csrs mip, t0
  LEGAL_IN(MSTATUS_MPP_S, t20_b, wfi)
  li t0, MIP_SSIP
  csrc mip, t0
  csrw mie, zero
  csrw mideleg, zero
TEST_END
PRIV_SUPPORT

  .text
  .balign 1024
t13_base:
  nop
