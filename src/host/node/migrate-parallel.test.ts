/**
 * Migration in parallel mode — a worker thread per vCPU on each of two runners (two hosts),
 * real races between the guest's writers and the pre-copy — of the reference guest running
 * every workload, back and forth, live and not, RV64 and RV32, with the guest's own checks
 * after every move; and two failures in the middle of a live migration (before and after the
 * guest suspended), each leaving the guest running on the source with its checks passing.
 * The deterministic twin, with every failure point, is src/core/migration/migrate.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { cutAfterFrames } from "../../core/migration/channel-faults.fixture.js";
import { MigrationSession } from "../../core/migration/migration-session.fixture.js";
import { Command } from "../../core/migration/wire-format.js";
import { ParallelRunner } from "./parallel-runner.js";

async function withHosts(xlen: 32 | 64, body: (s: MigrationSession) => Promise<void>): Promise<void> {
  // The incoming domain takes its vCPU threads from spares started ahead (vcpu-worker-pool.ts).
  const hosts = [0, 1].map(() => new ParallelRunner({ pollMs: 1, spareWorkers: 4 })) as [
    ParallelRunner,
    ParallelRunner,
  ];
  const s = new MigrationSession(hosts, {
    kernel: readFileSync(`guest/images/kernel-rv${xlen}.elf`),
    vcpus: 4,
    bootargs: "work=all",
    timeoutMs: 60_000,
  });
  const stop = new AbortController();
  const running = hosts.map((h) => h.run({ onConsole: s.append, keepAlive: true, signal: stop.signal }));
  try {
    assert.ok(await s.announced(), s.tail());
    await body(s);
    assert.doesNotMatch(s.output, /^CHECK FAIL/m, s.tail());
  } finally {
    await s.runner.release(s.domain);
    stop.abort();
    await Promise.all(running);
    await Promise.all(hosts.map((h) => h.close()));
  }
}

for (const xlen of [64, 32] as const) {
  test(`a 4-vCPU guest running every workload migrates back and forth, live and not, its checks passing after each move (parallel, rv${xlen})`, async () => {
    await withHosts(xlen, async (s) => {
      let skipped = 0;
      for (let i = 0; i < 6; i++) {
        const live = i % 3 !== 2;
        const from = s.host;
        const o = await s.migrate({ live });
        assert.ok(o.report, o.error?.message);
        const r = o.report;
        assert.match(o.verdict, /^CHECK ok /, `move ${i + 1}:\n${s.tail()}`);
        assert.notEqual(s.host, from);
        assert.equal(r.mode, "cooperative");
        assert.ok(r.rounds.at(-1)!.final);
        if (live) {
          const precopy = r.rounds.filter((x) => !x.final);
          assert.ok(precopy.length >= 1 && r.finalReason !== "not-live", JSON.stringify(r));
          if (r.finalReason === "round-limit") assert.equal(precopy.length, 30);
          // A pre-copy round sends at most what the one before left dirty (less what the destination holds).
          for (let k = 1; k < precopy.length; k++) {
            assert.ok(precopy[k]!.pages <= precopy[k - 1]!.dirtyPages, JSON.stringify(r.rounds));
          }
        }
        assert.ok(r.downtimeMs > 0 && r.downtimeMs <= r.totalMs);
        skipped += r.pagesSkipped;
      }
      assert.ok(skipped > 0, "some dirty pages held what the destination already had");
      assert.equal(s.resumes, 6);
    });
  });
}

test("a live migration cut during pre-copy, or after the guest suspended, leaves it running on the source (parallel, rv64)", async () => {
  await withHosts(64, async (s) => {
    // HELLO, IMAGE_HEADER, domain-config, ROUND 0, then round 0's first memory record: cut there.
    const before = await s.migrate({ live: true, wrapSource: (c) => cutAfterFrames(c, 4, "break") });
    assert.ok(before.error && !before.error.inDoubt, before.error?.message);
    assert.ok(!before.phases.includes("suspend"), "cut before the guest was asked to suspend");
    assert.ok(s.domain.running);
    // The destination's READY cut: the guest had suspended, and resumes in place.
    const cut: { command?: number } = {};
    const after = await s.migrate({ live: true, wrapDestination: (c) => cutAfterFrames(c, 2, "close", cut) });
    assert.equal(cut.command, Command.READY);
    assert.ok(after.error && !after.error.inDoubt, after.error?.message);
    assert.match(after.verdict, /^CHECK ok /, s.tail());
    assert.ok(s.domain.running);
    const again = await s.migrate({ live: true });
    assert.match(again.verdict, /^CHECK ok /, s.tail());
  });
});
