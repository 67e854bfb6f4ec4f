import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleTree } from "./device-tree.fixture.js";
import { DeviceTree, DeviceTreeError } from "./device-tree.js";
import { readDeviceTree } from "./device-tree-reader.js";
import { writeDeviceTree } from "./device-tree-writer.js";

function blob(): Uint8Array {
  return writeDeviceTree(sampleTree());
}

function setU32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(offset, value);
  return copy;
}

function structOffset(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(8);
}

test("readDeviceTree() rejects a blob shorter than the header", () => {
  assert.throws(() => readDeviceTree(new Uint8Array(10)), DeviceTreeError);
});

test("readDeviceTree() rejects a bad magic number", () => {
  assert.throws(() => readDeviceTree(setU32(blob(), 0, 0xdeadbeef)), /bad magic/);
});

test("readDeviceTree() rejects versions it cannot read", () => {
  assert.throws(() => readDeviceTree(setU32(blob(), 20, 15)), /unsupported device tree version/);
  assert.throws(() => readDeviceTree(setU32(blob(), 24, 18)), /unsupported device tree version/);
});

test("readDeviceTree() rejects a totalsize beyond the data", () => {
  const b = blob();
  assert.throws(() => readDeviceTree(b.subarray(0, b.length - 1)), /truncated/);
});

test("readDeviceTree() accepts trailing bytes beyond totalsize", () => {
  const b = blob();
  const padded = new Uint8Array(b.length + 100);
  padded.set(b);
  assert.ok(readDeviceTree(padded).find("/deep/er/est@0"));
});

test("readDeviceTree() rejects an unknown structure token", () => {
  const b = blob();
  assert.throws(() => readDeviceTree(setU32(b, structOffset(b), 7)), /unknown structure token/);
});

test("readDeviceTree() skips FDT_NOP tokens", () => {
  const tree = new DeviceTree();
  tree.root.setU32("a", 1);
  const b = writeDeviceTree(tree);
  // Replace the property (PROP len nameoff value: 4 words after BEGIN_NODE and the name) with NOPs.
  let patched = b;
  for (let i = 0; i < 4; i++) patched = setU32(patched, structOffset(b) + 8 + 4 * i, 4);
  const back = readDeviceTree(patched);
  assert.equal(back.root.properties.size, 0);
});

test("readDeviceTree() rejects a property name offset outside the strings block", () => {
  const b = blob();
  // The first property sits right after BEGIN_NODE and the (empty, padded) root name.
  assert.throws(() => readDeviceTree(setU32(b, structOffset(b) + 16, 0x7fff)), /name offset/);
});

test("readDeviceTree() rejects a property length running past the block", () => {
  const b = blob();
  assert.throws(() => readDeviceTree(setU32(b, structOffset(b) + 12, 0x10_0000)), /runs past/);
});

test("readDeviceTree() throws only DeviceTreeError for every truncation and corruption", () => {
  const b = blob();
  for (let n = 0; n < b.length; n++) {
    const cut = b.slice(0, n);
    // Keep the header's totalsize honest so the parser walks into the damage.
    if (n >= 8) new DataView(cut.buffer).setUint32(4, n);
    assert.throws(() => readDeviceTree(cut), DeviceTreeError, `truncated to ${n}`);
  }
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let i = 0; i < 3000; i++) {
    const bad = b.slice();
    for (let k = 0; k < 1 + (i % 4); k++) bad[random() % bad.length] = random() & 0xff;
    try {
      readDeviceTree(bad);
    } catch (err) {
      assert.ok(err instanceof DeviceTreeError, `mutation ${i}: ${(err as Error).stack}`);
    }
  }
});
