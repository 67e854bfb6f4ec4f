/**
 * The reference test kernel is an ordinary SBI payload: the same ELF that Ferry boots must
 * boot on QEMU's virt board under its default OpenSBI and pass its own checks there. Runs
 * where qemu-system-riscv64 is installed (only the RV64 OpenSBI ships with Debian's QEMU).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const QEMU = "qemu-system-riscv64";
const haveQemu = spawnSync("sh", ["-c", `command -v ${QEMU}`]).status === 0;
const KERNEL = "guest/images/kernel-rv64.elf";

const args = (smp: number, bootargs: string): string[] => [
  "-M",
  "virt",
  "-smp",
  String(smp),
  "-m",
  "256M",
  "-bios",
  "default",
  "-display",
  "none",
  "-serial",
  "stdio",
  "-monitor",
  "none",
  "-kernel",
  KERNEL,
  "-append",
  bootargs,
];

function run(smp: number, bootargs: string): { status: number | null; output: string } {
  const r = spawnSync(QEMU, args(smp, bootargs), { encoding: "latin1", timeout: 120_000 });
  return { status: r.status, output: r.stdout };
}

test("the test kernel boots on QEMU virt with OpenSBI and passes its SMP check", { skip: !haveQemu }, () => {
  for (const smp of [1, 4]) {
    const r = run(smp, "test=smp");
    assert.match(r.output, new RegExp(`^CHECK ok smp harts=${smp}`, "m"), r.output);
    assert.equal(r.status, 0, r.output);
  }
});

test("the test kernel's SBI conformance test passes on QEMU's OpenSBI", { skip: !haveQemu }, () => {
  const r = run(2, "test=sbi");
  assert.match(r.output, /^\d+ passed, 0 failed$/m, r.output);
  assert.equal(r.status, 0, r.output);
});

test("the reference kernel's self-tests pass on QEMU's OpenSBI", { skip: !haveQemu }, () => {
  for (const smp of [1, 4]) {
    const r = run(smp, "test=all");
    assert.match(r.output, /^\d+ passed, 0 failed$/m, r.output);
    assert.equal(r.status, 0, r.output);
  }
});
