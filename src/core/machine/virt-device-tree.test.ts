import assert from "node:assert/strict";
import { test } from "node:test";
import { readDeviceTree } from "./device-tree-reader.js";
import { writeDeviceTree } from "./device-tree-writer.js";
import { virtDeviceTree } from "./virt-device-tree.js";

const layout = {
  ramBase: 0x8000_0000,
  ramSize: 0x800_0000,
  uartBase: 0x1000_0000,
  uartSize: 0x100,
  finisherBase: 0x10_0000,
  finisherSize: 0x1000,
  clintBase: 0x200_0000,
  clintSize: 0x10000,
};

function board(harts: number, xlen: 32 | 64) {
  return readDeviceTree(writeDeviceTree(virtDeviceTree({ harts, xlen, layout, bootargs: "console=ttyS0" })));
}

test("virtDeviceTree() describes memory, chosen and the timebase like QEMU virt", () => {
  const tree = board(1, 64);
  assert.equal(tree.root.getU32("#address-cells"), 2);
  const memory = tree.find("/memory@80000000")!;
  assert.equal(memory.getString("device_type"), "memory");
  assert.deepEqual(memory.getU32Array("reg"), [0, 0x8000_0000, 0, 0x800_0000]);
  assert.equal(tree.find("/chosen")!.getString("bootargs"), "console=ttyS0");
  const stdout = tree.find("/chosen")!.getString("stdout-path")!;
  assert.equal(tree.find(stdout)!.getString("compatible"), "ns16550a", "stdout-path names the UART");
  assert.equal(tree.find("/cpus")!.getU32("timebase-frequency"), 10_000_000);
});

test("virtDeviceTree() gives every hart a cpu node with an interrupt controller", () => {
  const tree = board(4, 64);
  for (let h = 0; h < 4; h++) {
    const cpu = tree.find(`/cpus/cpu@${h}`)!;
    assert.equal(cpu.getString("device_type"), "cpu");
    assert.equal(cpu.getU32("reg"), h);
    assert.equal(cpu.getString("status"), "okay");
    assert.equal(cpu.getString("compatible"), "riscv");
    assert.equal(cpu.getString("riscv,isa"), "rv64imac");
    assert.equal(cpu.getString("mmu-type"), "riscv,sv39");
    const intc = cpu.child("interrupt-controller")!;
    assert.equal(intc.getString("compatible"), "riscv,cpu-intc");
    assert.ok(intc.getBytes("interrupt-controller"));
    assert.equal(intc.getU32("#interrupt-cells"), 1);
  }
  assert.equal(tree.find("/cpus/cpu@4"), undefined);
});

test("virtDeviceTree() describes an RV32 board with Sv32", () => {
  const cpu = board(1, 32).find("/cpus/cpu@0")!;
  assert.equal(cpu.getString("riscv,isa"), "rv32imac");
  assert.equal(cpu.getString("mmu-type"), "riscv,sv32");
});

test("virtDeviceTree() wires the CLINT to each hart's software and timer interrupts", () => {
  const tree = board(2, 64);
  const clint = tree.find("/soc/clint@2000000")!;
  assert.deepEqual(clint.getStrings("compatible"), ["sifive,clint0", "riscv,clint0"]);
  assert.deepEqual(clint.getU32Array("reg"), [0, 0x200_0000, 0, 0x10000]);
  const intc0 = tree.find("/cpus/cpu@0/interrupt-controller")!.getU32("phandle")!;
  const intc1 = tree.find("/cpus/cpu@1/interrupt-controller")!.getU32("phandle")!;
  assert.deepEqual(clint.getU32Array("interrupts-extended"), [intc0, 3, intc0, 7, intc1, 3, intc1, 7]);
});

test("virtDeviceTree() describes the UART and the test finisher", () => {
  const tree = board(1, 64);
  const uart = tree.find("/soc/uart@10000000")!;
  assert.deepEqual(uart.getU32Array("reg"), [0, 0x1000_0000, 0, 0x100]);
  assert.equal(uart.getU32("clock-frequency"), 3_686_400);
  const finisher = tree.find("/soc/test@100000")!;
  assert.ok(finisher.getStrings("compatible")!.includes("sifive,test0"));
  const poweroff = tree.find("/soc/poweroff")!;
  assert.equal(poweroff.getU32("regmap"), finisher.getU32("phandle"));
  assert.equal(poweroff.getU32("value"), 0x5555);
  assert.equal(tree.find("/soc")!.getString("compatible"), "simple-bus");
});
