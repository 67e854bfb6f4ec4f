/**
 * openFileDiskImage() on real temporary files: a sparse image reads as zeros, writes read
 * back (also after reopening read-only), short transfers are carried on, accesses outside
 * whole sectors are refused, and each kind of unusable file gets one message naming it,
 * without anything being created. The read-only refusal is shown with a 0444 file, which
 * root may write anyway: as root it is shown instead on a tmpfs remounted read-only, when
 * mounting is allowed.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DiskImageError, FileDiskImage, openFileDiskImage } from "./file-disk-image.js";

const dir = mkdtempSync(join(tmpdir(), "ferry-file-disk-image-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const isRoot = process.getuid?.() === 0;
const MiB = 1024 * 1024;
let serial = 0;

/** A new sparse file of `size` bytes. */
function sparse(size: number): string {
  const path = join(dir, `disk-${serial++}.img`);
  writeFileSync(path, "");
  truncateSync(path, size);
  return path;
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Asserts that `promise` rejects with a DiskImageError whose message is `message`. */
async function refused(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DiskImageError, String(e));
    assert.equal(e.name, "DiskImageError");
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test("openFileDiskImage() reads a sparse file as zeros", async () => {
  const path = sparse(4 * MiB);
  const disk = await openFileDiskImage(path, "rw");
  try {
    assert.equal(disk.size, 4 * MiB);
    assert.equal(disk.readOnly, false);
    const into = new Uint8Array(64 * 1024).fill(0xee);
    await disk.read(3 * MiB, into);
    assert.ok(into.every((b) => b === 0));
  } finally {
    await disk.close();
  }
});

test("FileDiskImage writes read back, flush, and survive a read-only reopen", async () => {
  const path = sparse(MiB);
  const disk = await openFileDiskImage(path, "rw");
  const a = pattern(4096, 1);
  const b = pattern(512, 2);
  await Promise.all([disk.write(0, a), disk.write(MiB - 512, b)]);
  await disk.flush();
  const back = new Uint8Array(4096);
  await disk.read(0, back);
  assert.deepEqual(back, a);
  await disk.close();
  await disk.close(); // idempotent

  const file = readFileSync(path);
  assert.equal(file.length, MiB, "the file keeps its size");
  assert.deepEqual(new Uint8Array(file.subarray(MiB - 512)), b);

  const ro = await openFileDiskImage(path, "ro");
  try {
    assert.equal(ro.readOnly, true);
    const tail = new Uint8Array(1024);
    await ro.read(MiB - 1024, tail);
    assert.ok(tail.subarray(0, 512).every((x) => x === 0));
    assert.deepEqual(tail.subarray(512), b);
    await ro.flush();
    await refused(ro.write(0, a), `disk image ${path} is open read-only`);
  } finally {
    await ro.close();
  }
});

test("FileDiskImage carries on after short reads and writes", async () => {
  // A file handle that moves at most 700 bytes per call, as a file system may.
  const backing = new Uint8Array(8192);
  const fh = {
    async read(buffer: Uint8Array, offset: number, length: number, position: number) {
      const n = Math.min(length, 700);
      buffer.set(backing.subarray(position, position + n), offset);
      return { bytesRead: n, buffer };
    },
    async write(buffer: Uint8Array, offset: number, length: number, position: number) {
      const n = Math.min(length, 700);
      backing.set(buffer.subarray(offset, offset + n), position);
      return { bytesWritten: n, buffer };
    },
    async close() {},
  } as unknown as FileHandle;
  const disk = new FileDiskImage("/fake.img", fh, backing.length, false);
  const data = pattern(4096, 3);
  await disk.write(1024, data);
  assert.deepEqual(backing.subarray(1024, 1024 + 4096), data);
  const back = new Uint8Array(4096);
  await disk.read(1024, back);
  assert.deepEqual(back, data);
});

test("FileDiskImage refuses accesses that are not whole sectors inside the image", async () => {
  const disk = await openFileDiskImage(sparse(8192), "rw");
  try {
    for (const [offset, length] of [
      [8192, 512],
      [7680, 1024],
      [-512, 512],
      [100, 512],
      [0, 100],
      [0.5, 512],
    ] as const) {
      await assert.rejects(disk.read(offset, new Uint8Array(length)), RangeError, `read ${offset}+${length}`);
      await assert.rejects(
        disk.write(offset, new Uint8Array(length)),
        RangeError,
        `write ${offset}+${length}`,
      );
    }
  } finally {
    await disk.close();
  }
});

test("FileDiskImage fails a read past a file that shrank while open", async () => {
  const path = sparse(8192);
  const disk = await openFileDiskImage(path, "ro");
  try {
    truncateSync(path, 4096);
    await refused(disk.read(4096, new Uint8Array(1024)), /ends before byte 5120 \(it shrank while open\)$/);
  } finally {
    await disk.close();
  }
  await refused(disk.read(0, new Uint8Array(512)), `disk image ${path} is closed`);
});

test("openFileDiskImage() refuses a missing file and creates nothing", async () => {
  const path = join(dir, "missing.img");
  for (const access of ["ro", "rw"] as const)
    await refused(openFileDiskImage(path, access), `disk image ${path} does not exist`);
  assert.equal(existsSync(path), false);
});

test("openFileDiskImage() refuses a directory", async () => {
  const path = join(dir, "a-directory");
  mkdirSync(path);
  for (const access of ["ro", "rw"] as const)
    await refused(openFileDiskImage(path, access), `disk image ${path} is a directory`);
});

test("openFileDiskImage() refuses an empty file or one not made of whole sectors", async () => {
  const empty = sparse(0);
  await refused(openFileDiskImage(empty, "rw"), new RegExp(`^disk image ${empty} is empty \\(truncate -s`));
  const odd = sparse(1000);
  await refused(
    openFileDiskImage(odd, "ro"),
    `disk image ${odd} is 1000 bytes, not a whole number of 512-byte sectors`,
  );
  assert.equal(readFileSync(odd).length, 1000, "nothing is truncated");
});

test("openFileDiskImage() refuses rw on a read-only file, and opens it ro", async (t) => {
  if (isRoot) {
    t.skip("root may write a 0444 file (the read-only file system test covers root)");
    return;
  }
  const path = sparse(8192);
  chmodSync(path, 0o444);
  await refused(openFileDiskImage(path, "rw"), `disk image ${path} is read-only: use access=ro`);
  const ro = await openFileDiskImage(path, "ro");
  await ro.close();
  chmodSync(path, 0o000);
  await refused(openFileDiskImage(path, "ro"), `disk image ${path} is not readable (permission denied)`);
  await refused(openFileDiskImage(path, "rw"), `disk image ${path} is not readable (permission denied)`);
});

test("openFileDiskImage() refuses rw on a read-only file system, and opens it ro", async (t) => {
  if (!isRoot) {
    t.skip("needs root to mount a tmpfs");
    return;
  }
  const mnt = join(dir, "ro-mount");
  mkdirSync(mnt);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt], { stdio: "pipe" });
  } catch (e) {
    t.skip(`cannot mount a tmpfs here: ${String((e as { stderr?: unknown }).stderr ?? e).trim()}`);
    return;
  }
  try {
    const path = join(mnt, "a.img");
    writeFileSync(path, "");
    truncateSync(path, 8192);
    execFileSync("mount", ["-o", "remount,ro", mnt], { stdio: "pipe" });
    await refused(
      openFileDiskImage(path, "rw"),
      `disk image ${path} is read-only (read-only file system): use access=ro`,
    );
    const ro = await openFileDiskImage(path, "ro");
    await ro.close();
  } finally {
    execFileSync("umount", [mnt]);
  }
});
