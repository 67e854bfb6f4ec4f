/** The console ring: order, overflow accounting, bounded reads, a lock left by a dead writer. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConsoleRing } from "./console-ring.js";

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test("ConsoleRing keeps bytes in order and read(max) takes the oldest first", () => {
  const ring = new ConsoleRing(16);
  ring.write(bytes("hello "));
  ring.write(bytes("world"));
  assert.equal(text(ring.read(5)), "hello");
  assert.equal(text(ring.drain()), " world");
  assert.equal(ring.drain().length, 0);
});

test("ConsoleRing drops the oldest bytes when full and counts them", () => {
  const ring = new ConsoleRing(8);
  ring.write(bytes("0123456789"));
  assert.equal(text(ring.drain()), "23456789");
  assert.equal(ring.dropped, 2);
});

test("ConsoleRing takes over a lock whose holder died instead of hanging", () => {
  const ring = new ConsoleRing(16);
  const words = new Int32Array(ring.buffer, 0, 4);
  ring.write(bytes("before"));
  Atomics.store(words, 0, 1); // a writer died holding the lock
  assert.equal(text(ring.drain()), "before");
});
