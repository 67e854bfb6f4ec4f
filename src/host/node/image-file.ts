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
 *   RAM), gathered into writev calls of about WRITE_BATCH bytes; one write is in flight while
 *   the next batch is encoded, so checksumming and the disk overlap.
 *
 * Reading opens the file at once (so a missing file is reported before anything else) and
 * streams it in READ_CHUNK pieces; the image decoder copies what it keeps, so memory stays at
 * a chunk plus one record.
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
export const WRITE_BATCH = 4 * 1024 * 1024;
/** Bytes per read. */
export const READ_CHUNK = 1024 * 1024;

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
  let inFlight: Promise<void> | undefined;
  let renamed = false;
  let bytes = 0;
  try {
    try {
      fh = await open(temp, "wx", 0o600);
    } catch (e) {
      throw await createFailure(e, path, dir);
    }
    const file = fh;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (inFlight !== undefined) await inFlight;
      const buffers = batch;
      const size = batchBytes;
      batch = [];
      batchBytes = 0;
      inFlight = writeAll(file, buffers).then(() => {
        bytes += size;
        options.onBytes?.(bytes);
      });
      // Awaited at the next flush or at the end; marked handled so a failure is not reported twice.
      inFlight.catch(() => {});
    };
    for await (const chunk of chunks) {
      if (chunk.length === 0) continue;
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= WRITE_BATCH) await flush();
    }
    if (batchBytes > 0) await flush();
    if (inFlight !== undefined) await inFlight;
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(temp, final);
    renamed = true;
    await syncDirectory(dir);
    return { bytes };
  } catch (e) {
    // A write may still be running (the chunks failed, not the disk): let it end first.
    await inFlight?.catch(() => {});
    if (fh !== undefined) await fh.close().catch(() => {});
    if (!renamed) await unlink(temp).catch(() => {});
    if (e instanceof ImageFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const reason = (code !== undefined ? REASONS[code] : undefined) ?? (e as Error).message;
    const after = renamed ? " (the image was written, but its directory could not be synced)" : "";
    throw new ImageFileError(`cannot save ${path}: ${reason}${after}`, { cause: e });
  }
}

/** Writes every buffer, going on after a short write. */
async function writeAll(fh: FileHandle, buffers: Uint8Array[]): Promise<void> {
  let rest = buffers;
  for (;;) {
    let want = 0;
    for (const b of rest) want += b.length;
    if (want === 0) return;
    const { bytesWritten } = await fh.writev(rest);
    if (bytesWritten === want) return;
    if (bytesWritten === 0) throw new Error("the file system accepted no bytes");
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
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        // A fresh buffer per read: the consumer may keep a chunk while the next one is read.
        const buffer = new Uint8Array(READ_CHUNK);
        let n: number;
        try {
          ({ bytesRead: n } = await fh.read(buffer, 0, READ_CHUNK, null));
        } catch (e) {
          throw failure(e);
        }
        if (n === 0) return;
        yield n === READ_CHUNK ? buffer : buffer.subarray(0, n);
      }
    } finally {
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
