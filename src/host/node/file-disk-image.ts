/**
 * A domain's disk on the Node host: a raw image file (usually sparse: `truncate -s 64M a.img`)
 * served through the DiskImage interface (core/devices/block/disk-image.ts).
 *
 * Invariants:
 * - the file is opened as it is, "r" or "r+": never created, truncated or grown (Ferry does
 *   not make disks, and a typo must not leave an empty image behind);
 * - its size is read once, at open, and must be a whole, non-zero number of 512-byte
 *   sectors; every read and write lies inside it, sector-aligned (the backend checks first;
 *   a RangeError here is a second line), so a read never runs past the end and a write never
 *   grows the file. A file that shrinks under an open image makes the read fail rather than
 *   hand the guest invented zeros;
 * - reads and writes go on after short transfers until every byte is moved, at explicit
 *   offsets, so calls may overlap (pread/pwrite share no file position);
 * - flush() is fdatasync: the data and the metadata needed to read it back, which for a
 *   file whose size never changes is what the guest's FLUSH asks for;
 * - every failure is one DiskImageError naming the file and the reason in plain words, with
 *   the original error as `cause`; nothing is opened when opening fails.
 */
import { type FileHandle, open } from "node:fs/promises";
import type { DiskImage } from "../../core/devices/block/disk-image.js";

export class DiskImageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DiskImageError";
  }
}

const SECTOR = 512;

const REASONS: Record<string, string> = {
  ENOTDIR: "a component of the path is not a directory",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "file name too long",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EIO: "input/output error",
};

/** An error's reason in plain words where its code has them, its message otherwise. */
function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code !== undefined ? REASONS[code] : undefined) ?? (e as Error).message;
}

/**
 * Opens the raw image `path` for `access`; throws DiskImageError when it is missing, not a
 * regular file, unreadable, read-only for "rw", empty or not a whole number of sectors.
 */
export async function openFileDiskImage(path: string, access: "ro" | "rw"): Promise<FileDiskImage> {
  let fh: FileHandle;
  try {
    fh = await open(path, access === "rw" ? "r+" : "r");
  } catch (e) {
    throw await openFailure(path, access, e);
  }
  try {
    const info = await fh.stat();
    if (info.isDirectory()) throw new DiskImageError(`disk image ${path} is a directory`);
    if (!info.isFile()) throw new DiskImageError(`disk image ${path} is not a regular file`);
    if (info.size === 0)
      throw new DiskImageError(`disk image ${path} is empty (truncate -s 64M ${path} makes a sparse one)`);
    if (info.size % SECTOR !== 0)
      throw new DiskImageError(
        `disk image ${path} is ${info.size} bytes, not a whole number of ${SECTOR}-byte sectors`,
      );
    return new FileDiskImage(path, fh, info.size, access === "ro");
  } catch (e) {
    await fh.close().catch(() => {});
    throw e instanceof DiskImageError
      ? e
      : new DiskImageError(`disk image ${path} cannot be opened: ${reasonOf(e)}`, { cause: e });
  }
}

/** Why `open` refused: for "rw", a file that opens read-only is told apart from an unreadable one. */
async function openFailure(path: string, access: "ro" | "rw", e: unknown): Promise<DiskImageError> {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EROFS")
    return new DiskImageError(`disk image ${path} is read-only (read-only file system): use access=ro`, {
      cause: e,
    });
  if (code === "EACCES" || code === "EPERM") {
    if (access === "rw") {
      const readable = await open(path, "r").then(
        (ro) => ro.close().then(() => true),
        () => false,
      );
      if (readable) return new DiskImageError(`disk image ${path} is read-only: use access=ro`, { cause: e });
    }
    return new DiskImageError(`disk image ${path} is not readable (permission denied)`, { cause: e });
  }
  if (code === "ENOENT") return new DiskImageError(`disk image ${path} does not exist`, { cause: e });
  if (code === "EISDIR") return new DiskImageError(`disk image ${path} is a directory`, { cause: e });
  return new DiskImageError(`disk image ${path} cannot be opened: ${reasonOf(e)}`, { cause: e });
}

/** An open raw image file. */
export class FileDiskImage implements DiskImage {
  private closed = false;

  constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly size: number,
    readonly readOnly: boolean,
  ) {}

  async read(offset: number, into: Uint8Array): Promise<void> {
    await this.transfer("read", offset, into);
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (this.readOnly) throw new DiskImageError(`disk image ${this.path} is open read-only`);
    await this.transfer("write", offset, data);
  }

  /** Moves every byte of `bytes` at `offset`, going on after short transfers. */
  private async transfer(op: "read" | "write", offset: number, bytes: Uint8Array): Promise<void> {
    this.check(op, offset, bytes.length);
    for (let done = 0; done < bytes.length; ) {
      const at = offset + done;
      let moved: number;
      try {
        moved =
          op === "read"
            ? (await this.fh.read(bytes, done, bytes.length - done, at)).bytesRead
            : (await this.fh.write(bytes, done, bytes.length - done, at)).bytesWritten;
      } catch (e) {
        throw this.ioFailure(`${op} at byte ${at}`, e);
      }
      if (moved === 0) {
        // Inside the size read at open, only a file cut short by someone else ends early.
        throw new DiskImageError(
          op === "read"
            ? `disk image ${this.path} ends before byte ${offset + bytes.length} (it shrank while open)`
            : `disk image ${this.path}: the file system accepted no bytes`,
        );
      }
      done += moved;
    }
  }

  async flush(): Promise<void> {
    if (this.closed) throw new DiskImageError(`disk image ${this.path} is closed`);
    // Nothing was written through a read-only handle, so nothing of ours awaits write-back.
    if (this.readOnly) return;
    try {
      await this.fh.datasync();
    } catch (e) {
      throw this.ioFailure("flush", e);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }

  private ioFailure(what: string, e: unknown): DiskImageError {
    return new DiskImageError(`disk image ${this.path}: ${what} failed: ${reasonOf(e)}`, { cause: e });
  }

  /** The second line behind the backend's own checks: whole sectors inside the image, still open. */
  private check(op: string, offset: number, length: number): void {
    if (this.closed) throw new DiskImageError(`disk image ${this.path} is closed`);
    if (
      !Number.isSafeInteger(offset) ||
      offset < 0 ||
      offset % SECTOR !== 0 ||
      length % SECTOR !== 0 ||
      offset + length > this.size
    ) {
      throw new RangeError(
        `${op} of ${length} bytes at ${offset} is not whole sectors inside ${this.path} (${this.size} bytes)`,
      );
    }
  }
}
