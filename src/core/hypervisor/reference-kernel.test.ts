/**
 * The reference kernel (guest/kernel) in deterministic mode: its self-test suite passes with
 * 1–8 vCPUs on RV64 and RV32, and its workloads keep printing passing verdicts while they
 * run. The parallel-mode twin is src/host/node/reference-kernel-parallel.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DeterministicRunner } from "./deterministic-runner.js";
import { Domain } from "./domain.js";

async function boot(
  xlen: 32 | 64,
  vcpus: number,
  bootargs: string,
  maxInstructions: number,
  instructionsPerTick = 10,
) {
  const kernel = readFileSync(`guest/images/kernel-rv${xlen}.elf`);
  const domain = new Domain(1, { name: "ref", vcpus, memorySize: 64 << 20, kernel, bootargs });
  const runner = new DeterministicRunner({ seed: 5, instructionsPerTick });
  runner.add(domain);
  let output = "";
  await runner.run({
    maxInstructions,
    onConsole: (_d, bytes) => {
      output += new TextDecoder().decode(bytes);
    },
  });
  return { output, domain };
}

for (const xlen of [64, 32] as const) {
  for (const vcpus of [1, 2, 4, 8]) {
    test(`reference kernel self-tests pass (deterministic, rv${xlen}, ${vcpus} vCPUs)`, async () => {
      const { output, domain } = await boot(xlen, vcpus, "test=all", 4_000_000_000);
      assert.match(output, /^\d+ passed, 0 failed$/m, output);
      assert.doesNotMatch(output, /^FAIL/m, output);
      assert.equal(domain.exit?.end, "shutdown", output);
      assert.equal(domain.exit?.resetReason, 0, output);
    });
  }

  test(`reference kernel workloads print only passing verdicts (deterministic, rv${xlen}, 4 vCPUs)`, async () => {
    // Guest time runs 5x faster than by default (2 instructions per tick), so a verdict,
    // due every guest second, comes every ~80M instructions over the 4 vCPUs.
    const { output, domain } = await boot(xlen, 4, "work=all", 300_000_000, 2);
    const verdicts = output.split("\n").filter((l) => l.startsWith("CHECK "));
    assert.ok(verdicts.length >= 3, `periodic verdicts appear:\n${output}`);
    assert.deepEqual(
      verdicts.filter((l) => !l.startsWith("CHECK ok")),
      [],
      output,
    );
    assert.ok(domain.running, "workloads run until the domain is shut down");
  });
}
