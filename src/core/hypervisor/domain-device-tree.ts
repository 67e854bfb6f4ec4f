/**
 * The flattened device tree a domain boots with (DESIGN.md §3): its CPUs, its memory, its
 * command line and the `/hypervisor` node naming Ferry's PV interface. There are no devices
 * on a bus: a domain reaches everything through SBI.
 */
import { DeviceTree } from "../machine/device-tree.js";
import { SbiExtension } from "./sbi-numbers.js";

export const TIMEBASE_FREQUENCY = 10_000_000;

export interface DomainTreeOptions {
  readonly name: string;
  readonly vcpus: number;
  readonly xlen: 32 | 64;
  readonly ramBase: number;
  readonly ramSize: number;
  readonly bootargs: string;
}

export function domainDeviceTree(o: DomainTreeOptions): DeviceTree {
  const tree = new DeviceTree();
  const root = tree.root
    .setU32("#address-cells", 2)
    .setU32("#size-cells", 2)
    .setString("compatible", "ferry,domain")
    .setString("model", `ferry,domain ${o.name}`);
  root.addNode("chosen").setString("bootargs", o.bootargs);
  root
    .addNode(`memory@${o.ramBase.toString(16)}`)
    .setString("device_type", "memory")
    .setU64("reg", o.ramBase, o.ramSize);
  const cpus = root
    .addNode("cpus")
    .setU32("#address-cells", 1)
    .setU32("#size-cells", 0)
    .setU32("timebase-frequency", TIMEBASE_FREQUENCY);
  for (let v = 0; v < o.vcpus; v++) {
    const cpu = cpus
      .addNode(`cpu@${v}`)
      .setString("device_type", "cpu")
      .setU32("reg", v)
      .setString("status", "okay")
      .setString("compatible", "riscv")
      .setString("riscv,isa", `rv${o.xlen}imac`)
      .setString("mmu-type", o.xlen === 64 ? "riscv,sv39" : "riscv,sv32");
    const intc = cpu
      .addNode("interrupt-controller")
      .setU32("#interrupt-cells", 1)
      .setEmpty("interrupt-controller")
      .setString("compatible", "riscv,cpu-intc");
    tree.phandleOf(intc);
  }
  root
    .addNode("hypervisor")
    .setString("compatible", "ferry,hypervisor")
    .setU32("ferry,sbi-extension", SbiExtension.FERRY_PV);
  return tree;
}
