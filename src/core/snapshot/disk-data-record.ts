/**
 * The `disk-data` record (type 11): a batch of one disk's contents, as a migration that copies
 * its disks sends them (docs/block-device.md, "Migration without shared storage"). Binary,
 * like memory records, little-endian:
 *
 * | size        | field                                                             |
 * |-------------|-------------------------------------------------------------------|
 * | 4           | u32 device id (the disk's, as in the devices record)              |
 * | 4           | u32 count c (1..DISK_CHUNKS_PER_RECORD)                           |
 * | 8           | u64 disk size in bytes (a whole number of 512-byte sectors)       |
 * | 4 × c       | u32 chunk numbers, strictly increasing, each inside the disk      |
 * | CHUNK × c   | the chunks' data, in the same order; the disk's last chunk is     |
 * |             | padded with zeros when the disk ends inside it                    |
 *
 * A chunk is DISK_CHUNK bytes at offset number × DISK_CHUNK. A later record may carry a chunk
 * again (it was written meanwhile): the last one wins.
 */
import { ImageError } from "./domain-image.js";

export const DISK_CHUNK = 64 * 1024;
export const DISK_CHUNKS_PER_RECORD = 64;
const HEAD = 16;

export interface DiskChunk {
  readonly index: number;
  readonly data: Uint8Array;
}

/** The body's chunks (views of the data, not copied). */
export function encodeDiskData(devid: number, size: number, chunks: readonly DiskChunk[]): Uint8Array[] {
  const count = chunks.length;
  if (count < 1 || count > DISK_CHUNKS_PER_RECORD) {
    throw new ImageError(
      `cannot encode a disk-data record of ${count} chunks (1 to ${DISK_CHUNKS_PER_RECORD})`,
    );
  }
  const head = new Uint8Array(HEAD + 4 * count);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, devid, true);
  dv.setUint32(4, count, true);
  dv.setBigUint64(8, BigInt(size), true);
  let prev = -1;
  chunks.forEach(({ index, data }, i) => {
    if (!(index > prev) || index * DISK_CHUNK >= size || data.length !== DISK_CHUNK) {
      throw new ImageError(
        `cannot encode a disk-data record: chunk ${index} after ${prev}, ${data.length} bytes`,
      );
    }
    dv.setUint32(HEAD + 4 * i, index, true);
    prev = index;
  });
  return [head, ...chunks.map((c) => c.data)];
}

/** The record from its body (a copy the decoder owns); throws ImageError saying what is wrong. */
export function decodeDiskData(body: Uint8Array): { devid: number; size: number; chunks: DiskChunk[] } {
  if (body.length < HEAD) throw new ImageError(`a disk-data body of ${body.length} bytes is too short`);
  const dv = new DataView(body.buffer, body.byteOffset, body.length);
  const devid = dv.getUint32(0, true);
  const count = dv.getUint32(4, true);
  const size = Number(dv.getBigUint64(8, true));
  if (count < 1 || count > DISK_CHUNKS_PER_RECORD) {
    throw new ImageError(`a disk-data record holds 1 to ${DISK_CHUNKS_PER_RECORD} chunks, not ${count}`);
  }
  if (body.length !== HEAD + count * (4 + DISK_CHUNK)) {
    throw new ImageError(`a disk-data body of ${body.length} bytes does not hold ${count} chunks`);
  }
  if (!Number.isSafeInteger(size) || size <= 0 || size % 512 !== 0) {
    throw new ImageError(`a disk-data record names an impossible disk size ${size}`);
  }
  const chunks: DiskChunk[] = [];
  const data = HEAD + 4 * count;
  let prev = -1;
  for (let i = 0; i < count; i++) {
    const index = dv.getUint32(HEAD + 4 * i, true);
    if (index <= prev || index * DISK_CHUNK >= size) {
      throw new ImageError(
        `a disk-data record's chunk ${index} (after ${prev}) is out of order or past the disk`,
      );
    }
    prev = index;
    chunks.push({ index, data: body.subarray(data + i * DISK_CHUNK, data + (i + 1) * DISK_CHUNK) });
  }
  return { devid, size, chunks };
}
