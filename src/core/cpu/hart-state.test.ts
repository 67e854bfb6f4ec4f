/** Checks that a hart's state survives capture, structured cloning and restore. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { hexBytes } from "../machine/elf-builder.fixture.js";
import { AddressSpace } from "../memory/address-space.js";
import { GuestMemory } from "../memory/guest-memory.js";
import { Csr } from "./csr-numbers.js";
import { Hart } from "./hart.js";
import { captureHartState, type HartState, restoreHartState, SAVED_CSRS } from "./hart-state.js";
import { Priv } from "./interrupts.js";

const BASE = 0x8000_0000;
/** loop: mul t0,t0,t1; addi t0,t0,7; xor t1,t1,t0; slli t2,t1,3; add t1,t1,t2; csrrw t3,mscratch,t1; j loop */
const PROGRAM = hexBytes(
  "b3 82 62 02 93 82 72 00 33 43 53 00 93 13 33 00 33 03 73 00 73 1e 03 34 6f f0 9f fe",
);

function machine(xlen: 32 | 64): Hart {
  const ram = GuestMemory.allocate(BASE, 64 * 1024);
  ram.write(BASE, Uint8Array.from(PROGRAM));
  const h = new Hart({ hartId: 0, xlen, bus: new AddressSpace(ram), readTime: () => 0 });
  h.setPc(BASE);
  return h;
}

for (const xlen of [32, 64] as const) {
  test(`captureHartState() and restoreHartState() round-trip an RV${xlen} hart through structuredClone`, () => {
    const a = machine(xlen);
    a.setX(5, 3);
    a.setX(6, 0x1234_5678);
    a.setX(31, xlen === 64 ? 0xfedc_ba98_7654_3210n : 0xfedc_ba98);
    a.csrLo[Csr.stvec] = 0x8000_1000 | 0;
    a.csrLo[Csr.satp] = 0x1234;
    if (xlen === 64) a.csrHi[Csr.satp] = 0x8000_0000 | 0;
    a.csrLo[Csr.mie] = 0x222;
    a.run(1000);
    const saved = captureHartState(a);
    const copy = structuredClone(saved);
    assert.deepEqual(copy, saved);
    assert.equal(saved.x.length, 32);
    assert.equal(saved.x[0], 0n);
    for (const name of SAVED_CSRS) assert.equal(typeof saved.csrs[name], "bigint");

    const b = machine(xlen);
    restoreHartState(b, copy);
    assert.deepEqual(captureHartState(b), saved);
    // Both now run the same instructions to the same state.
    a.run(777);
    b.run(777);
    assert.deepEqual(captureHartState(b), captureHartState(a));
    assert.equal(b.getX(31), a.getX(31));
    assert.equal(b.csrHi[Csr.satp], a.csrHi[Csr.satp]);
  });
}

test("restoreHartState() keeps a negative RV64 pc and the wfi flag", () => {
  const a = machine(64);
  a.setPc(-0x1000);
  a.priv = Priv.S;
  a.waitingForInterrupt = true;
  const b = machine(64);
  restoreHartState(b, structuredClone(captureHartState(a)));
  assert.equal(b.pc, -0x1000);
  assert.equal(b.priv, Priv.S);
  assert.equal(b.waitingForInterrupt, true);
  assert.equal(captureHartState(b).pc, 0xffff_ffff_ffff_f000n);
});

test("restoreHartState() refuses a bad state and leaves the hart unchanged", () => {
  const good = captureHartState(machine(64));
  const target = machine(32);
  const before = captureHartState(target);
  const bad: [string, HartState, RegExp][] = [
    ["wrong xlen", good, /xlen 64/],
    ["x too short", { ...before, x: before.x.slice(0, 31) }, /32 registers/],
    ["x0 set", { ...before, x: [1n, ...before.x.slice(1)] }, /x0/],
    ["wide register", { ...before, x: before.x.map((v, i) => (i === 3 ? 1n << 32n : v)) }, /x3/],
    ["bad priv", { ...before, priv: 2 as 0 }, /priv/],
    ["missing csr", { ...before, csrs: { ...before.csrs, satp: undefined as unknown as bigint } }, /satp/],
    ["negative instret", { ...before, instret: -1 }, /instret/],
  ];
  for (const [what, state, message] of bad) {
    assert.throws(() => restoreHartState(target, state), message, what);
    assert.deepEqual(captureHartState(target), before, what);
  }
});
