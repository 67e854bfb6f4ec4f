/**
 * `npm run bench -- save`: save and restore throughput of 64 MiB, 256 MiB and 1 GiB domains
 * with half of their memory non-zero, on Ferry and — in the same run, where installed — on
 * QEMU (qemu-system-riscv64, virt board, default OpenSBI).
 *
 * The guest is the reference kernel with 1 vCPU running `work=memwriter wset=W rate=100000000`:
 * one thread writes a word to a pseudo-random page of the W pages after the kernel image,
 * as fast as it can (100,000,000 pages per second is more than either emulator reaches, so the pacing
 * never holds it back). W is half the domain's pages, so once every page of the set has been
 * written, half of memory (plus the kernel's own pages) is non-zero.
 *
 * Ferry (DomainManager in this process, on a ParallelRunner, as ferryd and `ferry demo` run
 * it): create the domain, wait for `work started`, then scan guest memory until every page of
 * the working set is non-zero (that wait is touchMs), count the non-zero pages of all of RAM,
 * then time `manager.save` (suspendMs: the cooperative suspend; writeMs: capture, encode and
 * the fsynced atomic write, as SaveResult reports them) and `manager.restore` (readMs: read,
 * decode, fill memory and start the domain). The restored guest must pass its own post-resume
 * check before the round counts; untimed.
 *
 * QEMU: the same ELF and bootargs with `-smp 1 -m SIZE`; wait for `work started`, then as long
 * as Ferry needed to cover the set (at least 250 ms; QEMU's TCG runs the guest an order of
 * magnitude faster).
 * Save as `virsh save` does: `stop`, then `migrate` to `exec:cat > FILE` with the bandwidth
 * limit lifted (QEMU's default is 32 MiB/s), until the MIGRATION event says completed, then
 * fsync the file — Ferry's save fsyncs its image, so QEMU's gets the same. Restore: a second
 * QEMU started with `-incoming defer`, timed from `migrate-incoming exec:cat FILE` to the
 * completed event plus `cont` (an image of a stopped VM comes back paused, as with libvirt).
 * After the save, the source's RAM is dumped (`pmemsave`, untimed) and its non-zero pages
 * counted, so the QEMU figure is checked to be of the same memory. A restored QEMU guest must
 * not print a failing verdict; whether it prints any is counted, not required: QEMU 7.2 does
 * not re-arm a guest timer that was armed at the save (upstream fixed it in 2025), so a
 * restored guest waiting for its timer can wait forever.
 *
 * Throughputs are MiB/s of guest memory (the domain's size over the time) and MiB/s of image
 * bytes. Ratios are Ferry/QEMU of the memory throughputs (= QEMU's time over Ferry's): above
 * 1, Ferry is faster. Each figure is the median of `rounds` rounds; every round starts a fresh
 * domain (and fresh QEMUs). Images go to a temporary directory and are deleted.
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { Domain } from "../src/core/hypervisor/domain.js";
import { DOMAIN_RAM_BASE } from "../src/core/hypervisor/domain.js";
import { parseElf } from "../src/core/machine/elf-loader.js";
import { PAGE_SIZE } from "../src/core/memory/guest-memory.js";
import { isZeroPage } from "../src/core/memory/page.js";
import { ParallelRunner } from "../src/host/node/parallel-runner.js";
import { DomainManager } from "../src/toolstack/daemon/domain-manager.js";
import { median, round } from "./bench-host.js";
import { Qmp, type QmpEvent, qemuBinary, qemuVersion, startQemu } from "./qemu.js";

const KERNEL = "guest/images/kernel-rv64.elf";
const MiB = 1024 * 1024;
/** Pages per second the memwriter is allowed (the kernel's maximum): unpaced in practice. */
const RATE = 100_000_000;
/** The device tree sits in the last 2 MiB of RAM and the store ring page just below it. */
const TOP_RESERVED = 2 * MiB + PAGE_SIZE;
const BOOT_TIMEOUT_MS = 60_000;
const TOUCH_TIMEOUT_MS = 600_000;
const CHECK_TIMEOUT_MS = 30_000;
/** The guest prints a verdict every second of guest time. */
const QEMU_CHECK_MS = 5_000;

export interface SaveBenchOptions {
  readonly sizesMiB: readonly number[];
  readonly rounds: number;
}

interface Context {
  readonly dir: string;
  /** A private copy of the kernel: both emulators run the same bytes, whatever happens to guest/images. */
  readonly kernel: string;
  /** First page of the working set, as an index into RAM (the page after the kernel's `end`). */
  readonly setFirstPage: number;
  readonly manager: DomainManager;
  readonly runner: ParallelRunner;
}

const PAGE_WORDS = PAGE_SIZE / 4;
/** The migration stream's zero-page scan, on RAM seen as 32-bit words. */
const zeroPage = (words: Int32Array, page: number): boolean => isZeroPage(words, page * PAGE_WORDS);

function nonZeroPages(words: Int32Array, pages = words.length / PAGE_WORDS): number {
  let n = 0;
  for (let p = 0; p < pages; p++) if (!zeroPage(words, p)) n++;
  return n;
}

/** Non-zero pages of a RAM dump, read a slice at a time. */
function nonZeroPagesOfFile(path: string): number {
  const words = new Int32Array((64 * MiB) / 4);
  const slice = new Uint8Array(words.buffer);
  const fd = openSync(path, "r");
  try {
    let n = 0;
    for (;;) {
      let got = 0;
      while (got < slice.length) {
        const r = readSync(fd, slice, got, slice.length - got, null);
        if (r === 0) break;
        got += r;
      }
      if (got === 0) return n;
      n += nonZeroPages(words, Math.ceil(got / PAGE_SIZE));
    }
  } finally {
    closeSync(fd);
  }
}

const mibps = (bytes: number, ms: number): number => round(bytes / MiB / (ms / 1000));
const say = (line: string): void => {
  process.stderr.write(`save: ${line}\n`);
};
const shellQuote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
const bootargs = (setPages: number): string => `work=memwriter wset=${setPages} rate=${RATE}`;

interface FerryRound {
  touchMs: number;
  touchedPages: number;
  imageBytes: number;
  imagePages: number;
  suspendMs: number;
  writeMs: number;
  readMs: number;
}

/**
 * Waits until every page of the working set is non-zero, then counts the non-zero pages of
 * all of RAM. Pages of the set seen non-zero are not looked at again (nothing zeroes one).
 */
async function awaitTouched(
  domain: Domain,
  first: number,
  count: number,
): Promise<{ touchMs: number; touchedPages: number }> {
  const ram = domain.memory.i32;
  const t0 = performance.now();
  let pending: number[] = [];
  for (let p = first; p < first + count; p++) if (zeroPage(ram, p)) pending.push(p);
  while (pending.length > 0) {
    if (performance.now() - t0 > TOUCH_TIMEOUT_MS)
      throw new Error(`the guest left ${pending.length} of its ${count} pages untouched`);
    await delay(100);
    pending = pending.filter((p) => zeroPage(ram, p));
  }
  return { touchMs: performance.now() - t0, touchedPages: nonZeroPages(ram) };
}

async function ferryRound(ctx: Context, mib: number, setPages: number, n: number): Promise<FerryRound> {
  const { manager, runner } = ctx;
  const name = `save-${mib}-${n}`;
  const file = join(ctx.dir, `${name}.ferry`);
  const consoleText = (): string => new TextDecoder().decode(manager.consoleOf(name).history());
  await manager.create({ name, vcpus: 1, memory: mib, kernel: ctx.kernel, cmdline: bootargs(setPages) });
  let live = true;
  try {
    const domain = manager.domainOf(name);
    if (!(await runner.waitFor(() => /^work started: /m.test(consoleText()), BOOT_TIMEOUT_MS)))
      throw new Error(`the ${mib} MiB Ferry guest did not start its work: ${consoleText().slice(-500)}`);
    const { touchMs, touchedPages } = await awaitTouched(domain, ctx.setFirstPage, setPages);
    const saved = await manager.save(name, { file }, () => {});
    live = false;
    if (saved.mode !== "cooperative") throw new Error(`the guest was saved ${saved.mode}ly`);
    const restored = await manager.restore({ file }, () => {});
    live = true;
    if (
      !(await runner.waitFor(() => /^CHECK (ok|FAIL) .*resume=\d+$/m.test(consoleText()), CHECK_TIMEOUT_MS))
    )
      throw new Error(`the restored ${mib} MiB guest did not check itself: ${consoleText().slice(-500)}`);
    const verdict = /^CHECK (ok|FAIL) .*resume=\d+$/m.exec(consoleText())!;
    if (verdict[1] !== "ok") throw new Error(`the restored ${mib} MiB guest failed: ${verdict[0]}`);
    return {
      touchMs,
      touchedPages,
      imageBytes: saved.bytes,
      imagePages: saved.pages,
      suspendMs: saved.suspendMs,
      writeMs: saved.writeMs,
      readMs: restored.readMs,
    };
  } finally {
    if (live) await manager.destroy(name).catch(() => {});
    rmSync(file, { force: true });
  }
}

interface QemuRound {
  touchedPages: number;
  imageBytes: number;
  stopMs: number;
  migrateMs: number;
  syncMs: number;
  incomingMs: number;
  contMs: number;
  /** The restored guest printed a verdict within QEMU_CHECK_MS. */
  guestRuns: boolean;
}

const migrationEnded = (e: QmpEvent): boolean =>
  e.event === "MIGRATION" && ["completed", "failed", "cancelled"].includes(String(e.data?.status));

async function qemuRound(
  ctx: Context,
  mib: number,
  setPages: number,
  waitMs: number,
  n: number,
): Promise<QemuRound> {
  const name = `qemu-${mib}-${n}`;
  const file = join(ctx.dir, `${name}.migration`);
  const dump = join(ctx.dir, `${name}.ram`);
  const args = (qmp: string): string[] => [
    ...["-M", "virt", "-smp", "1", "-m", `${mib}M`, "-bios", "default", "-display", "none"],
    ...["-serial", "stdio", "-monitor", "none", "-kernel", ctx.kernel, "-append", bootargs(setPages)],
    ...["-qmp", `unix:${qmp},server=on,wait=off`],
  ];
  const srcSocket = join(ctx.dir, `${name}.src.qmp`);
  const dstSocket = join(ctx.dir, `${name}.dst.qmp`);
  const src = startQemu(64, args(srcSocket));
  let dst: ReturnType<typeof startQemu> | undefined;
  const connections: Qmp[] = [];
  try {
    if (!(await src.waitFor(/^work started: /m, BOOT_TIMEOUT_MS)))
      throw new Error(`the ${mib} MiB QEMU guest did not start its work: ${src.output().slice(-500)}`);
    await delay(waitMs);
    const qmp = await Qmp.connect(srcSocket);
    connections.push(qmp);
    await qmp.execute("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] });
    await qmp.execute("migrate-set-parameters", { "max-bandwidth": 2 ** 40 });
    const t0 = performance.now();
    await qmp.execute("stop");
    const t1 = performance.now();
    const mark = qmp.events.length;
    await qmp.execute("migrate", { uri: `exec:cat > ${shellQuote(file)}` });
    const ended = await qmp.waitEvent(migrationEnded, TOUCH_TIMEOUT_MS, mark);
    const t2 = performance.now();
    if (ended.data?.status !== "completed") {
      const info = (await qmp.execute("query-migrate")) as { "error-desc"?: string };
      throw new Error(
        `QEMU's save ${String(ended.data?.status)}: ${info["error-desc"] ?? "no reason given"}`,
      );
    }
    const fh = await open(file, "r+");
    await fh.sync();
    await fh.close();
    const t3 = performance.now();

    await qmp.execute("pmemsave", { val: DOMAIN_RAM_BASE, size: mib * MiB, filename: dump });
    const touchedPages = nonZeroPagesOfFile(dump);
    rmSync(dump, { force: true });
    // Sized only now: `cat` may still be writing the last pipe-full when QEMU reports completion.
    const imageBytes = statSync(file).size;
    await src.kill();

    dst = startQemu(64, [...args(dstSocket), "-incoming", "defer"]);
    const qmpIn = await Qmp.connect(dstSocket);
    connections.push(qmpIn);
    await qmpIn.execute("migrate-set-capabilities", {
      capabilities: [{ capability: "events", state: true }],
    });
    const markIn = qmpIn.events.length;
    const t4 = performance.now();
    await qmpIn.execute("migrate-incoming", { uri: `exec:cat ${shellQuote(file)}` });
    const arrived = await qmpIn.waitEvent(migrationEnded, TOUCH_TIMEOUT_MS, markIn);
    const t5 = performance.now();
    if (arrived.data?.status !== "completed")
      throw new Error(`QEMU's restore ${String(arrived.data?.status)}: ${dst.output().slice(-500)}`);
    await qmpIn.execute("cont");
    const t6 = performance.now();
    // The restored guest prints nothing before this (it did not boot here): any verdict is new.
    // QEMU 7.2 does not re-arm a timer the guest had armed when it was saved (the migrated
    // riscv_mtimer and stimecmp state is only the compare value), so a restored guest that
    // was waiting for its timer may never run its verdict thread again: counted, not fatal.
    const guestRuns = await dst.waitFor(/^CHECK (ok|FAIL) work=/m, QEMU_CHECK_MS);
    if (/^CHECK FAIL/m.test(dst.output()))
      throw new Error(`the restored QEMU guest failed: ${dst.output().slice(-300)}`);
    return {
      touchedPages,
      imageBytes,
      stopMs: t1 - t0,
      migrateMs: t2 - t1,
      syncMs: t3 - t2,
      incomingMs: t5 - t4,
      contMs: t6 - t5,
      guestRuns,
    };
  } finally {
    for (const c of connections) c.close();
    await src.kill();
    await dst?.kill();
    rmSync(file, { force: true });
    rmSync(dump, { force: true });
  }
}

async function measureSize(ctx: Context, mib: number, rounds: number, withQemu: boolean): Promise<object> {
  const pages = (mib * MiB) / PAGE_SIZE;
  const setPages = pages / 2;
  const limit = (mib * MiB - TOP_RESERVED) / PAGE_SIZE;
  if (ctx.setFirstPage + setPages > limit) {
    throw new Error(
      `${mib} MiB is too small: half of it (${setPages} pages) does not fit between the kernel and the device tree`,
    );
  }
  const ferry: FerryRound[] = [];
  const qemu: QemuRound[] = [];
  for (let n = 1; n <= rounds; n++) {
    const f = await ferryRound(ctx, mib, setPages, n);
    ferry.push(f);
    say(
      `${mib} MiB round ${n}/${rounds}: ferry touched ${f.touchedPages} pages in ${Math.round(f.touchMs)} ms, ` +
        `image ${f.imageBytes} B, suspend ${f.suspendMs} ms, write ${f.writeMs} ms, restore ${f.readMs} ms`,
    );
    if (withQemu) {
      const q = await qemuRound(ctx, mib, setPages, Math.max(f.touchMs, 250), n);
      qemu.push(q);
      say(
        `${mib} MiB round ${n}/${rounds}: qemu touched ${q.touchedPages} pages, image ${q.imageBytes} B, ` +
          `stop ${round(q.stopMs)} + migrate ${round(q.migrateMs)} + fsync ${round(q.syncMs)} ms, ` +
          `restore ${round(q.incomingMs)} + cont ${round(q.contMs)} ms` +
          (q.guestRuns ? "" : "; the restored guest's timer never fired (QEMU 7.2 loses armed timers)"),
      );
    }
  }
  const m = <T>(rows: readonly T[], f: (r: T) => number): number => median(rows.map(f));
  const bytes = mib * MiB;
  const fImage = m(ferry, (r) => r.imageBytes);
  const fSave = m(ferry, (r) => r.suspendMs + r.writeMs);
  const fRead = m(ferry, (r) => r.readMs);
  const ferryOut = {
    touchMs: Math.round(m(ferry, (r) => r.touchMs)),
    touchedPages: m(ferry, (r) => r.touchedPages),
    imageBytes: fImage,
    imagePages: m(ferry, (r) => r.imagePages),
    suspendMs: m(ferry, (r) => r.suspendMs),
    writeMs: m(ferry, (r) => r.writeMs),
    saveMs: fSave,
    saveMiBps: mibps(bytes, fSave),
    saveImageMiBps: mibps(fImage, fSave),
    readMs: fRead,
    restoreMiBps: mibps(bytes, fRead),
    restoreImageMiBps: mibps(fImage, fRead),
  };
  let qemuOut: object | null = null;
  let ratio: object | null = null;
  if (withQemu) {
    const qImage = m(qemu, (r) => r.imageBytes);
    const qSave = m(qemu, (r) => r.stopMs + r.migrateMs + r.syncMs);
    const qRestore = m(qemu, (r) => r.incomingMs + r.contMs);
    qemuOut = {
      touchedPages: m(qemu, (r) => r.touchedPages),
      imageBytes: qImage,
      stopMs: round(m(qemu, (r) => r.stopMs)),
      migrateMs: round(m(qemu, (r) => r.migrateMs)),
      syncMs: round(m(qemu, (r) => r.syncMs)),
      saveMs: round(qSave),
      saveMiBps: mibps(bytes, qSave),
      saveImageMiBps: mibps(qImage, qSave),
      restoreMs: round(qRestore),
      restoreMiBps: mibps(bytes, qRestore),
      restoreImageMiBps: mibps(qImage, qRestore),
      restoredGuestsRunning: qemu.filter((r) => r.guestRuns).length,
    };
    ratio = {
      save: round(qSave / fSave, 3),
      restore: round(qRestore / fRead, 3),
      imageBytes: round(fImage / qImage, 3),
    };
  }
  return {
    memoryMiB: mib,
    memoryPages: pages,
    workingSetPages: setPages,
    ferry: ferryOut,
    qemu: qemuOut,
    ratio,
  };
}

export async function benchSave(options: SaveBenchOptions): Promise<object> {
  const withQemu = qemuBinary(64) !== undefined;
  if (!withQemu) say("qemu-system-riscv64 is not installed: Ferry figures only");
  // Read once and copied: guest/images may be rebuilt meanwhile, and both emulators must run
  // the same bytes.
  const image = readFileSync(KERNEL);
  const end = parseElf(image).symbols.get("end");
  if (end === undefined) throw new Error(`${KERNEL} has no end symbol`);
  const setFirstPage = Math.ceil((end - DOMAIN_RAM_BASE) / PAGE_SIZE);
  const dir = mkdtempSync(join(tmpdir(), "ferry-bench-save-"));
  const sizes: object[] = [];
  try {
    const kernel = join(dir, "kernel-rv64.elf");
    writeFileSync(kernel, image);
    const runner = new ParallelRunner({ spareWorkers: 1 });
    const manager = new DomainManager(runner, { ferryVersion: "bench", api: "-", migration: "-" });
    const stop = new AbortController();
    const running = runner.run({ keepAlive: true, onConsole: manager.onConsole, signal: stop.signal });
    const ctx: Context = { dir, kernel, setFirstPage, manager, runner };
    try {
      for (const mib of options.sizesMiB) sizes.push(await measureSize(ctx, mib, options.rounds, withQemu));
    } finally {
      await manager.close();
      stop.abort();
      await running;
      await runner.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    benchmark: "save",
    machine: { cores: availableParallelism(), node: process.version, qemu: qemuVersion(64) ?? null },
    guest: { kernel: KERNEL, vcpus: 1, bootargs: bootargs(0).replace("wset=0", "wset=<memoryPages/2>") },
    rounds: options.rounds,
    notes: [
      "MiBps = guest memory size / time; imageMiBps = image bytes / time",
      "every figure is its own median over the rounds (saveMs is the median of suspend + write, so parts need not add up)",
      "ferry.saveMs = suspendMs (cooperative suspend) + writeMs (capture, encode, fsynced atomic write)",
      "ferry.readMs = read, decode, fill memory and start the restored domain",
      "qemu.saveMs = stop + migrate to exec:cat > FILE (bandwidth unlimited) + fsync of the file",
      "qemu.restoreMs = migrate-incoming exec:cat FILE until completed, plus cont",
      "ratio.save and ratio.restore = Ferry/QEMU throughput (QEMU ms / Ferry ms): above 1, Ferry is faster",
      "ratio.imageBytes = Ferry image bytes / QEMU image bytes",
      "touchedPages = non-zero pages of RAM when the save began (QEMU: dumped after its save)",
      "qemu.restoredGuestsRunning = rounds whose restored guest printed a verdict within 5 s; QEMU 7.2 does not re-arm a guest timer armed at the save, so some restored guests wait forever (Ferry's must pass their post-resume check)",
    ],
    sizes,
  };
}
