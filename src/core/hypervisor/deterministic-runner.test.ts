/**
 * Deterministic mode end to end: the reference test kernel boots with 1–16 vCPUs, passes its
 * own SMP checks and the SBI conformance test, and two runs with the same seed are
 * identical bit for bit (console output and memory), while another seed still passes. Runs
 * with compiled code (cpu/jit, on by default) are the interpreter's runs bit for bit.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DeterministicRunner } from "./deterministic-runner.js";
import { Domain } from "./domain.js";

const kernel = (xlen: 32 | 64): Uint8Array => readFileSync(`guest/images/kernel-rv${xlen}.elf`);

interface Run {
  output: string;
  compiled: number;
  hash: string;
  instructions: number;
  end: string | undefined;
  reason: number | undefined;
}

async function boot(
  xlen: 32 | 64,
  vcpus: number,
  bootargs: string,
  seed = 1,
  { jit = true, maxInstructions = 2_000_000_000 } = {},
): Promise<Run> {
  const domain = new Domain(1, { name: "test", vcpus, memorySize: 64 << 20, kernel: kernel(xlen), bootargs });
  const runner = new DeterministicRunner({ seed, jit });
  runner.add(domain);
  let output = "";
  await runner.run({
    maxInstructions,
    onConsole: (_d, bytes) => {
      output += new TextDecoder().decode(bytes);
    },
  });
  return {
    output,
    compiled: runner.compiledInstructions(domain),
    hash: domain.memory.hash(),
    instructions: runner.instructions,
    end: domain.exit?.end,
    reason: domain.exit?.resetReason,
  };
}

for (const xlen of [64, 32] as const) {
  for (const vcpus of [1, 2, 4, 8, 16]) {
    test(`deterministic runner boots the test kernel (rv${xlen}, ${vcpus} vCPUs) and it passes its checks`, async () => {
      const run = await boot(xlen, vcpus, "test=smp");
      assert.match(run.output, /^CHECK ok/m, run.output);
      assert.equal(run.end, "shutdown", run.output);
      assert.equal(run.reason, 0);
      for (let h = 0; h < vcpus; h++) assert.match(run.output, new RegExp(`^hart ${h} up`, "m"));
    });
  }

  test(`deterministic runner passes the SBI conformance test (rv${xlen}, 4 vCPUs)`, async () => {
    const run = await boot(xlen, 4, "test=sbi");
    assert.match(run.output, /^\d+ passed, 0 failed$/m, run.output);
    assert.doesNotMatch(run.output, /^FAIL/m, run.output);
    assert.equal(run.end, "shutdown");
    assert.equal(run.reason, 0);
  });
}

test("deterministic runner repeats a run bit for bit with the same seed", async () => {
  const a = await boot(64, 4, "test=smp", 42);
  const b = await boot(64, 4, "test=smp", 42);
  assert.equal(a.output, b.output);
  assert.equal(a.hash, b.hash);
  assert.equal(a.instructions, b.instructions);
  const c = await boot(64, 4, "test=smp", 7);
  assert.match(c.output, /^CHECK ok/m);
  assert.notEqual(c.instructions, a.instructions, "another seed interleaves differently");
});

for (const xlen of [64, 32] as const) {
  test(`deterministic runner gives the interpreter's run bit for bit with compiled code (rv${xlen})`, async () => {
    for (const [bootargs, limit] of [
      ["test=all", 2_000_000_000],
      ["work=all", 60_000_000],
    ] as const) {
      const options = { maxInstructions: limit };
      const interpreted = await boot(xlen, 4, bootargs, 5, { ...options, jit: false });
      const compiled = await boot(xlen, 4, bootargs, 5, options);
      assert.equal(compiled.output, interpreted.output, bootargs);
      assert.equal(compiled.hash, interpreted.hash, bootargs);
      assert.equal(compiled.instructions, interpreted.instructions, bootargs);
      assert.equal(compiled.end, interpreted.end, bootargs);
      assert.equal(interpreted.compiled, 0);
      assert.ok(compiled.compiled > compiled.instructions / 2, `${bootargs}: most of the run was compiled`);
    }
  });
}
