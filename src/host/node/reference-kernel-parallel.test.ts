/**
 * The reference kernel in parallel mode (a worker thread per vCPU): the self-test suite
 * passes with 1–8 vCPUs on RV64 and RV32, as in deterministic mode, with compiled code (the
 * default) and, at 4 vCPUs, interpreted only.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Domain } from "../../core/hypervisor/domain.js";
import { ParallelRunner } from "./parallel-runner.js";

let nextId = 100;

for (const xlen of [64, 32] as const) {
  for (const [vcpus, jit] of [
    [1, true],
    [2, true],
    [4, true],
    [8, true],
    [4, false],
  ] as const) {
    test(`reference kernel self-tests pass (parallel, rv${xlen}, ${vcpus} vCPUs${jit ? "" : ", no JIT"})`, {
      timeout: 120_000,
    }, async () => {
      const kernel = readFileSync(`guest/images/kernel-rv${xlen}.elf`);
      const domain = new Domain(nextId++, {
        name: "ref",
        vcpus,
        memorySize: 64 << 20,
        kernel,
        bootargs: "test=all",
      });
      const runner = new ParallelRunner({ jit });
      runner.add(domain);
      let output = "";
      try {
        await runner.run({
          signal: AbortSignal.timeout(100_000),
          onConsole: (_d, bytes) => {
            output += new TextDecoder().decode(bytes);
          },
        });
      } finally {
        if (domain.running) await runner.destroy(domain);
      }
      assert.match(output, /^\d+ passed, 0 failed$/m, output);
      assert.doesNotMatch(output, /^FAIL/m, output);
      assert.equal(domain.exit?.end, "shutdown", output);
      assert.equal(domain.exit?.resetReason, 0, output);
    });
  }
}

test("reference kernel workloads print only passing verdicts (parallel, rv64, 4 vCPUs)", {
  timeout: 60_000,
}, async () => {
  const kernel = readFileSync("guest/images/kernel-rv64.elf");
  const domain = new Domain(nextId++, {
    name: "work",
    vcpus: 4,
    memorySize: 64 << 20,
    kernel,
    bootargs: "work=all",
  });
  const runner = new ParallelRunner();
  runner.add(domain);
  let output = "";
  const verdicts = (): string[] => output.split("\n").filter((l) => l.startsWith("CHECK "));
  const running = runner.run({
    onConsole: (_d, bytes) => {
      output += new TextDecoder().decode(bytes);
    },
  });
  const deadline = Date.now() + 30_000;
  while (verdicts().length < 3 && domain.running && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(domain.running, `workloads run until the domain is shut down:\n${output}`);
  await runner.destroy(domain);
  await running;
  assert.ok(verdicts().length >= 3, output);
  assert.deepEqual(
    verdicts().filter((l) => !l.startsWith("CHECK ok")),
    [],
    output,
  );
});
