/**
 * `ferry demo`, as the README tells a new user to run it: it must boot, save, restore and end
 * with the guest's own passing verdict, and say so with figures (JSON here, to read them).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runFerry } from "../daemon/ferryd.fixture.js";

for (const xlen of [64, 32]) {
  test(`ferry demo saves and restores a 4-vCPU RV${xlen} guest at work and its checks pass`, async () => {
    const r = await runFerry(
      ["demo", "--json", "--xlen", String(xlen), "--memory", "64M"],
      {},
      { timeoutMs: 300_000 },
    );
    assert.equal(r.status, 0, `${r.stderr}\n${r.stdout}`);
    const s = JSON.parse(r.stdout) as {
      passed: boolean;
      verdict: string;
      save: { mode: string; bytes: number; pages: number };
      restore: { cpusBack: number };
    };
    assert.equal(s.passed, true);
    assert.match(s.verdict, /^CHECK ok work=counters,queues,bound,memwriter,mix resume=1$/);
    assert.equal(s.save.mode, "cooperative");
    assert.ok(s.save.pages > 0 && s.save.bytes > s.save.pages * 4096);
    // work=all includes mix, which may have had a CPU powered off at the save.
    assert.ok(s.restore.cpusBack >= 1 && s.restore.cpusBack <= 4);
  });
}

test("ferry demo prints a summary for people", async () => {
  const r = await runFerry(["demo", "--memory", "32M"], {}, { timeoutMs: 300_000 });
  assert.equal(r.status, 0, `${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, /^ {2}guest \| CHECK ok .* resume=1$/m);
  assert.match(r.stdout, /^ferry demo: summary$/m);
  assert.match(r.stdout, /^ {2}guest's check {3}CHECK ok .*\(nothing was lost\)$/m);
});
