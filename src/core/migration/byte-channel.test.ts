/**
 * The in-memory ByteChannel pair, against the contract every channel keeps
 * (byte-channel.ts): order, backpressure, a clean close read as the end after the data, a
 * break read as an error, writes refused once closed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { channelPair } from "./byte-channel.js";

async function readAll(it: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const c of it) out.push(...c);
  return out;
}

test("channelPair() delivers bytes in order both ways, and close() ends the peer's reads after its data", async () => {
  const [a, b] = channelPair();
  await a.write(Uint8Array.of(1, 2));
  await a.write(Uint8Array.of(3));
  await b.write(Uint8Array.of(9));
  a.close();
  a.close(); // idempotent
  assert.deepEqual(await readAll(b.incoming), [1, 2, 3]);
  await assert.rejects(a.write(Uint8Array.of(4)), /closed/);
  await assert.rejects(b.write(Uint8Array.of(5)), /the peer closed the channel/);
  assert.deepEqual(await readAll(a.incoming), [], "the closer's own reads end");
});

test("channelPair() writes wait while the peer has more than the high-water mark unread", async () => {
  const [a, b] = channelPair(8);
  await a.write(new Uint8Array(8));
  let taken = false;
  const big = a.write(new Uint8Array(16)).then(() => {
    taken = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(taken, false, "the write waits for the reader");
  const it = b.incoming[Symbol.asyncIterator]();
  assert.equal((await it.next()).value?.length, 8);
  assert.equal((await it.next()).value?.length, 16);
  await big;
  assert.equal(taken, true);
});

test("MemoryChannel.break() makes pending and later reads throw and writes reject, on both ends", async () => {
  const [a, b] = channelPair();
  const reading = readAll(b.incoming);
  await a.write(Uint8Array.of(1));
  a.break("cable cut");
  await assert.rejects(reading, /cable cut/);
  await assert.rejects(a.write(Uint8Array.of(2)), /cable cut/);
  await assert.rejects(b.write(Uint8Array.of(2)), /cable cut/);
  await assert.rejects(readAll(a.incoming), /cable cut/);
});

test("channelPair() copies what is written: a chunk changed after write() (flushed at once) reads as it was", async () => {
  const [a, b] = channelPair();
  const chunk = Uint8Array.of(1, 2, 3);
  await a.write(chunk);
  await a.flushed();
  chunk.fill(0);
  a.close();
  assert.deepEqual(await readAll(b.incoming), [1, 2, 3]);
});
