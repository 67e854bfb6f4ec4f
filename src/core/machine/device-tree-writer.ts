/**
 * Flattens a `DeviceTree` into a DTB, format version 17 (Devicetree Specification v0.4,
 * chapter 5). Every number in the blob is big-endian.
 *
 *   offset            block
 *   0                 header: 10 × u32 (below)
 *   40                memory reservation block: (u64 address, u64 size)… then (0, 0); 8-aligned
 *   off_dt_struct     structure block: FDT_BEGIN_NODE name… FDT_PROP len nameoff value…
 *                     FDT_END_NODE … FDT_END; every token and payload padded to 4 bytes
 *   off_dt_strings    strings block: property names, NUL-terminated, each stored once
 *
 *   header: magic 0xd00dfeed, totalsize, off_dt_struct, off_dt_strings, off_mem_rsvmap,
 *           version 17, last_comp_version 16, boot_cpuid_phys, size_dt_strings, size_dt_struct
 *
 * The output depends only on the tree (no padding of free space, no timestamps), so the same
 * tree always gives the same bytes.
 */
import type { DeviceTree, DeviceTreeNode } from "./device-tree.js";

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_VERSION = 17;
export const FDT_LAST_COMPATIBLE_VERSION = 16;
export const FDT_HEADER_SIZE = 40;

export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

const encoder = new TextEncoder();

/** A growable big-endian byte buffer. */
class BlobBuilder {
  private bytes = new Uint8Array(1024);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value);
    this.length += 4;
  }

  u64(value: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, value);
    this.length += 8;
  }

  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  align(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.bytes.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** Property names in first-use order, each stored once. */
class StringsBlock {
  private readonly offsets = new Map<string, number>();
  private readonly blob = new BlobBuilder();

  offsetOf(name: string): number {
    let offset = this.offsets.get(name);
    if (offset === undefined) {
      offset = this.blob.length;
      this.offsets.set(name, offset);
      this.blob.raw(encoder.encode(`${name}\0`));
    }
    return offset;
  }

  finish(): Uint8Array {
    return this.blob.finish();
  }
}

/** The DTB for `tree`. */
export function writeDeviceTree(tree: DeviceTree): Uint8Array {
  const strings = new StringsBlock();
  const struct = new BlobBuilder();
  writeNode(tree.root, struct, strings);
  struct.u32(FDT_END);
  const structBytes = struct.finish();
  const stringBytes = strings.finish();

  const out = new BlobBuilder();
  const rsvmapOffset = FDT_HEADER_SIZE;
  const structOffset = rsvmapOffset + (tree.reservations.length + 1) * 16;
  const stringsOffset = structOffset + structBytes.length;
  const totalSize = stringsOffset + stringBytes.length;
  for (const field of [
    FDT_MAGIC,
    totalSize,
    structOffset,
    stringsOffset,
    rsvmapOffset,
    FDT_VERSION,
    FDT_LAST_COMPATIBLE_VERSION,
    tree.bootCpuId,
    stringBytes.length,
    structBytes.length,
  ]) {
    out.u32(field);
  }
  for (const r of tree.reservations) {
    out.u64(r.address);
    out.u64(r.size);
  }
  out.u64(0n);
  out.u64(0n);
  out.raw(structBytes);
  out.raw(stringBytes);
  return out.finish();
}

// Properties first, then children: the specification requires that order within a node.
function writeNode(node: DeviceTreeNode, struct: BlobBuilder, strings: StringsBlock): void {
  struct.u32(FDT_BEGIN_NODE);
  struct.raw(encoder.encode(`${node.name}\0`));
  struct.align(4);
  for (const [name, value] of node.properties) {
    struct.u32(FDT_PROP);
    struct.u32(value.length);
    struct.u32(strings.offsetOf(name));
    struct.raw(value);
    struct.align(4);
  }
  for (const child of node.children) writeNode(child, struct, strings);
  struct.u32(FDT_END_NODE);
}
