/**
 * Dirty logging in deterministic mode under a guest that writes all the time: the memory
 * writer on every vCPU. Each round the host harvests the dirty pages and copies them into a
 * shadow; at the end (vCPUs no longer running) a last harvest and copy must leave the shadow
 * identical to guest memory — a write the log missed would show as a difference. The
 * working set (64 pages) fits in the TLB, so after the first round every store could go
 * through a cached entry: only the epoch's write-TLB flush makes them mark pages again.
 * The parallel-mode twin is in src/host/node/parallel-runner.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { PAGE_SIZE } from "../memory/page.js";
import { DeterministicRunner } from "./deterministic-runner.js";
import { Domain } from "./domain.js";

for (const xlen of [64, 32] as const) {
  test(`dirty log never misses a write while every vCPU writes (deterministic, rv${xlen})`, async () => {
    const kernel = readFileSync(`guest/images/kernel-rv${xlen}.elf`);
    const domain = new Domain(1, {
      name: "dirty",
      vcpus: 4,
      memorySize: 16 << 20,
      kernel,
      bootargs: "test=memwrite pages=64",
    });
    const runner = new DeterministicRunner({ seed: 11 });
    runner.add(domain);
    let output = "";
    const onConsole = (_d: Domain, bytes: Uint8Array): void => {
      output += new TextDecoder().decode(bytes);
    };
    while (!output.includes("memwrite started")) {
      await runner.run({ maxInstructions: 100_000, onConsole });
      assert.ok(domain.running, output);
    }
    const ram = domain.memory;
    ram.dirty.enable();
    const shadow = ram.u8.slice(); // round 0: everything
    let copied = 0;
    const copy = (): void => {
      for (const [page, count] of ram.dirty.harvest()) {
        const from = page * PAGE_SIZE;
        shadow.set(ram.u8.subarray(from, from + count * PAGE_SIZE), from);
        copied += count;
      }
    };
    for (let round = 0; round < 25; round++) {
      await runner.run({ maxInstructions: 150_000, onConsole });
      copy();
    }
    copy(); // the vCPUs are not running now: this is the final round
    assert.ok(copied > 200, `the writers dirtied pages (${copied} copied)`);
    assert.ok(domain.running);
    const differing = shadow.findIndex((b, i) => b !== ram.u8[i]);
    assert.equal(differing, -1, `shadow differs from guest memory at offset 0x${differing.toString(16)}`);
  });
}
