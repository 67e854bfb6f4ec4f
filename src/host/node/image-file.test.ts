/**
 * Image files on the Node host: a save is atomic (an older image survives any failure and no
 * temporary file is left), a large one arrives whole and in order though several writes and
 * an early fdatasync run at once, a full disk and an unwritable directory give one clear message, a
 * missing file is named, and a real guest saved to a file and loaded from it passes its own
 * checks. The full-disk test mounts a 1 MiB tmpfs, so it runs only as root where mounting is
 * allowed, and says why it is skipped otherwise.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DeterministicRunner } from "../../core/hypervisor/deterministic-runner.js";
import { captureDomainRecords } from "../../core/snapshot/capture-domain.js";
import { ImageError } from "../../core/snapshot/domain-image.js";
import { GuestSession } from "../../core/snapshot/guest-session.fixture.js";
import { encodeImage } from "../../core/snapshot/image-codec.js";
import { suspendDomain } from "../../core/snapshot/suspend-domain.js";
import {
  ImageFileError,
  loadDomainImage,
  openImageFile,
  READ_CHUNK,
  readImageFile,
  saveImageFile,
} from "./image-file.js";

const dir = mkdtempSync(join(tmpdir(), "ferry-image-file-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const temporaries = (d: string): string[] => readdirSync(d).filter((n) => n.includes(".ferry-tmp-"));

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 23;
  }
  return out;
}

/** `data` cut into pieces of uneven size, some of them views of a SharedArrayBuffer (as guest RAM is). */
function* pieces(data: Uint8Array): Generator<Uint8Array> {
  const shared = new Uint8Array(new SharedArrayBuffer(data.length));
  shared.set(data);
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = [1, 4096, 300_000, 8, 2_000_000][i % 5]!;
    yield (i % 2 === 0 ? data : shared).subarray(at, at + n);
    at += n;
  }
}

async function readAll(path: string): Promise<Uint8Array> {
  const file = await openImageFile(path);
  const parts: Uint8Array[] = [];
  for await (const c of file.chunks) {
    assert.ok(c.length <= READ_CHUNK);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

function rejectsWith(p: Promise<unknown>, message: RegExp, hasCause = true): Promise<void> {
  return assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ImageFileError, String(e));
    assert.match(e.message, message);
    if (hasCause) assert.ok(e.cause !== undefined, "the system's error is kept as cause");
    return true;
  });
}

test("saveImageFile() writes the chunks and openImageFile() reads them back", async () => {
  const data = bytes(11_000_000, 1);
  const path = join(dir, "round.img");
  const seen: number[] = [];
  const { bytes: written } = await saveImageFile(path, pieces(data), { onBytes: (n) => seen.push(n) });
  assert.equal(written, data.length);
  assert.ok(seen.length >= 2, "progress is reported as the writes go");
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    seen,
  );
  assert.equal(seen.at(-1), data.length);
  assert.equal(statSync(path).mode & 0o777, 0o600, "guest memory is for the owner only");
  assert.deepEqual(temporaries(dir), []);
  const file = await openImageFile(path);
  assert.equal(file.size, data.length);
  await file.close();
  assert.ok(Buffer.from(await readAll(path)).equals(Buffer.from(data)));
});

test("saveImageFile() writes a large image in order, with writes and early syncs in flight", async () => {
  // 40 MiB: past SYNC_EVERY (an fdatasync runs while writing goes on) and many WRITE_BATCHes.
  const data = new Uint8Array(new SharedArrayBuffer(40 * 1024 * 1024));
  const words = new Int32Array(data.buffer);
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 0x9e3779b1);
  const path = join(dir, "large.img");
  const seen: number[] = [];
  const { bytes: written } = await saveImageFile(path, pieces(data), { onBytes: (n) => seen.push(n) });
  assert.equal(written, data.length);
  assert.equal(seen.at(-1), data.length);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    seen,
    "progress goes forward in file order",
  );
  const file = await openImageFile(path);
  let at = 0;
  for await (const c of file.chunks) {
    assert.ok(Buffer.from(c).equals(Buffer.from(data.subarray(at, at + c.length))), `bytes at ${at}`);
    at += c.length;
  }
  assert.equal(at, data.length);
  rmSync(path);
});

test("a failing saveImageFile() leaves an older image intact and no temporary file", async () => {
  const path = join(dir, "kept.img");
  writeFileSync(path, "the older image");
  function* broken(): Generator<Uint8Array> {
    yield* pieces(bytes(6_000_000, 2));
    throw new Error("the encoder broke");
  }
  await rejectsWith(saveImageFile(path, broken()), /^cannot save .*kept\.img: the encoder broke$/);
  assert.equal(readFileSync(path, "utf8"), "the older image");
  assert.deepEqual(temporaries(dir), []);
  // An image the encoder refuses is not written either.
  const header = {
    magic: "FERRY-DOMAIN",
    version: 2,
    xlen: 64,
    pageSize: 4096,
    vcpus: 1,
    mode: "transparent",
  } as const;
  await rejectsWith(
    saveImageFile(path, encodeImage(header, [{ type: "time", guestTime: 0 }])),
    /^cannot save .*kept\.img: cannot encode the image: its records do not finish with an end record$/,
  );
  assert.equal(readFileSync(path, "utf8"), "the older image");
  assert.deepEqual(temporaries(dir), []);
});

test("saveImageFile() on a full disk says so, keeps the older image and leaves no temporary file", async (t) => {
  const mnt = join(dir, "small");
  mkdirSync(mnt);
  if (process.getuid?.() !== 0) {
    t.skip("needs root to mount a small tmpfs");
    return;
  }
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt], { stdio: "pipe" });
  } catch (e) {
    t.skip(`cannot mount a tmpfs here: ${String((e as { stderr?: unknown }).stderr ?? e).trim()}`);
    return;
  }
  try {
    const path = join(mnt, "domain.img");
    const old = bytes(100_000, 3);
    writeFileSync(path, old);
    await rejectsWith(
      saveImageFile(path, pieces(bytes(4_000_000, 4))),
      /^cannot save .*small\/domain\.img: no space left on device$/,
    );
    assert.ok(readFileSync(path).equals(Buffer.from(old)), "the older image is intact");
    assert.deepEqual(temporaries(mnt), []);
  } finally {
    execFileSync("umount", [mnt]);
  }
});

test("saveImageFile() where nothing can be written names the path and the reason", async () => {
  // procfs refuses new files even to root.
  await rejectsWith(
    saveImageFile("/proc/ferry.img", [Uint8Array.of(1)]),
    /^cannot save \/proc\/ferry\.img: not writable/,
  );
  await rejectsWith(
    saveImageFile(join(dir, "no-such-dir", "a.img"), [Uint8Array.of(1)]),
    /^cannot save .*no-such-dir\/a\.img: the directory .*no-such-dir does not exist$/,
  );
  const taken = join(dir, "a-directory");
  mkdirSync(taken);
  await rejectsWith(saveImageFile(taken, [Uint8Array.of(1)]), /^cannot save .*a-directory: is a directory$/);
  assert.deepEqual(temporaries(dir), []);
});

test("openImageFile() names a missing file and a directory", async () => {
  await rejectsWith(openImageFile(join(dir, "nope.img")), /^cannot read .*nope\.img: no such file$/);
  await rejectsWith(openImageFile(dir), /^cannot read .*: is a directory$/, false);
});

test("a guest saved with saveImageFile() and loaded with loadDomainImage() passes its checks; a damaged file is refused", async () => {
  const runner = new DeterministicRunner({ seed: 81, instructionsPerTick: 1 });
  const s = new GuestSession(runner, {
    kernel: readFileSync("guest/images/kernel-rv64.elf"),
    vcpus: 4,
    bootargs: "work=all",
    timeoutMs: 5_000,
  });
  runner.onConsole = s.append;
  assert.ok(await s.announced(), s.tail());
  const mark = s.output.length;
  const mode = await suspendDomain(runner, s.domain);
  const captured = await captureDomainRecords(runner, s.domain, mode);
  const path = join(dir, "guest.img");
  const { bytes: size } = await saveImageFile(path, encodeImage(captured.header, captured.records));
  assert.equal(statSync(path).size, size);

  const image = readFileSync(path);
  const damaged = join(dir, "damaged.img");
  const refused: [Uint8Array, RegExp][] = [
    [
      image.subarray(0, image.length - 40),
      /^the image is truncated: record \d+ \(\w+\) at byte \d+ ends after/,
    ],
    [Buffer.concat([image, Buffer.from("x")]), /^data follows the end record/],
    [Uint8Array.from(image.subarray(0, 36)).fill(7, 0, 4), /bad magic/],
  ];
  for (const [content, message] of refused) {
    writeFileSync(damaged, content);
    await assert.rejects(loadDomainImage(runner, damaged, { id: 30 }), (e: unknown) => {
      assert.ok(e instanceof ImageError, String(e));
      assert.match(e.message, message);
      return true;
    });
    assert.equal(runner.pv.backend(30), undefined, "nothing was created");
  }
  const header = await readImageFile(path);
  assert.equal(header.size, size);
  assert.equal(header.header.vcpus, 4);
  await header.close();

  const old = s.domain;
  s.domain = await loadDomainImage(runner, path, { id: 2 });
  await runner.release(old);
  await s.waitFor(/^suspend: resumed 1 new-domain cpus=\d+$/m, mark);
  assert.match(await s.waitFor(/^CHECK .*resume=1\)?$/m, mark), /^CHECK ok /, s.tail());
});
