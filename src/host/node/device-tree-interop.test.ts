/**
 * Checks Ferry's device tree code against independent implementations when they are
 * installed: QEMU's own virt DTB must parse (and survive a write/read round trip), QEMU must
 * accept Ferry's DTB in place of its own, and `dtc` must decompile it. Each part is skipped
 * when its tool is missing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { BARE_LAYOUT } from "../../core/machine/bare-machine.js";
import type { DeviceTreeNode } from "../../core/machine/device-tree.js";
import { readDeviceTree } from "../../core/machine/device-tree-reader.js";
import { writeDeviceTree } from "../../core/machine/device-tree-writer.js";
import { virtDeviceTree } from "../../core/machine/virt-device-tree.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const QEMU = "qemu-system-riscv64";
const dir = mkdtempSync(join(tmpdir(), "ferry-dtb-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function have(command: string, versionFlag = "--version"): boolean {
  return spawnSync(command, [versionFlag], { stdio: "ignore" }).status === 0;
}

function ferryDtb(harts: number): Uint8Array {
  return writeDeviceTree(virtDeviceTree({ harts, xlen: 64, layout: BARE_LAYOUT, bootargs: "" }));
}

function nodeCount(node: DeviceTreeNode): number {
  return 1 + node.children.reduce((n, c) => n + nodeCount(c), 0);
}

test("readDeviceTree() parses the DTB QEMU generates for its virt board", { skip: !have(QEMU) }, () => {
  const path = join(dir, "qemu-virt.dtb");
  const r = spawnSync(
    QEMU,
    ["-M", `virt,dumpdtb=${path}`, "-smp", "2", "-display", "none", "-bios", "none"],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const qemu = readDeviceTree(new Uint8Array(readFileSync(path)));
  assert.equal(qemu.find("/cpus")!.getU32("timebase-frequency"), 10_000_000);
  assert.equal(qemu.find("/cpus/cpu@1")!.getString("device_type"), "cpu");
  assert.ok(qemu.find("/memory@80000000"));
  const again = readDeviceTree(writeDeviceTree(qemu));
  assert.equal(nodeCount(again.root), nodeCount(qemu.root));
  assert.deepEqual(writeDeviceTree(again), writeDeviceTree(qemu), "write/read/write is stable");
});

test("QEMU boots a program with Ferry's DTB in place of its own", { skip: !have(QEMU) }, () => {
  const path = join(dir, "ferry.dtb");
  writeFileSync(path, ferryDtb(1));
  const elf = join(ROOT, "guest/images/isa/rv64/smoke.elf");
  const args = ["-M", "virt", "-bios", "none", "-display", "none", "-serial", "stdio", "-monitor", "none"];
  const r = spawnSync(QEMU, [...args, "-dtb", path, "-kernel", elf], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "PASS\n");
});

test("dtc decompiles Ferry's DTB", { skip: !have("dtc") }, () => {
  const path = join(dir, "ferry-4.dtb");
  writeFileSync(path, ferryDtb(4));
  const r = spawnSync("dtc", ["-I", "dtb", "-O", "dts", path], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /cpu@3/);
  assert.match(r.stdout, /riscv,clint0/);
});
