/** vCPU behaviour that needs no guest kernel: hand-assembled S-mode code. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildElf } from "../machine/elf-builder.fixture.js";
import { DeterministicRunner } from "./deterministic-runner.js";
import { Domain } from "./domain.js";

const le32 = (...words: number[]): number[] =>
  words.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff]);

let nextId = 1;

function domainWith(code: number[], name: string): Domain {
  const kernel = buildElf({ xlen: 64, entry: 0x80200000, segments: [{ paddr: 0x80200000, data: code }] });
  return new Domain(nextId++, { name, vcpus: 1, memorySize: 8 << 20, kernel });
}

test("a guest whose trap handler cannot be fetched crashes its domain instead of spinning", async () => {
  // csrw stvec, zero; then an illegal instruction: the trap goes to address 0, which faults
  // again at the same handler, forever.
  const wedged = domainWith(le32(0x10501073, 0x00000000), "wedged");
  // A second domain, spinning (j .), is not disturbed by the first one's crash.
  const spinner = domainWith(le32(0x0000006f), "spinner");
  const runner = new DeterministicRunner({ seed: 3 });
  runner.add(wedged);
  runner.add(spinner);
  await runner.run({ maxInstructions: 1_000_000 });
  assert.equal(wedged.exit?.end, "crashed");
  assert.ok(spinner.running, "the other domain keeps running");
  assert.ok(runner.instructions >= 1_000_000, "the runner kept running the healthy domain");
});
