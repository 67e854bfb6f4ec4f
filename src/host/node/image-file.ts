/**
 * Domain image files on the Node host: writing an encoded image (image-codec.ts) to a file
 * atomically, and reading one back as a stream of chunks.
 *
 * Invariants of a save:
 * - the final path is only ever replaced whole: the image goes to a temporary file in the
 *   same directory (`.<name>.ferry-tmp-<pid>-<random>`, created exclusively, mode 0600 since
 *   it holds guest memory), which is fsynced, renamed over the final name, and the directory
 *   fsynced so the rename itself survives a crash. An older image at the final path survives
 *   any failure;
 * - on any failure the temporary file is removed and one ImageFileError is thrown whose
 *   message names the path and the reason in plain words ("no space left on device", "not
 *   writable …"), with the original error as `cause`;
 * - chunks are written as they are given, without copying (page data stay views of guest
 *   RAM), gathered into writev calls of about WRITE_BATCH bytes at explicit offsets; up to
 *   WRITES_IN_FLIGHT of them run (on libuv's threads) while the next batch is encoded, so
 *   scanning and checksumming overlap the copies into the page cache;
 * - every SYNC_EVERY bytes an fdatasync of what is written so far is started (one at a time,
 *   not awaited until the end), so the disk writes back while the rest is encoded and the
 *   final fsync has little left to do. It changes nothing about what is durable when: the
 *   final fsync still comes before the rename.
 *
 * Reading opens the file at once (so a missing file is reported before anything else) and
 * streams it in READ_CHUNK pieces, a fresh buffer each (the image decoder keeps views of them
 * instead of copying), with the next read already in flight while a chunk is decoded; memory
 * stays at a record plus a chunk or two.
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Domain } from "../../core/hypervisor/domain.js";
import type { DomainRunner } from "../../core/hypervisor/domain-runner.js";
import { type DecodedImage, type DecodeOptions, decodeImage } from "../../core/snapshot/image-codec.js";
import { type RestoreOptions, restoreDomainFrom } from "../../core/snapshot/restore-domain.js";

export class ImageFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ImageFileError";
  }
}

/** Bytes gathered per write: large enough that syscalls cost nothing, small enough to overlap. */
const WRITE_BATCH = 4 * 1024 * 1024;
/**
 * Writes running at once: the encoder goes on while one runs and the next waits (one, three
 * and four measured no different on the development VM).
 */
const WRITES_IN_FLIGHT = 2;
/** Bytes written between the start of one early fdatasync and the next (see the header). */
const SYNC_EVERY = 32 * 1024 * 1024;
/** Bytes per read. */
export const READ_CHUNK = 4 * 1024 * 1024;

const REASONS: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "the file is too large for the file system",
  EACCES: "not writable (permission denied)",
  EPERM: "not writable (operation not permitted)",
  EROFS: "not writable (read-only file system)",
  ENOTDIR: "a component of the path is not a directory",
  EISDIR: "is a directory",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many symbolic links",
  EIO: "input/output error",
};

export interface SaveImageFileOptions {
  /** Called after each write with the total bytes written so far. */
  readonly onBytes?: (bytesWritten: number) => void;
}

/**
 * Writes `chunks` (an encoded image, consumed once) to `path` atomically; returns the file's
 * size. The chunks must stay unchanged until written: for a capture, the domain stays
 * suspended until this resolves.
 */
export async function saveImageFile(
  path: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: SaveImageFileOptions = {},
): Promise<{ bytes: number }> {
  const final = resolve(path);
  const dir = dirname(final);
  const temp = join(dir, `.${basename(final)}.ferry-tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  let fh: FileHandle | undefined;
  let writer: BatchWriter | undefined;
  let renamed = false;
  try {
    try {
      fh = await open(temp, "wx", 0o600);
    } catch (e) {
      throw await createFailure(e, path, dir);
    }
    writer = new BatchWriter(fh, options.onBytes);
    // A synchronous source (the encoder) is not awaited chunk by chunk: only when a batch is full.
    if (Symbol.asyncIterator in chunks) {
      for await (const chunk of chunks) if (writer.add(chunk)) await writer.flush();
    } else {
      for (const chunk of chunks) if (writer.add(chunk)) await writer.flush();
    }
    const bytes = await writer.finish();
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(temp, final);
    renamed = true;
    await syncDirectory(dir);
    return { bytes };
  } catch (e) {
    // Writes may still be running (the chunks failed, not the disk): let them end first.
    await writer?.settle();
    if (fh !== undefined) await fh.close().catch(() => {});
    if (!renamed) await unlink(temp).catch(() => {});
    if (e instanceof ImageFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const reason = (code !== undefined ? REASONS[code] : undefined) ?? (e as Error).message;
    const after = renamed ? " (the image was written, but its directory could not be synced)" : "";
    throw new ImageFileError(`cannot save ${path}: ${reason}${after}`, { cause: e });
  }
}

/**
 * Gathers chunks into batches and writes them at their offsets, WRITES_IN_FLIGHT at a time,
 * starting an early fdatasync every SYNC_EVERY bytes. `add` says when a batch is full;
 * `flush` starts its write, waiting only when the writes are that far behind; `finish` waits
 * for everything and gives the byte count. Progress is reported in file order, as each write
 * and those before it are done. A failed early sync fails the save: the kernel reports a
 * write-back error once per file, so the final fsync might not see it again.
 */
class BatchWriter {
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  /** Bytes handed to writes so far: the offset of the next batch. */
  private offset = 0;
  private readonly writes: Promise<number>[] = [];
  private written = 0;
  private syncing: Promise<void> | undefined;
  private syncedTo = 0;
  private syncFailure: { error: unknown } | undefined;

  constructor(
    private readonly fh: FileHandle,
    private readonly onBytes: ((bytesWritten: number) => void) | undefined,
  ) {}

  /** Adds a chunk to the batch; true when the batch is full and should be flushed. */
  add(chunk: Uint8Array): boolean {
    if (chunk.length > 0) {
      this.batch.push(chunk);
      this.batchBytes += chunk.length;
    }
    return this.batchBytes >= WRITE_BATCH;
  }

  async finish(): Promise<number> {
    if (this.batchBytes > 0) await this.flush();
    while (this.writes.length > 0) await this.retire();
    await this.syncing;
    if (this.syncFailure !== undefined) throw this.syncFailure.error;
    return this.written;
  }

  /** Waits until nothing runs, ignoring failures (they are being reported already). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.writes, this.syncing]);
  }

  /** Starts writing the batch, first waiting for the oldest write if WRITES_IN_FLIGHT run. */
  async flush(): Promise<void> {
    if (this.writes.length >= WRITES_IN_FLIGHT) await this.retire();
    const buffers = this.batch;
    const at = this.offset;
    const end = at + this.batchBytes;
    this.offset = end;
    this.batch = [];
    this.batchBytes = 0;
    const write = writeAll(this.fh, buffers, at).then(() => end);
    // Awaited in order by retire(); marked handled so a failure is not reported twice.
    write.catch(() => {});
    this.writes.push(write);
  }

  /** Waits for the oldest write; reports progress and starts an early sync when one is due. */
  private async retire(): Promise<void> {
    this.written = await this.writes.shift()!;
    if (this.syncFailure !== undefined) throw this.syncFailure.error;
    this.onBytes?.(this.written);
    if (this.syncing === undefined && this.written - this.syncedTo >= SYNC_EVERY) {
      this.syncedTo = this.written;
      this.syncing = this.fh.datasync().then(
        () => {
          this.syncing = undefined;
        },
        (error: unknown) => {
          this.syncFailure ??= { error };
          this.syncing = undefined;
        },
      );
    }
  }
}

function sizeOf(buffers: readonly Uint8Array[]): number {
  let n = 0;
  for (const b of buffers) n += b.length;
  return n;
}

/** Writes every buffer at file offset `at`, going on after a short write. */
async function writeAll(fh: FileHandle, buffers: Uint8Array[], at: number): Promise<void> {
  let rest = buffers;
  for (;;) {
    const want = sizeOf(rest);
    if (want === 0) return;
    const { bytesWritten } = await fh.writev(rest, at);
    if (bytesWritten === want) return;
    if (bytesWritten === 0) throw new Error("the file system accepted no bytes");
    at += bytesWritten;
    let skip = bytesWritten;
    const next: Uint8Array[] = [];
    for (const b of rest) {
      if (skip >= b.length) skip -= b.length;
      else {
        next.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    rest = next;
  }
}

/** The error for a temporary file that cannot be created: a missing directory says so. */
async function createFailure(e: unknown, path: string, dir: string): Promise<unknown> {
  if ((e as NodeJS.ErrnoException).code !== "ENOENT") return e;
  const exists = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  // A directory that exists yet gives ENOENT for a new file refuses creation (procfs does).
  const reason = exists
    ? `not writable (no file can be created in ${dir})`
    : `the directory ${dir} does not exist`;
  return new ImageFileError(`cannot save ${path}: ${reason}`, { cause: e });
}

/** Makes the rename durable. File systems that cannot sync a directory are let be. */
async function syncDirectory(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "ENOTSUP" && code !== "EISDIR" && code !== "EPERM" && code !== "EBADF")
      throw e;
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** An open image file: its size, for progress, and its bytes as a one-pass stream. */
export interface ImageFileReader {
  readonly path: string;
  readonly size: number;
  /** READ_CHUNK pieces; the file is closed when the iteration ends, however it ends. */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Closes the file without reading it (a reader whose chunks were iterated needs no close). */
  close(): Promise<void>;
}

/** Opens an image file for reading; a missing or unreadable file is an ImageFileError now. */
export async function openImageFile(path: string): Promise<ImageFileReader> {
  const failure = (e: unknown): ImageFileError => {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied"
          : ((code !== undefined ? REASONS[code] : undefined) ?? (e as Error).message);
    return new ImageFileError(`cannot read ${path}: ${reason}`, { cause: e });
  };
  let fh: FileHandle;
  let size: number;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw failure(e);
  }
  try {
    const info = await fh.stat();
    if (!info.isFile())
      throw new ImageFileError(
        `cannot read ${path}: ${info.isDirectory() ? "is a directory" : "not a regular file"}`,
      );
    size = info.size;
  } catch (e) {
    await fh.close().catch(() => {});
    throw e instanceof ImageFileError ? e : failure(e);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await fh.close();
  };
  let position = 0;
  /**
   * Reads the next chunk: a fresh buffer each time, since the consumer keeps views of chunks.
   * It is not zeroed first (the read fills it), except for the tail a short read leaves, so
   * that no stale process memory is ever reachable through a chunk's buffer.
   */
  const read = async (): Promise<Uint8Array> => {
    const buffer = Buffer.allocUnsafeSlow(READ_CHUNK);
    let n: number;
    try {
      ({ bytesRead: n } = await fh.read(buffer, 0, READ_CHUNK, position));
    } catch (e) {
      throw failure(e);
    }
    position += n;
    if (n < READ_CHUNK) buffer.fill(0, n);
    // A plain Uint8Array, as other sources give: a Buffer's subarray() is slower.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, n);
  };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let next: Promise<Uint8Array> | undefined;
    try {
      next = read();
      for (;;) {
        const chunk = await next;
        next = undefined;
        if (chunk.length === 0) return;
        // Read ahead: the next read runs while the consumer decodes this chunk.
        next = read();
        next.catch(() => {}); // handled when awaited, or dropped if the consumer stops
        yield chunk;
      }
    } finally {
      await next?.catch(() => {});
      await close();
    }
  }
  return { path, size, chunks: chunks(), close };
}

/** An image file being decoded: its header read, its records still to come. */
export interface ImageFileImage extends DecodedImage {
  readonly size: number;
  /** Closes the file; needed only when the records are not iterated to their end. */
  close(): Promise<void>;
}

/** Opens and starts decoding an image file: its header, and its records still to be read. */
export async function readImageFile(path: string, options: DecodeOptions = {}): Promise<ImageFileImage> {
  const file = await openImageFile(path);
  try {
    return { ...(await decodeImage(file.chunks, options)), size: file.size, close: file.close };
  } catch (e) {
    await file.close();
    throw e;
  }
}

/**
 * Restores the image in `path` as a new domain on `runner`: read, decoded and restored as a
 * stream. Throws ImageFileError (the file) or ImageError (its contents); nothing is created then.
 */
export async function loadDomainImage(
  runner: DomainRunner,
  path: string,
  options: RestoreOptions,
): Promise<Domain> {
  const image = await readImageFile(path);
  try {
    return await restoreDomainFrom(runner, image.header, image.records, options);
  } finally {
    // A restore refused before it reads any record leaves the file open otherwise.
    await image.close();
  }
}
