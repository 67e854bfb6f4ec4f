/**
 * The migration stream's framing: control frames and image records split apart from a byte
 * stream cut anywhere; every kind of bad frame refused as soon as its bytes show it; the
 * version rule (current and previous).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { concat } from "../snapshot/image-bytes.fixture.js";
import { encodeRecord } from "../snapshot/image-codec.js";
import { MigrationError } from "./migration-error.js";
import {
  Command,
  chooseVersion,
  encodeControl,
  type Frame,
  FrameParser,
  MAX_REASON_BYTES,
  OLDEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  parseText,
  parseU32s,
  parseU64,
  STREAM_MAGIC,
  textBody,
  u32Body,
  u64Body,
} from "./wire-format.js";

const page = new Uint8Array(4096).map((_, i) => i * 7);
const stream = concat([
  STREAM_MAGIC,
  encodeControl(Command.HELLO, u32Body(1, 1)),
  encodeControl(Command.ROUND, u32Body(3, 1)),
  ...encodeRecord({ type: "memory", pages: [{ pfn: 5, data: page }] }),
  encodeControl(Command.STATE_COMPLETE, u64Body(2 ** 40 + 3)),
  encodeControl(Command.ABORT, textBody("no room")),
  ...encodeRecord({ type: "end" }),
]);

function parseAll(bytes: Uint8Array, pieces: number[]): Frame[] {
  const p = new FrameParser("the source");
  const frames: Frame[] = [];
  let at = 0;
  for (const size of [...pieces, bytes.length]) {
    p.push(bytes.subarray(at, Math.min(bytes.length, at + size)));
    at = Math.min(bytes.length, at + size);
    for (let f = p.next(); f !== undefined; f = p.next()) frames.push(f);
  }
  assert.ok(p.atBoundary);
  return frames;
}

test("FrameParser splits control frames and image records from a stream cut anywhere", () => {
  const whole = parseAll(stream, []);
  assert.deepEqual(
    whole.map((f) => (f.kind === "control" ? f.command : `record ${f.type}`)),
    [Command.HELLO, Command.ROUND, "record 2", Command.STATE_COMPLETE, Command.ABORT, "record 10"],
  );
  const [hello, round, memory, complete, abort] = whole as [Frame, Frame, Frame, Frame, Frame];
  assert.ok(hello.kind === "control" && round.kind === "control" && complete.kind === "control");
  assert.deepEqual(parseU32s(hello, 2, "the source"), [1, 1]);
  assert.deepEqual(parseU32s(round, 2, "the source"), [3, 1]);
  assert.equal(parseU64(complete, "the source"), 2 ** 40 + 3);
  assert.ok(abort.kind === "control");
  assert.equal(parseText(abort), "no room");
  assert.ok(memory.kind === "record");
  // A record frame's bytes are the record exactly as encodeRecord framed it.
  assert.deepEqual(
    concat(memory.bytes),
    concat(encodeRecord({ type: "memory", pages: [{ pfn: 5, data: page }] })),
  );
  assert.equal(hello.offset, 16, "offsets count from the magic");
  for (const size of [1, 3, 7, 8, 13, 100, 4099]) {
    const pieces = Array.from({ length: Math.ceil(stream.length / size) }, () => size);
    const frames = parseAll(stream, pieces);
    assert.deepEqual(
      frames.map((f) =>
        f.kind === "control" ? [f.command, Array.from(f.body)] : [f.type, Array.from(concat(f.bytes))],
      ),
      whole.map((f) =>
        f.kind === "control" ? [f.command, Array.from(f.body)] : [f.type, Array.from(concat(f.bytes))],
      ),
      `pieces of ${size}`,
    );
  }
});

function header(command: number, flags: number, length: number): Uint8Array {
  const h = new Uint8Array(8);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, command, true);
  dv.setUint16(2, flags, true);
  dv.setUint32(4, length, true);
  return h;
}

test("FrameParser refuses bad streams as soon as their bytes show it, and stays failed", () => {
  const bad = (bytes: Uint8Array, message: RegExp) => {
    const p = new FrameParser("the destination");
    p.push(bytes);
    assert.throws(
      () => {
        while (p.next() !== undefined) {}
      },
      (e: unknown) => e instanceof MigrationError && message.test(e.message),
      message.source,
    );
    assert.throws(() => p.next(), message, "it stays failed");
  };
  bad(
    new TextEncoder().encode("HTTP/1.1"),
    /the destination is not a Ferry migration endpoint \(bad magic\)/,
  );
  bad(
    concat([STREAM_MAGIC, header(0, 0, 0)]),
    /frame 0 at byte 16 from the destination has command 0x0, which is invalid/,
  );
  bad(concat([STREAM_MAGIC, header(0x8000, 0, 0)]), /command 0x8000, which is invalid/);
  bad(concat([STREAM_MAGIC, header(0x8123, 0, 0)]), /has unknown command 0x8123/);
  bad(
    concat([STREAM_MAGIC, header(Command.READY, 1, 0)]),
    /frame 0 at byte 16 \(READY\) .* unknown flags 0x1/,
  );
  bad(
    concat([STREAM_MAGIC, header(Command.ABORT, 0, 5000)]),
    /\(ABORT\) .* a body of 5000 bytes \(at most 4096\)/,
  );
  bad(concat([STREAM_MAGIC, header(2, 0, 17 << 20)]), /\(record type 2\) .* a body of 17825792 bytes/);
  const corrupt = encodeControl(Command.ROUND, u32Body(0, 0));
  corrupt[9]! ^= 1;
  bad(
    concat([STREAM_MAGIC, corrupt]),
    /frame 0 \(ROUND\) at byte 16 from the destination: checksum mismatch/,
  );
  // A magic that is right so far is no error yet; a stream cut inside a frame is described.
  const p = new FrameParser("the source");
  p.push(STREAM_MAGIC.subarray(0, 5));
  assert.equal(p.next(), undefined);
  assert.match(p.describeCut(), /after 5 bytes of its magic/);
  p.push(STREAM_MAGIC.subarray(5));
  p.push(encodeControl(Command.COMMIT).subarray(0, 10));
  assert.equal(p.next(), undefined);
  assert.equal(p.atBoundary, false);
  assert.match(p.describeCut(), /inside frame 0 \(COMMIT\) at byte 16, after 10 of its 12 bytes/);
});

test("chooseVersion speaks the newest version both sides speak: this Ferry's current one and the one before", () => {
  assert.equal(PROTOCOL_VERSION, 2);
  assert.equal(OLDEST_PROTOCOL_VERSION, 1);
  assert.equal(chooseVersion(1, 1), 1, "a Ferry of the version before");
  assert.equal(chooseVersion(1, 2), 2);
  // A newer source that still speaks this version: it is chosen.
  assert.equal(chooseVersion(PROTOCOL_VERSION, PROTOCOL_VERSION + 1), PROTOCOL_VERSION);
  assert.match(
    String(chooseVersion(PROTOCOL_VERSION + 1, PROTOCOL_VERSION + 2)),
    /is not supported \(this Ferry speaks 1–2\)/,
  );
  assert.match(String(chooseVersion(0, 0)), /version 0 is not supported/);
  assert.match(String(chooseVersion(2, 1)), /not supported/);
  assert.match(String(chooseVersion(3, 3)), /version 3 is not supported/);
});

test("control bodies: a reason is cut to its limit at a character boundary; a body of the wrong size is refused", () => {
  const long = textBody("é".repeat(MAX_REASON_BYTES));
  assert.ok(long.length <= MAX_REASON_BYTES && long.length % 2 === 0);
  assert.equal(new TextDecoder("utf-8", { fatal: true }).decode(long), "é".repeat(long.length / 2));
  const p = new FrameParser("the source");
  p.push(STREAM_MAGIC);
  p.push(encodeControl(Command.ROUND, u32Body(1)));
  const f = p.next();
  assert.ok(f?.kind === "control");
  assert.throws(
    () => parseU32s(f, 2, "the source"),
    /bad ROUND from the source: 4 bytes of body, expected 8/,
  );
  assert.throws(() => encodeControl(0x8123), RangeError);
});
