/**
 * A byte ring in a SharedArrayBuffer for a domain's console: any thread appends, any thread
 * reads (output: the host drains it; input: vCPUs read it). Appends take a small spin lock so bytes from different vCPUs keep the
 * order in which the guest wrote them (a guest serialises its own lines). When the ring is
 * full the writer drops the oldest unread bytes rather than block a vCPU on a slow reader;
 * `dropped` counts them so the host can say so.
 *
 * Words: [0] lock, [1] head (total bytes written), [2] tail (total bytes read), [3] dropped.
 */
const HEADER_WORDS = 4;

export class ConsoleRing {
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;

  constructor(
    readonly capacity = 64 * 1024,
    buffer?: SharedArrayBuffer,
  ) {
    const buf = buffer ?? new SharedArrayBuffer(HEADER_WORDS * 4 + capacity);
    this.words = new Int32Array(buf, 0, HEADER_WORDS);
    this.bytes = new Uint8Array(buf, HEADER_WORDS * 4, capacity);
  }

  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  private lock(): void {
    // A holder keeps the lock for a few microseconds at most. One that has held it for
    // millions of spins died holding it (a worker terminated mid-write): take it over
    // rather than hang this thread forever.
    for (let spins = 0; Atomics.compareExchange(this.words, 0, 0, 1) !== 0; spins++) {
      if (spins > 10_000_000) {
        Atomics.store(this.words, 0, 1);
        return;
      }
    }
  }

  private unlock(): void {
    Atomics.store(this.words, 0, 0);
  }

  write(data: Uint8Array): void {
    if (data.length === 0) return;
    this.lock();
    let head = Atomics.load(this.words, 1);
    const tail = Atomics.load(this.words, 2);
    // Bytes beyond capacity in this write, then unread old bytes, are what gets dropped.
    const start = Math.max(0, data.length - this.capacity);
    const overflow = Math.max(0, head - tail + (data.length - start) - this.capacity);
    if (overflow > 0) Atomics.add(this.words, 2, overflow);
    if (overflow + start > 0) Atomics.add(this.words, 3, overflow + start);
    for (let i = start; i < data.length; i++) {
      this.bytes[(head >>> 0) % this.capacity] = data[i]!;
      head = (head + 1) | 0;
    }
    Atomics.store(this.words, 1, head);
    this.unlock();
  }

  /** Takes every unread byte. */
  drain(): Uint8Array {
    return this.read(this.capacity);
  }

  /** Takes up to `max` unread bytes, oldest first; safe with several readers. */
  read(max: number): Uint8Array {
    this.lock();
    const tail = Atomics.load(this.words, 2);
    const n = Math.min((Atomics.load(this.words, 1) - tail) | 0, Math.max(0, max));
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.bytes[((tail + i) >>> 0) % this.capacity]!;
    Atomics.store(this.words, 2, (tail + n) | 0);
    this.unlock();
    return out;
  }

  get dropped(): number {
    return Atomics.load(this.words, 3);
  }
}
