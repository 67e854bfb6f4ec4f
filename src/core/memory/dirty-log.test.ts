/** The dirty log on its own: marking, runs, atomic harvest, and host writes that count. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DirtyLog } from "./dirty-log.js";
import { GuestMemory, PAGE_SIZE } from "./guest-memory.js";

test("DirtyLog.harvest() returns ascending runs of pages and clears them", () => {
  const log = new DirtyLog(256);
  log.enable();
  for (const page of [3, 4, 5, 31, 32, 33, 100, 255]) log.mark(page * PAGE_SIZE);
  const epoch = log.epoch;
  assert.deepEqual(log.harvest(), [
    [3, 3],
    [31, 3],
    [100, 1],
    [255, 1],
  ]);
  assert.equal(log.epoch, epoch + 1, "a harvest starts a new epoch");
  assert.deepEqual(log.harvest(), []);
});

test("DirtyLog marks nothing while disabled", () => {
  const log = new DirtyLog(64);
  log.mark(5 * PAGE_SIZE);
  log.markRange(0, 64 * PAGE_SIZE);
  log.enable();
  assert.deepEqual(log.harvest(), []);
});

test("GuestMemory.write() marks the pages the host writes for the guest", () => {
  const mem = GuestMemory.allocate(0x80000000, 64 * PAGE_SIZE);
  mem.dirty.enable();
  mem.write(0x80000000 + 10 * PAGE_SIZE - 2, new Uint8Array(PAGE_SIZE + 4)); // spans pages 9–11
  assert.deepEqual(mem.dirty.harvest(), [[9, 3]]);
});

test("DirtyLog is shared: a log built on another's buffers sees its marks", () => {
  const a = new DirtyLog(128);
  const b = new DirtyLog(128, a.shared);
  a.enable();
  b.mark(77 * PAGE_SIZE);
  assert.ok(a.isDirty(77));
  assert.deepEqual(a.harvest(), [[77, 1]]);
  assert.equal(b.isDirty(77), false);
});
