/**
 * The image format on synthetic images (no guest): every record type round trip through
 * encodeImage and ImageDecoder in chunks of every size, the type-directed JSON (bigints,
 * store bytes, guest strings that merely look like either), page data passed through as
 * views both ways (encoded from the pages given, decoded as views of the chunks pushed),
 * versions 1 and 2, and one test per way a byte stream can be wrong, each asserting
 * the one message the decoder gives. The same images from a real guest, restored, are in
 * image-restore.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SAVED_CSRS } from "../cpu/hart-state.js";
import type { VcpuState } from "../hypervisor/vcpu-state.js";
import { crc32c } from "./crc32c.js";
import {
  type DomainRecord,
  IMAGE_MAGIC,
  IMAGE_VERSION,
  ImageError,
  type ImageHeader,
  type MemoryPage,
} from "./domain-image.js";
import { concat } from "./image-bytes.fixture.js";
import {
  type DecodeOptions,
  decodeImage,
  encodeHeader,
  encodeImage,
  encodeRawRecord,
  encodeRecord,
  HEADER_SIZE,
  ImageDecoder,
  RECORD_OPTIONAL,
  RECORD_TYPES,
} from "./image-codec.js";

const text = new TextEncoder();
const HEADER: ImageHeader = {
  magic: IMAGE_MAGIC,
  version: IMAGE_VERSION,
  xlen: 64,
  pageSize: 4096,
  vcpus: 2,
  mode: "cooperative",
};

/** Guest RAM stand-in: a SharedArrayBuffer, as GuestMemory's. */
const ram = new Uint8Array(new SharedArrayBuffer(16 * 4096));
for (let i = 0; i < ram.length; i++) ram[i] = (i * 7 + (i >>> 12)) & 0xff;
const page = (pfn: number): MemoryPage => ({ pfn, data: ram.subarray(pfn * 4096, (pfn + 1) * 4096) });

const hart = {
  xlen: 64 as const,
  pc: 0xffff_ffff_8020_0000n,
  x: Array.from({ length: 32 }, (_, i) => (i === 0 ? 0n : BigInt(i) << 40n)),
  priv: 1 as const,
  csrs: Object.fromEntries(
    SAVED_CSRS.map((name, i) => [name, BigInt(i) * 0x1_0000_0001n]),
  ) as VcpuState["hart"]["csrs"],
  instret: 12345,
  cycle: 23456,
  waitingForInterrupt: false,
};
const vcpu: VcpuState = {
  id: 0,
  hart,
  hsmState: 0,
  timerDeadline: 99,
  startAddress: 0,
  opaque: 0,
  suspendKind: 0,
  resumeKind: 0,
};
const perms = { owner: 3, access: "none", acl: [] };

function records(): DomainRecord[] {
  return [
    {
      type: "domain-config",
      name: "guest",
      vcpus: 2,
      maxVcpus: 2,
      memorySize: 16 * 4096,
      bootargs: "work=all",
      entry: 0x8020_0000,
      dtbAddress: 0x8060_0000,
      storeRingGpa: 0x805f_f000,
      onPoweroff: "destroy",
    },
    { type: "memory", pages: [page(1), page(2), page(5)] },
    { type: "memory", pages: [page(15)] },
    { type: "vcpu", state: vcpu },
    {
      type: "event-channels",
      state: { domid: 3, xlen: 64, vcpus: 2, maxPorts: 64, sharedInfoGpa: null, ports: [] },
    },
    { type: "shared-info", gpa: null },
    {
      // Guest-chosen paths and values that look like the format's own encodings stay what they are.
      type: "store",
      state: {
        version: 1,
        domid: 3,
        nodes: [
          { path: "", value: new Uint8Array(0), perms },
          { path: "0x1234", value: text.encode("0xdeadbeef"), perms },
          { path: "AAAA", value: Uint8Array.from([0, 255, 1, 2, 3]), perms },
        ],
      },
    },
    { type: "timers", deadlines: [{ vcpu: 0, deadline: 99 }] },
    { type: "time", guestTime: 1_000_000 },
    { type: "devices", devices: [] },
    { type: "end" },
  ];
}

/** An image from the header and parts: records encoded normally, or raw chunk lists. */
function build(parts: (DomainRecord | Uint8Array[])[], header = HEADER): Uint8Array {
  return concat([
    encodeHeader(header),
    ...parts.flatMap((p) => (Array.isArray(p) ? p : encodeRecord(p, { pageSize: header.pageSize }))),
  ]);
}

/** Decodes `bytes` fed `size` bytes at a time; returns everything decoded. */
function decodeAll(bytes: Uint8Array, size: number, options?: DecodeOptions) {
  const d = new ImageDecoder(options);
  let header: ImageHeader | undefined;
  const out: DomainRecord[] = [];
  const drain = () => {
    for (let item = d.next(); item !== undefined; item = d.next()) {
      if (item.kind === "header") header = item.header;
      else out.push(item.record);
    }
  };
  for (let at = 0; at < bytes.length; at += size) {
    d.push(bytes.subarray(at, at + size));
    drain();
  }
  d.finish();
  return { header, records: out, decoder: d };
}

function refuses(bytes: Uint8Array, message: RegExp, options?: DecodeOptions): void {
  for (const size of [bytes.length, 1, 1000]) {
    assert.throws(
      () => decodeAll(bytes, size, options),
      (e: unknown) => {
        assert.ok(e instanceof ImageError, String(e));
        assert.match(e.message, message);
        return true;
      },
      `in chunks of ${size}`,
    );
  }
}

/** A copy of `bytes` with `edit` applied and the header CRC made right again. */
function withHeader(bytes: Uint8Array, edit: (dv: DataView, b: Uint8Array) => void): Uint8Array {
  const b = bytes.slice();
  const dv = new DataView(b.buffer);
  edit(dv, b);
  dv.setUint32(32, crc32c(b.subarray(0, 32)), true);
  return b;
}

const endRecord = (): Uint8Array[] => encodeRecord({ type: "end" });
const beforeEnd = (extra: Uint8Array[]): Uint8Array => build([...records().slice(0, -1), extra, endRecord()]);

test("encodeImage() and ImageDecoder round-trip every record type in chunks of any size", () => {
  const bytes = concat(encodeImage(HEADER, records()));
  for (const size of [1, 3, 8, 4096, 5000, bytes.length]) {
    const { header, records: decoded, decoder } = decodeAll(bytes, size);
    assert.deepEqual(header, HEADER, `chunks of ${size}`);
    assert.deepEqual(decoded, records(), `chunks of ${size}`);
    assert.equal(decoder.bytesRead, bytes.length, "bytesRead counts the whole stream");
    assert.ok(decoder.done);
  }
});

test("decodeImage() reads the header, then the records as an async stream", async () => {
  const image = await decodeImage(encodeImage(HEADER, records()));
  assert.deepEqual(image.header, HEADER);
  const out: DomainRecord[] = [];
  for await (const r of image.records) out.push(r);
  assert.deepEqual(out, records());
});

test("the JSON of a vcpu record holds its bigints as hex, and a store's bytes as base64", () => {
  const vcpuBody = concat(encodeRecord({ type: "vcpu", state: vcpu }).slice(1, -1));
  const json = JSON.parse(new TextDecoder().decode(vcpuBody));
  assert.equal(json.state.hart.pc, "0xffffffff80200000");
  assert.equal(json.state.hart.x[0], "0x0");
  assert.equal(json.state.hart.x[2], "0x20000000000");
  assert.equal(json.type, undefined, "the type is the record's, not the body's");
  const store = records().find((r) => r.type === "store")!;
  const storeBody = concat(encodeRecord(store).slice(1, -1));
  const nodes = JSON.parse(new TextDecoder().decode(storeBody)).state.nodes;
  assert.deepEqual(
    nodes.map((n: { path: string; value: string }) => [n.path, n.value]),
    [
      ["", ""],
      ["0x1234", "MHhkZWFkYmVlZg=="],
      ["AAAA", "AP8BAgM="],
    ],
  );
});

test("encodeRecord() passes page data through as views of the pages given, merging adjacent ones", () => {
  const chunks = encodeRecord({ type: "memory", pages: [page(1), page(2), page(5)] });
  // [type flags length] [count, page numbers] [pages 1-2] [page 5] [CRC]
  assert.equal(chunks.length, 5);
  assert.equal(chunks[2]!.buffer, ram.buffer, "no copy: a view of the RAM");
  assert.equal(chunks[2]!.byteOffset, 4096);
  assert.equal(chunks[2]!.length, 8192, "pages 1 and 2 are one chunk");
  assert.equal(chunks[3]!.buffer, ram.buffer);
  assert.equal(chunks[3]!.byteOffset, 5 * 4096);
});

test("encodeRecord() derives a memory record's checksum from its pages' CRCs when they come with them", () => {
  const pages = [page(1), page(2), page(5)];
  const plain = concat(encodeRecord({ type: "memory", pages }));
  const derived = concat(
    encodeRecord({ type: "memory", pages: pages.map((p) => ({ ...p, crc: crc32c(p.data) })) }),
  );
  assert.deepEqual(derived, plain);
  // A wrong one is the writer's bug, and the reader's own check catches it.
  const wrong = concat(encodeRecord({ type: "memory", pages: pages.map((p) => ({ ...p, crc: 1 })) }));
  const decoder = new ImageDecoder();
  decoder.push(encodeHeader(HEADER));
  assert.equal(decoder.next()?.kind, "header");
  decoder.push(wrong);
  assert.throws(() => decoder.next(), /checksum mismatch/);
});

test("ImageDecoder hands out memory pages as views of the pushed chunks, copying only pages a chunk boundary cuts and short pieces", () => {
  const record = concat(encodeRecord({ type: "memory", pages: [page(1), page(2), page(5)] }));
  const bytes = concat([encodeHeader(HEADER), record]);
  // Pages start at HEADER_SIZE + 8 (type, flags, length) + 4 (count) + 12 (page numbers).
  const first = HEADER_SIZE + 24;
  // Cut in the middle of the second page: pages 1 and 5 whole in a chunk, page 2 in two.
  const cut = first + 4096 + 100;
  const chunks = [bytes.slice(0, cut), bytes.slice(cut)];
  const d = new ImageDecoder();
  for (const c of chunks) d.push(c);
  assert.equal(d.next()?.kind, "header");
  const item = d.next();
  assert.ok(item?.kind === "record" && item.record.type === "memory");
  const pages = item.record.pages;
  assert.deepEqual(
    pages.map((p) => p.pfn),
    [1, 2, 5],
  );
  for (const p of pages) assert.deepEqual(p.data, page(p.pfn).data, `page ${p.pfn}'s bytes`);
  assert.equal(pages[0]!.data.buffer, chunks[0]!.buffer, "page 1 is a view of the first chunk");
  assert.equal(pages[2]!.data.buffer, chunks[1]!.buffer, "page 5 is a view of the second chunk");
  assert.notEqual(pages[1]!.data.buffer, chunks[0]!.buffer, "page 2, cut in two, is a copy");
  assert.notEqual(pages[1]!.data.buffer, chunks[1]!.buffer);

  // Byte by byte, the pieces are copied together into one block, not kept as 12,000 views.
  const tiny = decodeAll(concat([bytes, ...endRecord()]), 1);
  const memory = tiny.records[0];
  assert.ok(memory?.type === "memory");
  for (const p of memory.pages) assert.deepEqual(p.data, page(p.pfn).data, `page ${p.pfn}'s bytes`);
  assert.equal(new Set(memory.pages.map((p) => p.data.buffer)).size, 1, "one block holds every page");
});

test("encodeRecord() refuses memory records the format cannot hold", () => {
  const bad: [MemoryPage[], RegExp][] = [
    [[], /of 0 pages/],
    [Array.from({ length: 1025 }, (_, i) => ({ pfn: i, data: new Uint8Array(4096) })), /of 1025 pages/],
    [[page(2), page(2)], /must increase \(2 after 2\)/],
    [[page(3), page(1)], /must increase \(1 after 3\)/],
    [[{ pfn: 1, data: new Uint8Array(100) }], /page 1 is not 4096 bytes/],
  ];
  for (const [pages, message] of bad) {
    assert.throws(() => encodeRecord({ type: "memory", pages }), message);
  }
  assert.throws(() => encodeRecord({ type: "gpu" } as unknown as DomainRecord), /unknown type "gpu"/);
  assert.throws(() => [...encodeImage(HEADER, records().slice(0, -1))], /do not finish with an end record/);
  assert.throws(() => [...encodeImage(HEADER, [...records(), { type: "end" }])], /follows the end record/);
});

test("version 1 is written without maxVcpus and onPoweroff and reads back with their defaults", () => {
  const bytes = concat(encodeImage(HEADER, records(), { version: 1 }));
  assert.equal(new DataView(bytes.buffer).getUint32(16, true), 1);
  const configBody = new TextDecoder().decode(
    concat(encodeRecord(records()[0]!, { version: 1 }).slice(1, -1)),
  );
  assert.doesNotMatch(configBody, /maxVcpus|onPoweroff/);
  const { header, records: decoded } = decodeAll(bytes, 777);
  assert.equal(header?.version, 1);
  assert.deepEqual(decoded, records(), "maxVcpus = vcpus, onPoweroff = destroy");
  // What version 1 cannot express is refused, not dropped.
  const preserve = {
    ...(records()[0] as Extract<DomainRecord, { type: "domain-config" }>),
    onPoweroff: "preserve" as const,
  };
  assert.throws(
    () => encodeRecord(preserve, { version: 1 }),
    /version 1 cannot hold .*onPoweroff "preserve"/,
  );
  // A version 1 image whose domain-config has a version 2 field is not version 1.
  const v1 = withHeader(build([records()[0]!, ...records().slice(1)]), (dv) => dv.setUint32(16, 1, true));
  refuses(v1, /record 0 \(domain-config\) at byte 36: field "maxVcpus" does not exist in version 1/);
});

test("ImageDecoder refuses a bad header with one message", () => {
  const good = concat(encodeImage(HEADER, records()));
  refuses(text.encode("hello, world"), /^not a Ferry domain image \(bad magic\)$/);
  refuses(text.encode("FERRY"), /^the image is truncated: it ends inside its header, after 5 of 36 bytes$/);
  refuses(new Uint8Array(0), /^the image is empty$/);
  for (const v of [99, 0, 3]) {
    refuses(
      withHeader(good, (dv) => dv.setUint32(16, v, true)),
      new RegExp(`^image format version ${v} is not supported \\(this Ferry reads 1 and 2\\)$`),
    );
  }
  const corrupt = good.slice();
  corrupt[25]! ^= 0x10;
  refuses(corrupt, /^the image header is corrupt \(checksum 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/);
  refuses(
    withHeader(good, (_, b) => (b[20] = 48)),
    /impossible XLEN 48/,
  );
  refuses(
    withHeader(good, (_, b) => (b[21] = 3)),
    /unknown save mode 3/,
  );
  refuses(
    withHeader(good, (dv) => dv.setUint16(22, 1, true)),
    /reserved field is 1, not 0/,
  );
  refuses(
    withHeader(good, (dv) => dv.setUint32(24, 1000, true)),
    /impossible page size 1000/,
  );
});

test("ImageDecoder refuses a record whose checksum does not match", () => {
  const good = concat(encodeImage(HEADER, records()));
  const configLength = new DataView(good.buffer).getUint32(HEADER_SIZE + 4, true);
  const memoryAt = HEADER_SIZE + 8 + configLength + 4;
  const bad = good.slice();
  bad[memoryAt + 8 + 4 + 12 + 100]! ^= 1; // a byte of page data
  refuses(
    bad,
    new RegExp(`^record 1 \\(memory\\) at byte ${memoryAt}: checksum mismatch .*: the image is corrupt$`),
  );
});

test("ImageDecoder stops at an unknown mandatory record and skips an unknown optional one", () => {
  const body = [text.encode("from a newer Ferry")];
  refuses(
    beforeEnd(encodeRawRecord(77, 0, body)),
    /^record 10 at byte \d+ has unknown mandatory record type 77$/,
  );
  const skipped = decodeAll(beforeEnd(encodeRawRecord(77, RECORD_OPTIONAL, body)), 5);
  assert.deepEqual(skipped.records, records());
  assert.equal(skipped.decoder.skipped, 1);
  // A skipped record is still checked.
  const corrupt = beforeEnd(encodeRawRecord(77, RECORD_OPTIONAL, body));
  corrupt[corrupt.length - 12 - 5]! ^= 1;
  refuses(corrupt, /record 10 \(type 77\) at byte \d+: checksum mismatch/);
  refuses(
    beforeEnd(encodeRawRecord(0, RECORD_OPTIONAL, [])),
    /record 10 at byte \d+ has type 0, which is invalid/,
  );
  refuses(
    beforeEnd(encodeRawRecord(RECORD_TYPES.time, 2, [])),
    /record 10 \(time\) at byte \d+ has unknown flags 0x00000002/,
  );
});

test("ImageDecoder refuses a stream cut anywhere before the end of its end record", () => {
  const good = concat(encodeImage(HEADER, records()));
  for (let n = 0; n < good.length; n++) {
    assert.throws(
      () => decodeAll(good.subarray(0, n), 4093),
      (e: unknown) => e instanceof ImageError && /^the image (is truncated: |is empty$)/.test(e.message),
      `cut at ${n}`,
    );
  }
  refuses(good.subarray(0, 20), /ends inside its header, after 20 of 36 bytes/);
  refuses(good.subarray(0, 40), /ends inside the header of record 0, at byte 40/);
  refuses(good.subarray(0, 320), /record 1 \(memory\) at byte 220 ends after 100 of its 12316 bytes/);
  refuses(
    good.subarray(0, good.length - 12),
    /ends after record 9 \(devices\), at byte \d+, with no end record/,
  );
});

test("ImageDecoder refuses data after the end record", () => {
  const good = concat(encodeImage(HEADER, records()));
  refuses(
    concat([good, Uint8Array.of(0)]),
    new RegExp(`^data follows the end record, at byte ${good.length}$`),
  );
  refuses(concat([good, good]), /data follows the end record/);
});

test("ImageDecoder refuses memory records whose count, length or page numbers are wrong", () => {
  const raw = (count: number, pfns: number[], pages: number) => {
    const index = new Uint8Array(4 + 4 * pfns.length);
    const dv = new DataView(index.buffer);
    dv.setUint32(0, count, true);
    for (const [i, p] of pfns.entries()) dv.setUint32(4 + 4 * i, p, true);
    return encodeRawRecord(RECORD_TYPES.memory, 0, [index, new Uint8Array(pages * 4096)]);
  };
  const at = /record 10 \(memory\) at byte \d+/.source;
  refuses(beforeEnd(raw(0, [], 0)), new RegExp(`${at} holds 0 pages: a memory record holds 1 to 1024`));
  refuses(
    beforeEnd(raw(0, [1], 1)),
    new RegExp(`${at} says it holds 0 pages: a memory record holds 1 to 1024`),
  );
  refuses(beforeEnd(raw(2000, [1], 1)), /says it holds 2000 pages: a memory record holds 1 to 1024/);
  refuses(beforeEnd(raw(3, [1, 2], 2)), /says it holds 3 pages but its body has room for 2/);
  refuses(
    beforeEnd(raw(2, [7, 7], 2)),
    new RegExp(`${at}: page numbers are not strictly increasing \\(page 7 after 7\\)`),
  );
  refuses(beforeEnd(raw(2, [9, 3], 2)), /not strictly increasing \(page 3 after 9\)/);
  const odd = encodeRawRecord(RECORD_TYPES.memory, 0, [new Uint8Array(4 + 4 + 100)]);
  refuses(beforeEnd(odd), /a body of 108 bytes is not a count and whole pages/);
  // 1025 pages is refused from the record's header alone, before its body is buffered.
  const huge = encodeRawRecord(RECORD_TYPES.memory, 0, [new Uint8Array(4 + 1025 * 4100)]).slice(0, 1);
  refuses(beforeEnd(huge), /holds 1025 pages: a memory record holds 1 to 1024/);
});

test("ImageDecoder refuses record bodies that are not what their type says", () => {
  const json = (type: keyof typeof RECORD_TYPES, body: string | Uint8Array) =>
    beforeEnd(encodeRawRecord(RECORD_TYPES[type], 0, [typeof body === "string" ? text.encode(body) : body]));
  const at = /record 10 \(\w[\w-]*\) at byte \d+: /.source;
  const hartWith = (field: string, value: unknown) =>
    JSON.stringify({
      state: {
        ...vcpu,
        hart: {
          ...hart,
          pc: "0x1",
          x: hart.x.map((v) => `0x${v.toString(16)}`),
          csrs: Object.fromEntries(SAVED_CSRS.map((n) => [n, "0x0"])),
          [field]: value,
        },
      },
    });
  const bad: [Uint8Array, RegExp][] = [
    [json("time", "{"), new RegExp(`${at}the body is not valid JSON`)],
    [json("time", "[1]"), new RegExp(`${at}the body is not a JSON object`)],
    [json("time", "null"), /the body is not a JSON object/],
    [json("time", '{"type":"time","guestTime":1}'), /the body has a field "type"/],
    [json("time", Uint8Array.of(0x7b, 0xff, 0x7d)), /the body is not valid UTF-8/],
    [json("vcpu", hartWith("pc", "0x0001")), /state\.hart\.pc is not a hex number/],
    [json("vcpu", hartWith("pc", "0X1")), /state\.hart\.pc is not a hex number/],
    [json("vcpu", hartWith("pc", 1)), /state\.hart\.pc is not a hex number/],
    [json("vcpu", hartWith("pc", `0x1${"0".repeat(16)}`)), /state\.hart\.pc is not a hex number/],
    [json("vcpu", hartWith("x", ["0x0", "12"])), /state\.hart\.x\[1\] is not a hex number/],
    [json("vcpu", hartWith("x", "0x0")), /state\.hart\.x is not an array/],
    [json("vcpu", hartWith("csrs", { satp: "0x-1" })), /state\.hart\.csrs\.satp is not a hex number/],
    [json("vcpu", hartWith("csrs", { mystery: "0x1" })), /unknown CSR "mystery"/],
    [json("vcpu", '{"state":{"id":0}}'), /state\.hart is not an object/],
    [
      json("store", '{"state":{"nodes":[{"path":"","value":"AA"}]}}'),
      /state\.nodes\[0\]\.value is not canonical base64/,
    ],
    [json("store", '{"state":{"nodes":[{"path":"","value":"AB=="}]}}'), /not canonical base64/],
    [json("store", '{"state":{"nodes":[{"path":"","value":"A A="}]}}'), /not canonical base64/],
    [json("store", '{"state":{"nodes":[{"path":"","value":7}]}}'), /not canonical base64/],
    [json("store", '{"state":{"nodes":{}}}'), /state\.nodes is not an array/],
  ];
  for (const [bytes, message] of bad) refuses(bytes, message);
  refuses(
    beforeEnd(encodeRawRecord(RECORD_TYPES.end, 0, [Uint8Array.of(1)])),
    /record 10 \(end\) at byte \d+ has a body of 1 bytes: it must be empty/,
  );
  refuses(json("store", `{"state":{"nodes":[${'"x",'.repeat(100)}1]}}`), /beyond the limit of 64/, {
    maxJsonBody: 64,
  });
});
