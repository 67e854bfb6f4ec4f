/**
 * Cooperative save and restore of the reference guest in deterministic mode, where every
 * interleaving is reproducible by its seed: cycles with the guest's own checks after each
 * one, suspends racing with every workload across many seeds, every CPU count from 1 to 16,
 * cancel, transparent saves of a guest that does not announce the protocol, a guest that
 * never acknowledges, and images that must be refused. The parallel-mode twin is
 * src/host/node/save-restore-parallel.test.ts.
 *
 * Guest time runs at one instruction per tick (10x the default) so that the guest's
 * millisecond-scale waits cost few instructions.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DeterministicRunner } from "../hypervisor/deterministic-runner.js";
import { captureDomain } from "./capture-domain.js";
import type { DomainImage, DomainRecord } from "./domain-image.js";
import { ImageError } from "./domain-image.js";
import { GuestSession } from "./guest-session.fixture.js";
import { restoreDomain } from "./restore-domain.js";
import { SuspendError, suspendDomain } from "./suspend-domain.js";

const kernels = {
  32: readFileSync("guest/images/kernel-rv32.elf"),
  64: readFileSync("guest/images/kernel-rv64.elf"),
};

function session(xlen: 32 | 64, vcpus: number, seed: number, bootargs = "work=all"): GuestSession {
  const runner = new DeterministicRunner({ seed, instructionsPerTick: 1 });
  const s = new GuestSession(runner, { kernel: kernels[xlen], vcpus, bootargs, timeoutMs: 5_000 });
  runner.onConsole = s.append;
  return s;
}

async function announced(s: GuestSession): Promise<void> {
  assert.ok(await s.announced(), `the guest announces the protocol:\n${s.tail()}`);
}

function vcpuRecords(image: DomainImage): DomainRecord[] {
  return image.records.filter((r) => r.type === "vcpu");
}

for (const xlen of [64, 32] as const) {
  const cycles = xlen === 64 ? 1000 : 400;
  test(`${cycles} save/restore cycles of a 4-vCPU guest running every workload keep its checks passing (deterministic, rv${xlen})`, async () => {
    const s = session(xlen, 4, 11);
    await announced(s);
    for (let i = 0; i < cycles; i++) {
      const { image, mode, verdict } = await s.cycle("restore");
      assert.equal(mode, "cooperative");
      assert.equal(vcpuRecords(image).length, 1, "a cooperative image holds exactly one vCPU context");
      assert.match(verdict, /^CHECK ok /, `cycle ${i + 1}:\n${s.tail()}`);
    }
    assert.doesNotMatch(s.output, /^CHECK FAIL/m, s.tail());
    assert.ok(s.domain.running);
  });

  test(`cancel makes suspend return 1 and the guest goes on in place (deterministic, rv${xlen})`, async () => {
    const s = session(xlen, 4, 12);
    await announced(s);
    const id = s.domain.id;
    for (const kind of ["cancel", "restore", "cancel", "cancel"] as const) {
      const { verdict } = await s.cycle(kind);
      assert.match(verdict, /^CHECK ok /, s.tail());
    }
    assert.notEqual(s.domain.id, id, "the restore made a new domain");
    // cpus= counts the CPUs that were up: the mix workload may have powered one off.
    assert.match(s.output, /^suspend: resumed 1 cancelled cpus=[1-4]$/m);
    assert.match(s.output, /^suspend: resumed 2 new-domain cpus=[1-4]$/m);
  });

  test(`every CPU count from 1 to 16 saves, restores and cancels (deterministic, rv${xlen})`, async () => {
    for (let vcpus = 1; vcpus <= 16; vcpus++) {
      const s = session(xlen, vcpus, 100 + vcpus);
      await announced(s);
      for (const kind of ["restore", "cancel"] as const) {
        const { verdict } = await s.cycle(kind);
        assert.match(verdict, /^CHECK ok /, `${vcpus} vCPUs:\n${s.tail()}`);
      }
      const cpus = Number(/^suspend: resumed 1 new-domain cpus=(\d+)$/m.exec(s.output)?.[1]);
      assert.ok(cpus >= 1 && cpus <= vcpus, `${vcpus} vCPUs: ${cpus} CPUs came back:\n${s.tail()}`);
    }
  });
}

test("a 64-vCPU guest saves, restores and cancels (deterministic, rv64 and rv32)", async () => {
  for (const xlen of [64, 32] as const) {
    // Without mix, no CPU is powered off by the workload: all 64 must come back.
    const s = session(xlen, 64, 64, "work=counters,queues,bound,memwriter");
    await announced(s);
    for (const kind of ["restore", "cancel"] as const) {
      const { verdict } = await s.cycle(kind);
      assert.match(verdict, /^CHECK ok /, `rv${xlen}:\n${s.tail()}`);
    }
    assert.match(s.output, /^suspend: resumed 1 new-domain cpus=64$/m, s.tail());
    assert.match(s.output, /^suspend: resumed 2 cancelled cpus=64$/m, s.tail());
  }
});

test("suspend racing with cross-calls, ticks, migration, bound threads and CPUs going offline and powered off, across 200 seeds", async () => {
  for (let seed = 1; seed <= 200; seed++) {
    const xlen = seed % 2 === 0 ? 64 : 32;
    const s = session(xlen, 4, seed);
    await announced(s);
    // A seed-dependent moment in the workloads' life: the mix is mid-operation at different points.
    await s.runner.waitFor(() => false, (seed * 7) % 40);
    const { verdict } = await s.cycle(seed % 5 === 0 ? "cancel" : "restore");
    assert.match(verdict, /^CHECK ok /, `seed ${seed} (rv${xlen}):\n${s.tail()}`);
    await s.runner.release(s.domain);
  }
});

test("a domain captured on one host restores on another, whose store and event channels are its own", async () => {
  const s = session(64, 4, 21);
  await announced(s);
  const mode = await suspendDomain(s.runner, s.domain);
  const image = await captureDomain(s.runner, s.domain, mode);
  await s.runner.release(s.domain);
  let output = "";
  const other = new DeterministicRunner({
    seed: 22,
    instructionsPerTick: 1,
    onConsole: (_d, bytes) => {
      output += new TextDecoder().decode(bytes);
    },
  });
  const moved = await restoreDomain(other, image, { id: 9, name: "moved" });
  assert.equal(s.runner.pv.store.isIntroduced(s.domain.id), false, "gone from the first host");
  assert.equal(other.pv.store.readString(0, "/local/domain/9/name"), "guest", "its store subtree came along");
  const verdict = await other.waitFor(() => /^CHECK .*resume=1$/m.test(output), 5_000);
  assert.ok(verdict, output);
  assert.match(output, /^suspend: resumed 1 new-domain cpus=\d+$/m);
  assert.match(output, /^CHECK ok .*resume=1$/m, output);
  assert.equal(other.pv.store.readString(0, "/local/domain/9/control/resume-count"), "1");
  assert.ok(moved.running);
});

test("a guest that does not announce the protocol is saved transparently with every vCPU context", async () => {
  const s = session(64, 4, 3, "test=smp ipis=300 ticks=40");
  await s.waitFor(/^hart 3 up$/m);
  const { mode, image } = await s.cycle("restore");
  assert.equal(mode, "transparent");
  assert.equal(vcpuRecords(image).length, 4, "a transparent image keeps every vCPU context");
  await s.waitFor(/^CHECK (ok|FAIL) smp.*$/m);
  assert.match(s.output, /^CHECK ok smp harts=4 /m, s.tail());
});

test("a guest that announces the protocol but never acknowledges gets a clear timeout and keeps running", async () => {
  const s = session(64, 2, 4, "test=smp ipis=300 ticks=40");
  await s.waitFor(/^hart 1 up$/m);
  // This guest has no suspend thread: announcing on its behalf makes it one that never answers.
  s.runner.pv.store.write(0, `/local/domain/${s.domain.id}/control/feature-suspend`, "1");
  await assert.rejects(suspendDomain(s.runner, s.domain, { timeoutMs: 20 }), (e: unknown) => {
    assert.ok(e instanceof SuspendError);
    assert.match(e.message, /did not acknowledge the suspend request within 20 ms; it keeps running/);
    return true;
  });
  assert.ok(s.domain.running);
  assert.equal(s.runner.pv.store.readString(0, `/local/domain/${s.domain.id}/control/shutdown`), "");
  await s.waitFor(/^CHECK (ok|FAIL) smp.*$/m);
  assert.match(s.output, /^CHECK ok smp harts=2 /m, s.tail());
});

test("restoreDomain refuses a bad image with one clear error and creates nothing", async () => {
  const s = session(64, 2, 5);
  await announced(s);
  const { image } = await s.cycle("cancel");
  const runner = s.runner;
  const replace = (type: string, by: (r: DomainRecord) => DomainRecord | DomainRecord[]): DomainImage => ({
    header: image.header,
    records: image.records.flatMap((r) => (r.type === type ? by(r) : [r])),
  });
  const bad: [string, DomainImage, RegExp][] = [
    ["magic", { ...image, header: { ...image.header, magic: "NOPE" as "FERRY-DOMAIN" } }, /bad magic/],
    ["version", { ...image, header: { ...image.header, version: 99 } }, /version 99 is not supported/],
    ["truncated", { ...image, records: image.records.slice(0, -1) }, /does not end with an end record/],
    [
      "unknown record",
      replace("devices", () => ({ type: "gpu" }) as unknown as DomainRecord),
      /unknown mandatory record "gpu"/,
    ],
    [
      "page out of range",
      replace(
        "memory",
        () => ({ type: "memory", pages: [{ pfn: 1 << 30, data: new Uint8Array(4096) }] }) as DomainRecord,
      ),
      /outside the domain/,
    ],
    ["two contexts", replace("vcpu", (r) => [r, r]), /holds 1 vCPU context\(s\), this one 2/],
    [
      "bad store",
      replace("store", () => ({ type: "store", state: { version: 1, domid: 1, nodes: "x" } })),
      /cannot be restored/,
    ],
  ];
  for (const [what, img, message] of bad) {
    await assert.rejects(restoreDomain(runner, img, { id: 40 }), (e: unknown) => {
      assert.ok(e instanceof ImageError, `${what}: ${String(e)}`);
      assert.match(e.message, message, what);
      return true;
    });
    assert.equal(runner.pv.backend(40), undefined, `${what}: nothing was created`);
    assert.equal(runner.pv.store.isIntroduced(40), false, `${what}: no store home`);
  }
  assert.ok(s.domain.running, "the running domain is untouched");
});
