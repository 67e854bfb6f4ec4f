/**
 * `npm run bench -- disk [--mib 32] [--qd 4] [--rounds 3] [--moves 3]`: the paravirtual disk, in
 * two parts (1–2 minutes).
 *
 * Throughput. The reference guest's `test=diskbench` (guest/kernel/test-diskbench.c) on a
 * fresh sparse 64 MiB image in a temporary directory, in a 64 MiB RV64 domain with 1 and then
 * 4 vCPUs, on a DomainManager in this process over a ParallelRunner (the code ferryd runs, with
 * its 4 spare vCPU threads). The guest times each phase itself with the time CSR (10 MHz; in
 * parallel mode it follows the host's clock) over the first `mib` MiB of the disk, with `qd`
 * threads keeping a request in flight apiece: sequential write in 44 KiB requests, one flush,
 * sequential read (checked), 2,000 random 4 KiB reads (checked) and 2,000 random 4 KiB writes.
 * The bench parses its lines: MB/s (10^6 bytes per second) for the sequential phases (the
 * write also with its flush counted), IOPS and MB/s for the random ones; each figure is the
 * median of `rounds` runs, each on a fresh domain and image. The guest's time
 * includes its own work per request (thread switches, the ring, stamping and checking two
 * words per sector), which is part of what a guest gets.
 *
 * Added migration downtime. Two ferryd child processes (ferryd.ts) on 127.0.0.1 and one image
 * file both see (shared storage, as a migration without copyDisks needs). A 4-vCPU, 64 MiB RV64
 * domain with that disk is created on the first, runs until its first passing verdict, then
 * moves live (`migrate` with live: true, as `ferry migrate --live`) `moves` times, back and
 * forth, once with the memory writer alone and once with the disk writers of work-disk.c too
 * (one per CPU), with the same domain, disk and memory writer (10 MiB/s over 32 MiB: `wset=8192
 * rate=2560`, at which pre-copy converges, as in `bench -- migrate`), so only the disk writers
 * differ. After each move the guest's verdict for that resume must pass on the destination
 * (the disk workload reads every block back then) before the next move, SETTLE_MS later. The
 * daemons are "a" and "b"; each workload boots fresh on a. Reported: each
 * move's MigrateResult (downtimeMs: the guest's suspend call to the destination's RESUMED,
 * measured by the source daemon), the medians, and the difference of the medians: what the
 * writers add (the backend waits for their requests in flight and fdatasyncs the image
 * before the domain is captured, docs/block-device.md).
 *
 * A failed guest check, a FAIL line or a failed migration throws: figures of a broken device
 * are not figures. ferryd is killed and the directory removed on every exit path.
 */
import { copyFileSync, mkdtempSync, rmSync, statfsSync, truncateSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, hostname, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { ParallelRunner } from "../src/host/node/parallel-runner.js";
import type { MigrateResult } from "../src/toolstack/api/schemas.js";
import type { DomainManager } from "../src/toolstack/daemon/domain-manager.js";
import { ConsoleText, median, round, startHost, stopHost, until } from "./bench-host.js";
import { FerrydProcess, followConsole } from "./ferryd.js";

const KERNEL = "guest/images/kernel-rv64.elf";
const MEMORY_MIB = 64;
const IMAGE_MIB = 64;
const THROUGHPUT_VCPUS = [1, 4] as const;
const MIGRATE_VCPUS = 4;
const WORKLOADS = ["memwriter", "memwriter,disk"] as const;
/** The memory writer's working set and rate: 32 MiB, 10 MiB/s (2,560 pages of 4 KiB per second). */
const MEMWRITER = "wset=8192 rate=2560";
const BOOT_TIMEOUT_MS = 60_000;
/** The longest one diskbench run may take. */
const DISKBENCH_TIMEOUT_MS = 120_000;
/** The destination's resume verdict (it waits up to 1.6 s of guest time for progress). */
const RESUME_TIMEOUT_MS = 20_000;
/** Work between a move's verdict and the next move. */
const SETTLE_MS = 1_000;
const PHASES = ["seq-write", "flush", "seq-read", "rand-read", "rand-write"] as const;
/** A failing line of the guest: a failed check, a failed diskbench, a panic. */
const FAILURE = /^(CHECK FAIL [^\r\n]*|diskbench: FAIL [^\r\n]*|panic: [^\r\n]*)\r?$/m;

export interface DiskBenchOptions {
  /** Throughput runs per vCPU count (the median is reported). */
  readonly rounds: number;
  /** MiB of the disk the throughput phases cover. */
  readonly mib: number;
  /** Requests in flight (guest threads). */
  readonly qd: number;
  /** Live migrations per workload. */
  readonly moves: number;
}

type PhaseName = (typeof PHASES)[number];

interface Phase {
  bytes: number;
  ops: number;
  ms: number;
  MBps: number;
  IOPS: number;
}

const say = (line: string): void => {
  process.stderr.write(`disk: ${line}\n`);
};

/** Waits for `want` on the console; throws on a failing line or after `timeoutMs`. */
async function expect(
  con: ConsoleText,
  want: RegExp,
  timeoutMs: number,
  what: string,
): Promise<RegExpExecArray> {
  const ok = await until(() => FAILURE.test(con.text) || want.test(con.text), timeoutMs);
  const bad = FAILURE.exec(con.text);
  if (bad !== null) throw new Error(`${what}: ${bad[1]}`);
  if (!ok)
    throw new Error(`${what}: nothing within ${timeoutMs} ms: ${JSON.stringify(con.text.slice(-400))}`);
  return want.exec(con.text)!;
}

function sparseImage(path: string): string {
  writeFileSync(path, "");
  truncateSync(path, IMAGE_MIB * 1024 * 1024);
  return path;
}

/** The file system under `dir`, by statfs's magic number (fdatasync costs differ). */
function fileSystem(dir: string): string {
  const names = new Map([
    [0xef53, "ext2/3/4"],
    [0x01021994, "tmpfs"],
    [0x794c7630, "overlayfs"],
    [0x9123683e, "btrfs"],
    [0x58465342, "xfs"],
  ]);
  const type = statfsSync(dir).type;
  return names.get(type) ?? `0x${type.toString(16)}`;
}

// ---- Throughput ----------------------------------------------------------------------

interface ThroughputRun {
  vcpus: number;
  /** Online CPUs the guest counted. */
  guestCpus: number;
  bytes: number;
  phases: Record<PhaseName, Phase>;
  /** Sequential write with its flush: the rate at which data reaches stable storage. */
  seqWriteFlushedMBps: number;
}

/** The guest's lines: header `diskbench: xvda sectors=S bytes=B qd=Q cpus=N hz=F`, then a line per phase. */
function parseDiskbench(text: string): Omit<ThroughputRun, "vcpus"> {
  const header = /^diskbench: xvda sectors=\d+ bytes=(\d+) qd=\d+ cpus=(\d+) hz=(\d+)\r?$/m.exec(text);
  if (header === null) throw new Error(`diskbench printed no header: ${JSON.stringify(text.slice(-400))}`);
  const hz = Number(header[3]);
  const phases = {} as Record<PhaseName, Phase>;
  for (const name of PHASES) {
    const m = new RegExp(`^diskbench: ${name} bytes=(\\d+) ticks=(\\d+) ops=(\\d+)\\r?$`, "m").exec(text);
    if (m === null) throw new Error(`diskbench printed no ${name} line`);
    const bytes = Number(m[1]);
    const seconds = Number(m[2]) / hz;
    const ops = Number(m[3]);
    phases[name] = {
      bytes,
      ops,
      ms: round(seconds * 1000),
      MBps: round(bytes / 1e6 / seconds),
      IOPS: Math.round(ops / seconds),
    };
  }
  const w = phases["seq-write"];
  const f = phases.flush;
  return {
    guestCpus: Number(header[2]),
    bytes: Number(header[1]),
    phases,
    seqWriteFlushedMBps: round(w.bytes / 1e6 / ((w.ms + f.ms) / 1000)),
  };
}

async function throughput(dir: string, kernel: string, o: DiskBenchOptions): Promise<object[]> {
  const host = startHost(new ParallelRunner({ spareWorkers: 4 })); // as ferryd's
  const out: object[] = [];
  try {
    for (const vcpus of THROUGHPUT_VCPUS) {
      const runs: ThroughputRun[] = [];
      for (let n = 1; n <= o.rounds; n++)
        runs.push(await throughputRun(host.manager, host.consoles, dir, kernel, o, vcpus, n));
      out.push(summariseThroughput(vcpus, runs));
    }
  } finally {
    await stopHost(host);
  }
  return out;
}

async function throughputRun(
  manager: DomainManager,
  consoles: Map<string, ConsoleText>,
  dir: string,
  kernel: string,
  o: DiskBenchOptions,
  vcpus: number,
  n: number,
): Promise<ThroughputRun> {
  const name = `diskbench-${vcpus}-${n}`;
  const image = sparseImage(join(dir, `${name}.img`));
  const con = new ConsoleText();
  consoles.set(name, con);
  say(`throughput, ${vcpus} vCPU(s), run ${n}/${o.rounds}: test=diskbench mib=${o.mib} qd=${o.qd}`);
  await manager.create({
    name,
    vcpus,
    memory: MEMORY_MIB,
    kernel,
    cmdline: `test=diskbench mib=${o.mib} qd=${o.qd}`,
    disk: [`${image},raw,xvda,rw`],
  });
  try {
    await expect(con, /^diskbench: done\r?$/m, DISKBENCH_TIMEOUT_MS, `diskbench with ${vcpus} vCPU(s)`);
    const run = { vcpus, ...parseDiskbench(con.text) };
    const p = run.phases;
    say(
      `  seq-write ${p["seq-write"].MBps} MB/s (${run.seqWriteFlushedMBps} with the flush of ${p.flush.ms} ms), ` +
        `seq-read ${p["seq-read"].MBps} MB/s, rand-read ${p["rand-read"].IOPS} IOPS, ` +
        `rand-write ${p["rand-write"].IOPS} IOPS`,
    );
    return run;
  } finally {
    consoles.delete(name);
    if (manager.list().some((d) => d.name === name)) await manager.destroy(name).catch(() => {});
    rmSync(image, { force: true });
  }
}

function summariseThroughput(vcpus: number, runs: readonly ThroughputRun[]): object {
  const m = (f: (r: ThroughputRun) => number): number => median(runs.map(f));
  return {
    vcpus,
    seqWriteMBps: m((r) => r.phases["seq-write"].MBps),
    seqWriteFlushedMBps: m((r) => r.seqWriteFlushedMBps),
    flushMs: m((r) => r.phases.flush.ms),
    seqReadMBps: m((r) => r.phases["seq-read"].MBps),
    randReadIOPS: m((r) => r.phases["rand-read"].IOPS),
    randReadMBps: m((r) => r.phases["rand-read"].MBps),
    randWriteIOPS: m((r) => r.phases["rand-write"].IOPS),
    randWriteMBps: m((r) => r.phases["rand-write"].MBps),
    runs,
  };
}

// ---- Added migration downtime ----------------------------------------------------------

interface Move {
  move: number;
  direction: "a->b" | "b->a";
  downtimeMs: number;
  totalMs: number;
  bytes: number;
  rounds: number;
  finalReason: MigrateResult["finalReason"];
  /** The disk writers' writes acked so far, as the guest counted them at this resume (disk only). */
  diskWrites: number | null;
}

/** The domain's console on `d` from its first byte there, until `stop` is called. */
async function follow(d: FerrydProcess, name: string): Promise<{ con: ConsoleText; stop: () => void }> {
  const con = new ConsoleText();
  return { con, stop: await followConsole(d.client, name, con.append) };
}

async function migrations(
  hosts: readonly [FerrydProcess, FerrydProcess],
  dir: string,
  kernel: string,
  work: string,
  moves: number,
): Promise<Move[]> {
  const name = `mig-${work.replace(",", "-")}`;
  const image = sparseImage(join(dir, `${name}.img`)); // one path, seen by both daemons
  let [from, to] = hosts;
  const cmdline = `work=${work} ${MEMWRITER}`;
  say(`migration, ${cmdline}: booting on a`);
  await from.client.call("createDomain", {
    body: { name, vcpus: MIGRATE_VCPUS, memory: MEMORY_MIB, kernel, cmdline, disk: [`${image},raw,xvda,rw`] },
  });
  const out: Move[] = [];
  try {
    const boot = await follow(from, name);
    try {
      await expect(boot.con, /^CHECK ok work=\S+ round=1\r?$/m, BOOT_TIMEOUT_MS, `${cmdline} at boot`);
    } finally {
      boot.stop();
    }
    for (let i = 1; i <= moves; i++) {
      const direction = from === hosts[0] ? "a->b" : "b->a";
      const r = await from.client.call("migrate", { name, body: { target: to.migration, live: true } });
      const dst = await follow(to, name);
      try {
        const what = `${cmdline}, move ${i} (${direction})`;
        const v = await expect(
          dst.con,
          new RegExp(`^CHECK (ok|FAIL) .*resume=${i}\\)?\\r?$`, "m"),
          RESUME_TIMEOUT_MS,
          what,
        );
        if (v[1] !== "ok") throw new Error(`${what}: ${v[0]}`);
        const writes = [
          ...dst.con.text.slice(0, v.index).matchAll(/^# disk: verified \d+ blocks, (\d+) writes\r?$/gm),
        ].at(-1);
        const m: Move = {
          move: i,
          direction,
          downtimeMs: round(r.downtimeMs),
          totalMs: round(r.totalMs),
          bytes: r.bytes,
          rounds: r.rounds.length,
          finalReason: r.finalReason,
          diskWrites: writes === undefined ? null : Number(writes[1]),
        };
        out.push(m);
        say(
          `  move ${i} ${direction}: downtime ${m.downtimeMs} ms, total ${m.totalMs} ms, ${m.rounds} rounds ` +
            `(${m.finalReason}), ${m.bytes} B${m.diskWrites === null ? "" : `, ${m.diskWrites} disk writes so far`}`,
        );
      } finally {
        dst.stop();
      }
      [from, to] = [to, from];
      await delay(SETTLE_MS);
    }
  } finally {
    // Wherever it is now (a failed check leaves it on the destination, a failed move on the source).
    for (const d of hosts) await d.client.call("destroy", { name }).catch(() => {});
    rmSync(image, { force: true });
  }
  return out;
}

function summarise(moves: readonly Move[]): object {
  return {
    downtimeMs: round(median(moves.map((m) => m.downtimeMs))),
    totalMs: round(median(moves.map((m) => m.totalMs))),
    bytes: median(moves.map((m) => m.bytes)),
    moves,
  };
}

export async function benchDisk(o: DiskBenchOptions): Promise<object> {
  const loadBefore = loadavg().map((x) => round(x, 2));
  const dir = mkdtempSync(join(tmpdir(), "ferry-bench-disk-"));
  const daemons: FerrydProcess[] = [];
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const d of daemons) d.kill();
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`disk: ${signal}: ferryd killed, ${dir} removed\n`);
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // Copied: guest/images may be rebuilt meanwhile.
    const kernel = join(dir, "kernel-rv64.elf");
    copyFileSync(KERNEL, kernel);
    const byVcpus = await throughput(dir, kernel, o);

    daemons.push(await FerrydProcess.start(), await FerrydProcess.start());
    const hosts = [daemons[0]!, daemons[1]!] as const;
    say(`ferryd a (pid ${hosts[0].pid}), b (pid ${hosts[1].pid})`);
    const writer = await migrations(hosts, dir, kernel, WORKLOADS[0], o.moves);
    const withDisk = await migrations(hosts, dir, kernel, WORKLOADS[1], o.moves);
    const a = median(writer.map((m) => m.downtimeMs));
    const b = median(withDisk.map((m) => m.downtimeMs));
    return {
      benchmark: "disk",
      machine: {
        host: hostname(),
        cores: availableParallelism(),
        cpu: cpus()[0]?.model ?? null,
        node: process.version,
        imageFileSystem: fileSystem(dir),
        loadAverage: { before: loadBefore, after: loadavg().map((x) => round(x, 2)) },
      },
      guest: { kernel: KERNEL, memoryMiB: MEMORY_MIB, imageMiB: IMAGE_MIB },
      throughput: {
        bootargs: `test=diskbench mib=${o.mib} qd=${o.qd}`,
        rounds: o.rounds,
        byVcpus,
      },
      migration: {
        vcpus: MIGRATE_VCPUS,
        moves: o.moves,
        memwriter: { bootargs: `work=${WORKLOADS[0]} ${MEMWRITER}`, ...summarise(writer) },
        memwriterDisk: { bootargs: `work=${WORKLOADS[1]} ${MEMWRITER}`, ...summarise(withDisk) },
        addedDowntimeMs: round(b - a),
      },
      notes: [
        "throughput: the guest's own timing (time CSR) of each phase over the first `bytes` of a fresh sparse image, qd requests in flight; MB/s = 10^6 bytes/s; each figure the median of `rounds` runs (runs[] has each)",
        "seq-write: 44 KiB requests, before the flush; seqWriteFlushedMBps counts the flush too; seq-read and rand-read check what they read",
        "the reads follow the writes at once: the host's page cache serves them",
        "migration: two ferryd processes on 127.0.0.1 and one shared image; downtimeMs is the MigrateResult's (the guest's suspend call to RESUMED at the source); medians over the moves; addedDowntimeMs = memwriterDisk less memwriter",
      ],
    };
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
