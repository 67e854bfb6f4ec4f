import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleTree } from "./device-tree.fixture.js";
import { DeviceTree, type DeviceTreeNode } from "./device-tree.js";
import { readDeviceTree } from "./device-tree-reader.js";
import { FDT_MAGIC, writeDeviceTree } from "./device-tree-writer.js";

function assertSameNode(a: DeviceTreeNode, b: DeviceTreeNode, path: string): void {
  assert.equal(a.name, b.name, path);
  assert.deepEqual([...a.properties.keys()], [...b.properties.keys()], `${path} property names`);
  for (const [name, value] of a.properties) {
    assert.deepEqual(b.getBytes(name), value, `${path}:${name}`);
  }
  assert.equal(a.children.length, b.children.length, `${path} children`);
  a.children.forEach((child, i) => {
    assertSameNode(child, b.children[i]!, `${path}/${child.name}`);
  });
}

test("writeDeviceTree() output reads back as the same tree", () => {
  const tree = sampleTree();
  const blob = writeDeviceTree(tree);
  const back = readDeviceTree(blob);
  assertSameNode(tree.root, back.root, "");
  assert.deepEqual(back.reservations, tree.reservations);
  assert.equal(back.bootCpuId, 1);
  assert.deepEqual(writeDeviceTree(back), blob, "a second write gives the same bytes");
});

test("writeDeviceTree() writes a version 17 header with aligned, in-bounds blocks", () => {
  const blob = writeDeviceTree(sampleTree());
  const view = new DataView(blob.buffer);
  const [magic, total, offStruct, offStrings, offRsv, version, lastComp, boot, sizeStrings, sizeStruct] =
    Array.from({ length: 10 }, (_, i) => view.getUint32(i * 4));
  assert.equal(magic, FDT_MAGIC);
  assert.equal(total, blob.length);
  assert.equal(version, 17);
  assert.equal(lastComp, 16);
  assert.equal(boot, 1);
  assert.equal(offRsv, 40);
  assert.equal(offRsv! % 8, 0);
  assert.equal(offStruct! % 4, 0);
  assert.equal(offStruct, 40 + 3 * 16, "two reservations plus the terminating entry");
  assert.equal(offStruct! + sizeStruct!, offStrings);
  assert.equal(offStrings! + sizeStrings!, total);
  assert.equal(view.getUint32(offStruct! + sizeStruct! - 4), 9, "the structure block ends with FDT_END");
});

test("writeDeviceTree() stores each property name once in the strings block", () => {
  const tree = new DeviceTree();
  tree.root.addNode("a").setU32("reg", 1);
  tree.root.addNode("b").setU32("reg", 2);
  const blob = writeDeviceTree(tree);
  const view = new DataView(blob.buffer);
  const strings = new TextDecoder().decode(
    blob.subarray(view.getUint32(12), view.getUint32(12) + view.getUint32(32)),
  );
  assert.equal(strings, "reg\0");
});

test("writeDeviceTree() encodes cells big-endian and pads values to 4 bytes", () => {
  const tree = new DeviceTree();
  tree.root.setU32("x", 0x0102_0304).setString("s", "ab");
  const blob = writeDeviceTree(tree);
  const view = new DataView(blob.buffer);
  const struct = blob.subarray(view.getUint32(8), view.getUint32(8) + view.getUint32(36));
  assert.deepEqual(
    Array.from(struct),
    [
      [0, 0, 0, 1, 0, 0, 0, 0], // FDT_BEGIN_NODE, "" padded
      [0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 1, 2, 3, 4], // FDT_PROP len 4, nameoff 0, <0x01020304>
      [0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0x61, 0x62, 0, 0], // FDT_PROP len 3, nameoff 2, "ab" + pad
      [0, 0, 0, 2, 0, 0, 0, 9], // FDT_END_NODE, FDT_END
    ].flat(),
  );
});

test("DeviceTreeNode getters decode what the setters encode", () => {
  const node = sampleTree().find("/device@10000000")!;
  assert.deepEqual(node.getStrings("compatible"), ["vendor,device2", "vendor,device"]);
  assert.equal(node.getString("odd"), "abc");
  assert.equal(node.getString("compatible"), undefined, "a list of two is not one string");
  assert.equal(node.getU64("big"), 0xffff_ffff_ffff_ffffn);
  assert.deepEqual(node.getU32Array("reg"), [0, 0x1000_0000, 0, 0x100]);
  assert.equal(node.getU32("reg"), undefined);
  assert.equal(node.getU32("mac-address"), undefined);
});

test("DeviceTree rejects bad names, duplicate nodes and out-of-range cells", () => {
  const tree = new DeviceTree();
  assert.throws(() => tree.root.addNode("has/slash"), /invalid node name/);
  assert.throws(() => tree.root.addNode("x".repeat(32)), /invalid node name/);
  tree.root.addNode("cpu@0");
  assert.throws(() => tree.root.addNode("cpu@0"), /already exists/);
  assert.throws(() => tree.root.setU32("bad name", 1), /invalid property name/);
  assert.throws(() => tree.root.setU32("big", 2 ** 32), /not a 32-bit cell/);
  assert.throws(() => tree.root.setU64("neg", -1), /not a 64-bit value/);
  assert.throws(() => tree.root.setString("nul", "a\0b"), /NUL/);
});

test("DeviceTree.phandleOf() gives each node one unique phandle", () => {
  const tree = new DeviceTree();
  const a = tree.root.addNode("a");
  const b = tree.root.addNode("b");
  const pa = tree.phandleOf(a);
  assert.equal(tree.phandleOf(a), pa);
  assert.notEqual(tree.phandleOf(b), pa);
  const back = readDeviceTree(writeDeviceTree(tree));
  const c = back.root.addNode("c");
  assert.ok(back.phandleOf(c) > Math.max(pa, tree.phandleOf(b)), "a read tree does not reuse phandles");
});
