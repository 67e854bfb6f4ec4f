/**
 * Virtual disks through the toolstack, as a user runs them: `disk = [...]` in a config given
 * to `ferry create`, a save to a file and a restore with the writers running (the guest reads
 * every block back after the resume), and the refusals — an image that does not exist, one
 * another domain writes, a restore whose image has gone — each one clear message with nothing
 * created and nothing lost.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CuttingProxy } from "./cutting-proxy.fixture.js";
import { boot, type Ferryd, Ferryd as FerrydClass, KERNEL64, writeConfig } from "./ferryd.fixture.js";
import { checksPass, freshVerdict, listed } from "./migration-checks.fixture.js";

function image(d: Ferryd, name: string, mib = 16): string {
  const path = join(d.dir, name);
  writeFileSync(path, "");
  truncateSync(path, mib << 20);
  return path;
}

describe("virtual disks through ferryd", () => {
  let d: Ferryd;
  before(async () => {
    d = await FerrydClass.start();
  });
  after(async () => {
    await d.stop();
  });

  test("ferry create refuses a disk image that does not exist, naming it, and creates nothing", async () => {
    const missing = join(d.dir, "nope.img");
    const config = writeConfig(d.dir, "nodisk", {
      name: "nodisk",
      vcpus: 1,
      memory: 32,
      kernel: KERNEL64,
      disk: [`${missing},raw,xvda,rw`],
    });
    const r = await d.ferry(["create", config]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`disk image ${missing} does not exist`));
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.equal(await listed(d, "nodisk"), false);
  });

  test("ferry create refuses an image another domain writes, and a bad disk spec", async () => {
    const shared = image(d, "shared.img");
    const con = await boot(
      d,
      {
        name: "owner",
        vcpus: 1,
        memory: 32,
        kernel: KERNEL64,
        cmdline: "work=disk",
        disk: [`${shared},raw,xvda,rw`],
      },
      /^CHECK ok work=disk round=1$/m,
    );
    con.close();
    const second = writeConfig(d.dir, "second", {
      name: "second",
      vcpus: 1,
      memory: 32,
      kernel: KERNEL64,
      disk: [`${shared},raw,xvda,ro`],
    });
    const r = await d.ferry(["create", second]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /disk image .*shared\.img is in use by domain owner/);
    assert.equal(await listed(d, "second"), false);
    const bad = writeConfig(d.dir, "bad", {
      name: "bad",
      vcpus: 1,
      memory: 32,
      kernel: KERNEL64,
      disk: [`${shared},qcow2,xvda,rw`],
    });
    const b = await d.ferry(["create", bad]);
    assert.match(b.stderr, /format qcow2 is not supported \(raw only\)/);
    await d.client.call("destroy", { name: "owner" });
  });

  test("save and restore with the disk writers running: the guest's verifier passes, and a restore whose image is gone is refused", async () => {
    const disk = image(d, "saved.img");
    const con = await boot(
      d,
      {
        name: "saver",
        vcpus: 4,
        memory: 32,
        kernel: KERNEL64,
        cmdline: "work=disk,counters",
        disk: [`${disk},raw,xvda,rw`],
      },
      /^CHECK ok work=\S+ round=1$/m,
    );
    con.close();
    const file = join(d.dir, "saver.ferry");
    for (let i = 1; i <= 3; i++) {
      const saved = await d.ferry(["save", "saver", file]);
      assert.equal(saved.status, 0, saved.stderr);
      assert.equal(await listed(d, "saver"), false);
      if (i === 2) {
        // The image moved away: one message naming it, nothing created, the file kept.
        renameSync(disk, `${disk}.away`);
        const r = await d.ferry(["restore", file]);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /disk xvda: disk image .*saved\.img does not exist/);
        assert.equal(await listed(d, "saver"), false);
        renameSync(`${disk}.away`, disk);
      }
      const restored = await d.ferry(["restore", file]);
      assert.equal(restored.status, 0, restored.stderr);
      await checksPass(d, "saver", i, "new-domain");
    }
    await d.client.call("destroy", { name: "saver" });
  });
});

describe("live migration that copies the disks to a ferryd without the same storage", () => {
  let a: Ferryd;
  let b: Ferryd;
  const copies = mkdtempSync(join(tmpdir(), "ferry-copies-"));
  before(async () => {
    a = await FerrydClass.start();
    b = await FerrydClass.start(["--disk-dir", copies]);
  });
  after(async () => {
    await Promise.all([a.stop(), b.stop()]);
    rmSync(copies, { recursive: true, force: true });
  });

  test("the disk goes with the domain, written while it moves, and the guest's verifier passes there; a ferryd without --disk-dir refuses, and the domain runs on", async () => {
    const disk = image(a, "moving.img");
    // A part the guest never writes: the copy must hold it byte for byte.
    const still = randomBytes(1 << 20);
    const fd = openSync(disk, "r+");
    writeSync(fd, still, 0, still.length, 8 << 20);
    closeSync(fd);
    const con = await boot(
      a,
      {
        name: "mover",
        vcpus: 4,
        memory: 32,
        kernel: KERNEL64,
        cmdline: "work=disk,memwriter",
        disk: [`${disk},raw,xvda,rw`],
      },
      /^CHECK ok work=\S+ round=2$/m,
    );
    con.close();
    const r = await a.ferry(["migrate", "--live", "--copy-disks", "--json", "mover", b.migration]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await listed(b, "mover"), true);
    const copy = readFileSync(join(copies, "mover-xvda.img"));
    assert.equal(copy.length, 16 << 20);
    assert.ok(copy.subarray(8 << 20, 9 << 20).equals(still), "the part nobody writes arrived as it was");
    await checksPass(b, "mover", 1, "new-domain");
    // Back to a ferryd that takes no copied disks: refused before anything is committed.
    const back = await b.ferry(["migrate", "--live", "--copy-disks", "mover", a.migration]);
    assert.notEqual(back.status, 0);
    assert.match(back.stderr, /takes no copied disks \(start it with --disk-dir\)/);
    assert.equal(await listed(b, "mover"), true);
    assert.equal(await listed(a, "mover"), false);
    await freshVerdict(b, "mover"); // refused in round 0, before any suspend: it just runs on
    await b.client.call("destroy", { name: "mover" });
  });

  test("a migration cut while it copies the disk leaves the domain running on the source and no copy behind", async () => {
    const disk = image(a, "cut.img");
    // Data the copy must carry from round 0 on, whatever the guest has written by then.
    const fd = openSync(disk, "r+");
    writeSync(fd, new Uint8Array(1 << 20).fill(0xa5), 0, 1 << 20, 8 << 20);
    closeSync(fd);
    const con = await boot(
      a,
      {
        name: "cutme",
        vcpus: 2,
        memory: 32,
        kernel: KERNEL64,
        cmdline: "work=disk",
        disk: [`${disk},raw,xvda,rw`],
      },
      /^CHECK ok work=disk round=1$/m,
    );
    con.close();
    // Cut after the first disk-data record (type 11) towards the destination: its copy exists,
    // part full, when the connection goes.
    const proxy = await CuttingProxy.start(b.migration, (x) => x.direction === "out" && x.what === 11);
    try {
      const r = await a.ferry(["migrate", "--live", "--copy-disks", "cutme", proxy.address]);
      assert.notEqual(r.status, 0);
      assert.ok(proxy.cut, "the stream was cut inside the disk copy");
      assert.match(r.stderr, /keeps running here/);
    } finally {
      await proxy.close();
    }
    assert.equal(await listed(a, "cutme"), true);
    await freshVerdict(a, "cutme");
    const gone = async (): Promise<boolean> => !existsSync(join(copies, "cutme-xvda.img"));
    for (let i = 0; i < 100 && !(await gone()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await gone(), "the partial copy was discarded");
    assert.match(b.log, /incoming migration failed/, "the destination had begun to take it");
    assert.equal(await listed(b, "cutme"), false);
    await a.client.call("destroy", { name: "cutme" });
  });
});
