/**
 * Parses a DTB (versions 16 and 17, Devicetree Specification v0.4 chapter 5) into a
 * `DeviceTree`. The hypervisor reads guest- and user-supplied blobs with it, so every offset,
 * length and token is checked against the blob's bounds and anything malformed is one
 * `DeviceTreeError` naming what is wrong — never another exception, never a read outside
 * the input.
 *
 * Accepted leniencies, as in libfdt: FDT_NOP tokens anywhere between tokens, and a blob
 * larger than its `totalsize` (the rest is ignored).
 */
import { DeviceTree, DeviceTreeError, type DeviceTreeNode } from "./device-tree.js";
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  FDT_VERSION,
} from "./device-tree-writer.js";

/** Deeper nesting than this is taken as a corrupt blob rather than a real tree. */
const MAX_DEPTH = 64;
const decoder = new TextDecoder("utf-8", { fatal: false });

export function readDeviceTree(blob: Uint8Array): DeviceTree {
  try {
    return parse(blob);
  } catch (err) {
    if (err instanceof DeviceTreeError) throw err;
    throw new DeviceTreeError(`malformed device tree: ${(err as Error).message}`, { cause: err });
  }
}

function parse(blob: Uint8Array): DeviceTree {
  if (blob.length < FDT_HEADER_SIZE) {
    throw new DeviceTreeError(`device tree truncated: ${blob.length} bytes, the header alone is 40`);
  }
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const field = (i: number) => view.getUint32(i * 4);
  if (field(0) !== FDT_MAGIC) throw new DeviceTreeError("not a device tree blob: bad magic");
  const totalSize = field(1);
  const structOffset = field(2);
  const stringsOffset = field(3);
  const rsvmapOffset = field(4);
  const version = field(5);
  const lastCompatible = field(6);
  const bootCpuId = field(7);
  const stringsSize = field(8);
  if (version < 16 || lastCompatible > FDT_VERSION) {
    throw new DeviceTreeError(
      `unsupported device tree version ${version} (compatible with ${lastCompatible})`,
    );
  }
  if (totalSize > blob.length || totalSize < FDT_HEADER_SIZE) {
    throw new DeviceTreeError(`device tree truncated: header says ${totalSize} bytes, have ${blob.length}`);
  }
  const structSize = version >= 17 ? field(9) : totalSize - structOffset;
  checkBlock("memory reservation", rsvmapOffset, 16, totalSize);
  checkBlock("structure", structOffset, structSize, totalSize);
  checkBlock("strings", stringsOffset, stringsSize, totalSize);
  if (rsvmapOffset % 8 !== 0 || structOffset % 4 !== 0) {
    throw new DeviceTreeError("device tree blocks are misaligned");
  }

  const tree = new DeviceTree();
  tree.bootCpuId = bootCpuId;
  for (let at = rsvmapOffset; ; at += 16) {
    if (at + 16 > totalSize) throw new DeviceTreeError("memory reservation block is not terminated");
    const address = view.getBigUint64(at);
    const size = view.getBigUint64(at + 8);
    if (address === 0n && size === 0n) break;
    tree.reservations.push({ address, size });
  }

  const strings = blob.subarray(stringsOffset, stringsOffset + stringsSize);
  const structEnd = structOffset + structSize;
  let at = structOffset;
  const token = (): number => {
    if (at + 4 > structEnd) throw new DeviceTreeError("structure block ends without FDT_END");
    const t = view.getUint32(at);
    at += 4;
    return t;
  };

  const stack: DeviceTreeNode[] = [];
  let sawRoot = false;
  for (;;) {
    const t = token();
    if (t === FDT_NOP) continue;
    if (t === FDT_BEGIN_NODE) {
      const name = readName(blob, at, structEnd);
      at += align4(name.byteLength + 1);
      const text = decoder.decode(name);
      const parent = stack[stack.length - 1];
      if (parent === undefined) {
        if (sawRoot) throw new DeviceTreeError("device tree has more than one root node");
        if (text !== "") throw new DeviceTreeError(`root node has a name ("${text}")`);
        sawRoot = true;
        stack.push(tree.root);
      } else {
        if (stack.length >= MAX_DEPTH) throw new DeviceTreeError("device tree nested too deeply");
        if (parent.child(text)) throw new DeviceTreeError(`duplicate node "${text}"`);
        stack.push(parent.addNode(text));
      }
    } else if (t === FDT_END_NODE) {
      if (stack.pop() === undefined) throw new DeviceTreeError("FDT_END_NODE without a node");
    } else if (t === FDT_PROP) {
      const node = stack[stack.length - 1];
      if (node === undefined) throw new DeviceTreeError("property outside any node");
      const length = token();
      const nameOffset = token();
      if (length > structEnd - at) throw new DeviceTreeError("property value runs past the structure block");
      if (nameOffset >= strings.length)
        throw new DeviceTreeError("property name offset outside the strings block");
      const name = decoder.decode(readName(strings, nameOffset, strings.length));
      if (node.getBytes(name) !== undefined) throw new DeviceTreeError(`duplicate property "${name}"`);
      node.setBytes(name, blob.subarray(at, at + length));
      if (name === "phandle" && length === 4) tree.reservePhandle(view.getUint32(at));
      at += align4(length);
    } else if (t === FDT_END) {
      if (!sawRoot || stack.length !== 0) throw new DeviceTreeError("FDT_END inside an open node");
      return tree;
    } else {
      throw new DeviceTreeError(`unknown structure token 0x${t.toString(16)} at offset ${at - 4}`);
    }
  }
}

function checkBlock(name: string, offset: number, size: number, totalSize: number): void {
  if (offset > totalSize || size > totalSize - offset) {
    throw new DeviceTreeError(`${name} block lies outside the device tree`);
  }
}

/** The bytes of a NUL-terminated name starting at `from`, without the NUL. */
function readName(bytes: Uint8Array, from: number, end: number): Uint8Array {
  const nul = bytes.subarray(0, end).indexOf(0, from);
  if (nul < 0) throw new DeviceTreeError("name is not NUL-terminated");
  return bytes.subarray(from, nul);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
