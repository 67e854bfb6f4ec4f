import assert from "node:assert/strict";
import { test } from "node:test";
import { TestFinisher } from "./test-finisher.js";

function makeFinisher() {
  const bus = {
    stops: 0,
    requestStop() {
      this.stops++;
    },
  };
  return { bus, finisher: new TestFinisher(bus) };
}

test("TestFinisher.write() of 0x5555 passes with status 0 and stops the bus", () => {
  const { bus, finisher } = makeFinisher();
  finisher.write(0, 4, 0x5555);
  assert.deepEqual(finisher.result, { status: 0, reset: false });
  assert.equal(bus.stops, 1);
});

test("TestFinisher.write() of (code << 16) | 0x3333 fails with that code", () => {
  for (const code of [1, 3, 99, 255, 0xffff]) {
    const { bus, finisher } = makeFinisher();
    finisher.write(0, 4, ((code << 16) | 0x3333) >>> 0);
    assert.deepEqual(finisher.result, { status: code, reset: false });
    assert.equal(bus.stops, 1);
  }
});

test("TestFinisher.write() of 0x7777 records a reset with status 0", () => {
  const { bus, finisher } = makeFinisher();
  finisher.write(0, 4, 0x7777);
  assert.deepEqual(finisher.result, { status: 0, reset: true });
  assert.equal(bus.stops, 1);
});

test("TestFinisher.write() ignores other values, offsets and byte writes", () => {
  const { bus, finisher } = makeFinisher();
  finisher.write(0, 4, 0x1234);
  finisher.write(4, 4, 0x5555);
  finisher.write(0, 1, 0x55);
  assert.equal(finisher.result, undefined);
  assert.equal(bus.stops, 0);
  finisher.write(0, 2, 0x5555);
  assert.deepEqual(finisher.result, { status: 0, reset: false }, "a halfword write works as on QEMU");
});

test("TestFinisher.write() keeps the first result when harts race to exit", () => {
  const { finisher } = makeFinisher();
  finisher.write(0, 4, (7 << 16) | 0x3333);
  finisher.write(0, 4, 0x5555);
  assert.deepEqual(finisher.result, { status: 7, reset: false });
  assert.equal(finisher.read(0, 4), 0);
});
