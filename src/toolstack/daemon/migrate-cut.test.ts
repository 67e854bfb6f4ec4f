/**
 * A migration between two real ferryd processes cut at each boundary of its stream: after
 * the magic and after every frame, in both directions (a proxy in the middle,
 * cutting-proxy.fixture.ts). A cut before the source sent the commit must leave the domain
 * running on the source, whole (its next verdict passes), and nothing on the destination.
 * A cut after the source sent COMMIT and before it heard RESUMED is the in-doubt window: the
 * source keeps its copy suspended and says so, and the destination runs the domain exactly
 * when the commit reached it (cut after COMMIT) — not when the cut fell between READY and
 * COMMIT. The test plays the operator: it destroys the source's copy in the first case and
 * unpauses it (resumed in place) in the second. Never on two hosts, never on none.
 *
 * Non-live, so that the stream is short (the live pre-copy rounds are cut frame by frame in
 * src/core/migration/migrate.test.ts); RV64, 2 vCPUs, 16 MiB, every workload.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Command } from "../../core/migration/wire-format.js";
import { ClientError } from "../client/ferry-client.js";
import { CuttingProxy } from "./cutting-proxy.fixture.js";
import { boot, KERNEL64 } from "./ferryd.fixture.js";
import { freshVerdict, listed, twoDaemons } from "./migration-checks.fixture.js";

const NAME = "cut";

async function waitUntil(done: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a migration between two daemons cut at each stream boundary", () => {
  const daemons = twoDaemons();

  test("every cut leaves the domain whole on exactly one host, or in doubt until the operator picks one", async () => {
    const [a, b] = daemons();
    const con = await boot(
      a,
      { name: NAME, vcpus: 2, memory: 16, kernel: KERNEL64, cmdline: "work=all" },
      /^CHECK ok work=\S+ round=1$/m,
    );
    con.close();

    // Cut at boundary k = 1, 2, … until the cut falls on RESUMED, the last frame. What to
    // expect is read from what the proxy forwarded in that very run: the count of memory
    // records grows with the guest's memory, so the boundaries of one run are not another's.
    const seen = { before: 0, inDoubt: 0 };
    for (let k = 1; ; k++) {
      const proxy = await CuttingProxy.start(b.migration, k);
      let at = `cut at boundary ${k}`;
      try {
        const error = await a.client.call("migrate", { name: NAME, body: { target: proxy.address } }).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(proxy.cut, `${at}: no cut (the stream is shorter)`);
        const forwarded = proxy.boundaries.slice(0, k);
        const cut = forwarded.at(-1)!;
        at = `cut at boundary ${k} (${JSON.stringify(cut)})`;
        const was = (direction: string, what: number): boolean =>
          forwarded.some((x) => x.direction === direction && x.what === what);
        const ready = was("back", Command.READY);
        const committed = was("out", Command.COMMIT);
        if (error === undefined) {
          // Cut after RESUMED, the stream's last frame: the source had it all.
          assert.ok(was("back", Command.RESUMED), `${at}: the migration succeeded`);
          await freshVerdict(b, NAME);
          await b.client.call("migrate", { name: NAME, body: { target: a.migration } });
          break;
        }
        assert.ok(error instanceof ClientError && error.code === "failed", `${at}: ${error}`);
        // Cut after READY reached the source, it may see the end of the connection before
        // it sends COMMIT (a plain failure) or after (in doubt): both are right.
        if (!/is in doubt/.test(error.message)) {
          assert.ok(!committed, `${at}: a plain failure after the commit went out: ${error.message}`);
          seen.before++;
          assert.match(error.message, /it keeps running here$/, at);
          assert.equal((await a.client.call("domainInfo", { name: NAME })).state, "running", at);
          assert.equal(await listed(b, NAME), false, `${at}: nothing on the destination`);
          await freshVerdict(a, NAME);
          continue;
        }
        assert.ok(ready, `${at}: in doubt before READY: ${error.message}`);
        seen.inDoubt++;
        assert.match(error.message, /is in doubt.*`ferry unpause cut` resumes it here/, at);
        assert.equal((await a.client.call("domainInfo", { name: NAME })).state, "suspended", at);
        if (committed) {
          await waitUntil(() => listed(b, NAME), `${at}: the destination runs it`);
          assert.equal((await b.client.call("domainInfo", { name: NAME })).state, "running", at);
          await freshVerdict(b, NAME);
          await a.client.call("destroy", { name: NAME });
          await b.client.call("migrate", { name: NAME, body: { target: a.migration } });
        } else {
          // The commit never reached the destination: it discards its copy (soon after the
          // connection dropped) and the operator resumes the source's.
          await waitUntil(async () => !(await listed(b, NAME)), `${at}: the destination discards`);
          assert.equal((await a.client.call("unpause", { name: NAME })).state, "running", at);
        }
        await freshVerdict(a, NAME);
      } catch (e) {
        const detail = e instanceof assert.AssertionError ? `${e.message} (actual ${e.actual})` : String(e);
        throw new Error(`${at}: ${detail}\n${a.log}\n${b.log}`, { cause: e });
      } finally {
        await proxy.close();
      }
    }
    assert.ok(seen.before >= 6 && seen.inDoubt >= 2, JSON.stringify(seen));
    await freshVerdict(a, NAME);
  });
});
