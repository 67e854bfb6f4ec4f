import assert from "node:assert/strict";
import { test } from "node:test";
import { Irq } from "../cpu/interrupts.js";
import { Clint } from "./clint.js";
import { VirtualClock } from "./clock.js";

/** A hart stand-in that keeps the mip bits the CLINT drives. */
class FakeHart {
  mip = 0;
  calls = 0;
  setInterruptPending(mask: number, level: boolean): void {
    this.calls++;
    this.mip = level ? this.mip | mask : this.mip & ~mask;
  }
  isInterruptPending(mask: number): boolean {
    return (this.mip & mask) === mask;
  }
}

const MTIMECMP = 0x4000;
const MTIME = 0xbff8;

function makeClint(harts = 2, start = 0) {
  const clock = new VirtualClock(start);
  const fakes = Array.from({ length: harts }, () => new FakeHart());
  return { clock, fakes, clint: new Clint(clock, fakes) };
}

function writeCmp(clint: Clint, hart: number, value: bigint): void {
  clint.write(MTIMECMP + 8 * hart, 4, Number(value & 0xffff_ffffn));
  clint.write(MTIMECMP + 8 * hart + 4, 4, Number(value >> 32n));
}

test("Clint mtime reads the clock as two 32-bit halves", () => {
  const { clock, clint } = makeClint(1, 0x1_2345_6789);
  assert.equal(clint.read(MTIME, 4), 0x2345_6789);
  assert.equal(clint.read(MTIME + 4, 4), 1);
  clock.advance(10);
  assert.equal(clint.read(MTIME, 4), 0x2345_6793);
  assert.equal(clint.readMtime(), 0x1_2345_6793n);
  assert.equal(clint.readMtimeNumber(), 0x1_2345_6793);
});

test("Clint mtimecmp resets to all ones so no timer is pending at reset", () => {
  const { clock, fakes, clint } = makeClint(2, 1_000_000);
  assert.equal(clint.read(MTIMECMP, 4), 0xffff_ffff);
  assert.equal(clint.read(MTIMECMP + 4, 4), 0xffff_ffff);
  clock.advance(1e12);
  clint.update();
  assert.equal(fakes[0]!.mip & Irq.MTIP, 0);
  assert.equal(clint.nextDeadline(), undefined);
});

test("Clint raises MTIP when mtime reaches mtimecmp and update() runs", () => {
  const { clock, fakes, clint } = makeClint(2, 100);
  writeCmp(clint, 1, 150n);
  assert.equal(clint.read(MTIMECMP + 8, 4), 150);
  assert.equal(fakes[1]!.mip & Irq.MTIP, 0);
  clock.advance(49);
  clint.update();
  assert.equal(fakes[1]!.mip & Irq.MTIP, 0);
  clock.advance(1);
  clint.update();
  assert.equal(fakes[1]!.mip & Irq.MTIP, Irq.MTIP);
  assert.equal(fakes[0]!.mip & Irq.MTIP, 0, "hart 0's timer is its own");
});

test("Clint lowers MTIP at once when mtimecmp moves into the future", () => {
  const { fakes, clint } = makeClint(1, 500);
  writeCmp(clint, 0, 0n);
  assert.equal(fakes[0]!.mip & Irq.MTIP, Irq.MTIP, "a mtimecmp in the past raises MTIP immediately");
  writeCmp(clint, 0, 1000n);
  assert.equal(fakes[0]!.mip & Irq.MTIP, 0);
});

test("Clint msip bit 0 drives MSIP of the addressed hart only", () => {
  const { fakes, clint } = makeClint(3);
  clint.write(4 * 2, 4, 0xffff_ffff);
  assert.equal(clint.read(8, 4), 1, "only bit 0 is implemented");
  assert.equal(fakes[2]!.mip, Irq.MSIP);
  assert.equal(fakes[0]!.mip | fakes[1]!.mip, 0);
  clint.write(8, 4, 0);
  assert.equal(fakes[2]!.mip, 0);
  clint.write(4 * 3, 4, 1);
  assert.equal(clint.read(4 * 3, 4), 0, "msip of a missing hart reads as zero");
});

test("Clint nextDeadline() gives the clock time of the earliest future mtimecmp", () => {
  const { clock, clint } = makeClint(3, 1000);
  writeCmp(clint, 0, 5000n);
  writeCmp(clint, 1, 3000n);
  writeCmp(clint, 2, 500n);
  assert.equal(clint.nextDeadline(), 3000, "a timer already due is not a future deadline");
  clock.advanceTo(3000);
  assert.equal(clint.nextDeadline(), 3000, "due but not yet raised by update(): due now");
  clint.update();
  assert.equal(clint.nextDeadline(), 5000);
});

test("Clint mtime writes move the count and the deadlines stay consistent", () => {
  const { clock, fakes, clint } = makeClint(1, 1000);
  clint.write(MTIME, 4, 0);
  clint.write(MTIME + 4, 4, 0);
  assert.equal(clint.readMtime(), 0n);
  clock.advance(25);
  assert.equal(clint.readMtime(), 25n, "mtime keeps counting from the written value");
  writeCmp(clint, 0, 100n);
  assert.equal(clint.nextDeadline(), clock.now() + 75);
  clint.write(MTIME, 4, 200);
  assert.equal(fakes[0]!.mip & Irq.MTIP, Irq.MTIP, "writing mtime past mtimecmp raises MTIP");
});

test("Clint sub-word accesses read and write the bytes they cover", () => {
  const { clint } = makeClint(1);
  writeCmp(clint, 0, 0x1122_3344_5566_7788n);
  assert.equal(clint.read(MTIMECMP + 1, 1), 0x77);
  assert.equal(clint.read(MTIMECMP + 6, 2), 0x1122);
  clint.write(MTIMECMP + 2, 2, 0xabcd);
  assert.equal(clint.read(MTIMECMP, 4), 0xabcd_7788);
  assert.equal(clint.read(MTIMECMP + 4, 4), 0x1122_3344);
});

test("Clint rejects hart counts it cannot address", () => {
  assert.throws(() => new Clint(new VirtualClock(), []), RangeError);
});

test("Clint.nextDeadline() reports a deadline that passed after update() as due now", () => {
  const clock = new VirtualClock();
  const hart = new FakeHart();
  const clint = new Clint(clock, [hart]);
  clint.write(MTIMECMP, 4, 100);
  clint.write(MTIMECMP + 4, 4, 0);
  clint.update();
  assert.equal(hart.mip & Irq.MTIP, 0);
  clock.advanceTo(150); // the deadline passes, but nothing has refreshed MTIP yet
  assert.equal(clint.nextDeadline(), 150);
  clint.update();
  assert.equal(hart.mip & Irq.MTIP, Irq.MTIP);
  assert.equal(clint.nextDeadline(), undefined); // raised already: nothing more will come
});
