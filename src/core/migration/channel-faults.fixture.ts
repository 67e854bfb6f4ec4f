/**
 * Faulty channels for the migration tests: wrappers around one end of a ByteChannel that act
 * on the frames written through it (wire-format.ts) — cut the connection at a frame boundary,
 * corrupt a byte of a frame, drop frames silently, or rewrite HELLO as an older Ferry sends
 * it; and one that only notes the frames going by. They follow the writer's frames with a
 * small tracker of their own, so they work on either direction of the stream.
 */
import type { ByteChannel } from "./byte-channel.js";
import {
  Command,
  encodeControl,
  FRAME_CRC_SIZE,
  FRAME_HEADER_SIZE,
  STREAM_MAGIC,
  u32Body,
} from "./wire-format.js";

/** A piece of the written bytes, inside the magic (frame -1) or one frame. */
interface Piece {
  readonly bytes: Uint8Array;
  /** -1 for the magic, then 0, 1, … */
  readonly frame: number;
  readonly command: number;
  /** The piece's offset inside its frame. */
  readonly at: number;
}

/** Splits written bytes at frame boundaries; a frame's header is held until it is whole. */
class FrameTracker {
  frame = -1;
  private left = STREAM_MAGIC.length;
  private readonly head = new Uint8Array(FRAME_HEADER_SIZE);
  private headFill = 0;
  private command = 0;
  private at = 0;

  *split(chunk: Uint8Array): Generator<Piece> {
    let i = 0;
    while (i < chunk.length) {
      if (this.frame >= 0 && this.left === 0) {
        // A frame's header: collect it whole, then start the frame.
        const n = Math.min(FRAME_HEADER_SIZE - this.headFill, chunk.length - i);
        this.head.set(chunk.subarray(i, i + n), this.headFill);
        this.headFill += n;
        i += n;
        if (this.headFill < FRAME_HEADER_SIZE) continue;
        const dv = new DataView(this.head.buffer);
        this.command = dv.getUint16(0, true);
        this.left = dv.getUint32(4, true) + FRAME_CRC_SIZE;
        this.headFill = 0;
        yield { bytes: this.head.slice(), frame: this.frame, command: this.command, at: 0 };
        this.at = FRAME_HEADER_SIZE;
        continue;
      }
      const n = Math.min(this.left, chunk.length - i);
      yield { bytes: chunk.subarray(i, i + n), frame: this.frame, command: this.command, at: this.at };
      this.left -= n;
      this.at += n;
      i += n;
      if (this.left === 0) {
        this.frame++;
        this.at = 0;
      }
    }
  }
}

/** What a wrapper does with a piece: pass it on, swallow it, or cut the connection before it. */
type Verdict = "pass" | "drop" | "cut" | Uint8Array;

function tap(
  inner: ByteChannel,
  decide: (p: Piece) => Verdict,
  how: "close" | "break" = "close",
): ByteChannel {
  const tracker = new FrameTracker();
  let cut = false;
  return {
    incoming: inner.incoming,
    close: () => inner.close(),
    flushed: () => inner.flushed(),
    async write(chunk: Uint8Array): Promise<void> {
      if (cut) throw new Error("the connection was cut");
      for (const piece of tracker.split(chunk)) {
        const verdict = decide(piece);
        if (verdict === "drop") continue;
        if (verdict === "cut") {
          cut = true;
          if (how === "break" && "break" in inner) (inner as { break(): void }).break();
          else inner.close();
          throw new Error("the connection was cut");
        }
        await inner.write(verdict === "pass" ? piece.bytes : verdict);
      }
    },
  };
}

/**
 * Passes the magic and the first `frames` frames written, then closes (or breaks) the
 * connection; `cut.command` is then the command of the frame it stopped.
 */
export function cutAfterFrames(
  inner: ByteChannel,
  frames: number,
  how: "close" | "break" = "close",
  cut: { command?: number } = {},
): ByteChannel {
  return tap(
    inner,
    (p) => {
      if (p.frame < frames) return "pass";
      cut.command = p.command;
      return "cut";
    },
    how,
  );
}

/** Flips one bit of the byte `offset` bytes into frame `frame` (the data are copied, never changed). */
export function corruptFrame(inner: ByteChannel, frame: number, offset: number): ByteChannel {
  return tap(inner, (p) => {
    if (p.frame !== frame || offset < p.at || offset >= p.at + p.bytes.length) return "pass";
    const copy = p.bytes.slice();
    copy[offset - p.at]! ^= 0x10;
    return copy;
  });
}

/** Swallows every frame with command `command`: the peer never sees it, the writer never knows. */
export function dropCommand(inner: ByteChannel, command: number): ByteChannel {
  return tap(inner, (p) => (p.frame >= 0 && p.command === command ? "drop" : "pass"));
}

/** Makes a source's HELLO offer protocol version 1 only, as a Ferry of that version sends it. */
export function offerVersion1Only(inner: ByteChannel): ByteChannel {
  const hello = encodeControl(Command.HELLO, u32Body(1, 1));
  return tap(inner, (p) => {
    if (p.command !== Command.HELLO || p.frame < 0) return "pass";
    return p.at === 0 ? hello : "drop"; // the header piece carries the whole new frame
  });
}

/** Notes the command and body length of every frame written, in `seen`. */
export function noteFrames(inner: ByteChannel, seen: { command: number; body: number }[]): ByteChannel {
  return tap(inner, (p) => {
    if (p.frame >= 0 && p.at === 0) {
      const body = new DataView(p.bytes.buffer, p.bytes.byteOffset).getUint32(4, true);
      seen.push({ command: p.command, body });
    }
    return "pass";
  });
}
