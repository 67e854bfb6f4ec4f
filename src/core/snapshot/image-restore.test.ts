/**
 * The image format end to end on the reference guest (deterministic mode): a suspended guest
 * captured as a stream (memory as views of its RAM), encoded, cut into chunks of random size,
 * decoded and restored as a stream — the guest's own `CHECK ok` after each resume proves
 * nothing was lost — on both XLENs and from a version 1 image. Then every kind of bad image,
 * made from a real one, each refused with its one ImageError and nothing created on the
 * runner; an unknown optional record is skipped and the restore goes on.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DeterministicRunner } from "../hypervisor/deterministic-runner.js";
import { PAGE_SIZE } from "../memory/guest-memory.js";
import { captureDomain, captureDomainRecords } from "./capture-domain.js";
import { crc32c } from "./crc32c.js";
import { type DomainRecord, ImageError, type ImageHeader } from "./domain-image.js";
import { GuestSession } from "./guest-session.fixture.js";
import { concat } from "./image-bytes.fixture.js";
import {
  decodeImage,
  encodeImage,
  encodeRawRecord,
  encodeRecord,
  ImageDecoder,
  RECORD_OPTIONAL,
  RECORD_TYPES,
} from "./image-codec.js";
import { restoreDomainFrom } from "./restore-domain.js";
import { resumeDomain, suspendDomain } from "./suspend-domain.js";

const kernels = {
  32: readFileSync("guest/images/kernel-rv32.elf"),
  64: readFileSync("guest/images/kernel-rv64.elf"),
};

function session(xlen: 32 | 64, vcpus: number, seed: number): GuestSession {
  const runner = new DeterministicRunner({ seed, instructionsPerTick: 1 });
  const s = new GuestSession(runner, {
    kernel: kernels[xlen],
    vcpus,
    bootargs: "work=all",
    timeoutMs: 5_000,
  });
  runner.onConsole = s.append;
  return s;
}

/** A seeded generator of 32-bit values (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * The same bytes re-cut into pieces of random size — from 1 byte to 256 KiB, straddling
 * record boundaries — as a network would deliver them.
 */
async function* rechunk(chunks: Iterable<Uint8Array>, seed: number): AsyncGenerator<Uint8Array> {
  const next = rng(seed);
  const size = () => (next() % 4 === 0 ? 1 + (next() % 16) : 1 + (next() % (256 << 10)));
  let want = size();
  let piece = new Uint8Array(want);
  let filled = 0;
  for (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(want - filled, chunk.length - at);
      piece.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === want) {
        yield piece;
        want = size();
        piece = new Uint8Array(want);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield piece.subarray(0, filled);
}

/** Suspends, captures as a stream, encodes, re-cuts, decodes and restores; the guest's verdict. */
async function streamCycle(s: GuestSession, id: number, version: 1 | 2, seed: number): Promise<string> {
  const mark = s.output.length;
  const mode = await suspendDomain(s.runner, s.domain);
  assert.equal(mode, "cooperative");
  const progress: number[] = [];
  const captured = await captureDomainRecords(s.runner, s.domain, mode, {
    onProgress: (scanned, total) => {
      assert.equal(total, s.domain.memory.size / PAGE_SIZE);
      progress.push(scanned);
    },
  });
  assert.deepEqual(progress, [], "memory is read only as the records are consumed");
  let viewsOfRam = 0;
  const watched = (function* () {
    for (const r of captured.records) {
      if (r.type === "memory") {
        // Saving never copies guest RAM: the pages are views of the domain's own memory.
        for (const p of r.pages) assert.equal(p.data.buffer, s.domain.memory.buffer);
        viewsOfRam += r.pages.length;
      }
      yield r;
    }
  })();
  const image = await decodeImage(rechunk(encodeImage(captured.header, watched, { version }), seed));
  assert.equal(image.header.version, version);
  const old = s.domain;
  s.domain = await restoreDomainFrom(s.runner, image.header, image.records, { id });
  await s.runner.release(old);
  assert.ok(viewsOfRam > 0);
  assert.deepEqual(
    [...progress].sort((a, b) => a - b),
    progress,
    "progress only goes forward",
  );
  assert.equal(progress.at(-1), old.memory.size / PAGE_SIZE, "progress ends at every page scanned");
  assert.ok(image.decoder.done);
  assert.ok(image.decoder.bytesRead > viewsOfRam * PAGE_SIZE, "bytesRead counts the stream, for progress");
  s.resumes++;
  const n = s.resumes;
  await s.waitFor(new RegExp(`^suspend: resumed ${n} new-domain cpus=\\d+$`, "m"), mark);
  return s.waitFor(new RegExp(`^CHECK .*resume=${n}\\)?$`, "m"), mark, `a verdict for resume ${n}`);
}

for (const xlen of [64, 32] as const) {
  test(`a guest captured, encoded, cut into random chunks, decoded and restored as a stream passes its checks (rv${xlen})`, async () => {
    const s = session(xlen, 4, 60 + xlen);
    assert.ok(await s.announced(), s.tail());
    for (let i = 0; i < 3; i++) {
      const verdict = await streamCycle(s, 10 + i, 2, 1000 * xlen + i);
      assert.match(verdict, /^CHECK ok /, `cycle ${i + 1}:\n${s.tail()}`);
    }
    assert.ok(s.domain.running);
  });
}

test("a version 1 image restores, and so does a version 2 image of the guest it became", async () => {
  const s = session(64, 3, 71);
  assert.ok(await s.announced(), s.tail());
  assert.match(await streamCycle(s, 20, 1, 5), /^CHECK ok /, s.tail());
  assert.match(await streamCycle(s, 21, 2, 6), /^CHECK ok /, s.tail());
});

test("restoreDomainFrom() refuses every kind of bad image with one clear error and creates nothing", async () => {
  const s = session(64, 2, 72);
  assert.ok(await s.announced(), s.tail());
  const runner = s.runner;
  const mode = await suspendDomain(runner, s.domain);
  const image = await captureDomain(runner, s.domain, mode);
  const good = concat(encodeImage(image.header, image.records));
  const pages = s.domain.memory.size / PAGE_SIZE;

  // Where each record starts, from the decoder itself.
  const offsets: { type: string; offset: number }[] = [];
  const d = new ImageDecoder();
  d.push(good);
  for (let item = d.next(); item !== undefined; item = d.next()) {
    if (item.kind === "record") offsets.push({ type: item.record.type, offset: item.offset });
  }
  const memoryAt = offsets.find((o) => o.type === "memory")!.offset;
  const endAt = good.length - 12;

  const edit = (f: (b: Uint8Array, dv: DataView) => void, fixHeader = false): Uint8Array => {
    const b = good.slice();
    const dv = new DataView(b.buffer);
    f(b, dv);
    if (fixHeader) dv.setUint32(32, crc32c(b.subarray(0, 32)), true);
    return b;
  };
  const spliced = (at: number, raw: Uint8Array[]): Uint8Array =>
    concat([good.subarray(0, at), ...raw, good.subarray(at)]);
  const reencoded = (
    header: ImageHeader,
    change: (r: DomainRecord) => DomainRecord | DomainRecord[],
  ): Uint8Array => concat(encodeImage(header, image.records.flatMap(change)));
  const config = (c: Record<string, unknown>) => (r: DomainRecord) =>
    r.type === "domain-config" ? ({ ...r, ...c } as DomainRecord) : r;
  const memoryIndex = (pfns: number[]) => {
    const index = new Uint8Array(4 + 4 * pfns.length);
    const dv = new DataView(index.buffer);
    dv.setUint32(0, pfns.length, true);
    for (const [i, p] of pfns.entries()) dv.setUint32(4 + 4 * i, p, true);
    return encodeRawRecord(RECORD_TYPES.memory, 0, [index, new Uint8Array(pfns.length * PAGE_SIZE)]);
  };

  const bad: [string, Uint8Array, RegExp][] = [
    [
      "a corrupt byte in a memory page",
      edit((b, dv) => {
        b[memoryAt + 12 + 4 * dv.getUint32(memoryAt + 8, true) + 10]! ^= 0xff;
      }),
      new RegExp(`^record 1 \\(memory\\) at byte ${memoryAt}: checksum mismatch .*: the image is corrupt$`),
    ],
    ["a corrupt header", edit((b) => (b[28]! ^= 1)), /^the image header is corrupt \(checksum/],
    [
      "cut mid-header",
      good.slice(0, 20),
      /^the image is truncated: it ends inside its header, after 20 of 36 bytes$/,
    ],
    [
      "cut mid-record",
      good.slice(0, memoryAt + 5000),
      new RegExp(
        `^the image is truncated: record 1 \\(memory\\) at byte ${memoryAt} ends after 5000 of its \\d+ bytes$`,
      ),
    ],
    [
      "cut just before the end record",
      good.slice(0, endAt),
      /^the image is truncated: it ends after record \d+ \(devices\), at byte \d+, with no end record$/,
    ],
    [
      "version 99",
      edit((_, dv) => dv.setUint32(16, 99, true), true),
      /^image format version 99 is not supported \(this Ferry reads 1 and 2\)$/,
    ],
    [
      "version 0",
      edit((_, dv) => dv.setUint32(16, 0, true), true),
      /^image format version 0 is not supported \(this Ferry reads 1 and 2\)$/,
    ],
    [
      "an unknown mandatory record",
      spliced(endAt, encodeRawRecord(200, 0, [new Uint8Array(10)])),
      /^record \d+ at byte \d+ has unknown mandatory record type 200$/,
    ],
    [
      "memory beyond the domain limit",
      reencoded(image.header, config({ memorySize: 4096 * 2 ** 20 })),
      /^domain-config: memory must be between 4 MiB and 2 GiB \(the image asks for 2 vCPUs, 4096 MiB of memory\)$/,
    ],
    [
      "vCPUs beyond the domain limit",
      reencoded({ ...image.header, vcpus: 65 }, config({ vcpus: 65, maxVcpus: 65 })),
      /^domain-config: vcpus must be 1 to 64, not 65 \(the image asks for 65 vCPUs, 32 MiB of memory\)$/,
    ],
    [
      "vCPU counts that disagree",
      reencoded({ ...image.header, vcpus: 3 }, (r) => r),
      /^header says 3 vCPUs, config 2$/,
    ],
    [
      "maxVcpus beyond vcpus",
      reencoded(image.header, config({ maxVcpus: 4 })),
      /^domain-config: maxVcpus 4 is not vcpus 2 \(this Ferry cannot add vCPUs to a domain\)$/,
    ],
    [
      "an unknown onPoweroff",
      reencoded(image.header, config({ onPoweroff: "restart" })),
      /^domain-config: onPoweroff "restart" is not one of destroy, preserve$/,
    ],
    [
      "a page number beyond the memory",
      reencoded(image.header, (r) =>
        r.type === "end"
          ? [{ type: "memory", pages: [{ pfn: pages, data: new Uint8Array(PAGE_SIZE) }] }, r]
          : r,
      ),
      new RegExp(`^memory page ${pages} is outside the domain's ${pages} pages$`),
    ],
    [
      "page numbers that do not increase",
      spliced(endAt, memoryIndex([5, 5])),
      /^record \d+ \(memory\) at byte \d+: page numbers are not strictly increasing \(page 5 after 5\)$/,
    ],
    [
      "data after the end record",
      concat([good, Uint8Array.of(1, 2, 3)]),
      /^data follows the end record, at byte \d+$/,
    ],
    [
      "a record after the end record",
      concat([good, ...encodeRecord({ type: "time", guestTime: 1 })]),
      /^data follows the end record/,
    ],
  ];
  for (const [i, [what, bytes, message]] of bad.entries()) {
    await assert.rejects(
      (async () => {
        const decoded = await decodeImage(rechunk([bytes], i));
        await restoreDomainFrom(runner, decoded.header, decoded.records, { id: 40 });
      })(),
      (e: unknown) => {
        assert.ok(e instanceof ImageError, `${what}: ${String(e)}`);
        assert.match(e.message, message, what);
        return true;
      },
      what,
    );
    assert.equal(runner.pv.backend(40), undefined, `${what}: nothing was created`);
    assert.equal(runner.pv.store.isIntroduced(40), false, `${what}: no store home`);
  }
  assert.ok(s.domain.suspended, "the saved domain is untouched");

  // An optional record of a type this Ferry does not know is skipped: the restore goes on.
  const extended = spliced(endAt, encodeRawRecord(300, RECORD_OPTIONAL, [new TextEncoder().encode("{}")]));
  const decoded = await decodeImage(rechunk([extended], 99));
  const mark = s.output.length;
  const old = s.domain;
  s.domain = await restoreDomainFrom(runner, decoded.header, decoded.records, { id: 41 });
  assert.equal(decoded.decoder.skipped, 1);
  await runner.release(old);
  await s.waitFor(/^suspend: resumed 1 new-domain cpus=\d+$/m, mark);
  assert.match(await s.waitFor(/^CHECK .*resume=1\)?$/m, mark), /^CHECK ok /, s.tail());
});

test("a capture that is not restored leaves the guest able to go on in place", async () => {
  // The streaming capture reads the suspended domain; a cancelled save must not disturb it.
  const s = session(32, 2, 73);
  assert.ok(await s.announced(), s.tail());
  const mark = s.output.length;
  const mode = await suspendDomain(s.runner, s.domain);
  const captured = await captureDomainRecords(s.runner, s.domain, mode);
  const bytes = concat(encodeImage(captured.header, captured.records));
  assert.ok(bytes.length > 0);
  await resumeDomain(s.runner, s.domain, mode);
  await s.waitFor(/^suspend: resumed 1 cancelled cpus=\d+$/m, mark);
  assert.match(await s.waitFor(/^CHECK .*resume=1\)?$/m, mark), /^CHECK ok /, s.tail());
});
