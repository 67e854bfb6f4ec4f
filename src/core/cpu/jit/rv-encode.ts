/**
 * RISC-V instruction encoders for test programs (the differential fuzzer, the self-modifying
 * code tests): the unprivileged spec's 32-bit formats (chapter "RV32I Base Integer
 * Instruction Set", Figure 2.3) and the C extension's 16-bit ones (Tables 16.5–16.7). All
 * return unsigned numbers; immediates must already be in range.
 */

export const OP_LOAD = 0x03;
export const OP_MISC_MEM = 0x0f;
export const OP_IMM = 0x13;
export const OP_AUIPC = 0x17;
export const OP_IMM_32 = 0x1b;
export const OP_STORE = 0x23;
export const OP_OP = 0x33;
export const OP_LUI = 0x37;
export const OP_OP_32 = 0x3b;
export const OP_BRANCH = 0x63;
export const OP_JALR = 0x67;
export const OP_JAL = 0x6f;
export const OP_SYSTEM = 0x73;

const bit = (v: number, n: number): number => (v >> n) & 1;
const field = (v: number, hi: number, lo: number): number => (v >> lo) & ((1 << (hi - lo + 1)) - 1);

/** 32-bit instruction formats. Immediates are the instruction's own (already in range). */
export const enc = {
  r: (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
    ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0,
  i: (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
    (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0,
  s: (imm: number, rs2: number, rs1: number, f3: number, op = OP_STORE): number =>
    ((field(imm, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (field(imm, 4, 0) << 7) | op) >>> 0,
  b: (imm: number, rs2: number, rs1: number, f3: number): number =>
    ((bit(imm, 12) << 31) |
      (field(imm, 10, 5) << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      (f3 << 12) |
      (field(imm, 4, 1) << 8) |
      (bit(imm, 11) << 7) |
      OP_BRANCH) >>>
    0,
  u: (imm20: number, rd: number, op: number): number => (((imm20 & 0xfffff) << 12) | (rd << 7) | op) >>> 0,
  j: (imm: number, rd: number): number =>
    ((bit(imm, 20) << 31) |
      (field(imm, 10, 1) << 21) |
      (bit(imm, 11) << 20) |
      (field(imm, 19, 12) << 12) |
      (rd << 7) |
      OP_JAL) >>>
    0,
  addi: (rd: number, rs1: number, imm: number): number => enc.i(imm, rs1, 0, rd, OP_IMM),
  /** csrrs rd, csr, x0 */
  csrr: (rd: number, csr: number): number => enc.i(csr, 0, 2, rd, OP_SYSTEM),
  /** csrrw x0, csr, rs1 */
  csrw: (csr: number, rs1: number): number => enc.i(csr, rs1, 1, 0, OP_SYSTEM),
  auipc: (rd: number, imm20: number): number => enc.u(imm20, rd, OP_AUIPC),
  lui: (rd: number, imm20: number): number => enc.u(imm20, rd, OP_LUI),
  load: (f3: number, rd: number, rs1: number, imm: number): number => enc.i(imm, rs1, f3, rd, OP_LOAD),
  store: (f3: number, rs2: number, rs1: number, imm: number): number => enc.s(imm, rs2, rs1, f3),
  mret: 0x30200073,
  wfi: 0x10500073,
  ecall: 0x00000073,
  ebreak: 0x00100073,
} as const;

/** 16-bit instruction formats; register arguments are full numbers (x8–x15 for the primed ones). */
export const cenc = {
  /** CI: funct3 imm[5] rd imm[4:0] op */
  ci: (f3: number, imm6: number, rd: number, op: number): number =>
    (f3 << 13) | (bit(imm6, 5) << 12) | (rd << 7) | (field(imm6, 4, 0) << 2) | op,
  addi: (rd: number, imm: number): number => cenc.ci(0, imm, rd, 1),
  addiw: (rd: number, imm: number): number => cenc.ci(1, imm, rd, 1),
  li: (rd: number, imm: number): number => cenc.ci(2, imm, rd, 1),
  /** c.lui rd, nzimm[17:12] (imm6 is the value shifted right by 12). */
  lui: (rd: number, imm6: number): number => cenc.ci(3, imm6, rd, 1),
  slli: (rd: number, shamt: number): number => cenc.ci(0, shamt, rd, 2),
  /** c.srli (k = 0), c.srai (k = 1), c.andi (k = 2) on rd' */
  cb2: (k: number, rd: number, imm6: number): number =>
    (4 << 13) | (bit(imm6, 5) << 12) | (k << 10) | ((rd - 8) << 7) | (field(imm6, 4, 0) << 2) | 1,
  /** c.sub/xor/or/and (w = 0, f2 = 0..3), c.subw/addw (w = 1, f2 = 0..1) */
  ca: (w: number, f2: number, rd: number, rs2: number): number =>
    (4 << 13) | (w << 12) | (3 << 10) | ((rd - 8) << 7) | (f2 << 5) | ((rs2 - 8) << 2) | 1,
  mv: (rd: number, rs2: number): number => (4 << 13) | (rd << 7) | (rs2 << 2) | 2,
  add: (rd: number, rs2: number): number => (4 << 13) | (1 << 12) | (rd << 7) | (rs2 << 2) | 2,
  jr: (rs1: number): number => (4 << 13) | (rs1 << 7) | 2,
  jalr: (rs1: number): number => (4 << 13) | (1 << 12) | (rs1 << 7) | 2,
  ebreak: 0x9002,
  /** c.j (f3 = 5) and, on RV32, c.jal (f3 = 1): offset[11|4|9:8|10|6|7|3:1|5] */
  cj: (f3: number, off: number): number =>
    (f3 << 13) |
    (bit(off, 11) << 12) |
    (bit(off, 4) << 11) |
    (field(off, 9, 8) << 9) |
    (bit(off, 10) << 8) |
    (bit(off, 6) << 7) |
    (bit(off, 7) << 6) |
    (field(off, 3, 1) << 3) |
    (bit(off, 5) << 2) |
    1,
  /** c.beqz (f3 = 6), c.bnez (f3 = 7): offset[8|4:3] rs1' offset[7:6|2:1|5] */
  cbranch: (f3: number, rs1: number, off: number): number =>
    (f3 << 13) |
    (bit(off, 8) << 12) |
    (field(off, 4, 3) << 10) |
    ((rs1 - 8) << 7) |
    (field(off, 7, 6) << 5) |
    (field(off, 2, 1) << 3) |
    (bit(off, 5) << 2) |
    1,
  /** c.lw (f3 = 2) / c.sw (f3 = 6): uimm[5:3] rs1' uimm[2|6] rd' */
  lsw: (f3: number, rd: number, rs1: number, uimm: number): number =>
    (f3 << 13) |
    (field(uimm, 5, 3) << 10) |
    ((rs1 - 8) << 7) |
    (bit(uimm, 2) << 6) |
    (bit(uimm, 6) << 5) |
    ((rd - 8) << 2),
  /** c.ld (f3 = 3) / c.sd (f3 = 7): uimm[5:3] rs1' uimm[7:6] rd' */
  lsd: (f3: number, rd: number, rs1: number, uimm: number): number =>
    (f3 << 13) | (field(uimm, 5, 3) << 10) | ((rs1 - 8) << 7) | (field(uimm, 7, 6) << 5) | ((rd - 8) << 2),
  lwsp: (rd: number, uimm: number): number =>
    (2 << 13) | (bit(uimm, 5) << 12) | (rd << 7) | (field(uimm, 4, 2) << 4) | (field(uimm, 7, 6) << 2) | 2,
  ldsp: (rd: number, uimm: number): number =>
    (3 << 13) | (bit(uimm, 5) << 12) | (rd << 7) | (field(uimm, 4, 3) << 5) | (field(uimm, 8, 6) << 2) | 2,
  swsp: (rs2: number, uimm: number): number =>
    (6 << 13) | (field(uimm, 5, 2) << 9) | (field(uimm, 7, 6) << 7) | (rs2 << 2) | 2,
  sdsp: (rs2: number, uimm: number): number =>
    (7 << 13) | (field(uimm, 5, 3) << 10) | (field(uimm, 8, 6) << 7) | (rs2 << 2) | 2,
  addi4spn: (rd: number, uimm: number): number =>
    (field(uimm, 5, 4) << 11) |
    (field(uimm, 9, 6) << 7) |
    (bit(uimm, 2) << 6) |
    (bit(uimm, 3) << 5) |
    ((rd - 8) << 2),
  addi16sp: (imm: number): number =>
    (3 << 13) |
    (bit(imm, 9) << 12) |
    (2 << 7) |
    (bit(imm, 4) << 6) |
    (bit(imm, 6) << 5) |
    (field(imm, 8, 7) << 3) |
    (bit(imm, 5) << 2) |
    1,
} as const;
