/**
 * Virtual disks with the reference guest in parallel mode, on real image files: the guest's
 * writers (work=disk: sequence-numbered, checksummed blocks on every CPU) run at full speed
 * while the domain is saved and restored or the save cancelled, 100 times, and its verifier,
 * which reads every block back, must pass after each resume — no acknowledged write lost, none applied
 * twice where it could see it. Also: a backend killed with requests in flight (a guest-visible
 * error, not a hang), an image whose writes fail, a read-only disk, and several disks with CPUs going offline (work=all,
 * whose `mix` takes CPUs offline and powers them off).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { BlockDeviceState } from "../../core/devices/block/block-device-spec.js";
import type { DiskImage } from "../../core/devices/block/disk-image.js";
import { GuestSession } from "../../core/snapshot/guest-session.fixture.js";
import { openFileDiskImage } from "./file-disk-image.js";
import { ParallelRunner } from "./parallel-runner.js";

const dir = mkdtempSync(join(tmpdir(), "ferry-disk-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A new sparse image file of `mib` MiB. */
function image(name: string, mib = 16): string {
  const path = join(dir, name);
  writeFileSync(path, "");
  truncateSync(path, mib << 20);
  return path;
}

function disk(vdev: string, target: string, access: "ro" | "rw" = "rw"): BlockDeviceState {
  const devid = (202 << 8) | ((vdev.charCodeAt(3) - 97) << 4);
  return { kind: "vbd", devid, vdev, target, format: "raw", access };
}

async function withGuest(
  xlen: 32 | 64,
  vcpus: number,
  bootargs: string,
  disks: readonly BlockDeviceState[],
  body: (s: GuestSession, runner: ParallelRunner) => Promise<void>,
  openDisk: (st: BlockDeviceState) => Promise<DiskImage> = (st) => openFileDiskImage(st.target, st.access),
): Promise<void> {
  const runner = new ParallelRunner({ pollMs: 1, spareWorkers: vcpus });
  const s = await GuestSession.withDisks(runner, {
    kernel: readFileSync(`guest/images/kernel-rv${xlen}.elf`),
    vcpus,
    bootargs,
    timeoutMs: 60_000,
    disks,
    openDisk,
  });
  const stop = new AbortController();
  const running = runner.run({ onConsole: s.append, keepAlive: true, signal: stop.signal });
  try {
    await body(s, runner);
  } finally {
    await runner.release(s.domain);
    stop.abort();
    await running;
    await runner.close();
  }
}

/** Cycles per XLEN: 100 for RV64, 20 for RV32 (FERRY_DISK_CYCLES=N for N of each while working on it). */
const CYCLES = { 64: 100, 32: 20 };

for (const xlen of [64, 32] as const) {
  const cycles = Number(process.env.FERRY_DISK_CYCLES ?? CYCLES[xlen]);
  test(`the disk writers' blocks survive ${cycles} save/restore and cancel cycles, checked by the guest (parallel, rv${xlen})`, async () => {
    await withGuest(xlen, 4, "work=disk,counters", [disk("xvda", image(`cycles${xlen}.img`))], async (s) => {
      assert.ok(await s.announced(), s.tail());
      await s.waitFor(/^CHECK ok work=\S+ round=1$/m);
      for (let i = 0; i < cycles; i++) {
        const { mode, image: saved, verdict } = await s.cycle(i % 4 === 3 ? "cancel" : "restore");
        assert.equal(mode, "cooperative");
        const devices = saved.records.find((r) => r.type === "devices");
        assert.equal(devices?.type === "devices" && devices.devices.length, 1);
        assert.match(verdict, /^CHECK ok /, `cycle ${i + 1}:\n${s.tail()}`);
      }
      assert.match(s.output, /^# disk: verified \d+ blocks, [1-9]\d* writes$/m, s.tail());
      assert.doesNotMatch(s.output, /^CHECK FAIL/m, s.tail());
    });
  });
}

test("a backend killed with requests in flight fails the guest's I/O with an error, and the guest runs on (parallel, rv64)", async () => {
  await withGuest(64, 4, "work=disk,counters", [disk("xvda", image("killed.img"))], async (s, runner) => {
    await s.waitFor(/^CHECK ok work=\S+ round=1$/m);
    const [backend] = runner.pv.disksOf(s.domain.id);
    const mark = s.output.length;
    await backend!.kill("backend process killed");
    await s.waitFor(/^# blk: xvda: backend closed: backend process killed$/m, mark);
    const fail = await s.waitFor(/^CHECK FAIL disk: .*$/m, mark);
    assert.match(fail, /backend closed/);
    // The rest of the guest is unharmed: its verdicts keep coming.
    const at = s.output.length;
    await s.waitFor(/^CHECK FAIL .*\(round=\d+\)$/m, at, "a later verdict");
    assert.equal(s.domain.running, true);
  });
});

test("a read-only disk refuses the guest's writes with an error the guest reports (parallel, rv64)", async () => {
  const path = image("readonly.img", 4);
  await withGuest(64, 2, "work=disk", [disk("xvda", path, "ro")], async (s) => {
    await s.waitFor(/^# blk: xvda: \d+ sectors, ro\b.*$/m);
    await s.waitFor(/^CHECK FAIL disk: .*read-only.*$/m);
  });
  assert.ok(
    readFileSync(path).every((b) => b === 0),
    "nothing was written",
  );
});

test("an image whose writes start failing gives the guest an I/O error, and the guest runs on (parallel, rv64)", async () => {
  let failing = false;
  const open = async (st: BlockDeviceState): Promise<DiskImage> => {
    const image = await openFileDiskImage(st.target, st.access);
    return {
      size: image.size,
      readOnly: image.readOnly,
      read: (offset, into) => image.read(offset, into),
      write: (offset, data) =>
        failing ? Promise.reject(new Error("no space left on device")) : image.write(offset, data),
      flush: () => image.flush(),
      close: () => image.close(),
    };
  };
  await withGuest(
    64,
    2,
    "work=disk,counters",
    [disk("xvda", image("failing.img"))],
    async (s) => {
      await s.waitFor(/^CHECK ok work=\S+ round=1$/m);
      const mark = s.output.length;
      failing = true;
      const fail = await s.waitFor(/^CHECK FAIL disk: .*$/m, mark);
      assert.match(fail, /I\/O error/);
      await s.waitFor(/^CHECK FAIL .*\(round=\d+\)$/m, s.output.length, "a later verdict");
      assert.equal(s.domain.running, true);
    },
    open,
  );
});

test("three disks reconnect after every resume while CPUs go offline and power off (parallel, rv64)", async () => {
  const disks = [
    disk("xvda", image("multi-a.img")),
    disk("xvdb", image("multi-b.img")),
    disk("xvdc", image("multi-c.img", 1), "ro"),
  ];
  await withGuest(64, 4, "work=all,disk", disks, async (s) => {
    for (const vdev of ["xvda", "xvdb", "xvdc"])
      await s.waitFor(new RegExp(`^# blk: ${vdev}: \\d+ sectors`, "m"));
    assert.ok(await s.announced(), s.tail());
    for (let i = 0; i < 6; i++) {
      const kind = i % 3 === 2 ? "cancel" : "restore";
      const mark = s.output.length;
      const { verdict } = await s.cycle(kind);
      assert.match(verdict, /^CHECK ok /, `cycle ${i + 1}:\n${s.tail()}`);
      // In a new domain every disk reconnects (xvdb and xvdc too, which no workload uses).
      const after = s.output.slice(mark);
      for (const vdev of kind === "restore" ? ["xvda", "xvdb", "xvdc"] : []) {
        assert.match(
          after,
          new RegExp(`^# blk: ${vdev}: reconnected, \\d+ requests? issued again$`, "m"),
          s.tail(),
        );
      }
    }
    assert.doesNotMatch(s.output, /^# blk: .*(cannot|closed|reconnect:)/m, s.tail());
  });
});
