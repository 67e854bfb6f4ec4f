/**
 * The `/cpus` node every RISC-V board here describes the same way (devicetree bindings for
 * RISC-V CPUs): timebase, and per hart its ISA, MMU type and local interrupt controller.
 * Shared by the bare-metal board and hypervisor domains.
 */
import { TIMEBASE_FREQUENCY } from "./clock.js";
import type { DeviceTree, DeviceTreeNode } from "./device-tree.js";

/** Adds `/cpus` with harts 0..count-1; returns each hart's interrupt-controller phandle. */
export function addCpuNodes(
  tree: DeviceTree,
  parent: DeviceTreeNode,
  count: number,
  xlen: 32 | 64,
): number[] {
  const cpus = parent
    .addNode("cpus")
    .setU32("#address-cells", 1)
    .setU32("#size-cells", 0)
    .setU32("timebase-frequency", TIMEBASE_FREQUENCY);
  const intcs: number[] = [];
  for (let h = 0; h < count; h++) {
    const cpu = cpus.addNode(`cpu@${h}`);
    tree.phandleOf(cpu);
    cpu
      .setString("device_type", "cpu")
      .setU32("reg", h)
      .setString("status", "okay")
      .setString("compatible", "riscv")
      .setString("riscv,isa", `rv${xlen}imac`)
      .setString("riscv,isa-base", `rv${xlen}i`)
      .setStrings("riscv,isa-extensions", ["i", "m", "a", "c", "zicsr", "zifencei"])
      .setString("mmu-type", xlen === 64 ? "riscv,sv39" : "riscv,sv32");
    const intc = cpu
      .addNode("interrupt-controller")
      .setU32("#interrupt-cells", 1)
      .setEmpty("interrupt-controller")
      .setString("compatible", "riscv,cpu-intc");
    intcs.push(tree.phandleOf(intc));
  }
  return intcs;
}
