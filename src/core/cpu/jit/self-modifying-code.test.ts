/**
 * Self-modifying code under the JIT: a hot loop calls a function whose instruction it rewrites
 * on every pass — in the caller's own page (the store leaves the running unit at once) and in
 * another page (the callee's unit goes stale) — with and without `fence.i`; and a second hart
 * rewrites code the first runs compiled. Every run must compute what the interpreter computes,
 * which sees each write at once.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AddressSpace } from "../../memory/address-space.js";
import { GuestMemory } from "../../memory/guest-memory.js";
import { Hart } from "../hart.js";
import { enc } from "./random-program.js";

const RAM = 0x8000_0000;
const OP_IMM = 0x13;
const A0 = 10;
const A1 = 11;
const S0 = 8;
const S1 = 9;
const T0 = 5;
const RA = 1;
const FENCE_I = 0x0000100f;
const add = (rd: number, rs1: number, rs2: number) => enc.r(0, rs2, rs1, 0, rd, 0x33);
const addi = (rd: number, rs1: number, imm: number) => enc.i(imm, rs1, 0, rd, OP_IMM);
const lw = (rd: number, rs1: number, imm: number) => enc.load(2, rd, rs1, imm);
const sw = (rs2: number, rs1: number, imm: number) => enc.store(2, rs2, rs1, imm);
const bnez = (rs1: number, offset: number) => enc.b(offset, 0, rs1, 1);
const jal = (rd: number, offset: number) => enc.j(offset, rd);
const ret = enc.i(0, RA, 0, 0, 0x67);

function machine(xlen: 32 | 64, harts: number, jit: boolean): Hart[] {
  const ram = GuestMemory.allocate(RAM, 1 << 20, harts);
  const bus = new AddressSpace(ram);
  return Array.from(
    { length: harts },
    (_, hartId) => new Hart({ hartId, xlen, bus, readTime: () => 0, jit: jit ? { hot: 1 } : false }),
  );
}

function put(h: Hart, address: number, words: readonly number[]): void {
  const bytes = new Uint8Array(new Uint32Array(words).buffer);
  h.mem.write(address, bytes);
}

/** Runs until wfi; returns a0. */
function runToEnd(h: Hart): bigint {
  for (let i = 0; i < 1000 && !h.waitingForInterrupt; i++) h.run(10_000);
  assert.ok(h.waitingForInterrupt, "the program ran to its end");
  return h.getX(A0);
}

/**
 * 100 passes of: call F (which is `addi a1, x0, K; ret`), add a1 to a0, then rewrite F's
 * immediate to K + 1. The sum is 1 + 2 + … + 100 = 5050 only if every rewrite is seen.
 */
function selfPatchingLoop(h: Hart, calleePage: number, fenceI: boolean): void {
  const f = RAM + calleePage * 4096 + 0x800;
  const loop = [
    jal(RA, f - (RAM + 0)), // 0x00: call F
    add(A0, A0, A1), // 0x04
    lw(T0, S0, 0), // 0x08: F's first instruction
    enc.lui(A1, 0), // 0x0c: (a1 is free here) a1 = 0; then a1 = 1 << 20: immediate + 1
    addi(A1, A1, 1),
    enc.i(20, A1, 1, A1, OP_IMM), // slli a1, a1, 20
    add(T0, T0, A1),
    sw(T0, S0, 0), // rewrite F
    fenceI ? FENCE_I : addi(0, 0, 0),
    addi(S1, S1, -1),
    bnez(S1, -4 * 10), // back to 0x00
    enc.wfi,
  ];
  put(h, RAM, loop);
  put(h, f, [addi(A1, 0, 1), ret]);
  h.setPc(RAM);
  h.setX(S0, f);
  h.setX(S1, 100);
}

for (const xlen of [64, 32] as const) {
  for (const [where, page] of [
    ["its own page", 0],
    ["another page", 1],
  ] as const) {
    for (const fenceI of [false, true]) {
      test(`rv${xlen}: a loop rewriting a function in ${where}${fenceI ? " with fence.i" : ""} sees every rewrite compiled`, () => {
        const [interpreted] = machine(xlen, 1, false);
        selfPatchingLoop(interpreted!, page, fenceI);
        assert.equal(runToEnd(interpreted!), 5050n, "the interpreter sees every rewrite");
        const [compiled] = machine(xlen, 1, true);
        selfPatchingLoop(compiled!, page, fenceI);
        assert.equal(runToEnd(compiled!), 5050n);
        assert.equal(compiled!.instret, interpreted!.instret);
        // Without fence.i a page rewritten eight times stays interpreted (code-cache.ts);
        // fence.i drops everything, that count included, so compiling goes on.
        const stats = compiled!.jit!.stats;
        const ran = fenceI ? 500 : 50;
        assert.ok(stats.instructions > ran, `compiled code ran (${stats.instructions} instructions)`);
        assert.ok(stats.units >= 8, `stale units were compiled again (${stats.units})`);
      });
    }
  }

  test(`rv${xlen}: code another hart rewrites is seen by the hart running it compiled`, () => {
    const [runner, writer] = machine(xlen, 2, true);
    const f = RAM + 0x1800;
    const result = RAM + 0x8000;
    // Hart 0: forever { a1 = F(); *result = a1 }. Hart 1: F's immediate = 2, then wfi.
    put(runner!, RAM, [jal(RA, f - RAM), sw(A1, S1, 0), jal(0, -8)]);
    put(runner!, f, [addi(A1, 0, 1), ret]);
    put(runner!, RAM + 0x2000, [sw(T0, S0, 0), enc.wfi]);
    runner!.setPc(RAM);
    runner!.setX(S1, result);
    writer!.setPc(RAM + 0x2000);
    writer!.setX(S0, f);
    writer!.setX(T0, addi(A1, 0, 2));
    const seen = () => runner!.mem.read(result, 1)[0];
    runner!.run(5_000);
    assert.equal(seen(), 1);
    assert.ok(runner!.jit!.stats.instructions > 4_000, "hart 0 runs compiled");
    writer!.run(100);
    runner!.run(5_000);
    assert.equal(seen(), 2, "hart 0 runs the new code");
  });
}
