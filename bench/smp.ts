/**
 * `npm run bench -- smp`: aggregate guest MIPS of one domain with 1, 2 and 4 vCPUs in
 * parallel mode (a worker thread per vCPU). Every vCPU of the reference test kernel runs
 * its memory-writer loop (`test=memwrite`: pseudo-random arithmetic and stores, no I/O);
 * after a warm-up, the instructions retired by all vCPUs over a fixed window give MIPS.
 * Scaling beyond the host's cores is not expected: the JSON records how many there are.
 */

import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Domain } from "../src/core/hypervisor/domain.js";
import { ParallelRunner } from "../src/host/node/parallel-runner.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(xlen: 32 | 64, vcpus: number, windowMs: number): Promise<number> {
  const kernel = readFileSync(`guest/images/kernel-rv${xlen}.elf`);
  const domain = new Domain(1, {
    name: `smp${vcpus}`,
    vcpus,
    memorySize: 64 << 20,
    kernel,
    bootargs: "test=memwrite",
  });
  const runner = new ParallelRunner();
  runner.add(domain);
  let started = false;
  const done = runner.run({
    onConsole: (_d, bytes) => {
      if (new TextDecoder().decode(bytes).includes("memwrite started")) started = true;
    },
  });
  const deadline = performance.now() + 30_000;
  while (!started && performance.now() < deadline) await sleep(10);
  if (!started) throw new Error("the test kernel did not start its memory writers");
  await sleep(300); // every vCPU is up and compiled code paths are warm
  const i0 = runner.instructions;
  const t0 = performance.now();
  await sleep(windowMs);
  const i1 = runner.instructions;
  const t1 = performance.now();
  await runner.destroy(domain);
  await done;
  return (i1 - i0) / ((t1 - t0) * 1000);
}

export async function benchSmp(options: { windowMs: number }): Promise<object> {
  const results: object[] = [];
  for (const xlen of [64, 32] as const) {
    let single = 0;
    for (const vcpus of [1, 2, 4]) {
      const mips = await measure(xlen, vcpus, options.windowMs);
      if (vcpus === 1) single = mips;
      results.push({
        xlen,
        vcpus,
        aggregateMips: Math.round(mips * 10) / 10,
        speedupOverOne: Math.round((mips / single) * 100) / 100,
      });
    }
  }
  return {
    benchmark: "smp",
    mode: "parallel",
    workload: "reference test kernel, test=memwrite",
    hostCores: availableParallelism(),
    windowMs: options.windowMs,
    node: process.version,
    results,
  };
}
