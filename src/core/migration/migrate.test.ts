/**
 * Migration of the reference guest between two deterministic runners (two hosts, each with
 * its own store and event channels) over an in-memory channel pair: moves back and forth,
 * non-live and live, with the guest's own checks after each; and every failure point the
 * protocol must survive — the stream cut at each frame boundary in both directions, a
 * refusal, a corrupt record, a silent destination, a guest that never suspends — each
 * leaving the domain running on exactly one host with its checks passing, and nothing on the
 * destination. The parallel-mode twin is src/host/node/migrate-parallel.test.ts.
 *
 * Guest time runs at one instruction per tick, as in save-restore.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DeterministicRunner } from "../hypervisor/deterministic-runner.js";
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import { HartState } from "../hypervisor/sbi-numbers.js";
import { channelPair } from "./byte-channel.js";
import {
  corruptFrame,
  cutAfterFrames,
  dropCommand,
  noteFrames,
  offerVersion1Only,
} from "./channel-faults.fixture.js";
import { migrateIn } from "./migrate-in.js";
import { MigrationError } from "./migration-error.js";
import { MigrationSession, type Outcome } from "./migration-session.fixture.js";
import { Command, commandName, encodeControl, STREAM_MAGIC, u32Body } from "./wire-format.js";

const kernels = {
  32: readFileSync("guest/images/kernel-rv32.elf"),
  64: readFileSync("guest/images/kernel-rv64.elf"),
};

function session(xlen: 32 | 64, vcpus: number, seed: number, bootargs = "work=all"): MigrationSession {
  const a = new DeterministicRunner({ seed, instructionsPerTick: 1 });
  const b = new DeterministicRunner({ seed: seed + 1000, instructionsPerTick: 1 });
  const s = new MigrationSession([a, b], { kernel: kernels[xlen], vcpus, bootargs, timeoutMs: 5_000 });
  a.onConsole = s.append;
  b.onConsole = s.append;
  return s;
}

async function announced(s: MigrationSession): Promise<void> {
  assert.ok(await s.announced(), `the guest announces the protocol:\n${s.tail()}`);
}

/** Runs the source's guest while the migration goes on (deterministic guests run only when driven). */
function drive(source: DomainRunner, finished: () => boolean): Promise<void> {
  return (source as DeterministicRunner).run({ until: finished });
}

function assertFailedInPlace(s: MigrationSession, o: Outcome, what: string): void {
  assert.ok(o.error instanceof MigrationError, `${what}: the migration failed`);
  assert.equal(o.error.inDoubt, false, `${what}: ${o.error.message}`);
  assert.match(o.error.message, /; it keeps running here$/, what);
  assert.ok(s.domain.running, `${what}: the domain runs on the source`);
  if (o.verdict !== "") assert.match(o.verdict, /^CHECK ok /, `${what}:\n${s.tail()}`);
}

for (const xlen of [64, 32] as const) {
  test(`migrateOut/migrateIn move a 4-vCPU guest back and forth, non-live and live, its checks passing after each move (deterministic, rv${xlen})`, async () => {
    const s = session(xlen, 4, 31);
    await announced(s);
    for (let i = 0; i < 8; i++) {
      const live = i % 2 === 1;
      const from = s.host;
      const o = await s.migrate({ live });
      assert.ok(o.report, o.error?.message);
      const r = o.report;
      assert.match(o.verdict, /^CHECK ok /, `move ${i + 1}:\n${s.tail()}`);
      assert.notEqual(s.host, from, "the domain moved");
      assert.equal(r.live, live);
      assert.equal(r.mode, "cooperative");
      assert.ok(r.rounds.at(-1)?.final, "the last round is the final one");
      assert.equal(r.rounds.filter((x) => x.final).length, 1);
      assert.equal(
        r.pagesSent,
        r.rounds.reduce((n, x) => n + x.pages, 0),
      );
      // Every page the destination holds at the commit was sent: exactly once when not live.
      assert.ok(o.pagesAtCommit !== undefined && o.pagesAtCommit > 0);
      if (live) assert.ok(r.pagesSent >= o.pagesAtCommit, `${r.pagesSent} < ${o.pagesAtCommit}`);
      else assert.equal(r.pagesSent, o.pagesAtCommit);
      assert.ok(r.bytes > r.pagesSent * 4096 && r.downtimeMs <= r.totalMs);
      if (live) {
        assert.ok(r.rounds.length >= 2, "live: a pre-copy round, then the final one");
        assert.ok(r.rounds[0]!.pages > 0 && r.rounds[0]!.bandwidthBytesPerSecond > 0);
        assert.notEqual(r.finalReason, "not-live");
      } else {
        assert.equal(r.rounds.length, 1);
        assert.equal(r.finalReason, "not-live");
        assert.equal(r.pagesSkipped, 0);
      }
    }
    assert.doesNotMatch(s.output, /^CHECK FAIL/m, s.tail());
    assert.equal(s.resumes, 8);
  });
}

test("protocol versions: a source that speaks version 1 only (the previous Ferry) migrates to this one, which answers as version 1 did; two of this version speak 2, whose RESUMED dates the start", async () => {
  const s = session(64, 2, 37, "work=counters,memwriter");
  await announced(s);
  for (const old of [true, false]) {
    const answers: { command: number; body: number }[] = [];
    const o = await s.migrate({
      live: true,
      ...(old ? { wrapSource: offerVersion1Only } : {}),
      wrapDestination: (c) => noteFrames(c, answers),
      during: drive,
    });
    assert.ok(o.report, o.error?.message);
    assert.match(o.verdict, /^CHECK ok /, s.tail());
    const version = answers.find((f) => f.command === Command.VERSION);
    const resumed = answers.find((f) => f.command === Command.RESUMED);
    assert.equal(version?.body, 4);
    assert.equal(
      resumed?.body,
      old ? 0 : 4,
      "version 2's RESUMED carries the start's µs, version 1's nothing",
    );
    assert.ok(o.report.downtimeMs > 0 && o.report.downtimeMs <= o.report.totalMs);
  }
  assert.doesNotMatch(s.output, /^CHECK FAIL/m, s.tail());
});

test("CPUs powered off (vcpu-set) at the time of a migration stay so on the destination, and come back there", async () => {
  // No bound threads and no mix: every CPU but 0 may be taken offline.
  const s = session(64, 4, 35, "work=counters,queues,memwriter");
  await announced(s);
  const setAvailability = (cpus: number[], value: string): void => {
    for (const n of cpus)
      s.runner.pv.store.write(0, `/local/domain/${s.domain.id}/cpu/${n}/availability`, value);
  };
  const stopped = async (): Promise<number[]> =>
    (await s.runner.vcpuStates(s.domain)).filter((v) => v.hsmState === HartState.STOPPED).map((v) => v.id);
  let mark = s.output.length;
  setAvailability([2, 3], "offline");
  await s.waitFor(/^vcpu-set: online=2$/m, mark);
  for (const live of [true, false]) {
    mark = s.output.length;
    const o = await s.migrate({ live });
    assert.match(o.verdict, /^CHECK ok /, s.tail());
    assert.match(s.output.slice(mark), /^suspend: resumed \d+ new-domain cpus=2$/m);
    assert.deepEqual(await stopped(), [2, 3], "powered-off CPUs stay powered off");
    assert.equal(
      s.runner.pv.store.readString(0, `/local/domain/${s.domain.id}/cpu/3/availability`),
      "offline",
    );
  }
  // The destination's toolstack brings them back; the next move takes all four.
  mark = s.output.length;
  setAvailability([2, 3], "online");
  await s.waitFor(/^vcpu-set: online=4$/m, mark);
  mark = s.output.length;
  const o = await s.migrate({ live: true });
  assert.match(o.verdict, /^CHECK ok /, s.tail());
  assert.match(s.output.slice(mark), /^suspend: resumed \d+ new-domain cpus=4$/m);
  assert.deepEqual(await stopped(), []);
  assert.doesNotMatch(s.output, /^CHECK FAIL|^panic/m, s.tail());
});

test("live migration of a running guest: rounds shrink until the rest fits, or the round limit ends them; pages the destination holds are skipped (deterministic)", async () => {
  const s = session(64, 4, 41);
  await announced(s);
  let skipped = 0;
  const attempts = [
    {},
    { downtimeMs: 0, maxRounds: 3 },
    { downtimeMs: 0, maxRounds: 30 },
    { downtimeMs: 0, maxRounds: 1 },
  ];
  for (const [i, source] of attempts.entries()) {
    const o = await s.migrate({ live: true, source, during: drive });
    assert.ok(o.report, o.error?.message);
    const r = o.report;
    assert.match(o.verdict, /^CHECK ok /, s.tail());
    const precopy = r.rounds.filter((x) => !x.final);
    const limit = source.maxRounds ?? 30;
    assert.ok(precopy.length >= 1 && precopy.length <= limit, JSON.stringify(r.rounds));
    assert.ok(precopy.every((x) => x.ms >= 0 && x.dirtyPagesPerSecond >= 0 && x.bandwidthBytesPerSecond > 0));
    // Each round sends at most what the one before left dirty; a round that led to another
    // (from the second on) left fewer dirty pages than it had to consider.
    for (let k = 1; k < r.rounds.length; k++) {
      assert.ok(r.rounds[k]!.pages <= Math.max(r.rounds[k - 1]!.dirtyPages, 0) || k === r.rounds.length - 1);
      if (k < precopy.length - 1)
        assert.ok(precopy[k]!.dirtyPages < precopy[k - 1]!.dirtyPages, JSON.stringify(r.rounds));
    }
    const last = precopy.at(-1)!;
    switch (r.finalReason) {
      case "converged":
        assert.equal(i, 0, "no downtime is short enough for the others");
        break;
      case "round-limit":
        assert.equal(precopy.length, limit);
        break;
      case "not-shrinking":
        assert.ok(
          precopy.length >= 2 && last.dirtyPages >= precopy.at(-2)!.dirtyPages,
          JSON.stringify(r.rounds),
        );
        break;
      default:
        assert.fail(r.finalReason);
    }
    assert.equal(r.rounds.at(-1)!.round, precopy.length, "the final round follows the last pre-copy round");
    skipped += r.pagesSkipped;
  }
  assert.ok(skipped > 0, "some dirty pages held what the destination already had");
  assert.doesNotMatch(s.output, /^CHECK FAIL/m, s.tail());
});

test("a migration cut at every frame boundary of the source's stream fails cleanly: the domain runs on the source, checks passing, nothing on the destination", async () => {
  const s = session(64, 4, 51);
  await announced(s);
  for (const live of [false, true]) {
    // Cut after 0, 1, 2, … frames until the stream is short enough to pass whole.
    for (let n = 0; ; n++) {
      const how = n % 2 === 0 ? "close" : "break";
      const cut: { command?: number } = {};
      const o = await s.migrate({ live, wrapSource: (c) => cutAfterFrames(c, n, how, cut) });
      const what = `${live ? "live" : "non-live"}, cut after ${n} frames (${how})`;
      if (cut.command === undefined) {
        assert.ok(o.report, `${what}: nothing was cut, and it passed`);
        assert.ok(n > 10, `${what}: a whole stream has more frames`);
        break;
      }
      if (cut.command !== Command.COMMIT) {
        assertFailedInPlace(s, o, `${what} (${commandName(cut.command)})`);
        continue;
      }
      // COMMIT itself was cut: the source cannot know whether it arrived. It keeps its copy
      // suspended and says so; the destination, which never got it, kept nothing.
      assert.ok(o.error?.inDoubt, `${what}: ${o.error?.message}`);
      assert.match(o.error.message, /is in doubt: the commit was sent/);
      assert.ok(s.domain.suspended, `${what}: the source's copy stays suspended`);
      assert.match(await s.resolveDoubtBySourceResume(), /^CHECK ok /, s.tail());
    }
  }
  assert.doesNotMatch(s.output, /^CHECK FAIL/m, s.tail());
});

test("a migration cut at every frame boundary of the destination's answers: before RESUMED the source resumes; after COMMIT the destination runs it and the source is in doubt", async () => {
  const s = session(32, 4, 61);
  await announced(s);
  // The destination sends VERSION, ACCEPT, READY, RESUMED.
  for (let n = 0; n <= 3; n++) {
    const o = await s.migrate({ live: n % 2 === 0, wrapDestination: (c) => cutAfterFrames(c, n, "close") });
    if (n < 3) {
      assertFailedInPlace(s, o, `cut after ${n} answers`);
      assert.ok(o.destinationError, "the destination failed too");
      continue;
    }
    // RESUMED was lost: the destination committed and runs the domain (the fixture moved it).
    assert.ok(o.error?.inDoubt, o.error?.message);
    assert.equal(o.destinationError, undefined);
    assert.match(o.verdict, /^CHECK ok /, s.tail());
  }
  assert.doesNotMatch(s.output, /^CHECK FAIL/m, s.tail());
});

test("a destination that refuses the domain (its name is taken) costs the guest nothing", async () => {
  const s = session(64, 2, 71);
  await announced(s);
  const o = await s.migrate({
    live: false,
    destination: {
      claim: (name) => {
        throw new Error(`a domain named ${name} already exists`);
      },
    },
  });
  assertFailedInPlace(s, o, "refused");
  assert.match(o.error!.message, /the destination refused the domain: a domain named guest already exists/);
  assert.ok(!o.phases.includes("suspend"), "the guest was never suspended");
  assert.match(o.destinationError!.message, /refused domain guest/);
  const again = await s.migrate({ live: true });
  assert.match(again.verdict, /^CHECK ok /, s.tail());
});

test("a corrupt record is caught by its checksum: the destination aborts, the source resumes", async () => {
  const s = session(64, 4, 81);
  await announced(s);
  for (const live of [false, true]) {
    // Frames: HELLO, IMAGE_HEADER, domain-config, ROUND 0, then the first memory record.
    const o = await s.migrate({ live, wrapSource: (c) => corruptFrame(c, 4, 5000) });
    assertFailedInPlace(s, o, "corrupt");
    assert.match(o.error!.message, /the destination aborted the migration: .*checksum mismatch/);
    assert.match(o.destinationError!.message, /sent a bad record: record \d+ \(memory\).*checksum mismatch/);
  }
  // A corrupt control frame: its own CRC.
  const o = await s.migrate({ live: false, wrapSource: (c) => corruptFrame(c, 3, 9) });
  assertFailedInPlace(s, o, "corrupt ROUND");
  assert.match(o.destinationError!.message, /frame 3 \(ROUND\).*checksum mismatch/);
});

test("a destination that never answers READY times out: the source resumes, the destination discards its copy", async () => {
  const s = session(64, 4, 91);
  await announced(s);
  const o = await s.migrate({
    live: false,
    wrapDestination: (c) => dropCommand(c, Command.READY),
    source: { peerTimeoutMs: 300 },
  });
  assertFailedInPlace(s, o, "silent destination");
  assert.match(o.error!.message, /the destination did not answer within 300 ms \(waiting for READY\)/);
  assert.match(o.destinationError!.message, /the source aborted the migration/);
});

test("a guest that announces the protocol but never acknowledges: the migration fails, the guest runs on", async () => {
  const s = session(64, 2, 101, "test=smp ipis=300 ticks=40");
  await s.waitFor(/^hart 1 up$/m);
  // This guest has no suspend thread: announcing on its behalf makes it one that never answers.
  s.runner.pv.store.write(0, `/local/domain/${s.domain.id}/control/feature-suspend`, "1");
  const o = await s.migrate({ live: true, source: { suspendTimeoutMs: 20 } });
  assertFailedInPlace(s, o, "never suspends");
  assert.match(
    o.error!.message,
    /did not acknowledge the suspend request within 20 ms; it keeps running here$/,
  );
  assert.match(o.destinationError!.message, /the source aborted the migration/);
  await s.waitFor(/^CHECK (ok|FAIL) smp.*$/m);
  assert.match(s.output, /^CHECK ok smp harts=2 /m, s.tail());
});

test("a guest without the protocol migrates transparently, every vCPU context with it", async () => {
  const s = session(64, 4, 111, "test=smp ipis=300 ticks=40");
  await s.waitFor(/^hart 3 up$/m);
  const o = await s.migrate({ live: false });
  assert.equal(o.report?.mode, "transparent", o.error?.message);
  await s.waitFor(/^CHECK (ok|FAIL) smp.*$/m);
  assert.match(s.output, /^CHECK ok smp harts=4 /m, s.tail());
});

test("migrateIn refuses a peer that is not a Ferry source, or speaks no common protocol version", async () => {
  const runner = new DeterministicRunner();
  const claim = () => ({ id: 1, name: "x" });
  // Not Ferry at all.
  let [a, b] = channelPair();
  void a.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
  await assert.rejects(
    migrateIn(runner, b, { claim }),
    /the source is not a Ferry migration endpoint \(bad magic\)/,
  );
  // A future Ferry speaking versions 7 and 8 only.
  [a, b] = channelPair();
  void a.write(STREAM_MAGIC);
  void a.write(encodeControl(Command.HELLO, u32Body(7, 8)));
  const refused = migrateIn(runner, b, { claim });
  await assert.rejects(refused, /migration protocol version 7–8 is not supported \(this Ferry speaks 1–2\)/);
  const answer: Uint8Array[] = [];
  for await (const chunk of a.incoming) answer.push(chunk);
  const bytes = Buffer.concat(answer);
  assert.deepEqual(bytes.subarray(0, 16), Buffer.from(STREAM_MAGIC));
  assert.equal(bytes.readUInt16LE(16), Command.REFUSE, "the answer is REFUSE, with the reason");
  assert.match(bytes.subarray(24, -4).toString(), /version 7–8 is not supported/);
  // A source that goes quiet.
  [a, b] = channelPair();
  await assert.rejects(
    migrateIn(runner, b, { claim, timeoutMs: 50 }),
    /the source sent nothing for 50 ms \(waiting for HELLO\)/,
  );
  assert.equal(runner.active, false);
});
