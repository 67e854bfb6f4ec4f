/**
 * Frames over a ByteChannel, with the failures a migration must tell apart turned into one
 * MigrationError each: the peer closed the connection (cleanly between frames, or in the
 * middle of one), the connection broke, the peer sent nothing or took nothing for too long,
 * the peer sent a bad frame, the peer aborted (PeerAbortError, with its reason).
 *
 * - `FrameReader` pulls frames on demand, each pull bounded by a timeout (the receiver's way:
 *   it reads in step with its state machine). After a timeout or an error it stays failed.
 * - `ControlInbox` reads control frames in the background as they come (the sender's way: it
 *   is busy writing, and an ABORT may arrive at any time); `check()` between writes and
 *   `expect()` where an answer is due.
 * - `FrameWriter` writes chunks one by one, each bounded by a timeout, and counts the bytes;
 *   after a failed write it says so (`failed`: the peer will read nothing more, not even an
 *   ABORT), and `abort` is each side's best-effort last word.
 */
import type { ByteChannel } from "./byte-channel.js";
import { MigrationError, reasonOf } from "./migration-error.js";
import {
  Command,
  type ControlFrame,
  commandName,
  encodeControl,
  type Frame,
  FrameParser,
  parseText,
  textBody,
} from "./wire-format.js";

/** The peer sent ABORT: it has given up, and says why. */
export class PeerAbortError extends MigrationError {
  constructor(message: string) {
    super(message);
    this.name = "PeerAbortError";
  }
}

export class FrameReader {
  private readonly parser: FrameParser;
  private readonly source: AsyncIterator<Uint8Array>;
  private failure: MigrationError | undefined;

  /** `peer` names the other side in messages ("the source", "the destination"). */
  constructor(
    channel: ByteChannel,
    private readonly peer: string,
  ) {
    this.parser = new FrameParser(peer);
    this.source = channel.incoming[Symbol.asyncIterator]();
  }

  /** Bytes of this direction read into frames so far (the magic included). */
  get bytesRead(): number {
    return this.parser.bytesRead;
  }

  /**
   * The next frame; undefined when the peer closed the stream cleanly between two frames.
   * `timeoutMs` bounds each wait for bytes (none when undefined); `waitingFor` says for
   * what, in the timeout's message.
   */
  async next(timeoutMs: number | undefined, waitingFor: string): Promise<Frame | undefined> {
    if (this.failure !== undefined) throw this.failure;
    try {
      for (;;) {
        const frame = this.parser.next();
        if (frame !== undefined) return frame;
        const chunk = await this.pull(timeoutMs, waitingFor);
        if (chunk === undefined) {
          if (this.parser.atBoundary) return undefined;
          throw new MigrationError(`${this.peer} closed the connection ${this.parser.describeCut()}`);
        }
        this.parser.push(chunk);
      }
    } catch (e) {
      this.failure = e instanceof MigrationError ? e : new MigrationError(reasonOf(e), { cause: e });
      throw this.failure;
    }
  }

  /**
   * Reads and drops whatever still comes until the peer closes, the connection breaks or
   * `ms` pass. A side that gave up (ABORT, REFUSE) does this before it closes: closing with
   * the peer's bytes unread resets the connection, and the reset can reach the peer before
   * it has read the reason, which it then never learns; and a peer blocked writing a round
   * must be able to finish the write to get to the reason.
   */
  async discardUntilClosed(ms: number): Promise<void> {
    const until = performance.now() + ms;
    try {
      for (let left = ms; left > 0; left = until - performance.now()) {
        if ((await this.pull(left, "the peer to close")) === undefined) return;
      }
    } catch {
      // Broken, or timed out: there is nothing more to wait for.
    }
  }

  private async pull(timeoutMs: number | undefined, waitingFor: string): Promise<Uint8Array | undefined> {
    const pending = this.source.next().then(
      (r) => (r.done ? undefined : r.value),
      (e: unknown) => {
        throw new MigrationError(`the connection to ${this.peer} broke: ${reasonOf(e)}`, { cause: e });
      },
    );
    if (timeoutMs === undefined) return pending;
    pending.catch(() => undefined); // a read left behind by a timeout must not go unhandled
    return withTimeout(
      pending,
      timeoutMs,
      () => `${this.peer} sent nothing for ${timeoutMs} ms (waiting for ${waitingFor})`,
    );
  }
}

export class FrameWriter {
  /** Bytes written so far. */
  bytes = 0;
  /** A write failed (broken, closed, or timed out): nothing more can be sent. */
  failed = false;

  constructor(
    private readonly channel: ByteChannel,
    private readonly peer: string,
    private readonly timeoutMs: number,
  ) {}

  /** Writes the chunks in order; each must be taken by the transport within the timeout. */
  async write(chunks: Iterable<Uint8Array>): Promise<void> {
    try {
      for (const chunk of chunks) {
        this.bytes += chunk.length;
        const taken = this.channel.write(chunk).catch((e: unknown) => {
          throw new MigrationError(`the connection to ${this.peer} broke: ${reasonOf(e)}`, { cause: e });
        });
        taken.catch(() => undefined);
        await withTimeout(taken, this.timeoutMs, () => `${this.peer} took nothing for ${this.timeoutMs} ms`);
      }
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }

  /** Resolves once the transport is done with every chunk written so far (ByteChannel.flushed). */
  flushed(): Promise<void> {
    return this.channel.flushed();
  }

  /** Tells the peer why this side gives up (ABORT), waiting at most a second; never throws. */
  async abort(reason: string): Promise<void> {
    const sent = this.channel.write(encodeControl(Command.ABORT, textBody(reason)));
    await withTimeout(sent, 1_000, () => "").catch(() => undefined);
  }
}

/**
 * The control frames a peer sends, read in the background from the moment it is made.
 * Nothing is expected from the peer except where `expect` says so: any other frame, the
 * end of the stream or a broken connection is a failure that `check` and `expect` throw.
 */
export class ControlInbox {
  private readonly frames: ControlFrame[] = [];
  private failure: MigrationError | undefined;
  private wake: (() => void) | undefined;
  /** Settles when the background reading has stopped (the end, a failure, or a record frame). */
  readonly stopped: Promise<void>;

  constructor(
    private readonly reader: FrameReader,
    private readonly peer: string,
  ) {
    this.stopped = this.pump();
  }

  /** Throws when the peer aborted, sent anything, or the connection ended or broke. */
  check(doing: string): void {
    const frame = this.frames.shift();
    if (frame !== undefined) throw this.unexpected(frame, doing);
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * The next frame, which must be one of `commands`, within `timeoutMs`. An ABORT throws
   * PeerAbortError; anything else, the end of the stream, or the timeout throw MigrationError.
   */
  async expect(commands: readonly number[], timeoutMs: number, waitingFor: string): Promise<ControlFrame> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) {
        if (commands.includes(frame.command)) return frame;
        throw this.unexpected(frame, `waiting for ${waitingFor}`);
      }
      if (this.failure !== undefined) throw this.failure;
      const left = deadline - performance.now();
      if (left <= 0)
        throw new MigrationError(
          `${this.peer} did not answer within ${timeoutMs} ms (waiting for ${waitingFor})`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /**
   * Waits up to `ms` for the peer's last word — a frame, or the end of the stream — after a
   * write failed: a peer that aborted sent its reason before it closed, and that reason is
   * the better message. Returns the PeerAbortError if that is what came.
   */
  async lastWord(ms: number): Promise<MigrationError | undefined> {
    if (this.frames.length === 0 && this.failure === undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.stopped,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, ms);
          this.wake = resolve;
        }),
      ]);
      clearTimeout(timer);
    }
    const frame = this.frames[0];
    if (frame?.command === Command.ABORT)
      return new PeerAbortError(`${this.peer} aborted the migration: ${parseText(frame)}`);
    return undefined;
  }

  private unexpected(frame: ControlFrame, doing: string): MigrationError {
    if (frame.command === Command.ABORT)
      return new PeerAbortError(`${this.peer} aborted the migration: ${parseText(frame)}`);
    return new MigrationError(
      `${this.peer} sent ${commandName(frame.command)} while ${doing}: a protocol error`,
    );
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const frame = await this.reader.next(undefined, "");
        if (frame === undefined) {
          this.failure = new MigrationError(`${this.peer} closed the connection`);
          return;
        }
        if (frame.kind === "record") {
          this.failure = new MigrationError(`${this.peer} sent an image record: a protocol error`);
          return;
        }
        this.frames.push(frame);
        this.notify();
        // An ABORT is the peer's last word: nothing after it matters.
        if (frame.command === Command.ABORT) return;
      }
    } catch (e) {
      this.failure = e instanceof MigrationError ? e : new MigrationError(reasonOf(e), { cause: e });
    } finally {
      this.notify();
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/** `promise`, or a MigrationError with `message()` once `ms` have passed. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MigrationError(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
