/**
 * The domain image as bytes: the file format, and the framing the migration stream reuses
 * (docs/image-format.md is the user-facing copy of these tables). Encoding is a generator of
 * chunks and decoding is push-based, so neither ever needs a whole image in memory, and the
 * decoder works over a byte stream cut into arbitrary pieces (a file, a TCP connection).
 *
 * Header, 36 bytes, little-endian like everything here:
 *
 * | offset | size | field                                                            |
 * |--------|------|------------------------------------------------------------------|
 * | 0      | 16   | magic "FERRY-DOMAIN\0\0\0\0"                                     |
 * | 16     | 4    | u32 format version (1 or 2; independent of the package version)  |
 * | 20     | 1    | u8 XLEN, 32 or 64                                                |
 * | 21     | 1    | u8 save mode: 1 cooperative, 2 transparent                       |
 * | 22     | 2    | u16 reserved, 0                                                  |
 * | 24     | 4    | u32 page size in bytes (4096)                                    |
 * | 28     | 4    | u32 vCPU count                                                   |
 * | 32     | 4    | u32 CRC-32C of bytes 0–31                                        |
 *
 * Then records, the first domain-config and the last end, nothing after it:
 *
 * | size | field                                                                      |
 * |------|----------------------------------------------------------------------------|
 * | 2    | u16 type (RECORD_TYPES; 0 is invalid)                                      |
 * | 2    | u16 flags: bit 0 optional (a reader that does not know the type skips the  |
 * |      | record; an unknown type without it stops the load); other bits 0           |
 * | 4    | u32 body length n                                                          |
 * | n    | body                                                                       |
 * | 4    | u32 CRC-32C of type, flags, length and body                                |
 *
 * | type | record         | body                                                            |
 * |------|----------------|-----------------------------------------------------------------|
 * | 1    | domain-config  | JSON (record-json.ts)                                           |
 * | 2    | memory         | u32 count c (1..PAGES_PER_BATCH); c × u32 page numbers, strictly |
 * |      |                | increasing; c × page size bytes of data, in the same order      |
 * | 3    | vcpu           | JSON, bigints as "0x…" hex strings                              |
 * | 4–9  | event-channels, shared-info, store, timers, time, devices: JSON                 |
 * | 10   | end            | empty                                                           |
 * | 11   | disk-data      | binary: a batch of one disk's 64 KiB chunks (disk-data-record.ts) |
 *
 * Limits a reader enforces before it buffers a body: a memory body is exactly what its page
 * count implies (4 + c × (4 + page size)); any other body is at most 16 MiB (MAX_JSON_BODY).
 * Everything else — page numbers against the memory size, the record order, each value — is
 * the loader's (restore-domain.ts), so that in-memory and file images are checked alike.
 *
 * Checks are made in the order the bytes arrive, and the header's in this order: magic,
 * version, CRC, then the fields. The version comes before the CRC because a newer format may
 * lay out its header differently, and "version 3 is not supported" is the useful message then.
 *
 * Encoding never copies page data: a memory record's chunks are the page views it was given
 * (adjacent views of one buffer merged into one), so a save streams straight out of guest RAM.
 * Decoding does not either: a memory record's pages are views of the chunks pushed into the
 * decoder, which must therefore not change afterwards (ImageDecoder says more).
 */
import { PAGE_SIZE } from "../memory/guest-memory.js";
import { ChunkQueue } from "./chunk-queue.js";
import { crc32c, crc32cConcat } from "./crc32c.js";
import { decodeDiskData, encodeDiskData } from "./disk-data-record.js";
import {
  type DomainRecord,
  IMAGE_MAGIC,
  IMAGE_VERSION,
  ImageError,
  type ImageHeader,
  type ImageVersion,
  isSupportedVersion,
  type MemoryPage,
  PAGES_PER_BATCH,
  type SaveMode,
  unsupportedVersionMessage,
} from "./domain-image.js";
import { decodeJsonBody, encodeJsonBody } from "./record-json.js";
import { SegmentedBytes } from "./segmented-bytes.js";

/** The file magic: IMAGE_MAGIC padded with NULs to 16 bytes. */
export const FILE_MAGIC: Uint8Array = (() => {
  const m = new Uint8Array(16);
  m.set(new TextEncoder().encode(IMAGE_MAGIC));
  return m;
})();
export const HEADER_SIZE = 36;
export const RECORD_HEADER_SIZE = 8;
export const RECORD_CRC_SIZE = 4;
/** The largest body of any record but memory: store subtrees and the like are far smaller. */
export const MAX_JSON_BODY = 16 * 1024 * 1024;
/** Flag bit 0: a reader that does not know the record's type skips it. */
export const RECORD_OPTIONAL = 1;
/**
 * Pieces of a memory record shorter than this are copied (into blocks of up to COPY_BLOCK
 * bytes) rather than kept as views, so that a stream of tiny chunks cannot cost the decoder
 * a view object per byte.
 */
const MIN_VIEW = 4096;
const COPY_BLOCK = 64 * 1024;

/** Record type numbers; 0 is invalid. */
export const RECORD_TYPES = {
  "domain-config": 1,
  memory: 2,
  vcpu: 3,
  "event-channels": 4,
  "shared-info": 5,
  store: 6,
  timers: 7,
  time: 8,
  devices: 9,
  end: 10,
  "disk-data": 11,
} as const satisfies Record<DomainRecord["type"], number>;

type RecordName = DomainRecord["type"];
/** A record type's name, by its number (unknown numbers are absent). */
export const RECORD_NAMES: ReadonlyMap<number, RecordName> = new Map(
  Object.entries(RECORD_TYPES).map(([name, n]) => [n, name as RecordName]),
);

const MODE_CODE: Record<SaveMode, number> = { cooperative: 1, transparent: 2 };
const MIN_PAGE_SIZE = 4096;
const MAX_PAGE_SIZE = 65536;

// --- encoding -------------------------------------------------------------------------------

export interface EncodeOptions {
  /** The format version to write: the current one by default, the previous one for an older Ferry. */
  readonly version?: ImageVersion;
  /** The page size memory records are checked against (the header's; PAGE_SIZE by default). */
  readonly pageSize?: number;
}

/**
 * The image's bytes as chunks: the header, then each record as `records` yields it (lazily,
 * so a capture's memory is read batch by batch as the chunks are consumed). The records must
 * end with the end record. `header.version` is not consulted: the version written is
 * `options.version`.
 */
export function* encodeImage(
  header: ImageHeader,
  records: Iterable<DomainRecord>,
  options: EncodeOptions = {},
): Generator<Uint8Array> {
  const version = options.version ?? IMAGE_VERSION;
  yield encodeHeader(header, version);
  let ended = false;
  for (const r of records) {
    if (ended) throw new ImageError("cannot encode the image: a record follows the end record");
    yield* encodeRecord(r, { version, pageSize: header.pageSize });
    ended = r.type === "end";
  }
  if (!ended) throw new ImageError("cannot encode the image: its records do not finish with an end record");
}

/** The 36 header bytes for `header`, written as format `version`. */
export function encodeHeader(header: ImageHeader, version: ImageVersion = IMAGE_VERSION): Uint8Array {
  if (!isSupportedVersion(version)) throw new ImageError(unsupportedVersionMessage(version));
  const { xlen, mode, pageSize, vcpus } = header;
  if (xlen !== 32 && xlen !== 64) throw new ImageError(`cannot encode the image: XLEN ${String(xlen)}`);
  const modeCode = MODE_CODE[mode];
  if (modeCode === undefined) throw new ImageError(`cannot encode the image: save mode ${String(mode)}`);
  if (!isPageSize(pageSize)) throw new ImageError(`cannot encode the image: page size ${pageSize}`);
  if (!isU32(vcpus)) throw new ImageError(`cannot encode the image: ${vcpus} vCPUs`);
  const bytes = new Uint8Array(HEADER_SIZE);
  const dv = new DataView(bytes.buffer);
  bytes.set(FILE_MAGIC, 0);
  dv.setUint32(16, version, true);
  bytes[20] = xlen;
  bytes[21] = modeCode;
  dv.setUint16(22, 0, true);
  dv.setUint32(24, pageSize, true);
  dv.setUint32(28, vcpus, true);
  dv.setUint32(32, crc32c(bytes.subarray(0, 32)), true);
  return bytes;
}

/**
 * One record's bytes as chunks (the migration stream sends records one at a time). Memory
 * records are checked (1..PAGES_PER_BATCH pages, strictly increasing page numbers, whole
 * pages) and their page data are passed through as views, not copied.
 */
export function encodeRecord(record: DomainRecord, options: EncodeOptions = {}): Uint8Array[] {
  const version = options.version ?? IMAGE_VERSION;
  switch (record.type) {
    case "memory":
      return memoryRecord(record.pages, options.pageSize ?? PAGE_SIZE);
    case "end":
      return encodeRawRecord(RECORD_TYPES.end, 0, []);
    case "disk-data":
      return encodeRawRecord(
        RECORD_TYPES["disk-data"],
        0,
        encodeDiskData(record.devid, record.size, record.chunks),
      );
    default: {
      if (!Object.hasOwn(RECORD_TYPES, record.type)) {
        throw new ImageError(`cannot encode a record of unknown type "${String(record.type)}"`);
      }
      const body = encodeJsonBody(record, version);
      if (body.length > MAX_JSON_BODY) {
        throw new ImageError(
          `cannot encode the ${record.type} record: its body is ${body.length} bytes, beyond the limit of ${MAX_JSON_BODY}`,
        );
      }
      return encodeRawRecord(RECORD_TYPES[record.type], 0, [body]);
    }
  }
}

/**
 * Frames a body of any type and flags: [type, flags, length] + body chunks + CRC. For records
 * this Ferry does not define (optional extensions) and for tests of the reader. `bodyCrc`
 * continues the checksum over the body, for a caller that can derive it without reading it.
 */
export function encodeRawRecord(
  type: number,
  flags: number,
  body: readonly Uint8Array[],
  bodyCrc?: (headCrc: number) => number,
): Uint8Array[] {
  let length = 0;
  for (const c of body) length += c.length;
  if (!isU32(length)) throw new ImageError(`cannot encode a record body of ${length} bytes`);
  const head = new Uint8Array(RECORD_HEADER_SIZE);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, type, true);
  dv.setUint16(2, flags, true);
  dv.setUint32(4, length, true);
  let crc = crc32c(head);
  if (bodyCrc !== undefined) crc = bodyCrc(crc);
  else for (const c of body) crc = crc32c(c, crc);
  const tail = new Uint8Array(RECORD_CRC_SIZE);
  new DataView(tail.buffer).setUint32(0, crc, true);
  return [head, ...body, tail];
}

/** A memory record; its checksum from the pages' own CRCs when every page carries one. */
function memoryRecord(pages: readonly MemoryPage[], pageSize: number): Uint8Array[] {
  const body = memoryBody(pages, pageSize);
  if (!pages.every((p) => p.crc !== undefined)) return encodeRawRecord(RECORD_TYPES.memory, 0, body);
  return encodeRawRecord(RECORD_TYPES.memory, 0, body, (crc) => {
    let c = crc32c(body[0]!, crc); // the page count and numbers; the data follow in page order
    for (const p of pages) c = crc32cConcat(c, p.crc!, pageSize);
    return c;
  });
}

function memoryBody(pages: readonly MemoryPage[], pageSize: number): Uint8Array[] {
  const count = pages.length;
  if (count < 1 || count > PAGES_PER_BATCH) {
    throw new ImageError(`cannot encode a memory record of ${count} pages (1 to ${PAGES_PER_BATCH})`);
  }
  const index = new Uint8Array(4 + 4 * count);
  const dv = new DataView(index.buffer);
  dv.setUint32(0, count, true);
  const data: Uint8Array[] = [];
  let prev = -1;
  let run: Uint8Array | undefined;
  for (const [i, { pfn, data: page }] of pages.entries()) {
    if (!isU32(pfn) || pfn <= prev) {
      throw new ImageError(
        `cannot encode a memory record: page numbers must increase (${pfn} after ${prev})`,
      );
    }
    if (!(page instanceof Uint8Array) || page.length !== pageSize) {
      throw new ImageError(`cannot encode a memory record: page ${pfn} is not ${pageSize} bytes`);
    }
    dv.setUint32(4 + 4 * i, pfn, true);
    prev = pfn;
    // Views of consecutive pages of one buffer (the usual case: guest RAM) become one chunk.
    if (run !== undefined && run.buffer === page.buffer && run.byteOffset + run.length === page.byteOffset) {
      run = new Uint8Array(run.buffer, run.byteOffset, run.length + page.length);
    } else {
      if (run !== undefined) data.push(run);
      run = page;
    }
  }
  if (run !== undefined) data.push(run);
  return [index, ...data];
}

// --- decoding -------------------------------------------------------------------------------

export interface DecodeOptions {
  /** The largest body accepted for a record other than memory; MAX_JSON_BODY by default. */
  readonly maxJsonBody?: number;
}

export type DecodedItem =
  | { readonly kind: "header"; readonly header: ImageHeader }
  | {
      readonly kind: "record";
      readonly record: DomainRecord;
      /** The record's position in the stream, from 0 (skipped optional records count). */
      readonly index: number;
      /** The byte offset of its first byte. */
      readonly offset: number;
    };

type Phase = "header" | "record-header" | "body" | "done";

interface Pending {
  readonly type: number;
  readonly name: RecordName | undefined;
  readonly length: number;
  readonly offset: number;
}

/**
 * A push-based, strict image decoder. Feed it bytes with `push` as they arrive, in pieces of
 * any size, and take decoded items with `next` until it returns undefined (it needs more
 * bytes); when the input ends, `finish` checks it ended where an image may end. The header
 * comes first, then each record; optional records of unknown types are checked and skipped.
 *
 * Memory: at most one record's body (about 4 MiB for memory, MAX_JSON_BODY otherwise) plus
 * the pushed bytes not yet decoded. A memory record's body is not copied: the decoder keeps
 * views of the pushed chunks, and the record's pages are views of them (a page cut in two by
 * a chunk boundary is copied into a page of its own, and so are pieces under MIN_VIEW bytes),
 * so the bytes a reader pushes reach guest memory with one copy, the restore's. So **a chunk
 * must not change once pushed** (a file reader's fresh buffers, a socket's chunks); give the
 * decoder a copy otherwise. Other bodies are copied, and may come from any buffer.
 *
 * The first error is an ImageError naming the problem and where (record index, byte offset);
 * the decoder then stays failed and every later call throws the same error.
 */
export class ImageDecoder {
  /** The header, once decoded. */
  header: ImageHeader | undefined;
  /** Optional records of unknown types checked and skipped. */
  skipped = 0;

  private readonly maxJsonBody: number;
  private readonly input = new ChunkQueue();
  private phase: Phase = "header";
  private readonly headerBytes = new Uint8Array(HEADER_SIZE);
  private readonly recordHead = new Uint8Array(RECORD_HEADER_SIZE);
  /** The body and CRC of the record being read: copied (most records)… */
  private body = new Uint8Array(0);
  /** …or views of the pushed chunks (memory records), */
  private segments: Uint8Array[] = [];
  /** …the last of them possibly a view of this block, where short pieces are copied. */
  private block: Uint8Array | undefined;
  private blockUsed = 0;
  private filled = 0;
  private pending: Pending | undefined;
  private index = 0;
  private lastName: string | undefined;
  private failure: ImageError | undefined;

  constructor(options: DecodeOptions = {}) {
    this.maxJsonBody = options.maxJsonBody ?? MAX_JSON_BODY;
  }

  /** Bytes of the stream decoded so far: for progress reports (the whole stream once done). */
  get bytesRead(): number {
    return this.input.bytesRead;
  }

  /** True once the end record has been decoded. */
  get done(): boolean {
    return this.phase === "done";
  }

  push(chunk: Uint8Array): void {
    this.rethrow();
    if (chunk.length === 0) return;
    if (this.phase === "done") this.fail(`data follows the end record, at byte ${this.bytesRead}`);
    this.input.push(chunk);
  }

  /** The next decoded item, or undefined when more bytes are needed (or after the end). */
  next(): DecodedItem | undefined {
    this.rethrow();
    try {
      return this.step();
    } catch (e) {
      if (e instanceof ImageError) this.failure = e;
      throw e;
    }
  }

  /**
   * Says the input has ended (call it once next() has returned undefined): throws ImageError
   * unless the input ended right after the end record.
   */
  finish(): void {
    this.rethrow();
    if (this.phase === "done") {
      if (this.input.queued > 0) this.fail(`data follows the end record, at byte ${this.bytesRead}`);
      return;
    }
    // next() drains the queue unless it returns an item: bytes left mean items were not taken.
    if (this.input.queued > 0)
      throw new Error("ImageDecoder.finish() called before next() returned undefined");
    this.fail(this.truncation());
  }

  private step(): DecodedItem | undefined {
    for (;;) {
      switch (this.phase) {
        case "header": {
          const full = this.fill(this.headerBytes);
          this.checkMagic();
          if (!full) return undefined;
          this.header = this.parseHeader();
          this.filled = 0;
          this.phase = "record-header";
          return { kind: "header", header: this.header };
        }
        case "record-header": {
          if (!this.fill(this.recordHead)) return undefined;
          this.pending = this.parseRecordHead();
          if (this.pending.name === "memory") {
            this.segments = [];
            this.block = undefined;
          } else this.body = new Uint8Array(this.pending.length + RECORD_CRC_SIZE);
          this.filled = 0;
          this.phase = "body";
          break;
        }
        case "body": {
          const p = this.pending!;
          const full = p.name === "memory" ? this.take(p.length + RECORD_CRC_SIZE) : this.fill(this.body);
          if (!full) return undefined;
          const record = this.parseBody(p);
          this.filled = 0;
          this.index++;
          this.lastName = p.name ?? `optional type ${p.type}`;
          this.phase = record?.type === "end" ? "done" : "record-header";
          if (this.phase === "done" && this.input.queued > 0) {
            this.fail(`data follows the end record, at byte ${this.bytesRead}`);
          }
          if (record === undefined) {
            this.skipped++;
            break;
          }
          return { kind: "record", record, index: this.index - 1, offset: p.offset };
        }
        case "done":
          if (this.input.queued > 0) this.fail(`data follows the end record, at byte ${this.bytesRead}`);
          return undefined;
      }
    }
  }

  /** Copies queued bytes into `target` from `this.filled`; true once it is full. */
  private fill(target: Uint8Array): boolean {
    return this.consume(target.length, (piece, at) => target.set(piece, at));
  }

  /** Moves views of queued bytes to `this.segments` until it holds `size` bytes; true then. */
  private take(size: number): boolean {
    return this.consume(size, (piece, at) => {
      if (piece.length >= MIN_VIEW) {
        this.segments.push(piece);
        this.block = undefined;
      } else {
        this.copyShort(piece, size - at);
      }
    });
  }

  /** Reads queued bytes into `sink` until `this.filled` reaches `size`; true once it has. */
  private consume(size: number, sink: (piece: Uint8Array, at: number) => void): boolean {
    this.filled = this.input.read(this.filled, size, sink);
    return this.filled === size;
  }

  /** Appends a short piece to the last segment's block; `rest` bytes of the body are still to come. */
  private copyShort(piece: Uint8Array, rest: number): void {
    for (let at = 0; at < piece.length; ) {
      if (this.block === undefined || this.blockUsed === this.block.length) {
        this.block = new Uint8Array(Math.min(rest - at, COPY_BLOCK));
        this.blockUsed = 0;
        this.segments.push(this.block.subarray(0, 0));
      }
      const n = Math.min(piece.length - at, this.block.length - this.blockUsed);
      this.block.set(piece.subarray(at, at + n), this.blockUsed);
      this.blockUsed += n;
      at += n;
      this.segments[this.segments.length - 1] = this.block.subarray(0, this.blockUsed);
    }
  }

  /** Checks as much of the magic as has arrived: a wrong file fails at once, however short. */
  private checkMagic(): void {
    const n = Math.min(this.filled, FILE_MAGIC.length);
    for (let i = 0; i < n; i++) {
      if (this.headerBytes[i] !== FILE_MAGIC[i]) this.fail("not a Ferry domain image (bad magic)");
    }
  }

  private parseHeader(): ImageHeader {
    const h = this.headerBytes;
    const dv = new DataView(h.buffer);
    const version = dv.getUint32(16, true);
    if (!isSupportedVersion(version)) this.fail(unsupportedVersionMessage(version));
    const stored = dv.getUint32(32, true);
    const computed = crc32c(h.subarray(0, 32));
    if (stored !== computed) {
      this.fail(`the image header is corrupt (checksum ${hex(stored)}, computed ${hex(computed)})`);
    }
    const xlen = h[20]!;
    if (xlen !== 32 && xlen !== 64) this.fail(`the image header has an impossible XLEN ${xlen}`);
    const modeCode = h[21]!;
    const mode = modeCode === 1 ? "cooperative" : modeCode === 2 ? "transparent" : undefined;
    if (mode === undefined) this.fail(`the image header has an unknown save mode ${modeCode}`);
    const reserved = dv.getUint16(22, true);
    if (reserved !== 0) this.fail(`the image header's reserved field is ${reserved}, not 0`);
    const pageSize = dv.getUint32(24, true);
    if (!isPageSize(pageSize)) this.fail(`the image header has an impossible page size ${pageSize}`);
    return {
      magic: IMAGE_MAGIC,
      version: version as ImageVersion,
      xlen: xlen as 32 | 64,
      pageSize,
      vcpus: dv.getUint32(28, true),
      mode: mode!,
    };
  }

  /** Checks a record's type, flags and length, before any of its body is buffered. */
  private parseRecordHead(): Pending {
    const dv = new DataView(this.recordHead.buffer);
    const type = dv.getUint16(0, true);
    const flags = dv.getUint16(2, true);
    const length = dv.getUint32(4, true);
    const offset = this.bytesRead - RECORD_HEADER_SIZE;
    const name = RECORD_NAMES.get(type);
    const at = `record ${this.index} (${name ?? `type ${type}`}) at byte ${offset}`;
    if (type === 0) this.fail(`record ${this.index} at byte ${offset} has type 0, which is invalid`);
    if ((flags & ~RECORD_OPTIONAL) !== 0) this.fail(`${at} has unknown flags ${hex(flags)}`);
    if (name === undefined && (flags & RECORD_OPTIONAL) === 0) {
      this.fail(`record ${this.index} at byte ${offset} has unknown mandatory record type ${type}`);
    }
    if (name === "memory") {
      const per = 4 + this.header!.pageSize;
      const pages = (length - 4) / per;
      if (length < 4 || !Number.isInteger(pages)) {
        this.fail(`${at}: a body of ${length} bytes is not a count and whole pages`);
      }
      if (pages < 1 || pages > PAGES_PER_BATCH) {
        this.fail(`${at} holds ${pages} pages: a memory record holds 1 to ${PAGES_PER_BATCH}`);
      }
    } else if (name === "end") {
      if (length !== 0) this.fail(`${at} has a body of ${length} bytes: it must be empty`);
    } else if (length > this.maxJsonBody) {
      this.fail(`${at} has a body of ${length} bytes, beyond the limit of ${this.maxJsonBody}`);
    }
    return { type, name, length, offset };
  }

  /** The record (undefined for a skipped optional one) once its body and CRC are in. */
  private parseBody(p: Pending): DomainRecord | undefined {
    const at = `record ${this.index} (${p.name ?? `type ${p.type}`}) at byte ${p.offset}`;
    const bytes = new SegmentedBytes(p.name === "memory" ? this.segments : [this.body]);
    this.segments = [];
    this.block = undefined;
    const stored = bytes.u32(p.length);
    const computed = bytes.crc32c(0, p.length, crc32c(this.recordHead));
    if (stored !== computed) {
      this.fail(
        `${at}: checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)}): the image is corrupt`,
      );
    }
    switch (p.name) {
      case undefined:
        return undefined;
      case "memory":
        return this.parseMemory(bytes, p.length, at);
      case "end":
        return { type: "end" };
      case "disk-data":
        try {
          return { type: "disk-data", ...decodeDiskData(this.body.subarray(0, p.length)) };
        } catch (e) {
          if (e instanceof ImageError) this.fail(`${at}: ${e.message}`, e);
          throw e;
        }
      default:
        try {
          return decodeJsonBody(
            p.name,
            this.body.subarray(0, p.length),
            this.header!.version as ImageVersion,
          );
        } catch (e) {
          if (e instanceof ImageError) this.fail(`${at}: ${e.message}`, e);
          throw e;
        }
    }
  }

  /** A memory record from its body's `length` bytes (CRC checked): pages as views where they can be. */
  private parseMemory(body: SegmentedBytes, length: number, at: string): DomainRecord {
    const ps = this.header!.pageSize;
    const count = body.u32(0);
    const implied = (length - 4) / (4 + ps);
    if (count !== implied) {
      if (count < 1 || count > PAGES_PER_BATCH) {
        this.fail(`${at} says it holds ${count} pages: a memory record holds 1 to ${PAGES_PER_BATCH}`);
      }
      this.fail(`${at} says it holds ${count} pages but its body has room for ${implied}`);
    }
    const pages: MemoryPage[] = [];
    const index = body.slice(4, 4 + 4 * count);
    const dv = new DataView(index.buffer, index.byteOffset, index.length);
    const data = 4 + 4 * count;
    let prev = -1;
    for (let i = 0; i < count; i++) {
      const pfn = dv.getUint32(4 * i, true);
      if (pfn <= prev)
        this.fail(`${at}: page numbers are not strictly increasing (page ${pfn} after ${prev})`);
      prev = pfn;
      pages.push({ pfn, data: body.slice(data + i * ps, data + (i + 1) * ps) });
    }
    return { type: "memory", pages };
  }

  private truncation(): string {
    const t = "the image is truncated:";
    switch (this.phase) {
      case "header":
        if (this.filled === 0) return "the image is empty";
        return `${t} it ends inside its header, after ${this.filled} of ${HEADER_SIZE} bytes`;
      case "record-header":
        if (this.filled > 0)
          return `${t} it ends inside the header of record ${this.index}, at byte ${this.bytesRead}`;
        if (this.index === 0) return `${t} it ends after its header, with no records`;
        return `${t} it ends after record ${this.index - 1} (${this.lastName}), at byte ${this.bytesRead}, with no end record`;
      default: {
        const p = this.pending!;
        const size = RECORD_HEADER_SIZE + p.length + RECORD_CRC_SIZE;
        return `${t} record ${this.index} (${p.name ?? `type ${p.type}`}) at byte ${p.offset} ends after ${RECORD_HEADER_SIZE + this.filled} of its ${size} bytes`;
      }
    }
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private fail(message: string, cause?: unknown): never {
    this.failure = new ImageError(message, cause === undefined ? undefined : { cause });
    throw this.failure;
  }
}

/** A decoded image: the header, and the records still to come from the same stream. */
export interface DecodedImage {
  readonly header: ImageHeader;
  /**
   * The records, decoded as they are iterated (one pass). It ends only after the source
   * ended cleanly after the end record; a truncated or corrupt stream throws ImageError.
   * Stopping early closes the source.
   */
  readonly records: AsyncIterable<DomainRecord>;
  /** For progress: `decoder.bytesRead`. */
  readonly decoder: ImageDecoder;
}

/**
 * Reads the header from `chunks` and returns it with the records that follow, still to be
 * read. The chunks must not change once yielded: memory pages are views of them.
 */
export async function decodeImage(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const source: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  const decoder = new ImageDecoder(options);
  let exhausted = false;
  const close = async (): Promise<void> => {
    if (!exhausted) {
      exhausted = true;
      await source.return?.();
    }
  };
  /** Feeds the decoder one more chunk; false (after finish() passed) when the source has ended. */
  const pull = async (): Promise<boolean> => {
    const r = await source.next();
    if (r.done) {
      exhausted = true;
      decoder.finish();
      return false;
    }
    decoder.push(r.value);
    return true;
  };
  let header: ImageHeader | undefined;
  try {
    while (header === undefined) {
      const item = decoder.next();
      if (item?.kind === "header") header = item.header;
      else if (!(await pull())) throw new ImageError("the image is empty");
    }
  } catch (e) {
    await close();
    throw e;
  }
  async function* records(): AsyncGenerator<DomainRecord> {
    try {
      for (;;) {
        const item = decoder.next();
        if (item?.kind === "record") yield item.record;
        else if (!(await pull())) return;
      }
    } finally {
      await close();
    }
  }
  return { header, records: records(), decoder };
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
}

function isPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_PAGE_SIZE && n <= MAX_PAGE_SIZE && (n & (n - 1)) === 0;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
