/**
 * What a block backend serves: a disk image, as the host gives it (DESIGN.md §2: hosts plug in
 * through small interfaces). Offsets and lengths are in bytes, whole 512-byte sectors, inside
 * the image. Calls may overlap; the backend orders what must be ordered (barriers, flushes)
 * by waiting for earlier calls itself.
 *
 * `MemoryDiskImage` keeps the bytes in an ArrayBuffer (tests, the browser); the Node host's is
 * `host/node/file-disk-image.ts`, a raw sparse file.
 */

export interface DiskImage {
  /** Size in bytes: a whole number of 512-byte sectors. */
  readonly size: number;
  readonly readOnly: boolean;
  /** Fills `into` from `offset`. */
  read(offset: number, into: Uint8Array): Promise<void>;
  /** Writes `data` at `offset` (never called on a read-only image). */
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Resolves when every write that resolved before the call is on stable storage. */
  flush(): Promise<void>;
  /** Releases the image; nothing else is called afterwards. */
  close(): Promise<void>;
}

/** A disk image in memory. */
export class MemoryDiskImage implements DiskImage {
  readonly bytes: Uint8Array;
  readonly size: number;

  constructor(
    size: number,
    readonly readOnly = false,
  ) {
    if (!Number.isInteger(size) || size <= 0 || size % 512 !== 0) {
      throw new RangeError(`a disk is a whole number of 512-byte sectors, not ${size} bytes`);
    }
    this.size = size;
    this.bytes = new Uint8Array(size);
  }

  async read(offset: number, into: Uint8Array): Promise<void> {
    into.set(this.bytes.subarray(offset, offset + into.length));
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (this.readOnly) throw new Error("the disk is read-only");
    this.bytes.set(data, offset);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
