import assert from "node:assert/strict";
import { test } from "node:test";
import { AddressSpace } from "../memory/address-space.js";
import { GuestMemory, PAGE_SIZE } from "../memory/guest-memory.js";
import { Htif } from "./htif.js";

const RAM_BASE = 0x8000_0000;
const TOHOST = RAM_BASE + 0x1000;
const FROMHOST = TOHOST + 0x40;

function makeHtif(xlen: 32 | 64, withFromhost = true) {
  const ram = GuestMemory.allocate(RAM_BASE, 4 * PAGE_SIZE);
  const bus = new AddressSpace(ram);
  const output: number[] = [];
  const htif = new Htif(bus, {
    xlen,
    tohost: TOHOST,
    onOutput: (b) => output.push(b),
    ...(withFromhost ? { fromhost: FROMHOST } : {}),
  });
  const view = new DataView(ram.buffer);
  const watcher = bus.watcherFor(Math.floor(TOHOST / PAGE_SIZE));
  assert.ok(watcher, "the tohost page is watched");
  /** A guest store: bytes land in RAM, then the watcher hears of it, as the CPU does. */
  const store64 = (paddr: number, value: bigint) => {
    view.setBigUint64(paddr - RAM_BASE, value, true);
    watcher(paddr);
  };
  const store32 = (paddr: number, value: number) => {
    view.setUint32(paddr - RAM_BASE, value, true);
    watcher(paddr);
  };
  const load64 = (paddr: number) => view.getBigUint64(paddr - RAM_BASE, true);
  return { bus, htif, output, store64, store32, load64 };
}

test("Htif exits with status 0 when an RV64 guest writes tohost = 1", () => {
  const { bus, htif, store64 } = makeHtif(64);
  store64(TOHOST, 1n);
  assert.equal(htif.exitStatus, 0);
  assert.equal(bus.stopRequested, true);
});

test("Htif exits with status value >> 1 for a failing test", () => {
  const { htif, store64 } = makeHtif(64);
  store64(TOHOST, (23n << 1n) | 1n);
  assert.equal(htif.exitStatus, 23);
});

test("Htif prints console putchar commands, clears tohost and answers in fromhost", () => {
  const { bus, htif, output, store64, load64 } = makeHtif(64);
  store64(TOHOST, (1n << 56n) | (1n << 48n) | 0x41n);
  assert.deepEqual(output, [0x41]);
  assert.equal(load64(TOHOST), 0n);
  assert.equal(load64(FROMHOST), (1n << 56n) | (1n << 48n) | 0x141n);
  assert.equal(htif.exitStatus, undefined);
  assert.equal(bus.stopRequested, false);
  // fromhost still holds the answer: the next one is dropped, not queued over it.
  store64(TOHOST, (1n << 56n) | (1n << 48n) | 0x42n);
  assert.deepEqual(output, [0x41, 0x42]);
  assert.equal(load64(FROMHOST) & 0xffn, 0x41n);
});

test("Htif ignores stores elsewhere on the tohost page and unknown commands", () => {
  const { htif, output, store64, load64 } = makeHtif(64, false);
  store64(TOHOST + 0x100, 1n);
  assert.equal(htif.exitStatus, undefined);
  store64(TOHOST, (2n << 56n) | 5n);
  assert.equal(load64(TOHOST), 0n, "an unknown command is cleared so the guest does not hang");
  assert.deepEqual(output, []);
  store64(TOHOST, 0x8000_1000n);
  assert.equal(htif.exitStatus, undefined, "a syscall pointer (bit 0 clear) is not an exit");
});

test("Htif waits for both halves of an RV32 command (low word first)", () => {
  const { htif, output, store32 } = makeHtif(32);
  store32(TOHOST, 0x41);
  assert.equal(htif.exitStatus, undefined, "the low half alone is not yet a command");
  store32(TOHOST + 4, 0x0101_0000);
  assert.deepEqual(output, [0x41]);
  assert.equal(htif.exitStatus, undefined);
});

test("Htif takes an RV32 exit from the low word when the high word follows as zero", () => {
  const { htif, store32 } = makeHtif(32);
  store32(TOHOST, (5 << 1) | 1);
  store32(TOHOST + 4, 0);
  assert.equal(htif.exitStatus, 5);
});

test("Htif.poll() acts on an RV32 command of which only one half was written", () => {
  const { htif, store32 } = makeHtif(32);
  store32(TOHOST, 1);
  assert.equal(htif.exitStatus, undefined);
  htif.poll();
  assert.equal(htif.exitStatus, 0);
});

test("Htif rejects a tohost outside RAM", () => {
  const ram = GuestMemory.allocate(RAM_BASE, PAGE_SIZE);
  assert.throws(
    () => new Htif(new AddressSpace(ram), { xlen: 64, tohost: 0x1000, onOutput: () => {} }),
    /not an aligned doubleword in RAM/,
  );
});
