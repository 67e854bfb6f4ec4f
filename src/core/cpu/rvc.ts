/**
 * The "C" extension: expansion of every 16-bit instruction into the 32-bit instruction it
 * stands for (unprivileged spec, chapter "C" Standard Extension, Tables 16.4–16.6).
 *
 * Expansion depends only on the 16 bits and on XLEN, so each XLEN gets one 65,536-entry
 * table built once; the interpreter looks a parcel up instead of decoding it again.
 * A table entry of 0 means the parcel is illegal or reserved (0 is itself an illegal
 * 32-bit encoding). Floating-point forms are illegal: the machine has no F or D.
 */

const OP_LOAD = 0x03;
const OP_IMM = 0x13;
const OP_IMM_32 = 0x1b;
const OP_STORE = 0x23;
const OP = 0x33;
const OP_32 = 0x3b;
const OP_LUI = 0x37;
const OP_BRANCH = 0x63;
const OP_JALR = 0x67;
const OP_JAL = 0x6f;
const EBREAK = 0x00100073;

const iType = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
const sType = (imm: number, rs2: number, rs1: number, f3: number, op: number): number =>
  (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op;
const rType = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
  (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
const bType = (imm: number, rs2: number, rs1: number, f3: number): number =>
  (((imm >> 12) & 1) << 31) |
  (((imm >> 5) & 0x3f) << 25) |
  (rs2 << 20) |
  (rs1 << 15) |
  (f3 << 12) |
  (((imm >> 1) & 0xf) << 8) |
  (((imm >> 11) & 1) << 7) |
  OP_BRANCH;
const jType = (imm: number, rd: number): number =>
  (((imm >> 20) & 1) << 31) |
  (((imm >> 1) & 0x3ff) << 21) |
  (((imm >> 11) & 1) << 20) |
  (((imm >> 12) & 0xff) << 12) |
  (rd << 7) |
  OP_JAL;

const bit = (v: number, n: number): number => (v >> n) & 1;
const bits = (v: number, hi: number, lo: number): number => (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
/** Sign-extends the low `width` bits of v. */
const sext = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);

/** CJ-format jump offset (c.j, c.jal): imm[11|4|9:8|10|6|7|3:1|5] in bits 12:2. */
function cjOffset(c: number): number {
  const imm =
    (bit(c, 12) << 11) |
    (bit(c, 11) << 4) |
    (bits(c, 10, 9) << 8) |
    (bit(c, 8) << 10) |
    (bit(c, 7) << 6) |
    (bit(c, 6) << 7) |
    (bits(c, 5, 3) << 1) |
    (bit(c, 2) << 5);
  return sext(imm, 12);
}

/** CB-format branch offset (c.beqz, c.bnez): offset[8|4:3] in 12:10, [7:6|2:1|5] in 6:2. */
function cbOffset(c: number): number {
  const imm =
    (bit(c, 12) << 8) |
    (bits(c, 11, 10) << 3) |
    (bits(c, 6, 5) << 6) |
    (bits(c, 4, 3) << 1) |
    (bit(c, 2) << 5);
  return sext(imm, 9);
}

/** Expands one 16-bit parcel; returns 0 when it is illegal or reserved. */
export function expandCompressed(c: number, xlen: 32 | 64): number {
  const f3 = bits(c, 15, 13);
  const rdp = bits(c, 4, 2) + 8; // rd'/rs2' (x8–x15)
  const rs1p = bits(c, 9, 7) + 8; // rs1'/rd'
  const rd = bits(c, 11, 7);
  const rs2 = bits(c, 6, 2);
  const imm6 = sext((bit(c, 12) << 5) | bits(c, 6, 2), 6);
  const rv64 = xlen === 64;
  switch (c & 3) {
    case 0:
      switch (f3) {
        case 0: {
          // c.addi4spn: nzuimm[5:4|9:6|2|3]
          const imm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) | (bit(c, 6) << 2) | (bit(c, 5) << 3);
          return imm === 0 ? 0 : iType(imm, 2, 0, rdp, OP_IMM);
        }
        case 2: // c.lw
          return iType((bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6), rs1p, 2, rdp, OP_LOAD);
        case 3: // c.ld (RV64); c.flw on RV32 is floating point
          return rv64 ? iType((bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6), rs1p, 3, rdp, OP_LOAD) : 0;
        case 6: // c.sw
          return sType((bits(c, 12, 10) << 3) | (bit(c, 6) << 2) | (bit(c, 5) << 6), rdp, rs1p, 2, OP_STORE);
        case 7: // c.sd (RV64)
          return rv64 ? sType((bits(c, 12, 10) << 3) | (bits(c, 6, 5) << 6), rdp, rs1p, 3, OP_STORE) : 0;
        default: // c.fld, reserved, c.fsd
          return 0;
      }
    case 1:
      switch (f3) {
        case 0: // c.addi (c.nop when rd = 0)
          return iType(imm6, rd, 0, rd, OP_IMM);
        case 1:
          if (!rv64) return jType(cjOffset(c), 1); // c.jal
          return rd === 0 ? 0 : iType(imm6, rd, 0, rd, OP_IMM_32); // c.addiw
        case 2: // c.li
          return iType(imm6, 0, 0, rd, OP_IMM);
        case 3: {
          if (rd === 2) {
            // c.addi16sp: nzimm[9] in 12, [4|6|8:7|5] in 6:2
            const imm = sext(
              (bit(c, 12) << 9) |
                (bit(c, 6) << 4) |
                (bit(c, 5) << 6) |
                (bits(c, 4, 3) << 7) |
                (bit(c, 2) << 5),
              10,
            );
            return imm === 0 ? 0 : iType(imm, 2, 0, 2, OP_IMM);
          }
          // c.lui: nzimm[17] in 12, [16:12] in 6:2
          if (imm6 === 0) return 0;
          return ((imm6 << 12) & 0xfffff000) | (rd << 7) | OP_LUI;
        }
        case 4: {
          const shamt = (bit(c, 12) << 5) | bits(c, 6, 2);
          switch (bits(c, 11, 10)) {
            case 0: // c.srli
              return !rv64 && bit(c, 12) ? 0 : iType(shamt, rs1p, 5, rs1p, OP_IMM);
            case 1: // c.srai
              return !rv64 && bit(c, 12) ? 0 : iType(0x400 | shamt, rs1p, 5, rs1p, OP_IMM);
            case 2: // c.andi
              return iType(imm6, rs1p, 7, rs1p, OP_IMM);
            default: {
              const f2 = bits(c, 6, 5);
              if (bit(c, 12) === 0) {
                // c.sub, c.xor, c.or, c.and
                const f3s = [0, 4, 6, 7] as const;
                return rType(f2 === 0 ? 0x20 : 0, rdp, rs1p, f3s[f2]!, rs1p, OP);
              }
              if (!rv64 || f2 >= 2) return 0;
              return rType(f2 === 0 ? 0x20 : 0, rdp, rs1p, 0, rs1p, OP_32); // c.subw, c.addw
            }
          }
        }
        case 5: // c.j
          return jType(cjOffset(c), 0);
        case 6: // c.beqz
          return bType(cbOffset(c), 0, rs1p, 0);
        default: // c.bnez
          return bType(cbOffset(c), 0, rs1p, 1);
      }
    case 2:
      switch (f3) {
        case 0: // c.slli
          return !rv64 && bit(c, 12) ? 0 : iType((bit(c, 12) << 5) | rs2, rd, 1, rd, OP_IMM);
        case 2: // c.lwsp
          if (rd === 0) return 0;
          return iType((bit(c, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6), 2, 2, rd, OP_LOAD);
        case 3: // c.ldsp (RV64)
          if (!rv64 || rd === 0) return 0;
          return iType((bit(c, 12) << 5) | (bits(c, 6, 5) << 3) | (bits(c, 4, 2) << 6), 2, 3, rd, OP_LOAD);
        case 4:
          if (bit(c, 12) === 0) {
            if (rs2 === 0) return rd === 0 ? 0 : iType(0, rd, 0, 0, OP_JALR); // c.jr
            return rType(0, rs2, 0, 0, rd, OP); // c.mv
          }
          if (rs2 === 0) return rd === 0 ? EBREAK : iType(0, rd, 0, 1, OP_JALR); // c.ebreak, c.jalr
          return rType(0, rs2, rd, 0, rd, OP); // c.add
        case 6: // c.swsp
          return sType((bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6), rs2, 2, 2, OP_STORE);
        case 7: // c.sdsp (RV64)
          return rv64 ? sType((bits(c, 12, 10) << 3) | (bits(c, 9, 7) << 6), rs2, 2, 3, OP_STORE) : 0;
        default: // c.fldsp, c.fsdsp
          return 0;
      }
    default:
      return 0; // not a compressed parcel
  }
}

const tables: { 32?: Int32Array; 64?: Int32Array } = {};

/** The expansion table for one XLEN, indexed by the 16-bit parcel. */
export function compressedTable(xlen: 32 | 64): Int32Array {
  let table = tables[xlen];
  if (table === undefined) {
    table = new Int32Array(65536);
    for (let c = 0; c < 65536; c++) {
      if ((c & 3) !== 3) table[c] = expandCompressed(c, xlen);
    }
    tables[xlen] = table;
  }
  return table;
}
