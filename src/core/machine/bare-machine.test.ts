import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BareMachine, type BareMachineOptions, MachineError } from "./bare-machine.js";
import { VirtualClock } from "./clock.js";
import { readDeviceTree } from "./device-tree-reader.js";
import { buildElf, hexBytes } from "./elf-builder.fixture.js";
import { ElfError } from "./elf-loader.js";

const root = new URL("../../../../", import.meta.url);
const smoke64 = new Uint8Array(readFileSync(new URL("guest/images/isa/rv64/smoke.elf", root)));
const smoke32 = new Uint8Array(readFileSync(new URL("guest/images/isa/rv32/smoke.elf", root)));
const ENTRY = 0x8000_0000;

// Hand-assembled programs (clang -march=rv64imac / rv32imac, linked at 0x8000_0000).

/** `j .` */
const SPIN = hexBytes("6f 00 00 00");
/** `1: wfi; j 1b` with no interrupt enabled: nothing can ever wake it. */
const WFI_FOREVER = hexBytes("73 00 50 10 f5 bf");
/**
 * RV64: mtimecmp[0] = mtime + 20000 (2 ms); mie.MTIE = 1; `1: wfi; csrr t4, mip;
 * andi t4, t4, 0x80; beqz t4, 1b`; then finisher pass. mstatus.MIE stays 0, so no trap.
 */
const TIMER64 = hexBytes(`
  b7 02 00 02 31 63 61 33 16 93 83 33 03 00 15 6e 1b 0e 0e e2 f2 93 11 63 16 93 23 30 73 00
  13 03 00 08 73 20 43 30 73 00 50 10 f3 2e 40 34 93 fe 0e 08 e3 8a 0e fe b7 02 10 00 15 63
  1b 03 53 55 23 a0 62 00 01 a0`);
/** RV32: the same, writing mtimecmp as high = -1, low, high = 0. */
const TIMER32 = hexBytes(`
  b7 02 00 02 31 63 61 13 16 93 83 23 03 00 15 6e 13 0e 0e e2 f2 93 11 63 16 93 7d 5f 23 22
  e3 01 23 20 73 00 23 22 03 00 13 03 00 08 73 20 43 30 73 00 50 10 f3 2e 40 34 93 fe 0e 08
  e3 8a 0e fe b7 02 10 00 15 63 13 03 53 55 23 a0 62 00 01 a0`);
/**
 * RV64 HTIF: `lla t0, tohost`; putchar 'H', wait for tohost == 0; putchar 'i', wait;
 * tohost = 15 (exit status 7); `j .`. tohost is at 0x8000_1000.
 */
const HTIF64 = hexBytes(`
  97 12 00 00 93 82 02 00 13 03 10 10 42 13 13 03 83 04 23 b0 62 00 83 b3 02 00 e3 9e 03 fe
  13 03 10 10 42 13 13 03 93 06 23 b0 62 00 83 b3 02 00 e3 9e 03 fe 3d 43 23 b0 62 00 01 a0`);
/** RV64 echo: poll LSR.DR, read RBR, stop at 'q' with finisher pass, else write it to THR. */
const ECHO64 = hexBytes(`
  b7 02 00 10 03 c3 52 00 13 73 13 00 e3 0c 03 fe 83 c3 02 00 13 0e 10 07 63 85 c3 01 23 80
  72 00 d5 b7 b7 02 10 00 15 63 1b 03 53 55 23 a0 62 00 01 a0`);

function program(xlen: 32 | 64, code: number[], symbols?: Record<string, number>): Uint8Array {
  return buildElf({
    xlen,
    entry: ENTRY,
    segments: [
      { paddr: ENTRY, data: code },
      ...(symbols ? [{ paddr: ENTRY + 0x1000, data: [], memsz: 64 }] : []),
    ],
    ...(symbols ? { symbols } : {}),
  });
}

function machine(options: BareMachineOptions) {
  const output: number[] = [];
  const m = new BareMachine({
    clock: new VirtualClock(),
    onConsole: (bytes) => output.push(...bytes),
    ...options,
  });
  return { m, text: () => String.fromCharCode(...output) };
}

test("BareMachine.run() boots the RV64 and RV32 smoke tests to PASS", async () => {
  for (const image of [smoke64, smoke32]) {
    const { m, text } = machine({ image });
    const outcome = await m.run({ maxInstructions: 1_000_000 });
    assert.equal(outcome.reason, "exit");
    assert.ok(outcome.reason === "exit" && outcome.status === 0 && outcome.device === "finisher");
    assert.equal(text(), "PASS\n");
    assert.ok(outcome.instructions > 0 && outcome.instructions === m.instructionCount);
  }
});

test("BareMachine.run() boots the smoke test on 16 harts", async () => {
  const { m, text } = machine({ image: smoke64, harts: 16 });
  const outcome = await m.run({ maxInstructions: 10_000_000 });
  assert.deepEqual([outcome.reason, text()], ["exit", "PASS\n"]);
});

test("BareMachine starts every hart at the entry with a0 = hart id and a1 = the DTB", () => {
  const { m } = machine({ image: smoke64, harts: 3, bootargs: "quiet" });
  assert.equal(m.dtbAddress, 0x87e0_0000, "QEMU's placement for 128 MiB");
  m.harts.forEach((hart, h) => {
    assert.equal(hart.pc, ENTRY);
    assert.equal(hart.getX(10), BigInt(h));
    assert.equal(hart.getX(11), BigInt(m.dtbAddress));
  });
  const dtb = readDeviceTree(m.ram.read(m.dtbAddress, 0x10000));
  assert.ok(dtb.find("/cpus/cpu@2") && !dtb.find("/cpus/cpu@3"));
  assert.equal(dtb.find("/chosen")!.getString("bootargs"), "quiet");
  assert.deepEqual(dtb.find("/memory@80000000")!.getU32Array("reg"), [0, 0x8000_0000, 0, 0x800_0000]);
});

test("BareMachine places the DTB below the end of a smaller RAM", () => {
  const { m } = machine({ image: smoke32, memorySize: 4 * 1024 * 1024 });
  assert.equal(m.dtbAddress, 0x8020_0000);
});

test("BareMachine rejects bad configurations with one clear MachineError", () => {
  assert.throws(
    () => machine({ image: smoke64, xlen: 32 }),
    /the program is 64-bit but 32-bit was requested/,
  );
  assert.throws(() => machine({ image: smoke32, xlen: 64 }), MachineError);
  assert.throws(() => machine({ image: smoke64, harts: 0 }), /harts must be/);
  assert.throws(() => machine({ image: smoke64, harts: 17 }), MachineError);
  assert.throws(
    () => machine({ image: smoke64, memorySize: 1024 * 1024 }),
    /memory size must be a multiple of 4K from 4M to 2G, not 1M/,
  );
  assert.throws(() => machine({ image: smoke64, memorySize: 4 * 1024 * 1024 + 1 }), MachineError);
  assert.throws(() => machine({ image: new Uint8Array(100) }), ElfError);
});

test("BareMachine refuses a program that overlaps the device tree", () => {
  const image = buildElf({ xlen: 64, entry: ENTRY, segments: [{ paddr: 0x8020_0000, data: [1] }] });
  assert.throws(() => machine({ image, memorySize: 4 * 1024 * 1024 }), /overlaps the device tree/);
});

test("BareMachine refuses an entry point outside RAM", () => {
  const image = buildElf({ xlen: 64, entry: 0x1000, segments: [{ paddr: ENTRY, data: SPIN }] });
  assert.throws(() => machine({ image }), /entry point 0x1000 is outside RAM/);
});

test("BareMachine.run() stops at the instruction limit", async () => {
  const { m } = machine({ image: program(64, SPIN), harts: 2 });
  const outcome = await m.run({ maxInstructions: 123_457 });
  assert.deepEqual(outcome, { reason: "instruction-limit", instructions: 123_457 });
});

test("BareMachine.run() yields to the event loop so an AbortSignal stops a spinning guest", async () => {
  const { m } = machine({ image: program(32, SPIN) });
  const started = performance.now();
  const outcome = await m.run({ signal: AbortSignal.timeout(50) });
  assert.equal(outcome.reason, "aborted");
  assert.ok(performance.now() - started < 2000);
});

test("BareMachine.run() reports a machine whose harts wait for an interrupt that cannot come", async () => {
  const { m } = machine({ image: program(64, WFI_FOREVER), harts: 2 });
  const outcome = await m.run();
  assert.equal(outcome.reason, "halted");
  assert.ok(outcome.instructions < 10);
});

test("BareMachine.run() sleeps through wfi until the CLINT deadline on a wall clock", async () => {
  for (const [xlen, code] of [
    [64, TIMER64],
    [32, TIMER32],
  ] as const) {
    const m = new BareMachine({ image: program(xlen, code) });
    const started = performance.now();
    const outcome = await m.run({ maxInstructions: 10_000_000 });
    const elapsed = performance.now() - started;
    assert.equal(outcome.reason, "exit", `rv${xlen}`);
    assert.ok(elapsed >= 1.9, `rv${xlen} waited ${elapsed} ms for a 2 ms timer`);
    assert.ok(outcome.instructions < 100, `rv${xlen} ran ${outcome.instructions} instructions: it spun`);
  }
});

test("BareMachine.run() jumps a virtual clock to the deadline, deterministically", async () => {
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const clock = new VirtualClock();
    const { m } = machine({ image: program(64, TIMER64), clock });
    const outcome = await m.run({ maxInstructions: 1_000_000 });
    runs.push({ outcome, now: clock.now() });
  }
  assert.equal(runs[0]!.outcome.reason, "exit");
  assert.ok(runs[0]!.now >= 20_000, "the clock reached the deadline");
  assert.deepEqual(runs[0], runs[1]);
});

test("BareMachine.run() supports the HTIF console and exit", async () => {
  const { m, text } = machine({ image: program(64, HTIF64, { tohost: ENTRY + 0x1000 }) });
  assert.ok(m.htif);
  const outcome = await m.run({ maxInstructions: 100_000 });
  assert.deepEqual(outcome, {
    reason: "exit",
    status: 7,
    device: "htif",
    instructions: outcome.instructions,
  });
  assert.equal(text(), "Hi");
});

test("BareMachine.pushInput() reaches the guest through the UART, also while it runs", async () => {
  const output: number[] = [];
  const m = new BareMachine({ image: program(64, ECHO64), onConsole: (b) => output.push(...b) });
  m.pushInput(new TextEncoder().encode("ab"));
  setTimeout(() => m.pushInput(new TextEncoder().encode("cq")), 30);
  const outcome = await m.run({ signal: AbortSignal.timeout(5000) });
  assert.equal(outcome.reason, "exit");
  assert.equal(String.fromCharCode(...output), "abc");
});

test("BareMachine.run() may only be called once", async () => {
  const { m } = machine({ image: smoke64 });
  await m.run();
  await assert.rejects(m.run(), MachineError);
});
