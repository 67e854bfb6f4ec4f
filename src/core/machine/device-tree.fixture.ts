/**
 * A sample device tree for the writer and reader tests: every kind of property value, memory
 * reservations, a phandle reference and nesting several levels deep.
 */
import { DeviceTree } from "./device-tree.js";

/** A tree using every kind of property value the writer supports. */
export function sampleTree(): DeviceTree {
  const tree = new DeviceTree();
  tree.bootCpuId = 1;
  tree.reservations.push({ address: 0x8000_0000n, size: 0x20_0000n }, { address: 1n << 40n, size: 0x1000n });
  const root = tree.root.setU32("#address-cells", 2).setU32("#size-cells", 2).setString("model", "sample");
  const intc = root.addNode("intc").setEmpty("interrupt-controller").setU32("#interrupt-cells", 1);
  const phandle = tree.phandleOf(intc);
  root
    .addNode("device@10000000")
    .setStrings("compatible", ["vendor,device2", "vendor,device"])
    .setU64("reg", 0x1000_0000, 0x100)
    .setU64("big", 0xffff_ffff_ffff_ffffn)
    .setU32("interrupts-extended", phandle, 3, phandle, 7)
    .setBytes("mac-address", new Uint8Array([0x52, 0x54, 0, 0x12, 0x34, 0x56]))
    .setString("odd", "abc");
  root.addNode("empty");
  root.addNode("deep").addNode("er").addNode("est@0").setU32("reg", 0);
  return tree;
}
