/**
 * The endurance test of live migration: a 4-vCPU domain running every workload of the
 * reference guest (work=all,disk: counters, queues, bound threads, the memory writer, mix,
 * which takes CPUs offline and powers them off and on at random, so some moves catch CPUs
 * that way, and the disk writers, whose blocks the guest reads back after every resume)
 * moves live between two real ferryd processes over TCP 100 times, RV64 and RV32, and the
 * guest's own check after every resume must pass. The disk image is one file both daemons
 * see (shared storage). Around every tenth move the
 * toolstack powers CPU 3 off first (vcpu-set 3): it must come back powered off on the
 * destination and power on again there. The domain boots with 3 of its 4 vCPUs online and
 * the fourth is set online before the first move, so that the workload `bound` (a thread
 * bound to every other CPU online at its start) leaves CPU 3 free to be powered off: a CPU
 * with a bound thread refuses, as in Solaris.
 *
 * 100 moves per XLEN (FERRY_MIGRATE_ROUNDS=N for fewer while working on it). These runs found
 * a rare guest panic, once in about 1,000 moves (`xc_call: cpus … never answered`), since
 * fixed in the guest's dispatcher (docs/migration.md).
 */
import assert from "node:assert/strict";
import { truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { boot, Console, type Ferryd, KERNEL32, KERNEL64 } from "./ferryd.fixture.js";
import { checksPass, listed, twoDaemons } from "./migration-checks.fixture.js";

const MOVES = Number(process.env.FERRY_MIGRATE_ROUNDS ?? 100);

/** Sets the domain's online vCPUs and waits for the guest to say it followed. */
async function vcpuSet(d: Ferryd, name: string, online: number): Promise<void> {
  const con = await Console.open(d.client, name);
  try {
    await new Promise((r) => setTimeout(r, 300)); // the history arrives first
    const from = con.text.length;
    await d.client.call("vcpuSet", { name, body: { online } });
    await con.until(new RegExp(`^vcpu-set: online=${online}$`, "m"), from);
  } finally {
    con.close();
  }
}

describe(`live migration back and forth between two daemons, ${MOVES} times`, () => {
  const daemons = twoDaemons();

  for (const [xlen, kernel] of [
    [64, KERNEL64],
    [32, KERNEL32],
  ] as const) {
    test(`a 4-vCPU RV${xlen} guest at every workload: its checks pass after each move`, async () => {
      const [a, b] = daemons();
      const name = `endure${xlen}`;
      const disk = join(a.dir, `${name}.img`);
      writeFileSync(disk, "");
      truncateSync(disk, 16 << 20);
      const con = await boot(
        a,
        {
          name,
          vcpus: 3,
          maxvcpus: 4,
          memory: 32,
          kernel,
          cmdline: "work=all,disk",
          disk: [`${disk},raw,xvda,rw`],
        },
        /^CHECK ok work=\S+ round=1$/m,
      );
      con.close();
      await vcpuSet(a, name, 4);
      let [from, to] = [a, b];
      let downtimes = 0;
      for (let i = 1; i <= MOVES; i++) {
        const cpuOff = i % 10 === 5;
        if (cpuOff) await vcpuSet(from, name, 3);
        const r = await from.client.call("migrate", { name, body: { target: to.migration, live: true } });
        const at = `move ${i} (${from === a ? "a→b" : "b→a"})`;
        assert.equal(r.mode, "cooperative", at);
        assert.ok(r.rounds.length >= 1 && r.bytes > 0, at);
        downtimes += r.downtimeMs;
        assert.equal(await listed(from, name), false, `${at}: gone from the source`);
        assert.equal(await listed(to, name), true, `${at}: on the destination`);
        const cpus = await checksPass(to, name, i, "new-domain");
        if (cpuOff) {
          assert.ok(cpus <= 3, `${at}: the powered-off CPU came back up (cpus=${cpus})`);
          await vcpuSet(to, name, 4);
        }
        [from, to] = [to, from];
      }
      await from.client.call("destroy", { name });
      // Mean downtime, for whoever reads the log: not asserted (benchmarks measure speed).
      console.log(`RV${xlen}: ${MOVES} moves, mean downtime ${(downtimes / MOVES).toFixed(1)} ms`);
    });
  }
});
