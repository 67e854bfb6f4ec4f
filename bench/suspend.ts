/**
 * `npm run bench -- suspend`: how long the cooperative protocol takes, for domains of 1, 4,
 * 16 and 64 vCPUs running the reference guest's workloads (`work=all`) in parallel mode.
 *
 * - suspend: from the toolstack's `control/shutdown` = "suspend" to vCPU 0's PV suspend call
 *   (the guest acknowledges, pauses every CPU at the barrier, downs them, tears down);
 * - resume: from the start of the restore (memory in, PV state imported) to the guest's
 *   `control/resume-count` write, which it makes once every CPU has been re-created from its
 *   jump buffer and has left the barrier.
 * Each is given in wall time (ms) and in guest instructions retired over all vCPUs meanwhile.
 * The wall times come from the host clock the guest time is derived from, read where the
 * events happen (the suspend call records its guest time; a domain-0 store watch fires on the
 * resume write), not from polling. The median of `rounds` cycles is reported. The new
 * domain's vCPU threads come from spares the runner started ahead (ParallelRunner
 * `spareWorkers`), as a daemon expecting an incoming domain keeps them. The reference guest
 * serves at most NCPU (guest/kernel/param.h) CPUs; `guestCpus` says how many it used.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Domain } from "../src/core/hypervisor/domain.js";
import { epochTicks, TICKS_PER_MS } from "../src/core/hypervisor/host-clock.js";
import { captureDomain } from "../src/core/snapshot/capture-domain.js";
import { restoreDomain } from "../src/core/snapshot/restore-domain.js";
import { announcesSuspend, suspendDomain } from "../src/core/snapshot/suspend-domain.js";
import { ParallelRunner } from "../src/host/node/parallel-runner.js";

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

async function measure(xlen: 32 | 64, vcpus: number, rounds: number) {
  const kernel = readFileSync(`guest/images/kernel-rv${xlen}.elf`);
  // A restore takes its vCPU threads from spares started beforehand, as a daemon expecting
  // an incoming domain would keep them.
  const runner = new ParallelRunner({ pollMs: 1, spareWorkers: vcpus });
  let domain = new Domain(1, {
    name: `s${vcpus}`,
    vcpus,
    memorySize: 64 << 20,
    kernel,
    bootargs: "work=all",
  });
  runner.add(domain);
  const stop = new AbortController();
  let console = "";
  const running = runner.run({
    keepAlive: true,
    signal: stop.signal,
    onConsole: (_d, bytes) => {
      console = (console + new TextDecoder().decode(bytes)).slice(-4096);
    },
  });
  if (!(await runner.waitFor(() => announcesSuspend(runner, domain), 60_000)))
    throw new Error(`the ${vcpus}-vCPU guest never announced suspend`);
  await new Promise((r) => setTimeout(r, 300));
  const suspendMs: number[] = [];
  const suspendInsns: number[] = [];
  const resumeMs: number[] = [];
  const resumeInsns: number[] = [];
  let nextId = 2;
  for (let i = 0; i < rounds; i++) {
    const i0 = runner.instructionsOf(domain);
    const t0 = epochTicks();
    const mode = await suspendDomain(runner, domain, { timeoutMs: 60_000 });
    if (mode !== "cooperative") throw new Error("the guest was saved transparently");
    suspendMs.push((domain.shared.timeBase + domain.shared.suspendTime - t0) / TICKS_PER_MS);
    // Every vCPU has stopped: the count is final.
    suspendInsns.push(runner.instructionsOf(domain) - i0);
    const image = await captureDomain(runner, domain, mode);
    const old = domain;
    const id = nextId++;
    let resumedAt = 0;
    let resumedInsns = 0;
    // The old domain is suspended (its count is frozen) until it is released after the
    // resume, so the runner's total minus i1 is what the new domain has run.
    const i1 = runner.instructions;
    runner.pv.store.watch(0, `/local/domain/${id}/control/resume-count`, "bench", () => {
      if (resumedAt === 0 && runner.pv.store.isIntroduced(id)) {
        try {
          if (runner.pv.store.readString(0, `/local/domain/${id}/control/resume-count`) === String(i + 1)) {
            resumedAt = epochTicks();
            resumedInsns = runner.instructions - i1;
          }
        } catch {}
      }
    });
    const t1 = epochTicks();
    domain = await restoreDomain(runner, image, { id });
    if (!(await runner.waitFor(() => resumedAt !== 0, 60_000)))
      throw new Error("the guest never acknowledged its resume");
    await runner.release(old);
    resumeMs.push((resumedAt - t1) / TICKS_PER_MS);
    resumeInsns.push(resumedInsns);
    runner.pv.store.unwatch(0, `/local/domain/${id}/control/resume-count`, "bench");
    await new Promise((r) => setTimeout(r, 50));
  }
  await runner.release(domain);
  stop.abort();
  await running;
  await runner.close();
  const cpus = [...console.matchAll(/^suspend: resumed \d+ new-domain cpus=(\d+)$/gm)].at(-1)?.[1];
  return {
    xlen,
    vcpus,
    guestCpus: cpus === undefined ? null : Number(cpus),
    rounds,
    suspend: { wallMs: round(median(suspendMs)), guestInstructions: median(suspendInsns) },
    resume: { wallMs: round(median(resumeMs)), guestInstructions: median(resumeInsns) },
  };
}

export async function benchSuspend(options: { rounds: number }): Promise<object> {
  const results: object[] = [];
  for (const xlen of [64, 32] as const) {
    for (const vcpus of [1, 4, 16, 64]) results.push(await measure(xlen, vcpus, options.rounds));
  }
  return {
    benchmark: "suspend",
    mode: "parallel",
    workload: "reference guest, work=all",
    hostCores: availableParallelism(),
    node: process.version,
    results,
  };
}
