/**
 * `ferry migrate` between two real ferryd processes over TCP on this host: live and
 * non-live, back and forth, with the guest's own checks after every move; and the failures a
 * user meets — nobody listening, a name taken on the destination, a destination killed
 * mid-stream — each leaving the domain running on the source with its checks passing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import type { MigrateResult } from "../api/schemas.js";
import { boot, FERRY, Ferryd, KERNEL32, KERNEL64 } from "./ferryd.fixture.js";
import { checksPass, freshVerdict, listed, twoDaemons } from "./migration-checks.fixture.js";

const WORK = "work=all";

describe("ferry migrate between two daemons", () => {
  const daemons = twoDaemons();

  for (const [xlen, kernel] of [
    [64, KERNEL64],
    [32, KERNEL32],
  ] as const) {
    test(`a 4-vCPU RV${xlen} guest at work moves back and forth, live and not, and its checks pass each time`, async () => {
      const [a, b] = daemons();
      const name = `mig${xlen}`;
      const con = await boot(
        a,
        { name, vcpus: 4, memory: 64, kernel, cmdline: WORK },
        /^CHECK ok work=\S+ round=1$/m,
      );
      con.close();
      let [from, to] = [a, b];
      for (let i = 1; i <= 4; i++) {
        const live = i % 2 === 1;
        const r = await from.ferry(["migrate", ...(live ? ["--live"] : []), "--json", name, to.migration]);
        assert.equal(r.status, 0, `migration ${i}: ${r.stderr}\n${from.log}\n${to.log}`);
        const report = JSON.parse(r.stdout) as MigrateResult;
        assert.equal(report.live, live);
        assert.equal(report.mode, "cooperative");
        assert.ok(report.bytes > 0 && report.downtimeMs >= 0 && report.totalMs >= report.downtimeMs);
        if (live) assert.ok(report.rounds.length >= 1, "live: at least one pre-copy round");
        assert.equal(await listed(from, name), false, "gone from the source");
        assert.equal(await listed(to, name), true, "running on the destination");
        await checksPass(to, name, i, "new-domain");
        [from, to] = [to, from];
      }
      assert.equal((await from.ferry(["destroy", name])).status, 0);
    });
  }

  test("on a terminal, ferry migrate --live draws a progress bar, then prints its rounds and a summary", async (t) => {
    const [a, b] = daemons();
    const script = spawnSync("script", ["--version"]);
    if (script.error !== undefined) return t.skip("no `script` here to give the CLI a terminal");
    t.after(() => b.client.call("destroy", { name: "tty" }).catch(() => {}));
    const con = await boot(
      a,
      { name: "tty", vcpus: 2, memory: 64, kernel: KERNEL64, cmdline: "work=counters,memwriter wset=8192" },
      /^CHECK ok/m,
    );
    con.close();
    const r = spawnSync(
      "script",
      ["-qec", `${process.execPath} ${FERRY} migrate --live tty ${b.migration}`, "/dev/null"],
      {
        env: { ...process.env, FERRY_HOST: a.host },
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    assert.equal(r.status, 0, r.stdout);
    // The bar redraws at most 10 times a second, so which states show varies; every state
    // after the first round carries what that round measured, and the last one is drawn.
    assert.match(r.stdout, /migrate tty \[[█░]+\] \d+% \| [a-z0-9 ]+ · last: \d+ pages\/s dirtied, /);
    assert.match(r.stdout, /round 0: \d+ pages, /);
    assert.match(
      r.stdout,
      /migrated domain tty to \S+ \(live, cooperative\): total \d+ ms, downtime \d+ ms, /,
    );
    await checksPass(b, "tty", 1, "new-domain");
  });

  test("failures leave the domain running on the source", async (t) => {
    const [a, b] = daemons();
    t.after(() => a.client.call("destroy", { name: "stay" }).catch(() => {}));
    t.after(() => b.client.call("destroy", { name: "stay" }).catch(() => {}));
    const con = await boot(
      a,
      { name: "stay", vcpus: 2, memory: 32, kernel: KERNEL64, cmdline: "work=counters,memwriter" },
      /^CHECK ok/m,
    );
    con.close();

    // Nobody listening there: refused before the guest is asked anything.
    const nowhere = await a.ferry(["migrate", "stay", "127.0.0.1:9"]);
    assert.equal(nowhere.status, 1);
    assert.match(
      nowhere.stderr,
      /^ferry: cannot connect to 127\.0\.0\.1:9: .*; domain stay keeps running\n$/,
    );
    assert.equal((await a.client.call("domainInfo", { name: "stay" })).state, "running");

    // The name is taken on the destination: the destination refuses, the source resumes.
    const other = await boot(
      b,
      { name: "stay", vcpus: 1, memory: 16, kernel: KERNEL64, cmdline: "work=counters" },
      /^work started/m,
    );
    other.close();
    const taken = await a.ferry(["migrate", "--live", "stay", b.migration]);
    assert.equal(taken.status, 1, taken.stdout);
    assert.match(taken.stderr, /a domain named stay already exists/);
    assert.equal(taken.stderr.split("\n").length, 2, taken.stderr);
    assert.equal(await listed(a, "stay"), true);
    assert.equal(
      (await b.client.call("domainInfo", { name: "stay" })).vcpus,
      1,
      "the destination's own domain untouched",
    );
    await b.client.call("destroy", { name: "stay" });
    assert.equal((await a.client.call("domainInfo", { name: "stay" })).state, "running");
    await freshVerdict(a, "stay");
  });

  test("a destination killed in the middle of a live migration: the source keeps the domain", async (t) => {
    const [a] = daemons();
    const c = await Ferryd.start();
    t.after(() => c.stop("SIGKILL"));
    t.after(() => a.client.call("destroy", { name: "victim" }).catch(() => {}));
    const con = await boot(
      a,
      {
        name: "victim",
        vcpus: 2,
        memory: 256,
        kernel: KERNEL64,
        cmdline: "work=counters,memwriter wset=16384 rate=2000000",
      },
      /^CHECK ok/m,
    );
    con.close();
    let killed = false;
    const moving = a.client.call("migrate", {
      name: "victim",
      body: { target: c.migration, live: true, maxRounds: 1000, downtimeMs: 1 },
      onProgress: (p) => {
        if (p.phase === "round" && !killed) {
          killed = true;
          c.process.kill("SIGKILL");
        }
      },
    });
    await assert.rejects(moving, (e: Error & { code?: string }) => {
      assert.equal(e.code, "failed");
      assert.match(e.message, /^migration of domain victim failed: .*; it keeps running here$/);
      return true;
    });
    assert.ok(killed, "the kill happened during the pre-copy rounds");
    assert.equal((await a.client.call("domainInfo", { name: "victim" })).state, "running");
    await freshVerdict(a, "victim");
  });
});
