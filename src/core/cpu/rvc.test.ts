/** Checks compressed-instruction expansion against encodings worked out from the spec. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compressedTable, expandCompressed } from "./rvc.js";

test("expandCompressed() expands common parcels to their 32-bit instructions", () => {
  // c.addi sp, -16 -> addi sp, sp, -16
  assert.equal(expandCompressed(0x1141, 64) >>> 0, 0xff010113);
  // c.li a0, 1 -> addi a0, x0, 1
  assert.equal(expandCompressed(0x4505, 64) >>> 0, 0x00100513);
  // c.mv a0, a1 -> add a0, x0, a1
  assert.equal(expandCompressed(0x852e, 64) >>> 0, 0x00b00533);
  // c.jr ra -> jalr x0, 0(ra)
  assert.equal(expandCompressed(0x8082, 64) >>> 0, 0x00008067);
  // c.ebreak -> ebreak
  assert.equal(expandCompressed(0x9002, 32) >>> 0, 0x00100073);
});

test("expandCompressed() differs between XLENs where the ISA does", () => {
  // funct3 = 001 in quadrant 1 is c.jal on RV32 and c.addiw on RV64.
  const jal = expandCompressed(0x2001, 32) & 0x7f;
  const addiw = expandCompressed(0x2085, 64) & 0x7f; // c.addiw ra, 1
  assert.equal(jal, 0x6f);
  assert.equal(addiw, 0x1b);
  // c.ld exists only on RV64.
  assert.equal(expandCompressed(0x6388, 32), 0);
  assert.notEqual(expandCompressed(0x6388, 64), 0);
});

test("expandCompressed() rejects reserved encodings", () => {
  assert.equal(expandCompressed(0x0000, 64), 0); // defined illegal instruction
  assert.equal(expandCompressed(0x8002, 64), 0); // c.jr x0
  assert.equal(expandCompressed(0x4002, 64), 0); // c.lwsp x0
  assert.equal(expandCompressed(0x6101, 64), 0); // c.addi16sp 0
  assert.equal(expandCompressed(0x1002, 32), 0); // c.slli with shamt[5] on RV32
});

test("compressedTable() leaves 32-bit parcels empty", () => {
  const table = compressedTable(64);
  assert.equal(table[0x0003], 0);
  assert.equal(table[0x1141]! >>> 0, 0xff010113);
});
