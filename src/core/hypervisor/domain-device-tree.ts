/**
 * The flattened device tree a domain boots with (DESIGN.md §3): its CPUs, its memory, its
 * command line and the `/hypervisor` node naming Ferry's PV interface, the store's ring page
 * and its event channel. There are no devices
 * on a bus: a domain reaches everything through SBI.
 */
import { addCpuNodes } from "../machine/cpu-device-tree.js";
import { DeviceTree } from "../machine/device-tree.js";
import { SbiExtension } from "./sbi-numbers.js";

export interface DomainTreeOptions {
  readonly name: string;
  readonly vcpus: number;
  readonly xlen: 32 | 64;
  readonly ramBase: number;
  readonly ramSize: number;
  readonly bootargs: string;
  /** The store's ring page (guest-physical) and its event channel port. */
  readonly storeRing: number;
  readonly storePort: number;
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
  addCpuNodes(tree, root, o.vcpus, o.xlen);
  root
    .addNode("hypervisor")
    .setString("compatible", "ferry,hypervisor")
    .setU32("ferry,sbi-extension", SbiExtension.FERRY_PV)
    .setU64("ferry,store-ring", o.storeRing)
    .setU32("ferry,store-evtchn", o.storePort);
  return tree;
}
