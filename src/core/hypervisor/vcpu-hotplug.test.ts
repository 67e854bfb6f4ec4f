/**
 * CPU hotplug through the store, as `xl vcpu-set` does it: the toolstack (domain 0) writes
 * `cpu/N/availability` = "online" | "offline" under the domain's home, and the reference guest
 * (guest/kernel/vcpu-hotplug.c) leaves such CPUs powered off at boot, powers them off and on
 * as the keys change, keeps them powered off across a save/restore and brings them back after
 * it. HSM (the hypervisor's view) must agree with what the guest prints, and the guest's own
 * workload checks must keep passing. Deterministic mode, one instruction per tick of guest time
 * (as in save-restore.test.ts).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { GuestSession } from "../snapshot/guest-session.fixture.js";
import { DeterministicRunner } from "./deterministic-runner.js";
import { HartState } from "./sbi-numbers.js";

const kernels = {
  32: readFileSync("guest/images/kernel-rv32.elf"),
  64: readFileSync("guest/images/kernel-rv64.elf"),
};

function session(xlen: 32 | 64, vcpus: number, seed: number, bootargs: string) {
  const runner = new DeterministicRunner({ seed, instructionsPerTick: 1 });
  const s = new GuestSession(runner, { kernel: kernels[xlen], vcpus, bootargs, timeoutMs: 5_000 });
  runner.onConsole = s.append;
  return { runner, s };
}

/** The toolstack's `xl vcpu-set`: one key per vCPU. */
function setAvailability(runner: DeterministicRunner, s: GuestSession, cpus: number[], value: string): void {
  for (const n of cpus) runner.pv.store.write(0, `/local/domain/${s.domain.id}/cpu/${n}/availability`, value);
}

/** Which vCPUs HSM reports STOPPED. */
async function stopped(runner: DeterministicRunner, s: GuestSession): Promise<number[]> {
  const states = await runner.vcpuStates(s.domain);
  return states.filter((v) => v.hsmState === HartState.STOPPED).map((v) => v.id);
}

/** Waits for the next periodic verdict after `from` and requires it to pass. */
async function nextRoundOk(s: GuestSession, from: number): Promise<void> {
  const verdict = await s.waitFor(/^CHECK .*round=\d+\)?$/m, from, "a periodic verdict");
  assert.match(verdict, /^CHECK ok /, s.tail());
}

for (const xlen of [64, 32] as const) {
  test(`vcpu-set: CPUs offline at boot stay powered off, come online, go offline and survive a save/restore (rv${xlen})`, async () => {
    const { runner, s } = session(xlen, 4, 31, "work=counters,queues");
    // Before the guest runs a single instruction: it must find these at boot.
    setAvailability(runner, s, [2, 3], "offline");

    await s.waitFor(/^work started: counters,queues cpus=2$/m);
    assert.match(s.output, /^# vcpu-set: cpu 2 stays powered off$/m);
    assert.match(s.output, /^# vcpu-set: cpu 3 stays powered off$/m);
    await s.waitFor(/^vcpu-set: online=2$/m);
    assert.deepEqual(await stopped(runner, s), [2, 3], "vCPUs 2 and 3 were never started");

    let mark = s.output.length;
    setAvailability(runner, s, [2, 3], "online");
    await s.waitFor(/^vcpu-set: online=4$/m, mark);
    assert.match(s.output.slice(mark), /^vcpu-set: cpu 2 online$/m);
    assert.match(s.output.slice(mark), /^vcpu-set: cpu 3 online$/m);
    assert.deepEqual(await stopped(runner, s), []);
    await nextRoundOk(s, s.output.length);

    mark = s.output.length;
    setAvailability(runner, s, [0, 1, 2, 3], "offline");
    await s.waitFor(/^vcpu-set: online=1$/m, mark);
    const after = s.output.slice(mark);
    for (const n of [1, 2, 3]) assert.match(after, new RegExp(`^vcpu-set: cpu ${n} powered off$`, "m"));
    assert.match(after, /^# vcpu-set: cpu 0 stays online: cpu 0 is never powered off/m);
    assert.deepEqual(await stopped(runner, s), [1, 2, 3]);
    await nextRoundOk(s, s.output.length);

    // Saved with three CPUs powered off: they stay so in the new domain, whose store came along.
    const { verdict } = await s.cycle("restore");
    assert.match(verdict, /^CHECK ok /, s.tail());
    assert.match(s.output, /^suspend: resumed 1 new-domain cpus=1$/m);
    assert.deepEqual(await stopped(runner, s), [1, 2, 3], "powered-off CPUs stay powered off");
    assert.equal(runner.pv.store.readString(0, `/local/domain/${s.domain.id}/cpu/2/availability`), "offline");

    // The watch was registered again in the new domain: the toolstack brings them back.
    mark = s.output.length;
    setAvailability(runner, s, [0, 1, 2, 3], "online");
    await s.waitFor(/^vcpu-set: online=4$/m, mark);
    assert.deepEqual(await stopped(runner, s), []);
    await nextRoundOk(s, s.output.length);

    // And down again, then a cancelled suspend: nothing changes.
    mark = s.output.length;
    setAvailability(runner, s, [3], "offline");
    await s.waitFor(/^vcpu-set: online=3$/m, mark);
    const cancel = await s.cycle("cancel");
    assert.match(cancel.verdict, /^CHECK ok /, s.tail());
    assert.match(s.output, /^suspend: resumed 2 cancelled cpus=3$/m);
    assert.deepEqual(await stopped(runner, s), [3]);
    assert.doesNotMatch(s.output, /^CHECK FAIL|^panic/m, s.tail());
  });

  test(`vcpu-set: a CPU with a bound thread and CPU 0 stay online and say why (rv${xlen})`, async () => {
    const { runner, s } = session(xlen, 2, 32, "work=counters,bound");
    await s.waitFor(/^vcpu-set: online=2$/m);
    const mark = s.output.length;
    setAvailability(runner, s, [0, 1], "offline");
    await s.waitFor(/^vcpu-set: online=2$/m, mark);
    const after = s.output.slice(mark);
    assert.match(after, /^# vcpu-set: cpu 0 stays online: cpu 0 is never powered off/m);
    assert.match(after, /^# vcpu-set: cpu 1 stays online: cpu 1 has 1 bound thread\(s\)$/m);
    assert.deepEqual(await stopped(runner, s), []);
    await nextRoundOk(s, s.output.length);
  });
}
