/**
 * The migration stream on the wire (docs/migration.md is the user-facing copy of these
 * tables). Little-endian throughout, like the image format whose records it carries.
 *
 * Each direction opens with the 16-byte magic "FERRY-MIGRATE\0\0\0", so a peer that is not
 * a Ferry migration endpoint (a wrong port) fails at once. Then frames, back to back, all
 * with the same fixed header — the image format's record framing, so that the image records
 * of a save file travel unchanged, checksum and all:
 *
 * | size | field                                                                          |
 * |------|--------------------------------------------------------------------------------|
 * | 2    | u16 command: 1–0x7FFF an image record (its type, image-format.md); 0x8001 and   |
 * |      | up a control message (Command); 0 and 0x8000 are invalid                        |
 * | 2    | u16 flags: records as in the image format (bit 0 optional); control messages 0 |
 * | 4    | u32 body length n (a control body is at most MAX_CONTROL_BODY bytes)           |
 * | n    | body                                                                           |
 * | 4    | u32 CRC-32C of command, flags, length and body                                 |
 *
 * | command | message        | from        | body                                          |
 * |---------|----------------|-------------|-----------------------------------------------|
 * | 0x8001  | HELLO          | source      | u32 oldest, u32 newest protocol version spoken |
 * | 0x8002  | VERSION        | destination | u32 the version both will speak               |
 * | 0x8003  | IMAGE_HEADER   | source      | the 36-byte image header (image-format.md)    |
 * | 0x8004  | ACCEPT         | destination | empty: the domain is claimed, send it         |
 * | 0x8005  | REFUSE         | destination | UTF-8 reason (the handshake's no)             |
 * | 0x8006  | ROUND          | source      | u32 round number, u32 flags (bit 0: final)    |
 * | 0x8007  | STATE_COMPLETE | source      | u64 bytes of the stream before this frame     |
 * | 0x8008  | READY          | destination | empty: it holds the whole domain, not running |
 * | 0x8009  | COMMIT         | source      | empty                                         |
 * | 0x800A  | RESUMED        | destination | the domain runs there; u32 µs from COMMIT's    |
 * |         |                |             | arrival to its start (version 1: empty)       |
 * | 0x800B  | ABORT          | either      | UTF-8 reason                                  |
 *
 * Versions: the frame header and HELLO's body never change. A Ferry speaks its current
 * protocol version and the one before (OLDEST_PROTOCOL_VERSION..PROTOCOL_VERSION); the
 * destination answers HELLO with the newest version both speak, or REFUSE. Version 2 (this
 * one) speaks 1 and 2; it added RESUMED's body, from which the source dates the domain's
 * start for its downtime figure.
 *
 * `FrameParser` is push-based like the image decoder, and checks in the order bytes arrive:
 * the magic as soon as its first bytes come, a frame's command, flags and length before its
 * body is buffered, a control frame's CRC once it is whole. A record frame's CRC and body are
 * the image decoder's to check (it gets the frame's bytes unchanged, as views).
 */
import { ChunkQueue } from "../snapshot/chunk-queue.js";
import { crc32c } from "../snapshot/crc32c.js";
import { MAX_JSON_BODY } from "../snapshot/image-codec.js";
import { MigrationError } from "./migration-error.js";

export const STREAM_MAGIC: Uint8Array = (() => {
  const m = new Uint8Array(16);
  m.set(new TextEncoder().encode("FERRY-MIGRATE"));
  return m;
})();

/** The protocol version this Ferry speaks by preference. */
export const PROTOCOL_VERSION = 2;
/** The oldest version it still speaks: the previous one (there is none before 1). */
export const OLDEST_PROTOCOL_VERSION = Math.max(1, PROTOCOL_VERSION - 1);

/** Control message numbers; a frame whose command has bit 15 clear is an image record. */
export const Command = {
  HELLO: 0x8001,
  VERSION: 0x8002,
  IMAGE_HEADER: 0x8003,
  ACCEPT: 0x8004,
  REFUSE: 0x8005,
  ROUND: 0x8006,
  STATE_COMPLETE: 0x8007,
  READY: 0x8008,
  COMMIT: 0x8009,
  RESUMED: 0x800a,
  ABORT: 0x800b,
} as const;
export type CommandName = keyof typeof Command;

const NAME_OF: ReadonlyMap<number, CommandName> = new Map(
  Object.entries(Command).map(([name, n]) => [n, name as CommandName]),
);

export const CONTROL_BIT = 0x8000;
export const FRAME_HEADER_SIZE = 8;
export const FRAME_CRC_SIZE = 4;
/** The largest control body (a reason is cut to MAX_REASON_BYTES before it is sent). */
export const MAX_CONTROL_BODY = 4096;
export const MAX_REASON_BYTES = 1024;
/** The largest record body a frame may announce (the image decoder's finer limits follow). */
export const MAX_RECORD_BODY = MAX_JSON_BODY;
/** ROUND flag bit 0: the final round — the guest is stopped, and the state records follow it. */
export const ROUND_FINAL = 1;

/** "ROUND", or "record 2" for an image record, or the number in hex. */
export function commandName(command: number): string {
  if (command > 0 && command < CONTROL_BIT) return `record type ${command}`;
  return NAME_OF.get(command) ?? `command 0x${command.toString(16)}`;
}

// --- encoding -------------------------------------------------------------------------------

/** A control frame: header, body and CRC in one buffer. */
export function encodeControl(command: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (NAME_OF.get(command) === undefined)
    throw new RangeError(`no control command 0x${command.toString(16)}`);
  if (body.length > MAX_CONTROL_BODY) throw new RangeError(`a control body of ${body.length} bytes`);
  const frame = new Uint8Array(FRAME_HEADER_SIZE + body.length + FRAME_CRC_SIZE);
  const dv = new DataView(frame.buffer);
  dv.setUint16(0, command, true);
  dv.setUint16(2, 0, true);
  dv.setUint32(4, body.length, true);
  frame.set(body, FRAME_HEADER_SIZE);
  const end = FRAME_HEADER_SIZE + body.length;
  dv.setUint32(end, crc32c(frame.subarray(0, end)), true);
  return frame;
}

export function u32Body(...values: number[]): Uint8Array {
  const b = new Uint8Array(4 * values.length);
  const dv = new DataView(b.buffer);
  for (const [i, v] of values.entries()) dv.setUint32(4 * i, v, true);
  return b;
}

export function u64Body(value: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(value), true);
  return b;
}

/** A reason as UTF-8, cut to MAX_REASON_BYTES (at a character boundary). */
export function textBody(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= MAX_REASON_BYTES) return bytes;
  let end = MAX_REASON_BYTES;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

// --- decoding bodies --------------------------------------------------------------------------

/** The u32s of a body that must hold exactly `count` of them. */
export function parseU32s(frame: ControlFrame, count: number, peer: string): number[] {
  const b = frame.body;
  if (b.length !== 4 * count) {
    throw new MigrationError(
      `bad ${commandName(frame.command)} from ${peer}: ${b.length} bytes of body, expected ${4 * count}`,
    );
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  return Array.from({ length: count }, (_, i) => dv.getUint32(4 * i, true));
}

export function parseU64(frame: ControlFrame, peer: string): number {
  const b = frame.body;
  if (b.length !== 8) {
    throw new MigrationError(
      `bad ${commandName(frame.command)} from ${peer}: ${b.length} bytes of body, expected 8`,
    );
  }
  const n = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MigrationError(`bad ${commandName(frame.command)} from ${peer}: ${n} is too large`);
  }
  return Number(n);
}

/** A reason sent by the peer (invalid UTF-8 is replaced, never an error: it is only shown). */
export function parseText(frame: ControlFrame): string {
  return new TextDecoder().decode(frame.body);
}

/**
 * The version to speak with a peer that speaks `oldest..newest`: the newest both speak, or
 * a refusal's reason.
 */
export function chooseVersion(oldest: number, newest: number): number | string {
  const top = Math.min(newest, PROTOCOL_VERSION);
  if (oldest > newest || top < Math.max(oldest, OLDEST_PROTOCOL_VERSION)) {
    const theirs = oldest === newest ? `${oldest}` : `${oldest}–${newest}`;
    const ours =
      OLDEST_PROTOCOL_VERSION === PROTOCOL_VERSION
        ? `${PROTOCOL_VERSION}`
        : `${OLDEST_PROTOCOL_VERSION}–${PROTOCOL_VERSION}`;
    return `migration protocol version ${theirs} is not supported (this Ferry speaks ${ours})`;
  }
  return top;
}

// --- frames -------------------------------------------------------------------------------------

export interface ControlFrame {
  readonly kind: "control";
  readonly command: number;
  readonly body: Uint8Array;
  /** The frame's position in its direction of the stream, from 0. */
  readonly index: number;
  /** Byte offset of its first byte in its direction of the stream (the magic is bytes 0–15). */
  readonly offset: number;
}

export interface RecordFrame {
  readonly kind: "record";
  /** The image record type (the command). */
  readonly type: number;
  /** The frame's bytes unchanged, as views of the chunks they arrived in: for ImageDecoder.push. */
  readonly bytes: readonly Uint8Array[];
  readonly index: number;
  readonly offset: number;
}

export type Frame = ControlFrame | RecordFrame;

type Phase = "magic" | "head" | "body";

/**
 * Splits one direction of the stream into frames. Feed bytes with `push` in pieces of any
 * size; take frames with `next` until it returns undefined. The first problem throws a
 * MigrationError naming it, the frame and its offset; the parser is then unusable. A chunk
 * must not change once pushed (record frames keep views of it).
 */
export class FrameParser {
  private readonly input = new ChunkQueue();
  private phase: Phase = "magic";
  private readonly magic = new Uint8Array(STREAM_MAGIC.length);
  private readonly head = new Uint8Array(FRAME_HEADER_SIZE);
  private filled = 0;
  private segments: Uint8Array[] = [];
  private control = new Uint8Array(0);
  private command = 0;
  private length = 0;
  private frameOffset = 0;
  private index = 0;
  private failure: MigrationError | undefined;

  /** `peer` names the sender of these bytes in messages: "the source", "the destination". */
  constructor(private readonly peer: string) {}

  /** Bytes taken into the magic and whole or partial frames so far. */
  get bytesRead(): number {
    return this.input.bytesRead;
  }

  push(chunk: Uint8Array): void {
    if (this.failure !== undefined) throw this.failure;
    this.input.push(chunk);
  }

  /** True when no partial magic or frame is held: the stream may end here. */
  get atBoundary(): boolean {
    return this.input.queued === 0 && this.filled === 0 && this.phase === "head";
  }

  /** Where the stream stopped, when it ends away from a boundary. */
  describeCut(): string {
    if (this.phase === "magic") return `after ${this.filled} bytes of its magic`;
    const what = `frame ${this.index} (${commandName(this.command)}) at byte ${this.frameOffset}`;
    if (this.phase === "head") return `inside the header of frame ${this.index}, at byte ${this.bytesRead}`;
    return `inside ${what}, after ${FRAME_HEADER_SIZE + this.filled} of its ${FRAME_HEADER_SIZE + this.length + FRAME_CRC_SIZE} bytes`;
  }

  /** The next whole frame, or undefined until more bytes come. */
  next(): Frame | undefined {
    if (this.failure !== undefined) throw this.failure;
    for (;;) {
      switch (this.phase) {
        case "magic": {
          const full = this.fill(this.magic);
          for (let i = 0; i < this.filled; i++) {
            if (this.magic[i] !== STREAM_MAGIC[i]) {
              this.fail(`${this.peer} is not a Ferry migration endpoint (bad magic)`);
            }
          }
          if (!full) return undefined;
          this.filled = 0;
          this.phase = "head";
          break;
        }
        case "head": {
          if (!this.fill(this.head)) return undefined;
          this.frameOffset = this.bytesRead - FRAME_HEADER_SIZE;
          this.parseHead();
          this.filled = 0;
          this.segments = [];
          if (this.command & CONTROL_BIT) this.control = new Uint8Array(this.length + FRAME_CRC_SIZE);
          this.phase = "body";
          break;
        }
        case "body": {
          const isControl = (this.command & CONTROL_BIT) !== 0;
          const size = this.length + FRAME_CRC_SIZE;
          if (!(isControl ? this.fill(this.control) : this.take(size))) return undefined;
          const frame = isControl ? this.controlFrame() : this.recordFrame();
          this.filled = 0;
          this.index++;
          this.phase = "head";
          return frame;
        }
      }
    }
  }

  private parseHead(): void {
    const dv = new DataView(this.head.buffer);
    this.command = dv.getUint16(0, true);
    const flags = dv.getUint16(2, true);
    this.length = dv.getUint32(4, true);
    const at = `frame ${this.index} at byte ${this.frameOffset}`;
    if (this.command === 0 || this.command === CONTROL_BIT) {
      this.fail(`${at} from ${this.peer} has command 0x${this.command.toString(16)}, which is invalid`);
    }
    if (this.command & CONTROL_BIT) {
      const name = NAME_OF.get(this.command);
      if (name === undefined) {
        this.fail(`${at} from ${this.peer} has unknown command 0x${this.command.toString(16)}`);
      }
      if (flags !== 0)
        this.fail(`${at} (${name}) from ${this.peer} has unknown flags 0x${flags.toString(16)}`);
      if (this.length > MAX_CONTROL_BODY) {
        this.fail(
          `${at} (${name}) from ${this.peer} has a body of ${this.length} bytes (at most ${MAX_CONTROL_BODY})`,
        );
      }
    } else if (this.length > MAX_RECORD_BODY) {
      this.fail(
        `${at} (record type ${this.command}) from ${this.peer} has a body of ${this.length} bytes (at most ${MAX_RECORD_BODY})`,
      );
    }
  }

  private controlFrame(): ControlFrame {
    const body = this.control.subarray(0, this.length);
    const stored = new DataView(this.control.buffer).getUint32(this.length, true);
    const computed = crc32c(body, crc32c(this.head));
    if (stored !== computed) {
      this.fail(
        `frame ${this.index} (${commandName(this.command)}) at byte ${this.frameOffset} from ${this.peer}: checksum mismatch (stored 0x${hex(stored)}, computed 0x${hex(computed)})`,
      );
    }
    return { kind: "control", command: this.command, body, index: this.index, offset: this.frameOffset };
  }

  private recordFrame(): RecordFrame {
    const bytes = [this.head.slice(), ...this.segments];
    this.segments = [];
    return { kind: "record", type: this.command, bytes, index: this.index, offset: this.frameOffset };
  }

  /** Copies queued bytes into `target` from `this.filled`; true once it is full. */
  private fill(target: Uint8Array): boolean {
    this.filled = this.input.read(this.filled, target.length, (piece, at) => target.set(piece, at));
    return this.filled === target.length;
  }

  /** Moves views of queued bytes to `this.segments` until they hold `size` bytes; true then. */
  private take(size: number): boolean {
    this.filled = this.input.read(this.filled, size, (piece) => this.segments.push(piece));
    return this.filled === size;
  }

  private fail(message: string): never {
    this.failure = new MigrationError(message);
    throw this.failure;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
