/**
 * `ferry migrate --live` between two ferryd processes in separate network namespaces, A and B,
 * joined by a veth pair (`mig0` in each, 10.213.77.1 and .2/24): the domain goes A → B → A
 * over that link, the guest's checks pass after each move, and it is listed on exactly one
 * side; with B's end of the link down, a migration fails within the connect timeout with one
 * line naming the unreachable peer, and the domain runs on at the source.
 *
 * How the test reaches the daemons: each namespace also has a veth pair to the root namespace
 * (`api0` inside, a /30 from 10.214.0.0/16 chosen per run), and each daemon's API listens on
 * its `api0` address. So the test process (in the root namespace) uses the fixture as it is —
 * `ferry` CLI runs, the API client, console streams — and nothing but `ferryd` runs inside a
 * namespace. Running every `ferry` command under `ip netns exec` instead would have needed a
 * second way to follow consoles. Each daemon's migration listener is bound to its `mig0`
 * address only, and the A ↔ B subnet exists only inside the two namespaces, so a migration can
 * only travel over that link (checked too: mig0's byte counters grow by at least the bytes the
 * migration reports).
 *
 * Needs root and iproute2: probed once (`ip netns add` and a veth pair); skipped otherwise.
 * The namespaces carry the test process's pid; `after` stops the daemons (and kills anything
 * still inside a namespace), then deletes the namespaces, which deletes their veths.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { MigrateResult } from "../api/schemas.js";
import { boot, Ferryd, IP, KERNEL64 } from "./ferryd.fixture.js";
import { checksPass, freshVerdict, listed } from "./migration-checks.fixture.js";

/** As in migrate.test.ts: every workload but mix, which starves on this 2-core host. */
const WORK = "work=counters,queues,bound,memwriter";

const TAG = "ferrytest";
const NS_A = `${TAG}-${process.pid}-a`;
const NS_B = `${TAG}-${process.pid}-b`;
/** The A ↔ B link: this subnet exists only inside the two namespaces. */
const MIG_A = "10.213.77.1";
const MIG_B = "10.213.77.2";

/** Runs `ip ARGS`; its stdout, or an Error with its stderr. */
function ip(...args: string[]): string {
  const r = spawnSync(IP, args, { encoding: "utf8", timeout: 30_000 });
  if (r.error) throw new Error(`${IP} ${args.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${IP} ${args.join(" ")}: ${r.stderr.trim() || `status ${r.status}`}`);
  return r.stdout;
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // cleaning up: it may be gone already
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why this host cannot run the test (undefined: it can). */
function unsupported(): string | undefined {
  const ns = `${TAG}-${process.pid}-probe`;
  try {
    ip("netns", "add", ns);
  } catch (e) {
    return `network namespaces unavailable (needs root and iproute2): ${(e as Error).message}`;
  }
  try {
    ip("-n", ns, "link", "add", "p0", "type", "veth", "peer", "name", "p1");
    return undefined;
  } catch (e) {
    return `veth pairs unavailable: ${(e as Error).message}`;
  } finally {
    tryIp("netns", "del", ns);
  }
}

/** Namespaces left by runs of this test that were killed (their pid is gone). */
function removeStale(): void {
  for (const line of ip("netns", "list").split("\n")) {
    const m = new RegExp(`^(${TAG}-(\\d+)-\\w+)`).exec(line);
    if (m && Number(m[2]) !== process.pid && !alive(Number(m[2]))) tryIp("netns", "del", m[1]!);
  }
}

/**
 * Two /30s in 10.214.0.0/16 for the root ↔ A and root ↔ B links, starting from a slot derived
 * from the pid and skipping any the root namespace already uses (another run at the same time).
 */
function apiSubnets(): { rootA: string; a: string; rootB: string; b: string } {
  const used = ip("-4", "-o", "addr", "show");
  for (let i = 0; i < 4096; i++) {
    const base = ((process.pid + i) % 4096) * 16;
    const at = (k: number): string => `10.214.${(base + k) >> 8}.${(base + k) & 255}`;
    const subnet = { rootA: at(1), a: at(2), rootB: at(5), b: at(6) };
    if (!Object.values(subnet).some((x) => used.includes(`inet ${x}/`))) return subnet;
  }
  throw new Error("no free /30 in 10.214.0.0/16");
}

const skip = unsupported();

/** Bytes sent on `mig0` in namespace `ns`. */
function migTxBytes(ns: string): number {
  const [link] = JSON.parse(ip("-n", ns, "-j", "-s", "link", "show", "mig0")) as [
    { stats64: { tx: { bytes: number } } },
  ];
  return link.stats64.tx.bytes;
}

describe("ferry migrate between two network namespaces over a veth pair", { skip: skip ?? false }, () => {
  let a: Ferryd | undefined;
  let b: Ferryd | undefined;
  const daemons = (): [Ferryd, Ferryd] => {
    assert.ok(a && b, "both daemons started");
    return [a, b];
  };

  before(async () => {
    removeStale();
    const net = apiSubnets();
    ip("netns", "add", NS_A);
    ip("netns", "add", NS_B);
    // A ↔ B, the migration link: created straight into the namespaces.
    ip("link", "add", "mig0", "netns", NS_A, "type", "veth", "peer", "name", "mig0", "netns", NS_B);
    ip("-n", NS_A, "addr", "add", `${MIG_A}/24`, "dev", "mig0");
    ip("-n", NS_B, "addr", "add", `${MIG_B}/24`, "dev", "mig0");
    // root ↔ each namespace, for the API only.
    for (const [ns, rootEnd, rootAddr, nsAddr] of [
      [NS_A, `fxa${process.pid}`, net.rootA, net.a],
      [NS_B, `fxb${process.pid}`, net.rootB, net.b],
    ] as const) {
      ip("link", "add", rootEnd, "type", "veth", "peer", "name", "api0", "netns", ns);
      ip("addr", "add", `${rootAddr}/30`, "dev", rootEnd);
      ip("-n", ns, "addr", "add", `${nsAddr}/30`, "dev", "api0");
      ip("link", "set", rootEnd, "up");
      for (const dev of ["lo", "mig0", "api0"]) ip("-n", ns, "link", "set", dev, "up");
    }
    // Both kept even if one fails to start, so that `after` stops the other.
    const [sa, sb] = await Promise.allSettled([
      Ferryd.start([], { netns: NS_A, api: `${net.a}:0`, migration: `${MIG_A}:0` }),
      Ferryd.start([], { netns: NS_B, api: `${net.b}:0`, migration: `${MIG_B}:0` }),
    ]);
    if (sa.status === "fulfilled") a = sa.value;
    if (sb.status === "fulfilled") b = sb.value;
    for (const s of [sa, sb]) if (s.status === "rejected") throw s.reason;
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    for (const ns of [NS_A, NS_B]) {
      // Anything this run started in there that is still alive (a daemon that never printed
      // its addresses, a stuck stop).
      let pids = "";
      try {
        pids = ip("netns", "pids", ns);
      } catch {
        // no such namespace: set-up failed before it
      }
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone already
        }
      }
      tryIp("netns", "del", ns);
    }
    // The root ends go with their peers; delete them anyway in case a namespace lingers.
    tryIp("link", "del", `fxa${process.pid}`);
    tryIp("link", "del", `fxb${process.pid}`);
  });

  test("a 4-vCPU RV64 guest at work moves live A → B → A over the veth and its checks pass each time", async () => {
    const [da, db] = daemons();
    const name = "netns64";
    const con = await boot(
      da,
      { name, vcpus: 4, memory: 64, kernel: KERNEL64, cmdline: WORK },
      /^CHECK ok work=\S+ round=1$/m,
    );
    con.close();
    let [from, to, fromNs] = [da, db, NS_A];
    for (let i = 1; i <= 2; i++) {
      assert.equal(to.migration.split(":")[0], i === 1 ? MIG_B : MIG_A, "the peer's veth address");
      const txBefore = migTxBytes(fromNs);
      const r = await from.ferry(["migrate", "--live", "--json", name, to.migration]);
      assert.equal(r.status, 0, `migration ${i}: ${r.stderr}\n${from.log}\n${to.log}`);
      const report = JSON.parse(r.stdout) as MigrateResult;
      assert.equal(report.live, true);
      assert.equal(report.target, to.migration);
      assert.ok(report.rounds.length >= 1, "live: at least one pre-copy round");
      assert.ok(report.bytes > 0 && report.totalMs >= report.downtimeMs);
      const sent = migTxBytes(fromNs) - txBefore;
      assert.ok(sent >= report.bytes, `mig0 sent ${sent} bytes, the migration ${report.bytes}`);
      assert.deepEqual(
        [await listed(from, name), await listed(to, name)],
        [false, true],
        "listed on the destination only",
      );
      assert.equal(await checksPass(to, name, i, "new-domain"), 4);
      [from, to, fromNs] = [to, from, fromNs === NS_A ? NS_B : NS_A];
    }
    assert.equal(from, da, "back on A");
    assert.equal((await da.ferry(["destroy", name])).status, 0);
  });

  test("with the peer's end of the veth down, the migration fails within the connect timeout and the domain runs on; up again, it moves", async (t) => {
    const [da, db] = daemons();
    t.after(() => tryIp("-n", NS_B, "link", "set", "mig0", "up"));
    t.after(() => da.client.call("destroy", { name: "stay" }).catch(() => {}));
    t.after(() => db.client.call("destroy", { name: "stay" }).catch(() => {}));
    const con = await boot(
      da,
      { name: "stay", vcpus: 2, memory: 32, kernel: KERNEL64, cmdline: "work=counters,memwriter" },
      /^CHECK ok/m,
    );
    con.close();

    ip("-n", NS_B, "link", "set", "mig0", "down");
    const started = Date.now();
    const r = await da.ferry(["migrate", "--live", "stay", db.migration]);
    const ms = Date.now() - started;
    const peer = db.migration.replace(/\./g, "\\.");
    assert.equal(r.status, 1, r.stdout);
    // No carrier: ARP for the peer fails (EHOSTUNREACH, ~3 s), or, should the kernel keep
    // trying, the daemon's 10 s connect timeout ends it. Either way one line naming the peer.
    assert.match(
      r.stderr,
      new RegExp(
        `^ferry: (cannot connect to ${peer}: E(HOST|NET)UNREACH|${peer} did not answer within \\d+ ms); domain stay keeps running\\n$`,
      ),
    );
    assert.ok(ms < 20_000, `the failure took ${ms} ms`);
    t.diagnostic(`failed after ${ms} ms: ${r.stderr.trim()}`);
    assert.equal((await da.client.call("domainInfo", { name: "stay" })).state, "running");
    assert.deepEqual([await listed(da, "stay"), await listed(db, "stay")], [true, false]);
    await freshVerdict(da, "stay");

    ip("-n", NS_B, "link", "set", "mig0", "up");
    const again = await da.ferry(["migrate", "--live", "stay", db.migration]);
    assert.equal(again.status, 0, `${again.stderr}\n${da.log}\n${db.log}`);
    assert.deepEqual([await listed(da, "stay"), await listed(db, "stay")], [false, true]);
    assert.equal(await checksPass(db, "stay", 1, "new-domain"), 2);
  });
});
