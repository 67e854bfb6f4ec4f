import assert from "node:assert/strict";
import { test } from "node:test";
import { TICKS_PER_MS, VirtualClock, WallClock } from "./clock.js";

test("WallClock.now() starts near zero and never decreases", async () => {
  const clock = new WallClock();
  const first = clock.now();
  assert.ok(first >= 0 && first < 1000 * TICKS_PER_MS);
  let previous = first;
  for (let i = 0; i < 1000; i++) {
    const t = clock.now();
    assert.ok(t >= previous);
    previous = t;
  }
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(clock.now() - first >= 4 * TICKS_PER_MS, "5 ms is about 50,000 ticks");
});

test("VirtualClock.advance() moves time only when asked", () => {
  const clock = new VirtualClock(100);
  assert.equal(clock.now(), 100);
  assert.equal(clock.now(), 100);
  clock.advance(50);
  assert.equal(clock.now(), 150);
  assert.throws(() => clock.advance(-1), RangeError);
  assert.throws(() => clock.advance(0.5), RangeError);
});

test("VirtualClock.advanceTo() never goes backwards", () => {
  const clock = new VirtualClock();
  clock.advanceTo(1000);
  assert.equal(clock.now(), 1000);
  clock.advanceTo(10);
  assert.equal(clock.now(), 1000);
});
