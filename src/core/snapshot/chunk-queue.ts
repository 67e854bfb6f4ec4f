/**
 * The bytes a push-based decoder has been given and not yet read: the chunks as they were
 * pushed (never copied, so a chunk must not change once pushed) and how far into the first
 * one reading has got. The image decoder and the migration stream's frame parser both read
 * through one.
 */
export class ChunkQueue {
  /** Bytes read out so far. */
  bytesRead = 0;
  /** Bytes pushed and not yet read. */
  queued = 0;
  private readonly chunks: Uint8Array[] = [];
  private offset = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
  }

  /**
   * Reads until `filled` reaches `size` or nothing is queued, handing `sink` each piece — a
   * view of a pushed chunk — with its position (the `filled` it starts at). Returns the new
   * `filled`.
   */
  read(filled: number, size: number, sink: (piece: Uint8Array, at: number) => void): number {
    while (filled < size && this.queued > 0) {
      const chunk = this.chunks[0]!;
      const n = Math.min(size - filled, chunk.length - this.offset);
      sink(chunk.subarray(this.offset, this.offset + n), filled);
      filled += n;
      this.offset += n;
      this.queued -= n;
      this.bytesRead += n;
      if (this.offset === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    return filled;
  }
}
