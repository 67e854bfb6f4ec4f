/**
 * An in-memory device tree: nodes with ordered properties and children, the memory
 * reservations, and the boot CPU — what `device-tree-writer` flattens into a DTB and
 * `device-tree-reader` parses back.
 *
 * Property values are stored as raw bytes exactly as they appear in the blob (Devicetree
 * Specification v0.4, §2.2.4): cells are big-endian 32-bit words, a 64-bit number is two cells
 * (high first), strings are NUL-terminated and string lists are concatenated strings. The
 * typed setters and getters only encode and decode; nothing is interpreted.
 *
 * Invariants: names are checked on insertion (node names 1–31 characters before an optional
 * `@unit-address`, property names 1–31 characters, both from the specification's character
 * sets), sibling names are unique, property order is insertion order (so a tree written,
 * read and written again gives the same bytes), phandles are unique within a tree.
 */

export class DeviceTreeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DeviceTreeError";
  }
}

/** A /memreserve/ entry: physical memory the client program must not use. */
export interface MemoryReservation {
  readonly address: bigint;
  readonly size: bigint;
}

const NODE_NAME = /^[0-9A-Za-z,._+-]{1,31}(@[0-9A-Za-z,._+-]+)?$/;
const PROPERTY_NAME = /^[0-9A-Za-z,._+?#-]{1,31}$/;
const U64_MAX = (1n << 64n) - 1n;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

export class DeviceTreeNode {
  private readonly props = new Map<string, Uint8Array>();
  private readonly kids: DeviceTreeNode[] = [];

  /** The root node is the only one with an empty name. */
  constructor(readonly name: string) {
    if (name !== "" && !NODE_NAME.test(name)) throw new DeviceTreeError(`invalid node name "${name}"`);
  }

  get properties(): ReadonlyMap<string, Uint8Array> {
    return this.props;
  }

  get children(): readonly DeviceTreeNode[] {
    return this.kids;
  }

  /** Adds a child; its name must be unique among its siblings. */
  addNode(name: string): DeviceTreeNode {
    if (this.child(name))
      throw new DeviceTreeError(`node "${name}" already exists under "${this.name || "/"}"`);
    if (name === "") throw new DeviceTreeError("only the root node may have an empty name");
    const node = new DeviceTreeNode(name);
    this.kids.push(node);
    return node;
  }

  child(name: string): DeviceTreeNode | undefined {
    return this.kids.find((k) => k.name === name);
  }

  /** Sets a property to raw bytes (replacing an existing value in place). */
  setBytes(name: string, value: Uint8Array): this {
    if (!PROPERTY_NAME.test(name)) throw new DeviceTreeError(`invalid property name "${name}"`);
    this.props.set(name, value.slice());
    return this;
  }

  /** A property with no value: a boolean flag such as `interrupt-controller` or `ranges`. */
  setEmpty(name: string): this {
    return this.setBytes(name, new Uint8Array(0));
  }

  /** One or more 32-bit cells (`<a b c>`). */
  setU32(name: string, ...cells: number[]): this {
    const bytes = new Uint8Array(cells.length * 4);
    const view = new DataView(bytes.buffer);
    cells.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c > 0xffff_ffff) {
        throw new DeviceTreeError(`property "${name}": ${c} is not a 32-bit cell`);
      }
      view.setUint32(i * 4, c);
    });
    return this.setBytes(name, bytes);
  }

  /** One or more 64-bit values, each as two cells (`/bits/ 64 <a>`). */
  setU64(name: string, ...values: (number | bigint)[]): this {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => {
      const big = BigInt(v);
      if (big < 0n || big > U64_MAX)
        throw new DeviceTreeError(`property "${name}": ${v} is not a 64-bit value`);
      view.setBigUint64(i * 8, big);
    });
    return this.setBytes(name, bytes);
  }

  setString(name: string, value: string): this {
    return this.setStrings(name, [value]);
  }

  /** A string list (`"a", "b"`): NUL-terminated strings back to back. */
  setStrings(name: string, values: readonly string[]): this {
    const parts = values.map((s) => {
      if (s.includes("\0")) throw new DeviceTreeError(`property "${name}": strings cannot contain NUL`);
      return encoder.encode(`${s}\0`);
    });
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    return this.setBytes(name, bytes);
  }

  getBytes(name: string): Uint8Array | undefined {
    return this.props.get(name);
  }

  /** All cells of a property, or undefined when absent or not a whole number of cells. */
  getU32Array(name: string): number[] | undefined {
    const bytes = this.props.get(name);
    if (bytes === undefined || bytes.length % 4 !== 0) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(i * 4));
  }

  /** A single-cell property's value. */
  getU32(name: string): number | undefined {
    const cells = this.getU32Array(name);
    return cells?.length === 1 ? cells[0] : undefined;
  }

  /** A two-cell property's value as one 64-bit number. */
  getU64(name: string): bigint | undefined {
    const bytes = this.props.get(name);
    if (bytes === undefined || bytes.length !== 8) return undefined;
    return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  }

  /** The strings of a string-list property, or undefined when it is not NUL-terminated. */
  getStrings(name: string): string[] | undefined {
    const bytes = this.props.get(name);
    if (bytes === undefined || bytes.length === 0 || bytes[bytes.length - 1] !== 0) return undefined;
    return decoder.decode(bytes.subarray(0, bytes.length - 1)).split("\0");
  }

  getString(name: string): string | undefined {
    const strings = this.getStrings(name);
    return strings?.length === 1 ? strings[0] : undefined;
  }
}

export class DeviceTree {
  readonly root = new DeviceTreeNode("");
  readonly reservations: MemoryReservation[] = [];
  /** `boot_cpuid_phys` of the header: the hart the client program starts on. */
  bootCpuId = 0;
  private nextPhandle = 1;

  /** Gives `node` a fresh `phandle` (or returns the one it has) for other nodes to point at. */
  phandleOf(node: DeviceTreeNode): number {
    const existing = node.getU32("phandle");
    if (existing !== undefined) return existing;
    const phandle = this.nextPhandle++;
    node.setU32("phandle", phandle);
    return phandle;
  }

  /** The node at an absolute path such as "/soc/uart@10000000", if there is one. */
  find(path: string): DeviceTreeNode | undefined {
    if (!path.startsWith("/")) return undefined;
    let node: DeviceTreeNode | undefined = this.root;
    for (const part of path.split("/").filter((p) => p !== "")) {
      node = node.child(part);
      if (node === undefined) return undefined;
    }
    return node;
  }

  /** Notes that a phandle is already taken (the reader calls this for every one it sees). */
  reservePhandle(phandle: number): void {
    if (phandle >= this.nextPhandle) this.nextPhandle = phandle + 1;
  }
}
