/*
 * Paging, one source for both XLENs: Sv32 on RV32, Sv39 on RV64. Page tables are built in
 * M-mode: 4 KiB pages and superpages (4 MiB megapages on Sv32; 2 MiB megapages and 1 GiB
 * gigapages on Sv39), instruction/load/store page faults (causes 12/13/15, mtval = the
 * faulting virtual address), the R/W/X/U permission bits, SUM and MXR, hardware A/D
 * updates, sfence.vma after changing a PTE, misaligned superpages, reserved encodings, MPRV
 * with MPP = S/U for M-mode loads and stores, page faults delegated to S, lr/sc/AMO on a
 * read-only page, and on Sv39 non-canonical addresses.
 *
 * Layout (virtual -> physical), Sv32:
 *   0x8000_0000 megapage -> 0x8000_0000   identity, RWX, A/D set (code, data, tables)
 *   0xc000_0000 megapage -> 0x8000_0000   the same memory with U = 1 (U-mode code runs here)
 *   0x4040_0000 megapage -> 0x8000_0000   RW (a second view of the image's data)
 *   0x4080_0000 megapage -> 0x8000_1000   misaligned (PPN[0] != 0): page fault
 * Sv39:
 *   0x8000_0000 gigapage   -> 0x8000_0000   identity, RWX, A/D set (code, data, tables)
 *   0xc000_0000 gigapage   -> 0x8000_0000   the same memory with U = 1 (U-mode code runs here)
 *   0x1_0000_0000 gigapage -> 0x8020_0000   misaligned (PPN[1] != 0): page fault
 *   0x4020_0000 megapage   -> 0x8000_0000   RW (a second view of the image's data)
 *   0x4040_0000 megapage   -> 0x8000_1000   misaligned (PPN[0] != 0): page fault
 * Both:
 *   0x4000_0000 + n * 4 KiB, 4 KiB pages (see TVA below and the table in setup)
 *
 * QEMU 7.2 behaviour pinned here (the spec allows a page fault instead: Svade vs Svadu):
 *   - A and D are set by the hardware page walker: a load or fetch sets A, a store sets A
 *     and D; an access that faults changes nothing.
 * Also pinned: a 32-bit instruction whose second half lies in an unmapped page raises an
 * instruction page fault with mepc = the instruction and mtval = the start of that page.
 * And: lr on a read-only page succeeds and the sc that follows raises a store page fault
 * (15); an AMO on a read-only page raises 15. On Sv39, a non-canonical address (bits 63:39
 * not all equal to bit 38) gives a page fault of the access type with mtval = the full
 * address.
 */
#include "priv.h"

#define TEST_VA 0x40000000
#define TVA(n) (TEST_VA + (n) * 0x1000)
#if __riscv_xlen == 32
#define SATP_MODE_PAGED SATP_MODE_SV32
#define MEGA_VA 0x40400000
#define BAD_MEGA_VA 0x40800000
#else
#define SATP_MODE_PAGED SATP_MODE_SV39
#define MEGA_VA 0x40200000
#define BAD_MEGA_VA 0x40400000
#define BAD_GIGA_VA 0x100000000
#endif
#define ALIAS_OFF 0x40000000      /* U alias = physical + ALIAS_OFF */

#define SNIPPET_0 0x05a00513      /* li a0, 0x5a */
#define SNIPPET_1 0x00000073      /* ecall */

#define RWAD (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

/* Run the code at label l in U-mode through the U alias; traps resume at r in M */
#define RUN_IN_UALIAS(l, r) \
  EXPECT_TRAP(r) \
  li t0, MSTATUS_MPP; \
  csrc mstatus, t0; \
  la t0, l; \
  li t1, ALIAS_OFF; \
  add t0, t0, t1; \
  csrw mepc, t0; \
  mret;

/* mepc recorded by the M handler == the U alias of label l */
#define CHECK_MTRAP_UALIAS_EPC(l) \
  la t6, l; \
  li t5, ALIAS_OFF; \
  add t6, t6, t5; \
  LOAD_MTRAP(t0, TR_EPC) \
  CHECK_REG(t0, t6)

#define CHECK_MTRAP_CT(cause, tval) \
  CHECK_MTRAP(TR_COUNT, 1) \
  CHECK_MTRAP(TR_CAUSE, cause) \
  CHECK_MTRAP(TR_TVAL, tval)

#define SATP_ON \
  la t0, pt_root; \
  srli t0, t0, 12; \
  li t1, SATP_MODE_PAGED; \
  or t0, t0, t1; \
  csrw satp, t0; \
  sfence.vma;

TEST_BEGIN
  PRIV_INIT

  /* page contents */
  la t0, tp0
  li t1, 0x11111111
  sw t1, 0(t0)
  la t0, tp1
  li t1, 0x22222222
  sw t1, 0(t0)
  la t0, tp2
  li t1, 0x33333333
  sw t1, 0(t0)
  la t0, tp4
  li t1, 0x44444444
  sw t1, 0(t0)
  li t1, SNIPPET_0
  li t2, SNIPPET_1
  la t0, tp3
  sw t1, 0(t0)
  sw t2, 4(t0)
  la t0, tp5
  sw t1, 0(t0)
  sw t2, 4(t0)
  la t0, tp7
  sw t1, 0(t0)
  sw t2, 4(t0)
  /* tp8 ends with: li a0, 0x33 (at 0xff8); c.nop (0xffc); addi a0, a0, 1 (0xffe, its upper
   * half at offset 0 of the next page); tp9 starts with that upper half, then ecall */
  la t0, tp8
  li t1, 0xff8
  add t0, t0, t1
  li t1, 0x03300513
  sw t1, 0(t0)
  li t1, 0x0001
  sh t1, 4(t0)
  li t1, 0x0513
  sh t1, 6(t0)
  la t0, tp9
  li t1, 0x0015
  sh t1, 0(t0)
  li t1, 0x0073
  sh t1, 2(t0)
  sh zero, 4(t0)
  fence.i

#if __riscv_xlen == 32
  /* root: VPN[1] = VA[31:22] */
  MAP_LABEL(pt_root, 0x100, pt_l0, PTE_V)
  MAP_PA(pt_root, 0x101, 0x80000000, RWAD)
  MAP_PA(pt_root, 0x102, 0x80001000, RWAD)
  MAP_PA(pt_root, 0x200, 0x80000000, RWAD | PTE_X)
  MAP_PA(pt_root, 0x300, 0x80000000, RWAD | PTE_X | PTE_U)
#else
  /* root: VPN[2] */
  MAP_LABEL(pt_root, 1, pt_l1, PTE_V)
  MAP_PA(pt_root, 2, 0x80000000, RWAD | PTE_X)
  MAP_PA(pt_root, 3, 0x80000000, RWAD | PTE_X | PTE_U)
  MAP_PA(pt_root, 4, 0x80200000, RWAD)
  /* VA 0x4000_0000 - 0x7fff_ffff: VPN[1] */
  MAP_LABEL(pt_l1, 0, pt_l0, PTE_V)
  MAP_PA(pt_l1, 1, 0x80000000, RWAD)
  MAP_PA(pt_l1, 2, 0x80001000, RWAD)
#endif
  /* 4 KiB pages at TVA(n) */
  MAP_LABEL(pt_l0, 0, tp0, RWAD)                                 /* RW */
  MAP_LABEL(pt_l0, 1, tp1, PTE_V | PTE_R | PTE_A)                /* read-only */
  MAP_LABEL(pt_l0, 2, tp2, PTE_V | PTE_R | PTE_W)                /* RW, A = D = 0 */
  MAP_LABEL(pt_l0, 3, tp3, PTE_V | PTE_X | PTE_A)                /* execute-only */
  MAP_LABEL(pt_l0, 4, tp4, RWAD | PTE_U)                         /* user RW */
  /* 5: invalid */
  MAP_LABEL(pt_l0, 6, tp0, RWAD)                                 /* remapped in case 10 */
  MAP_LABEL(pt_l0, 7, tp5, PTE_V | PTE_R | PTE_X | PTE_A)        /* RX */
  MAP_LABEL(pt_l0, 8, tp6, PTE_V | PTE_W | PTE_A | PTE_D)        /* W without R: reserved */
  MAP_LABEL(pt_l0, 9, tp6, PTE_V)                                /* pointer at level 0 */
  MAP_LABEL(pt_l0, 10, tp7, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A) /* user RX */
  MAP_LABEL(pt_l0, 11, tp1, PTE_V | PTE_R)                       /* read-only, A = 0 */
  MAP_LABEL(pt_l0, 12, tp5, PTE_V | PTE_X)                       /* execute-only, A = 0 */
  MAP_LABEL(pt_l0, 13, tp8, PTE_V | PTE_X | PTE_A)               /* code at its end, for case 21 */
  /* 14: invalid until case 21 maps tp9 */
  SATP_ON

/* S-mode loads and stores through a 4 KiB page */
CASE(1)
  RUN_IN(MSTATUS_MPP_S, t1_s, 1f)
t1_s:
  li t0, TVA(0)
  lw s2, 0(t0)
  li t1, 0x2222
  sw t1, 8(t0)
  ecall
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK(s2, 0x11111111)
  la t0, tp0
  lw t1, 8(t0)
  CHECK(t1, 0x2222)

/* the identity superpage (megapage on Sv32, gigapage on Sv39) and a megapage view of the
 * same data */
CASE(2)
  RUN_IN(MSTATUS_MPP_S, t2_s, 1f)
t2_s:
  la t0, pg_data
  lw s2, 0(t0)
  li t1, MEGA_VA - 0x80000000
  add t0, t0, t1
  lw s3, 0(t0)
  li t1, 0x600dbeef
  sw t1, 4(t0)
  ecall
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK(s2, 0x600df00d)
  CHECK(s3, 0x600df00d)
  la t0, pg_data
  lw t1, 4(t0)
  CHECK(t1, 0x600dbeef)

/* invalid PTE: load 13, store 15, fetch 12; mtval = the virtual address */
CASE(3)
  li s0, TVA(5)
  RUN_IN(MSTATUS_MPP_S, t3_s, 1f)
t3_s:
  lw t2, 4(s0)
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_LOAD_PAGE_FAULT, t3_s, TVA(5) + 4)
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP, MSTATUS_MPP_S)
  RUN_IN(MSTATUS_MPP_S, t3_s2, 1f)
t3_s2:
  SREG zero, 16(s0)
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_STORE_PAGE_FAULT, t3_s2, TVA(5) + 16)
  RUN_IN(MSTATUS_MPP_S, t3_s3, 1f)
t3_s3:
  jr s0
1:
  CHECK_MTRAP_CT(CAUSE_FETCH_PAGE_FAULT, TVA(5))
  CHECK_MTRAP(TR_EPC, TVA(5))

/* read-only page: loads work, stores fault */
CASE(4)
  li s0, TVA(1)
  RUN_IN(MSTATUS_MPP_S, t4_s, 1f)
t4_s:
  lw s2, 0(s0)
t4_st:
  sw zero, 0(s0)
  j test_fail
1:
  CHECK(s2, 0x22222222)
  CHECK_MTRAP_CEV(CAUSE_STORE_PAGE_FAULT, t4_st, TVA(1))
  la t0, tp1
  lw t1, 0(t0)
  CHECK(t1, 0x22222222)

/* X: fetching from a page without X faults; execute-only and RX pages run */
CASE(5)
  li s0, TVA(0)
  RUN_IN(MSTATUS_MPP_S, t5_s, 1f)
t5_s:
  jr s0
1:
  CHECK_MTRAP_CT(CAUSE_FETCH_PAGE_FAULT, TVA(0))
  CHECK_MTRAP(TR_EPC, TVA(0))
  li a0, 0
  RUN_AT(MSTATUS_MPP_S, TVA(3), 1f)
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK_MTRAP(TR_EPC, TVA(3) + 4)
  CHECK(a0, 0x5a)
  li a0, 0
  RUN_AT(MSTATUS_MPP_S, TVA(7), 1f)
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK(a0, 0x5a)

/* MXR: loads from an execute-only page fault unless mstatus.MXR = 1 */
CASE(6)
  li s0, TVA(3)
  RUN_IN(MSTATUS_MPP_S, t6_s, 1f)
t6_s:
  lw t2, 0(s0)
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_LOAD_PAGE_FAULT, t6_s, TVA(3))
  li t0, MSTATUS_MXR
  csrs mstatus, t0
  RUN_IN(MSTATUS_MPP_S, t6_s2, 1f)
t6_s2:
  lw s2, 0(s0)
  ecall
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK(s2, SNIPPET_0)
  li t0, MSTATUS_MXR
  csrc mstatus, t0

/* SUM: S may load/store a U page only with SUM = 1, and never execute from one */
CASE(7)
  li s0, TVA(4)
  RUN_IN(MSTATUS_MPP_S, t7_s, 1f)
t7_s:
  lw t2, 0(s0)
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_LOAD_PAGE_FAULT, t7_s, TVA(4))
  RUN_IN(MSTATUS_MPP_S, t7_s2, 1f)
t7_s2:
  sw zero, 4(s0)
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_STORE_PAGE_FAULT, t7_s2, TVA(4) + 4)
  li t0, MSTATUS_SUM
  csrs mstatus, t0
  RUN_IN(MSTATUS_MPP_S, t7_s3, 1f)
t7_s3:
  lw s2, 0(s0)
  li t1, 0x4545
  sw t1, 8(s0)
  ecall
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK(s2, 0x44444444)
  la t0, tp4
  lw t1, 8(t0)
  CHECK(t1, 0x4545)
  RUN_AT(MSTATUS_MPP_S, TVA(10), 1f)
1:
  CHECK_MTRAP_CT(CAUSE_FETCH_PAGE_FAULT, TVA(10))
  CHECK_MTRAP(TR_EPC, TVA(10))
  li t0, MSTATUS_SUM
  csrc mstatus, t0

/* U-mode: U pages only, for data and for instructions */
CASE(8)
  RUN_IN_UALIAS(t8_u, 1f)
t8_u:
  li t0, TVA(4)
  lw s2, 0(t0)
  ecall
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_U)
  CHECK(s2, 0x44444444)
  RUN_IN_UALIAS(t8_u2, 1f)
t8_u2:
  li t0, TVA(0)
t8_u2_ld:
  lw s2, 0(t0)
  j test_fail
1:
  CHECK_MTRAP_CT(CAUSE_LOAD_PAGE_FAULT, TVA(0))
  CHECK_MTRAP_UALIAS_EPC(t8_u2_ld)
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP, MSTATUS_MPP_U)
  li a0, 0
  RUN_AT(MSTATUS_MPP_U, TVA(10), 1f)
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_U)
  CHECK_MTRAP(TR_EPC, TVA(10) + 4)
  CHECK(a0, 0x5a)
  RUN_AT(MSTATUS_MPP_U, TVA(7), 1f)
1:
  CHECK_MTRAP_CT(CAUSE_FETCH_PAGE_FAULT, TVA(7))
  RUN_AT(MSTATUS_MPP_U, 0x80000000, 1f)   /* the identity map has U = 0 */
1:
  CHECK_MTRAP_CT(CAUSE_FETCH_PAGE_FAULT, 0x80000000)

/* A/D: set by the hardware walker; a faulting access sets nothing */
CASE(9)
  LOAD_PTE(s2, pt_l0, 2)
  CHECK_MASKED(s2, PTE_A | PTE_D, 0)
  RUN_IN(MSTATUS_MPP_S, t9_s, 1f)
t9_s:
  li t0, TVA(2)
  lw t1, 0(t0)
  ecall
1:
  LOAD_PTE(s2, pt_l0, 2)
  CHECK_MASKED(s2, 0xff, PTE_V | PTE_R | PTE_W | PTE_A)
  RUN_IN(MSTATUS_MPP_S, t9_s2, 1f)
t9_s2:
  li t0, TVA(2)
  sw zero, 4(t0)
  ecall
1:
  LOAD_PTE(s2, pt_l0, 2)
  CHECK_MASKED(s2, 0xff, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
CASE(10)
  RUN_IN(MSTATUS_MPP_S, t10_s, 1f)
t10_s:
  li t0, TVA(11)
  sw zero, 0(t0)            /* read-only: faults */
  j test_fail
1:
  CHECK_MTRAP_CT(CAUSE_STORE_PAGE_FAULT, TVA(11))
  LOAD_PTE(s2, pt_l0, 11)
  CHECK_MASKED(s2, 0xff, PTE_V | PTE_R)
  RUN_IN(MSTATUS_MPP_S, t10_s2, 1f)
t10_s2:
  li t0, TVA(11)
  lw s3, 0(t0)
  ecall
1:
  CHECK(s3, 0x22222222)
  LOAD_PTE(s2, pt_l0, 11)
  CHECK_MASKED(s2, 0xff, PTE_V | PTE_R | PTE_A)
  li a0, 0
  RUN_AT(MSTATUS_MPP_S, TVA(12), 1f)        /* a fetch sets A */
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK(a0, 0x5a)
  LOAD_PTE(s2, pt_l0, 12)
  CHECK_MASKED(s2, 0xff, PTE_V | PTE_X | PTE_A)

/* sfence.vma after changing a PTE (from S, through the identity map of the tables) */
CASE(11)
  RUN_IN(MSTATUS_MPP_S, t11_s, 1f)
t11_s:
  li s0, TVA(6)
  lw s2, 0(s0)              /* tp0 */
  MAP_LABEL(pt_l0, 6, tp1, RWAD)
  sfence.vma
  lw s3, 0(s0)              /* tp1 */
  SET_PTE(pt_l0, 6, zero)
  sfence.vma s0, zero
t11_ld:
  lw s4, 0(s0)
  j test_fail
1:
  CHECK(s2, 0x11111111)
  CHECK(s3, 0x22222222)
  CHECK_MTRAP_CEV(CAUSE_LOAD_PAGE_FAULT, t11_ld, TVA(6))

/* misaligned superpages fault */
CASE(12)
  RUN_IN(MSTATUS_MPP_S, t12_s, 1f)
t12_s:
#if __riscv_xlen == 32
  li t0, BAD_MEGA_VA + 0x1238
  sw zero, 0(t0)
#else
  li t0, BAD_MEGA_VA
  lw t2, 0(t0)
#endif
  j test_fail
1:
#if __riscv_xlen == 32
  CHECK_MTRAP_CT(CAUSE_STORE_PAGE_FAULT, BAD_MEGA_VA + 0x1238)
#else
  CHECK_MTRAP_CT(CAUSE_LOAD_PAGE_FAULT, BAD_MEGA_VA)
#endif
  RUN_IN(MSTATUS_MPP_S, t12_s2, 1f)
t12_s2:
#if __riscv_xlen == 32
  li t0, BAD_MEGA_VA
  lw t2, 0(t0)
#else
  li t0, BAD_GIGA_VA + 0x1238
  sd zero, 0(t0)
#endif
  j test_fail
1:
#if __riscv_xlen == 32
  CHECK_MTRAP_CT(CAUSE_LOAD_PAGE_FAULT, BAD_MEGA_VA)
#else
  CHECK_MTRAP_CT(CAUSE_STORE_PAGE_FAULT, BAD_GIGA_VA + 0x1238)
#endif

/* reserved encodings: W without R; a pointer PTE at the last level */
CASE(13)
  RUN_IN(MSTATUS_MPP_S, t13_s, 1f)
t13_s:
  li t0, TVA(8)
  lw t2, 0(t0)
  j test_fail
1:
  CHECK_MTRAP_CT(CAUSE_LOAD_PAGE_FAULT, TVA(8))
  RUN_IN(MSTATUS_MPP_S, t13_s2, 1f)
t13_s2:
  li t0, TVA(8)
  sw zero, 0(t0)
  j test_fail
1:
  CHECK_MTRAP_CT(CAUSE_STORE_PAGE_FAULT, TVA(8))
  RUN_IN(MSTATUS_MPP_S, t13_s3, 1f)
t13_s3:
  li t0, TVA(9)
  lw t2, 0(t0)
  j test_fail
1:
  CHECK_MTRAP_CT(CAUSE_LOAD_PAGE_FAULT, TVA(9))

/* Sv32: an invalid root entry faults at the first level. Sv39: non-canonical addresses
 * (bits 63:39 != bit 38) fault with the access's page-fault cause. */
CASE(14)
  RUN_IN(MSTATUS_MPP_S, t14_s, 1f)
t14_s:
#if __riscv_xlen == 32
  li t0, 0xf0000010
#else
  li t0, 0x0000004000000000
#endif
  lw t2, 0(t0)
  j test_fail
1:
#if __riscv_xlen == 32
  CHECK_MTRAP_CT(CAUSE_LOAD_PAGE_FAULT, 0xf0000010)
  RUN_AT(MSTATUS_MPP_S, 0x00400000, 1f)
#else
  CHECK_MTRAP_CT(CAUSE_LOAD_PAGE_FAULT, 0x0000004000000000)
  RUN_IN(MSTATUS_MPP_S, t14_s2, 1f)
t14_s2:
  li t0, 0xff00000080000000
  sw zero, 0(t0)
  j test_fail
1:
  CHECK_MTRAP_CT(CAUSE_STORE_PAGE_FAULT, 0xff00000080000000)
  RUN_AT(MSTATUS_MPP_S, 0x0000008080000000, 1f)
1:
  CHECK_MTRAP_CT(CAUSE_FETCH_PAGE_FAULT, 0x0000008080000000)
  CHECK_MTRAP(TR_EPC, 0x0000008080000000)
  RUN_IN(MSTATUS_MPP_S, t14_s3, 1f)  /* canonical but unmapped (root[511] is invalid) */
t14_s3:
  li t0, 0xffffffffc0000000
  lw t2, 0(t0)
  j test_fail
#endif
1:
#if __riscv_xlen == 32
  CHECK_MTRAP_CT(CAUSE_FETCH_PAGE_FAULT, 0x00400000)
  CHECK_MTRAP(TR_EPC, 0x00400000)
#else
  CHECK_MTRAP_CT(CAUSE_LOAD_PAGE_FAULT, 0xffffffffc0000000)
#endif

/* MPRV with MPP = S: M-mode loads and stores are translated (and permission-checked) as S;
 * instruction fetches are not */
CASE(15)
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, MSTATUS_MPP_S | MSTATUS_MPRV
  csrs mstatus, t0
  li t2, TVA(0)
  lw s2, 0(t2)
  li t1, 0x7777
  sw t1, 12(t2)
  li t0, MSTATUS_MPRV
  csrc mstatus, t0
  CHECK(s2, 0x11111111)
  la t0, tp0
  lw t1, 12(t0)
  CHECK(t1, 0x7777)
CASE(16)      /* a fault under MPRV traps to M with MPP = M, MPRV still 1 */
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, MSTATUS_MPP_S | MSTATUS_MPRV
  csrs mstatus, t0
  EXPECT_TRAP(1f)           /* these stores are translated too: identity map */
  li t2, TVA(4)
t16_ld:
  lw s3, 0(t2)              /* U page, SUM = 0 */
  j test_fail
1:
  li t0, MSTATUS_MPRV       /* first: after mret MPP = U, so translation would be as U */
  csrc mstatus, t0
  CHECK_MTRAP_CEV(CAUSE_LOAD_PAGE_FAULT, t16_ld, TVA(4))
  CHECK_MTRAP_MASKED(TR_STATUS, MSTATUS_MPP | MSTATUS_MPRV, MSTATUS_MPP_M | MSTATUS_MPRV)
CASE(17)      /* MPRV with MPP = U: U pages only; MXR applies too */
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, MSTATUS_MPRV
  csrs mstatus, t0
  li t2, TVA(4)
  lw s2, 0(t2)
  li t0, MSTATUS_MPRV
  csrc mstatus, t0
  CHECK(s2, 0x44444444)
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  li t0, MSTATUS_MPP_S | MSTATUS_MPRV | MSTATUS_MXR
  csrs mstatus, t0
  li t2, TVA(3)
  lw s2, 0(t2)              /* execute-only page, readable with MXR */
  li t0, MSTATUS_MPRV | MSTATUS_MXR
  csrc mstatus, t0
  CHECK(s2, SNIPPET_0)

/* page faults delegated to S: scause/stval/sepc */
CASE(18)
  li t0, (1 << CAUSE_FETCH_PAGE_FAULT) | (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT)
  csrw medeleg, t0
  EXPECT_STRAP(t18_s_back)
  RUN_IN(MSTATUS_MPP_S, t18_s, 1f)
t18_s:
  li t0, TVA(5) + 0x10
t18_ld:
  lw t1, 0(t0)
  j test_fail
t18_s_back:
  EXPECT_STRAP(t18_s_back2)
  la t0, t18_u
  li t1, ALIAS_OFF
  add t0, t0, t1
  csrw sepc, t0
  li t0, MSTATUS_SPP
  csrc sstatus, t0
  sret
t18_u:
  li t0, TVA(1) + 0x20
t18_st:
  sw zero, 0(t0)
  j test_fail
t18_s_back2:
  ebreak
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_BREAKPOINT)
  CHECK_STRAP(TR_CAUSE, CAUSE_STORE_PAGE_FAULT)
  CHECK_STRAP(TR_TVAL, TVA(1) + 0x20)
  CHECK_STRAP_MASKED(TR_STATUS, MSTATUS_SPP, 0)
  la t6, t18_st
  li t5, ALIAS_OFF
  add t6, t6, t5
  LOAD_STRAP(t0, TR_EPC)
  CHECK_REG(t0, t6)
  csrw medeleg, zero
  CHECK_CSR(stval, TVA(1) + 0x20)
  CHECK_CSR(scause, CAUSE_STORE_PAGE_FAULT)

/* lr on a read-only page works; sc and AMOs there raise store page faults */
CASE(19)
  li s0, TVA(1)
  RUN_IN(MSTATUS_MPP_S, t19_s, 1f)
t19_s:
  lr.w s2, (s0)
t19_sc:
  sc.w s3, zero, (s0)
  j test_fail
1:
  CHECK(s2, 0x22222222)
  CHECK_MTRAP_CEV(CAUSE_STORE_PAGE_FAULT, t19_sc, TVA(1))
  RUN_IN(MSTATUS_MPP_S, t19_amo, 1f)
t19_amo:
  amoadd.w s3, s0, (s0)
  j test_fail
1:
  CHECK_MTRAP_CEV(CAUSE_STORE_PAGE_FAULT, t19_amo, TVA(1))
  la t0, tp1
  lw t1, 0(t0)
  CHECK(t1, 0x22222222)

/* an instruction that straddles into an unmapped page: the fetch page fault has mepc = the
 * instruction's address and mtval = the start of the unmapped page; once it is mapped, the
 * instruction runs */
CASE(20)
  li a0, 0
  RUN_AT(MSTATUS_MPP_S, TVA(13) + 0xff8, 1f)
1:
  CHECK_MTRAP(TR_COUNT, 1)
  CHECK_MTRAP(TR_CAUSE, CAUSE_FETCH_PAGE_FAULT)
  CHECK_MTRAP(TR_EPC, TVA(13) + 0xffe)
  CHECK_MTRAP(TR_TVAL, TVA(14))
  CHECK(a0, 0x33)
  MAP_LABEL(pt_l0, 14, tp9, PTE_V | PTE_X | PTE_A)
  sfence.vma
  RUN_AT(MSTATUS_MPP_S, TVA(13) + 0xff8, 1f)
1:
  CHECK_MTRAP(TR_CAUSE, CAUSE_ECALL_S)
  CHECK_MTRAP(TR_EPC, TVA(14) + 2)
  CHECK(a0, 0x34)

/* back to Bare: S sees physical addresses again */
CASE(21)
  csrw satp, zero
  sfence.vma
  RUN_IN(MSTATUS_MPP_S, t21_s, 1f)
t21_s:
  la t0, tp2
  lw s2, 0(t0)
  ecall
1:
  CHECK(s2, 0x33333333)
TEST_END
PRIV_SUPPORT

  .data
  .balign 8
pg_data:
  .word 0x600df00d, 0

  .bss
  .balign 4096
pt_root: .zero 4096
#if __riscv_xlen == 64
pt_l1: .zero 4096
#endif
pt_l0: .zero 4096
tp0: .zero 4096
tp1: .zero 4096
tp2: .zero 4096
tp3: .zero 4096
tp4: .zero 4096
tp5: .zero 4096
tp6: .zero 4096
tp7: .zero 4096
tp8: .zero 4096
tp9: .zero 4096
