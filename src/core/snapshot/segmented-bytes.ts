/**
 * A run of bytes held as the pieces it arrived in — views of a stream's chunks — and read
 * without joining them: the image decoder keeps a memory record's body this way, so that its
 * pages reach guest memory with one copy (restore's) rather than two.
 *
 * `slice` gives a view when the range lies inside one piece and a copy only when it straddles
 * two (with a file reader's 4 MiB chunks, about one page in a thousand). Reads are usually in
 * increasing order (count, page numbers, pages, CRC), so the piece is found from the last one.
 */
import { crc32c } from "./crc32c.js";

export class SegmentedBytes {
  readonly length: number;
  /** starts[i]: the offset of parts[i]'s first byte; starts[parts.length] = length. */
  private readonly starts: number[] = [0];
  private cursor = 0;

  constructor(private readonly parts: readonly Uint8Array[]) {
    let n = 0;
    for (const p of parts) {
      n += p.length;
      this.starts.push(n);
    }
    this.length = n;
  }

  /** Bytes [from, to): a view of the piece that holds them, or a copy if they straddle pieces. */
  slice(from: number, to: number): Uint8Array {
    this.check(from, to);
    const k = this.find(from);
    const start = this.starts[k]!;
    if (to <= this.starts[k + 1]!) return this.parts[k]!.subarray(from - start, to - start);
    const out = new Uint8Array(to - from);
    this.forEach(from, to, (piece, at) => out.set(piece, at));
    return out;
  }

  /** The little-endian u32 at `at`. */
  u32(at: number): number {
    const b = this.slice(at, at + 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** The CRC-32C of bytes [from, to), continuing from `crc`. */
  crc32c(from: number, to: number, crc: number): number {
    this.check(from, to);
    this.forEach(from, to, (piece) => {
      crc = crc32c(piece, crc);
    });
    return crc;
  }

  /** Calls `f` with each piece of [from, to) and its position from `from`. */
  private forEach(from: number, to: number, f: (piece: Uint8Array, at: number) => void): void {
    for (let k = this.find(from), at = from; at < to; k++) {
      const start = this.starts[k]!;
      const end = Math.min(to, this.starts[k + 1]!);
      if (end > at) f(this.parts[k]!.subarray(at - start, end - start), at - from);
      at = Math.max(at, end);
    }
  }

  /** The index of the piece holding byte `offset` (offset < length). */
  private find(offset: number): number {
    if (offset < this.starts[this.cursor]!) this.cursor = 0;
    while (this.starts[this.cursor + 1]! <= offset) this.cursor++;
    return this.cursor;
  }

  private check(from: number, to: number): void {
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= this.length)) {
      throw new RangeError(`bytes ${from}..${to} of ${this.length}`);
    }
  }
}
