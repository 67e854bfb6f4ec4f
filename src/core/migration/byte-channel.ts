/**
 * The migration stream's transport as the core sees it: one ordered, reliable, full-duplex
 * byte stream between the two hosts. A host supplies it (a TCP connection on Node:
 * host/node/tcp-channel.ts); `channelPair` is the in-memory one for tests.
 *
 * Contract, for every implementation:
 * - `write` sends bytes in order and resolves once the transport has taken them, so a writer
 *   that awaits each write never buffers more than the transport allows (backpressure). It
 *   rejects once the channel is closed or broken. The transport may still be reading a chunk
 *   after that: **a writer must not change a chunk before `flushed()` has resolved** after
 *   writing it.
 * - `flushed` resolves once the transport is done with every chunk written so far (a socket:
 *   handed to the kernel, or failed; the in-memory pair copies what it is given), so that
 *   their memory can be used again — the sender reuses its page buffers this way: fresh ones
 *   for every record cost page faults and garbage collections.
 * - `incoming` is iterated once. It yields chunks as they arrive, ends when the peer closed
 *   its side cleanly (after everything it wrote), and throws when the connection broke.
 * - `close` is idempotent: it ends this side (the peer reads what was written, then the end)
 *   and makes this side's pending and later reads end and its writes reject.
 */

export interface ByteChannel {
  /** Sends bytes in order; resolves when the transport took them (backpressure); rejects once broken. */
  write(chunk: Uint8Array): Promise<void>;
  /** Resolves once the transport no longer reads any chunk written so far (see the contract). */
  flushed(): Promise<void>;
  /** Bytes as they arrive; ends when the peer closed cleanly; throws when the connection broke. */
  readonly incoming: AsyncIterable<Uint8Array>;
  /** Closes the channel (idempotent); pending reads end/throw. */
  close(): void;
}

/** What the in-memory channel's writes queue before they wait for the reader (per direction). */
export const PAIR_HIGH_WATER_MARK = 1 << 20;

/** One direction of an in-memory pair: a queue of chunks with one reader. */
class Pipe {
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  /** The writer closed cleanly: the reader sees the end once the queue is empty. */
  private ended = false;
  /** The reader closed its side: writes fail, reads end. */
  private readerClosed = false;
  private failure: Error | undefined;
  private wakeReader: (() => void) | undefined;
  private writers: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private reading = false;

  constructor(private readonly highWaterMark: number) {}

  write(chunk: Uint8Array): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new Error("the channel is closed"));
    if (this.readerClosed) return Promise.reject(new Error("the peer closed the channel"));
    if (chunk.length === 0) return Promise.resolve();
    this.queue.push(chunk.slice()); // a copy, as a socket makes: the writer may reuse its memory
    this.queued += chunk.length;
    this.wake();
    if (this.queued <= this.highWaterMark) return Promise.resolve();
    return new Promise((resolve, reject) => this.writers.push({ resolve, reject }));
  }

  /** The writer's side closes: pending writes fail, the reader drains the queue then ends. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.settleWriters(new Error("the channel is closed"));
    this.wake();
  }

  /** The reader's side closes: its pending read ends, later writes fail. */
  closeReader(): void {
    if (this.readerClosed) return;
    this.readerClosed = true;
    this.queue.length = 0;
    this.queued = 0;
    this.settleWriters(new Error("the peer closed the channel"));
    this.wake();
  }

  /** The connection breaks: reads throw `error`, writes reject with it. */
  fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.queue.length = 0;
    this.queued = 0;
    this.settleWriters(error);
    this.wake();
  }

  async *read(): AsyncGenerator<Uint8Array> {
    if (this.reading) throw new Error("a channel's incoming bytes can be iterated only once");
    this.reading = true;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.readerClosed) return;
      const chunk = this.queue.shift();
      if (chunk !== undefined) {
        this.queued -= chunk.length;
        if (this.queued <= this.highWaterMark) this.settleWriters();
        yield chunk;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
    }
  }

  private wake(): void {
    const w = this.wakeReader;
    this.wakeReader = undefined;
    w?.();
  }

  private settleWriters(error?: Error): void {
    const writers = this.writers;
    this.writers = [];
    for (const w of writers) {
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
  }
}

/** One end of an in-memory pair; `break` simulates a connection that fails (tests). */
export class MemoryChannel implements ByteChannel {
  readonly incoming: AsyncIterable<Uint8Array>;

  constructor(
    private readonly outbound: Pipe,
    private readonly inbound: Pipe,
  ) {
    this.incoming = { [Symbol.asyncIterator]: () => inbound.read() };
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.outbound.write(chunk);
  }

  /** At once: a write copies its chunk. */
  flushed(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.outbound.end();
    this.inbound.closeReader();
  }

  /** Breaks the connection for both ends: reads throw, writes reject, in-flight bytes are lost. */
  break(reason = "the connection was reset"): void {
    const error = new Error(reason);
    this.outbound.fail(error);
    this.inbound.fail(error);
  }
}

/** Two connected in-memory channels: what one writes, the other reads. */
export function channelPair(highWaterMark = PAIR_HIGH_WATER_MARK): [MemoryChannel, MemoryChannel] {
  const ab = new Pipe(highWaterMark);
  const ba = new Pipe(highWaterMark);
  return [new MemoryChannel(ab, ba), new MemoryChannel(ba, ab)];
}
