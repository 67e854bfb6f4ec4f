/**
 * The parallel runner on real threads, with the S-mode test kernels of guest/hv-tests/
 * (prebuilt in guest/images/hv-tests/): SMP bring-up through SBI, idle vCPUs that must not
 * burn a core, pause/save/restore, failure isolation between domains, remote fences in
 * every direction, and dirty logging that never misses a write. The reference kernel's own
 * SMP check runs too once guest/images/kernel-rv64.elf exists.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Domain } from "../../core/hypervisor/domain.js";
import { HartState as HsmState } from "../../core/hypervisor/sbi-numbers.js";
import { parseElf } from "../../core/machine/elf-loader.js";
import { PAGE_SIZE } from "../../core/memory/guest-memory.js";
import { ParallelRunner } from "./parallel-runner.js";
import { INJECTED_FAULT } from "./vcpu-worker-crash.fixture.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const MEMORY = 16 * 1024 * 1024;
const TIMEOUT = { timeout: 60_000 };

function image(xlen: 32 | 64, name: string): Uint8Array {
  return readFileSync(join(ROOT, "guest/images/hv-tests", `rv${xlen}`, `${name}.elf`));
}

function symbol(kernel: Uint8Array, name: string): number {
  const value = parseElf(kernel).symbols.get(name);
  assert.ok(value !== undefined, `symbol ${name}`);
  return value;
}

let nextId = 1;
function domain(name: string, vcpus: number, program: string, xlen: 32 | 64 = 64, bootargs = ""): Domain {
  return new Domain(nextId++, { name, vcpus, memorySize: MEMORY, kernel: image(xlen, program), bootargs });
}

/** Collects each domain's console output as text. */
function consoles(): { text: Map<Domain, string>; onConsole: (d: Domain, bytes: Uint8Array) => void } {
  const text = new Map<Domain, string>();
  return {
    text,
    onConsole: (d, bytes) => text.set(d, (text.get(d) ?? "") + Buffer.from(bytes).toString("latin1")),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runners and their domains, destroyed after each test so a failed one leaves no threads. */
const live: [ParallelRunner, Domain][] = [];
function track(runner: ParallelRunner, ...domains: Domain[]): ParallelRunner {
  for (const d of domains) {
    runner.add(d);
    live.push([runner, d]);
  }
  return runner;
}
afterEach(async () => {
  for (const [runner, d] of live.splice(0)) if (d.running) await runner.destroy(d);
});

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > end) assert.fail(`timed out waiting until ${what}`);
    await sleep(2);
  }
}

/** The spin kernel's per-vCPU counter (counters[v]). */
function counter(d: Domain, v: number): number {
  const at = symbol(d.config.kernel, "counters") + 4 * v - d.memory.base;
  return Atomics.load(d.memory.i32, at >> 2);
}

for (const xlen of [64, 32] as const) {
  for (const vcpus of [1, 2, 4]) {
    test(
      `ParallelRunner boots ${vcpus} RV${xlen} vCPUs through SBI HSM and shuts down`,
      TIMEOUT,
      async () => {
        const d = domain(`smp${vcpus}`, vcpus, "smp-hello", xlen);
        const runner = track(new ParallelRunner(), d);
        const out = consoles();
        await runner.run({ onConsole: out.onConsole });
        const lines = (out.text.get(d) ?? "").trimEnd().split("\n");
        assert.deepEqual(d.exit, { end: "shutdown", resetType: 0, resetReason: 0 });
        const up = lines.filter((l) => l.startsWith("hart ")).sort();
        assert.deepEqual(
          up,
          Array.from({ length: vcpus }, (_, i) => `hart ${String(i).padStart(2, "0")} up`),
        );
        assert.equal(lines.at(-1), `CHECK ok ${String(vcpus).padStart(2, "0")}`);
        assert.equal(runner.active, false);
        assert.ok(runner.instructions > 0);
      },
    );
  }
}

test(
  "ParallelRunner lets idle vCPUs sleep without burning a core, and wakes them on their timer",
  TIMEOUT,
  async () => {
    // vCPU 0 waits 1 s for its timer in wfi; the three others wait in wfi for nothing.
    const d = domain("idle", 4, "idle-timer");
    const runner = track(new ParallelRunner(), d);
    const out = consoles();
    const start = performance.now();
    const running = runner.run({ onConsole: out.onConsole });
    // Every vCPU is asleep once no instruction has retired for 50 ms (past thread start-up).
    let last = -1;
    let since = performance.now();
    await waitUntil("every vCPU sleeps", () => {
      if (runner.instructions !== last) {
        last = runner.instructions;
        since = performance.now();
      }
      return last > 0 && performance.now() - since > 50;
    });
    const before = process.cpuUsage();
    await sleep(300);
    const window = process.cpuUsage(before);
    const asleepThroughout = d.running;
    await running;
    const elapsed = performance.now() - start;
    assert.equal(out.text.get(d), "CHECK ok 04\n");
    assert.equal(d.exit?.end, "shutdown");
    assert.ok(elapsed >= 1000, `the timer fired after ${elapsed} ms`);
    assert.ok(asleepThroughout, "the timer fired during the measurement: the host took over 650 ms to boot");
    const cpuMs = (window.user + window.system) / 1000;
    // Four sleeping vCPU threads plus the main thread's polling: far below one busy core.
    assert.ok(cpuMs < 60, `${cpuMs} ms of CPU time in a 300 ms idle window`);
  },
);

for (const [xlen, vcpus] of [
  [64, 4],
  [32, 2],
] as const) {
  test(
    `ParallelRunner raises every timer of ${vcpus} RV${xlen} vCPUs, however close its deadline`,
    TIMEOUT,
    async () => {
      // 200 waits of 200 us each per vCPU: many sleeps end right at (or just before) a deadline.
      const d = domain(`ticks${vcpus}`, vcpus, "timer-ticks", xlen);
      const runner = track(new ParallelRunner(), d);
      const out = consoles();
      await runner.run({ onConsole: out.onConsole });
      assert.equal(out.text.get(d), `CHECK ok 0${vcpus}\n`);
      assert.equal(d.exit?.end, "shutdown");
    },
  );
}

test("ParallelRunner pauses, saves, restores and unpauses a running domain", TIMEOUT, async () => {
  const d = domain("spin", 2, "spin");
  const kernel = d.config.kernel;
  const runner = track(new ParallelRunner(), d);
  const running = runner.run();
  await waitUntil("both vCPUs count", () => counter(d, 0) > 1000 && counter(d, 1) > 1000);
  await assert.rejects(runner.vcpuStates(d), /pause the domain/);

  await runner.pause(d);
  const paused = [counter(d, 0), counter(d, 1)];
  await sleep(30);
  assert.deepEqual([counter(d, 0), counter(d, 1)], paused, "no vCPU runs while paused");

  const states = await runner.vcpuStates(d);
  const loop = symbol(kernel, "spin_loop");
  const loopEnd = symbol(kernel, "spin_loop_end");
  states.forEach((s, v) => {
    assert.equal(s.id, v);
    assert.equal(s.hsmState, HsmState.STARTED);
    assert.equal(s.timerDeadline, null);
    assert.equal(s.hart.priv, 1);
    assert.ok(s.hart.pc >= BigInt(loop) && s.hart.pc < BigInt(loopEnd), `vCPU ${v} pc in the loop`);
    assert.equal(s.hart.x[9], BigInt(0x5a5a0000 + v), "s1 holds the vCPU's tag");
    const count = s.hart.x[18]!; // s2, one ahead of memory between its addi and its sw
    assert.ok(count === BigInt(paused[v]!) || count === BigInt(paused[v]! + 1));
    assert.equal(s.hart.csrs.stvec, BigInt(symbol(kernel, "trap")));
    assert.ok(s.hart.instret > 0);
  });
  assert.deepEqual(structuredClone(states), states);

  // vCPU 1 goes on counting from a million: the restored s2 is what it stores next.
  const hart1 = states[1]!.hart;
  const edited = { ...states[1]!, hart: { ...hart1, x: hart1.x.map((x, i) => (i === 18 ? 1_000_000n : x)) } };
  await runner.restoreVcpuStates(d, [states[0]!, edited]);
  await runner.unpause(d);
  await waitUntil("vCPU 1 counts on from the restored value", () => counter(d, 1) > 1_000_000);
  await waitUntil("vCPU 0 runs again", () => counter(d, 0) > paused[0]! + 100);

  await runner.destroy(d);
  await running;
  assert.equal(d.exit?.end, "destroyed");
  assert.equal(runner.active, false);
});

test(
  "ParallelRunner returns at maxInstructions or on abort with the domain paused, and run() resumes it",
  TIMEOUT,
  async () => {
    const d = domain("limit", 1, "spin");
    const runner = track(new ParallelRunner(), d);
    await runner.run({ maxInstructions: 2_000_000 });
    assert.ok(runner.instructions >= 2_000_000);
    assert.equal(d.running, true);
    const stopped = counter(d, 0);
    await sleep(30);
    assert.equal(counter(d, 0), stopped, "nothing runs between run() calls");

    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    await runner.run({ signal: abort.signal });
    assert.ok(counter(d, 0) > stopped);
    await runner.destroy(d);
    assert.equal(d.exit?.end, "destroyed");
  },
);

test(
  "ParallelRunner isolates domains: a crashed worker, a hung guest and a shutdown end only their own",
  TIMEOUT,
  async () => {
    const runner = new ParallelRunner({
      workerScript: new URL("./vcpu-worker-crash.fixture.js", import.meta.url),
    });
    const crash = domain("crash-a", 2, "spin");
    const hang = domain("hang-b", 1, "hang");
    const off = domain("off-c", 2, "smp-hello");
    const survivor = domain("spin-d", 2, "spin");
    const out = consoles();
    track(runner, crash, hang, off, survivor);
    const running = runner.run({ onConsole: out.onConsole });
    await waitUntil("three domains end", () => !crash.running && !hang.running && !off.running);
    await waitUntil("the crash is reported", () => runner.crashOf(crash) !== undefined);

    assert.equal(crash.exit?.end, "crashed");
    assert.match(runner.crashOf(crash)?.message ?? "", /crash-a: vCPU 0: injected host fault/);
    assert.ok(runner.crashOf(crash)?.message.includes(INJECTED_FAULT));
    assert.equal(hang.exit?.end, "crashed");
    assert.equal(runner.crashOf(hang), undefined, "a hung guest is not a host fault");
    assert.equal(off.exit?.end, "shutdown");
    assert.equal(runner.crashOf(off), undefined);

    assert.equal(survivor.running, true);
    const before = [counter(survivor, 0), counter(survivor, 1)];
    await waitUntil(
      "the other domain still runs",
      () => counter(survivor, 0) > before[0]! && counter(survivor, 1) > before[1]!,
    );
    await runner.destroy(survivor);
    await running;
    assert.match(out.text.get(off) ?? "", /CHECK ok 02\n$/);
    assert.equal(survivor.exit?.end, "destroyed");
  },
);

test(
  "ParallelRunner ends a domain whose worker cannot start as crashed, with the reason",
  TIMEOUT,
  async () => {
    const runner = new ParallelRunner({ workerScript: new URL("./no-such-worker.js", import.meta.url) });
    const d = domain("nostart", 2, "spin");
    track(runner, d);
    await runner.run();
    assert.equal(d.exit?.end, "crashed");
    assert.match(runner.crashOf(d)?.message ?? "", /vCPU \d of domain nostart/);
  },
);

test(
  "ParallelRunner serves remote fences that vCPUs ask of each other at the same time",
  TIMEOUT,
  async () => {
    for (const [xlen, vcpus] of [
      [64, 4],
      [32, 3],
    ] as const) {
      const d = domain(`fences${vcpus}`, vcpus, "fence-storm", xlen);
      const runner = track(new ParallelRunner(), d);
      const out = consoles();
      const start = performance.now();
      await runner.run({ onConsole: out.onConsole });
      assert.equal(out.text.get(d), `CHECK ok 0${vcpus}\n`);
      assert.equal(d.exit?.end, "shutdown");
      // 300 rounds of all-to-all fences take about a second; a host that deadlocks until the
      // 100 ms bound breaks it takes 30 s or more.
      const elapsed = performance.now() - start;
      assert.ok(elapsed < 15_000, `the fences took ${elapsed} ms`);
    }
  },
);

for (const [xlen, vcpus] of [
  [64, 4],
  [32, 2],
] as const) {
  test(
    `ParallelRunner.harvestDirty() never misses a write by ${vcpus} RV${xlen} vCPUs`,
    TIMEOUT,
    async () => {
      const d = domain(`dirty${vcpus}`, vcpus, "dirty-writer", xlen);
      const runner = track(new ParallelRunner(), d);
      const running = runner.run();
      await waitUntil("the writers run", () => runner.instructions > 200_000);

      const ram = d.memory.u8;
      const copy = (page: number, count: number) =>
        shadow.set(ram.subarray(page * PAGE_SIZE, (page + count) * PAGE_SIZE), page * PAGE_SIZE);
      d.memory.dirty.enable();
      await runner.harvestDirty(d); // every vCPU now marks what it writes
      const shadow = ram.slice();
      let dirtyPages = 0;
      for (let round = 0; round < 40; round++) {
        await sleep(round % 4);
        for (const [page, count] of await runner.harvestDirty(d)) {
          copy(page, count);
          dirtyPages += count;
        }
      }
      await runner.pause(d);
      for (const [page, count] of await runner.harvestDirty(d)) copy(page, count);

      assert.ok(dirtyPages >= vcpus, `${dirtyPages} dirty pages harvested while running`);
      const differs: number[] = [];
      for (let page = 0; page < ram.length / PAGE_SIZE; page++) {
        const at = page * PAGE_SIZE;
        if (Buffer.compare(shadow.subarray(at, at + PAGE_SIZE), ram.subarray(at, at + PAGE_SIZE)) !== 0)
          differs.push(page);
      }
      assert.deepEqual(differs, [], "pages written but never harvested");
      await runner.destroy(d);
      await running;
    },
  );
}

async function runKernel(
  xlen: 32 | 64,
  vcpus: number,
  bootargs: string,
): Promise<{ text: string; d: Domain }> {
  const d = new Domain(nextId++, {
    name: `kernel${xlen}-${vcpus}`,
    vcpus,
    memorySize: 64 * 1024 * 1024,
    kernel: readFileSync(join(ROOT, `guest/images/kernel-rv${xlen}.elf`)),
    bootargs,
  });
  const runner = track(new ParallelRunner(), d);
  const out = consoles();
  await runner.run({ onConsole: out.onConsole, signal: AbortSignal.timeout(50_000) });
  return { text: out.text.get(d) ?? "", d };
}

for (const xlen of [64, 32] as const) {
  for (const vcpus of [1, 2, 4, 8, 16]) {
    test(
      `ParallelRunner runs the reference RV${xlen} kernel's SMP check with ${vcpus} vCPUs`,
      TIMEOUT,
      async () => {
        const { text, d } = await runKernel(xlen, vcpus, "test=smp");
        assert.match(text, new RegExp(`^CHECK ok smp harts=${vcpus} `, "m"), text);
        assert.equal(d.exit?.end, "shutdown", text);
        assert.equal(d.exit?.resetReason, 0, text);
      },
    );
  }

  test(`ParallelRunner passes the SBI conformance test (RV${xlen}, 4 vCPUs)`, TIMEOUT, async () => {
    const { text, d } = await runKernel(xlen, 4, "test=sbi");
    assert.match(text, /^\d+ passed, 0 failed$/m, text);
    assert.doesNotMatch(text, /^(FAIL|skip)/m, text);
    assert.equal(d.exit?.end, "shutdown", text);
  });
}
