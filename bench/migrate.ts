/**
 * `npm run bench -- migrate [--rates idle,1,10,100] [--rounds 3]`: live migration of a running
 * 4-vCPU, 256 MiB RV64 domain of the reference guest over TCP on 127.0.0.1, on Ferry and — in
 * the same run, where installed — on QEMU (qemu-system-riscv64, virt board, default OpenSBI),
 * under four workloads:
 *
 * - `idle` (`work=idle`): the CPUs sleep in wfi between verdict lines (one per second of guest
 *   time); the only pending event of a sleeping guest is its timer;
 * - the memory writer asked for 1, 10 and 100 MiB/s (`work=memwriter wset=32768 rate=R`,
 *   R = 256, 2,560 and 25,600 pages of 4 KiB per second of guest time, one writer thread per
 *   CPU, each write to a pseudo-random page of the set). The working set is 32,768 pages
 *   (128 MiB, half of RAM, as in `bench -- save`): large enough that most writes of a pre-copy
 *   round hit distinct pages (at 100 MiB/s the writer needs ~1.3 s to write as many pages as
 *   the set holds, so a round of a few hundred ms dirties nearly as many distinct pages as it
 *   writes), and small enough to leave the other half of RAM zero, so that the bytes sent
 *   measure the workload rather than the size of the domain.
 *
 * Each run boots a fresh guest, waits for `work started`, lets it work 2 s (WARMUP_MS), counts
 * the pages of the set it has written (`warmup`: from those, the write rate it really kept —
 * a guest that falls more than 10 ms behind its pace drops the writes it owes, so a slow or
 * descheduled guest dirties less than asked; compare the two emulators' rates before their
 * bytes), and migrates it live with a downtime target of 50 ms.
 *
 * Ferry: two processes, as two hosts (and QEMU's source and destination) would be. The source
 * is a DomainManager in this process on its own ParallelRunner, with 4 spare vCPU threads as
 * ferryd keeps (the bench needs its MigrateResult and progress events, and reads the guest's
 * RAM for the warm-up count); the destination is a real ferryd, a child process started once
 * for the whole bench (ferryd.ts) on 127.0.0.1 with ports the system picks, driven through its
 * API (console, destroy). The sender's and the receiver's work thus overlap, each on its own
 * main thread; both still share the host's 2 cores with every vCPU thread. The source runs
 * `manager.migrate(name, { target: "127.0.0.1:PORT", live: true, downtimeMs: 50 })` to
 * ferryd's migration port, which is what `ferry migrate --live` runs. From its MigrateResult:
 * totalMs (handshake to the destination's RESUMED arriving), downtimeMs (the guest's PV
 * suspend call to its start on the destination, which RESUMED dates: docs/migration.md,
 * Reports), bytes on the wire, the rounds (pre-copy rounds and the
 * final one, with pages, dirty rates and bandwidth) and why pre-copy stopped. The bench adds
 * pauseMs and its `phases`, all timed on the source (one clock, no clock of the destination's
 * needed), in ms from the suspend *request* (the "suspend" progress event; the guest then
 * acknowledges, parks its other CPUs at a barrier and downs them, so its work stops there):
 * suspended = the guest's suspend call (dated by its guest time); sent = the "final" progress
 * event (the final round and the state handed to TCP); ready and commit = the "commit"
 * progress event (the source writes COMMIT the moment the destination's READY arrives and
 * reports it once TCP took it: one instant seen from here, so the two are equal); resumed =
 * pauseMs = RESUMED arriving, dated by the source's runner being asked to release its copy
 * (SourceRunner: that follows RESUMED at once, whereas migrate() resolves only once the
 * copy's vCPU threads have stopped, 0.15–0.55 s later in trials here). pauseMs includes the
 * cooperative protocol that downtimeMs leaves out. resumedMs: from the suspend request to the
 * moment the bench sees the destination's `suspend: resumed` line (every CPU re-created: the
 * guest is whole again) on the console stream of ferryd's API, followed from RESUMED on — so
 * it includes that stream's latency (an HTTP chunk on loopback). Survived: the destination's
 * console shows `suspend: resumed 1 new-domain cpus=4`, then a passing `CHECK ok work=…
 * resume=1`, then a fresh periodic `CHECK ok work=… round=N` within 5 s of that verdict, and
 * no `CHECK FAIL` or `panic:` anywhere (nor on the source before). After each run the domain
 * is destroyed through the API (on the source if the migration failed), so that runs do not
 * pile up and its name is free again.
 *
 * QEMU: the same ELF and bootargs with `-smp 4 -m 256M`; the destination is started at once
 * with `-incoming defer` and listens (`migrate-incoming tcp:127.0.0.1:0`, the port read back
 * from query-migrate) before the source migrates; the source gets `downtime-limit` 50 ms and
 * `max-bandwidth` lifted (its default is 32 MiB/s), then `migrate tcp:127.0.0.1:PORT` until its
 * MIGRATION event says completed. Times come from QMP event timestamps (one host clock):
 * totalMs from the source's MIGRATION setup to the destination's RESUME, downtimeMs from the
 * source's STOP to the destination's RESUME (the guest stopped on one host until it runs on
 * the other: the issue's definition, Ferry's too), sourceDowntimeMs from the source's STOP to
 * its MIGRATION completed (QEMU's own definition, which leaves out the destination's load),
 * pauseMs the same as downtimeMs (QEMU stops its guest at once: no cooperative suspend).
 * query-migrate's own total-time and downtime are kept under `reported`: QEMU 7.2 sometimes
 * reports 0 for both after a migration of over a second.
 * bytes: ram.transferred (the RAM stream, page headers included; the device state, a few KiB,
 * is not counted); rounds: ram.dirty-sync-count. The written pages are counted from a
 * `pmemsave` of the set. Survived: the destination's console (it printed nothing before: it did
 * not boot) shows a `CHECK ok` within 5 s of its RESUME, and no `CHECK FAIL` or `panic:`.
 * QEMU 7.2 does not re-arm a guest timer armed at the stop (fixed upstream in 2025), so a guest
 * asleep on its timer may hang there, and its destination guests have also been seen to panic
 * (a spinlock held by the wrong hart); both are recorded as survived: false, not as errors.
 *
 * Ratios are Ferry/QEMU of the medians (below 1, Ferry is better): downtime and pause,
 * bytes, totalTime, and writtenMiBps (the write rates the two guests kept, for reading the
 * others). Each figure is the median over the runs that migrated; every run starts fresh
 * guests (and QEMUs). A failed migration or a failed check is reported in the JSON, not
 * thrown. ferryd and the QEMUs are killed and the temporary directory removed on every exit
 * path (SIGINT and SIGTERM included).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { DOMAIN_RAM_BASE, type Domain } from "../src/core/hypervisor/domain.js";
import { parseElf } from "../src/core/machine/elf-loader.js";
import { isZeroPage, PAGE_SIZE } from "../src/core/memory/page.js";
import { msSinceSuspendCall } from "../src/core/snapshot/suspend-domain.js";
import { ParallelRunner } from "../src/host/node/parallel-runner.js";
import type { MigrateResult, Progress } from "../src/toolstack/api/schemas.js";
import { ClientError } from "../src/toolstack/client/ferry-client.js";
import { ConsoleText, type Host, median, round, startHost, stopHost, until } from "./bench-host.js";
import { FerrydProcess, followConsole } from "./ferryd.js";
import { type QemuProcess, Qmp, type QmpEvent, qemuBinary, qemuVersion, startQemu } from "./qemu.js";

const KERNEL = "guest/images/kernel-rv64.elf";
const VCPUS = 4;
const MEMORY_MIB = 256;
/** The memory writer's working set: 128 MiB, half of RAM (see above). */
const WSET_PAGES = 32_768;
const MiB = 1024 * 1024;
/** Work after `work started` before the migration begins. */
const WARMUP_MS = 2_000;
/** Ferry's default downtime target, given to both. */
const DOWNTIME_TARGET_MS = 50;
const BOOT_TIMEOUT_MS = 60_000;
/** The longest a migration may take before the bench gives it up. */
const MIGRATE_TIMEOUT_MS = 180_000;
/** The destination's resume line and resume verdict (the verdict waits up to 1.6 s for progress). */
const RESUME_TIMEOUT_MS = 15_000;
/** A fresh periodic verdict must follow within this (the guest prints one per second). */
const VERDICT_MS = 5_000;

export interface MigrateBenchOptions {
  /** Workloads: "idle" or a dirty rate in MiB/s. */
  readonly workloads: readonly Workload[];
  readonly rounds: number;
}

export type Workload = "idle" | number;

const workloadName = (w: Workload): string => (w === "idle" ? "idle" : `memwriter-${w}MiBps`);
const ratePages = (mibps: number): number => Math.round((mibps * MiB) / PAGE_SIZE);
const bootargs = (w: Workload): string =>
  w === "idle" ? "work=idle" : `work=memwriter wset=${WSET_PAGES} rate=${ratePages(w)}`;

const say = (line: string): void => {
  process.stderr.write(`migrate: ${line}\n`);
};
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
/** A failing line of the guest: a failed check or a kernel panic. */
const FAILURE = /^(CHECK FAIL [^\r\n]*|panic: [^\r\n]*)\r?\n/m;

/**
 * The source's runner, telling when it is asked to release a domain. After a migration the
 * source's DomainManager asks that as soon as the destination's RESUMED has arrived (its copy
 * goes: the microtasks after RESUMED is read, no I/O in between), whereas migrate() resolves
 * only once that copy's vCPU threads have stopped — 0.15–0.55 s later on this loaded 2-core
 * host, too late to date RESUMED by.
 */
class SourceRunner extends ParallelRunner {
  private readonly waiting = new Map<string, (at: number) => void>();

  /** Resolves with performance.now() at the next release of the domain named `name`. */
  nextRelease(name: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(name, resolve));
  }

  override release(domain: Domain): Promise<void> {
    const at = performance.now();
    this.waiting.get(domain.name)?.(at);
    this.waiting.delete(domain.name);
    return super.release(domain);
  }
}

interface Context {
  readonly dir: string;
  readonly kernel: string;
  /** The memory writer's first page (the page after the kernel's `end`). */
  readonly setFirstPage: number;
  /** The source host: this process. */
  readonly source: Host<SourceRunner>;
  /** The destination host: a ferryd child process, migrated to on its migration port. */
  readonly destination: FerrydProcess;
}

/** What both emulators' runs share. */
interface Outcome {
  /** The migration completed (the domain runs on the destination). */
  migrated: boolean;
  /** The guest passed its checks on the destination (see the header). */
  survived: boolean;
  /** Why not, when it did not migrate or survive. */
  failure: string | null;
  /** What the memory writer did before the migration (null for idle). */
  warmup: Warmup | null;
}

/**
 * The memory writer's pages written during the warm-up: pages of its set found non-zero when
 * the migration began, and the write rate that explains them (writes to uniformly random
 * pages of a set of S: d distinct pages after W writes, W = −S·ln(1 − d/S)) over the time since
 * `work started` was seen. A guest that cannot keep its pace (its vCPU threads descheduled
 * for more than 10 ms) drops the writes it owes, so this can be below the rate asked.
 */
interface Warmup {
  ms: number;
  touchedPages: number;
  writesPerSecond: number;
  MiBps: number;
}

function warmupOf(ms: number, touchedPages: number): Warmup {
  const writes =
    touchedPages >= WSET_PAGES
      ? Number.POSITIVE_INFINITY
      : -WSET_PAGES * Math.log(1 - touchedPages / WSET_PAGES);
  const perSecond = writes / (ms / 1000);
  return {
    ms: Math.round(ms),
    touchedPages,
    writesPerSecond: Math.round(perSecond),
    MiBps: round((perSecond * PAGE_SIZE) / MiB),
  };
}

const PAGE_WORDS = PAGE_SIZE / 4;
function nonZeroPages(words: Int32Array, first: number, count: number): number {
  let n = 0;
  for (let p = first; p < first + count; p++) if (!isZeroPage(words, p * PAGE_WORDS)) n++;
  return n;
}

interface FerryRun extends Outcome {
  totalMs: number;
  downtimeMs: number;
  pauseMs: number;
  resumedMs: number | null;
  bytes: number;
  pagesSent: number;
  pagesSkipped: number;
  finalReason: string;
  rounds: {
    round: number;
    pages: number;
    ms: number;
    dirtyPages: number;
    dirtyPagesPerSecond: number;
    MiBps: number;
    final: boolean;
  }[];
  /**
   * Milliseconds from the suspend request to, all seen on the source: the guest's suspend
   * call (suspended: resumed less downtimeMs), the final round and the state handed to TCP
   * (sent: the "final" progress event), the destination's READY arriving (it holds the
   * domain, checked, paused) and COMMIT handed to TCP (ready and commit: both the "commit"
   * progress event, as the source writes COMMIT the moment READY arrives), the destination's
   * RESUMED arriving (it runs there: resumed = pauseMs).
   */
  phases: {
    suspended: number;
    sent: number;
    ready: number;
    commit: number;
    resumed: number;
  } | null;
  /** Periodic verdicts the guest passed on the source before the migration. */
  sourceVerdicts: number;
}

interface QemuRun extends Outcome {
  /** The source's MIGRATION setup event to the destination's RESUME event. */
  totalMs: number;
  /**
   * The source's STOP event to the destination's RESUME event: the guest stopped here until
   * it runs there, the issue's definition, as Ferry's downtimeMs (its suspend call to its start there).
   */
  downtimeMs: number;
  /** The source's STOP event to its MIGRATION completed event (QEMU's own definition: the destination's load is not in it). */
  sourceDowntimeMs: number;
  /** The source's STOP event to the destination's RESUME event (QEMU has no cooperative suspend before its STOP). */
  pauseMs: number;
  /** query-migrate's total-time, downtime and setup-time (QEMU 7.2 sometimes says 0 for both). */
  reported: { totalMs: number; downtimeMs: number; setupMs: number };
  bytes: number;
  precopyBytes: number;
  downtimeBytes: number;
  rounds: number;
  normalPages: number;
  zeroPages: number;
  sourceVerdicts: number;
  /** QMP events of the migration, ms after the source's setup event. */
  events: string[];
}

const periodicVerdicts = (text: string): number => text.match(/^CHECK ok work=\S+ round=\d+$/gm)?.length ?? 0;

/**
 * The destination guest's checks after a Ferry migration: its resume line with every CPU, a
 * passing resume verdict, then a fresh passing periodic verdict within VERDICT_MS.
 */
async function ferrySurvived(con: ConsoleText): Promise<{ survived: boolean; failure: string | null }> {
  const resumed = /^suspend: resumed 1 new-domain cpus=(\d+)$/m;
  const verdict = /^CHECK (ok|FAIL) .*resume=1\)?$/m;
  const failed = (): string | null => FAILURE.exec(con.text)?.[1] ?? null;
  if (!(await until(() => failed() !== null || verdict.test(con.text), RESUME_TIMEOUT_MS)))
    return {
      survived: false,
      failure: `no resume verdict within ${RESUME_TIMEOUT_MS} ms: ${JSON.stringify(con.text.slice(-300))}`,
    };
  const line = resumed.exec(con.text);
  if (line === null) return { survived: false, failure: failed() ?? "no resume line" };
  if (line[1] !== String(VCPUS))
    return { survived: false, failure: `resumed with ${line[1]} CPUs, not ${VCPUS}` };
  const v = verdict.exec(con.text);
  if (v === null || v[1] !== "ok") return { survived: false, failure: failed() ?? "no resume verdict" };
  const after = v.index + v[0].length;
  const periodic = /^CHECK (ok|FAIL) .*round=\d+\)?$/m;
  if (!(await until(() => failed() !== null || periodic.test(con.text.slice(after)), VERDICT_MS)))
    return { survived: false, failure: `no periodic verdict within ${VERDICT_MS} ms of the resume verdict` };
  const f = failed();
  return f === null ? { survived: true, failure: null } : { survived: false, failure: f };
}

async function ferryRun(ctx: Context, w: Workload, n: number): Promise<FerryRun> {
  const { source, destination } = ctx;
  const name = `mig-${workloadName(w)}-${n}`;
  const src = new ConsoleText();
  const dst = new ConsoleText();
  source.consoles.set(name, src);
  let following: Promise<() => void> | undefined;
  await source.manager.create({
    name,
    vcpus: VCPUS,
    memory: MEMORY_MIB,
    kernel: ctx.kernel,
    cmdline: bootargs(w),
  });
  try {
    if (!(await until(() => /^work started: /m.test(src.text), BOOT_TIMEOUT_MS)))
      throw new Error(`the Ferry guest did not start its work: ${src.text.slice(-500)}`);
    const startedAt = performance.now();
    await delay(WARMUP_MS);
    const warmup =
      w === "idle"
        ? null
        : warmupOf(
            performance.now() - startedAt,
            nonZeroPages(source.manager.domainOf(name).memory.i32, ctx.setFirstPage, WSET_PAGES),
          );
    const sourceVerdicts = periodicVerdicts(src.text);
    const sourceFailure = FAILURE.exec(src.text)?.[1];
    let suspendAt = Number.NaN;
    let sentAt = Number.NaN;
    let suspendCallAt = Number.NaN;
    let commitAt = Number.NaN;
    let resumedArrival = Number.NaN;
    const released = source.runner.nextRelease(name);
    // The destination's console through its API, from the moment RESUMED arrives here (the
    // domain is listed there from the commit on; the stream begins with its history, from
    // the domain's first byte there): the guest prints its resume line after that, tens to
    // hundreds of ms after RESUMED, and the bench dates the line when it sees it.
    following = released.then((at) => {
      resumedArrival = at;
      return followConsole(destination.client, name, (bytes) => dst.append(bytes));
    });
    following.catch(() => {}); // awaited below; a failed migration's release leads nowhere
    let result: MigrateResult;
    try {
      result = await source.manager.migrate(
        name,
        { target: destination.migration, live: true, downtimeMs: DOWNTIME_TARGET_MS },
        (p: Progress) => {
          if (p.phase === "suspend") suspendAt = performance.now();
          if (p.phase === "final") {
            sentAt = performance.now();
            // The guest's suspend call, dated as migrate-out.ts dates it.
            suspendCallAt = sentAt - msSinceSuspendCall(source.runner, source.manager.domainOf(name));
          }
          if (p.phase === "commit") commitAt = performance.now();
          if (p.phase === "round" && p.round !== undefined)
            say(
              `  ferry round ${p.round.round}: ${p.round.pages} pages in ${round(p.round.ms)} ms, ` +
                `${p.round.dirtyPages} dirtied meanwhile`,
            );
        },
      );
    } catch (e) {
      // The source keeps (and resumes) the domain on a failure; the destination discards
      // whatever it took by itself.
      const gone =
        destination.exit === undefined
          ? ""
          : ` (ferryd exited, ${destination.exit}: ${destination.log.slice(-300)})`;
      return failedFerryRun(`the migration failed: ${messageOf(e)}${gone}`, sourceVerdicts, warmup);
    }
    let survival: { survived: boolean; failure: string | null };
    try {
      await following;
      survival = await ferrySurvived(dst);
    } catch (e) {
      survival = { survived: false, failure: `cannot follow the destination's console: ${messageOf(e)}` };
    }
    if (sourceFailure !== undefined)
      survival = { survived: false, failure: `before the migration, on the source: ${sourceFailure}` };
    return {
      migrated: true,
      ...survival,
      warmup,
      totalMs: round(result.totalMs),
      downtimeMs: round(result.downtimeMs),
      pauseMs: round(resumedArrival - suspendAt),
      resumedMs: dst.resumedAt === undefined ? null : round(dst.resumedAt - suspendAt),
      bytes: result.bytes,
      pagesSent: result.pagesSent,
      pagesSkipped: result.pagesSkipped,
      finalReason: result.finalReason,
      rounds: result.rounds.map((r) => ({
        round: r.round,
        pages: r.pages,
        ms: round(r.ms),
        dirtyPages: r.dirtyPages,
        dirtyPagesPerSecond: Math.round(r.dirtyPagesPerSecond),
        MiBps: round(r.bandwidthBytesPerSecond / MiB),
        final: r.final,
      })),
      phases: {
        suspended: round(suspendCallAt - suspendAt),
        sent: round(sentAt - suspendAt),
        ready: round(commitAt - suspendAt),
        commit: round(commitAt - suspendAt),
        resumed: round(resumedArrival - suspendAt),
      },
      sourceVerdicts,
    };
  } finally {
    following?.then(
      (unfollow) => unfollow(),
      () => {},
    );
    source.consoles.delete(name);
    // Wherever the domain is now (the source keeps it if the migration failed), it goes, so
    // that runs do not pile up and its name is free again.
    if (source.manager.list().some((d) => d.name === name))
      await source.manager.destroy(name).catch(() => {});
    await destination.client.call("destroy", { name }).catch((e: unknown) => {
      if (!(e instanceof ClientError && e.code === "no-such-domain"))
        say(`could not destroy ${name} on the destination: ${messageOf(e)}`);
    });
  }
}

/** What every failed run says, Ferry's or QEMU's. */
function failedOutcome(failure: string, warmup: Warmup | null) {
  return {
    migrated: false,
    survived: false,
    failure,
    warmup,
    totalMs: Number.NaN,
    downtimeMs: Number.NaN,
    pauseMs: Number.NaN,
  };
}

function failedFerryRun(failure: string, sourceVerdicts: number, warmup: Warmup | null): FerryRun {
  return {
    ...failedOutcome(failure, warmup),
    resumedMs: null,
    bytes: Number.NaN,
    pagesSent: Number.NaN,
    pagesSkipped: Number.NaN,
    finalReason: "failed",
    rounds: [],
    phases: null,
    sourceVerdicts,
  };
}

const migrationEnded = (e: QmpEvent): boolean =>
  e.event === "MIGRATION" && ["completed", "failed", "cancelled"].includes(String(e.data?.status));
const eventMs = (e: QmpEvent): number => {
  const t = (e as unknown as { timestamp: { seconds: number; microseconds: number } }).timestamp;
  return t.seconds * 1000 + t.microseconds / 1000;
};

interface QueryMigrate {
  status: string;
  "error-desc"?: string;
  "total-time"?: number;
  downtime?: number;
  "setup-time"?: number;
  "socket-address"?: { port: string | number }[];
  ram?: {
    transferred: number;
    "precopy-bytes"?: number;
    "downtime-bytes"?: number;
    "dirty-sync-count": number;
    normal: number;
    duplicate: number;
  };
}

/** Live QEMUs, killed on a signal too (the finally blocks do it otherwise). */
const liveQemus = new Set<QemuProcess>();
function qemu(args: readonly string[]): QemuProcess {
  const q = startQemu(64, args);
  liveQemus.add(q);
  return q;
}
async function killQemu(q: QemuProcess | undefined): Promise<void> {
  if (q === undefined) return;
  await q.kill();
  liveQemus.delete(q);
}

async function qemuRun(ctx: Context, w: Workload, n: number): Promise<QemuRun> {
  const name = `qemu-${workloadName(w)}-${n}`;
  const args = (qmp: string): string[] => [
    ...["-M", "virt", "-smp", String(VCPUS), "-m", `${MEMORY_MIB}M`, "-bios", "default"],
    ...["-display", "none", "-serial", "stdio", "-monitor", "none"],
    ...["-kernel", ctx.kernel, "-append", bootargs(w), "-qmp", `unix:${qmp},server=on,wait=off`],
  ];
  const srcSocket = join(ctx.dir, `${name}.src.qmp`);
  const dstSocket = join(ctx.dir, `${name}.dst.qmp`);
  const dump = join(ctx.dir, `${name}.set`);
  const connections: Qmp[] = [];
  let src: QemuProcess | undefined;
  let dst: QemuProcess | undefined;
  try {
    src = qemu(args(srcSocket));
    dst = qemu([...args(dstSocket), "-incoming", "defer"]);
    const qmpOut = await Qmp.connect(srcSocket);
    connections.push(qmpOut);
    const qmpIn = await Qmp.connect(dstSocket);
    connections.push(qmpIn);
    for (const q of [qmpOut, qmpIn])
      await q.execute("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] });
    await qmpIn.execute("migrate-incoming", { uri: "tcp:127.0.0.1:0" });
    const listening = (await qmpIn.execute("query-migrate")) as QueryMigrate;
    const port = listening["socket-address"]?.[0]?.port;
    if (port === undefined)
      throw new Error(`the destination QEMU says no port: ${JSON.stringify(listening)}`);
    await qmpOut.execute("migrate-set-parameters", {
      "downtime-limit": DOWNTIME_TARGET_MS,
      "max-bandwidth": 2 ** 40,
    });
    if (!(await src.waitFor(/^work started: /m, BOOT_TIMEOUT_MS)))
      throw new Error(`the QEMU guest did not start its work: ${src.output().slice(-500)}`);
    const startedAt = performance.now();
    await delay(WARMUP_MS);
    let warmup: Warmup | null = null;
    if (w !== "idle") {
      // The set's pages as they are now (the guest runs on meanwhile, as Ferry's does while
      // this process counts them).
      const ms = performance.now() - startedAt;
      await qmpOut.execute("pmemsave", {
        val: DOMAIN_RAM_BASE + ctx.setFirstPage * PAGE_SIZE,
        size: WSET_PAGES * PAGE_SIZE,
        filename: dump,
      });
      const bytes = readFileSync(dump);
      rmSync(dump, { force: true });
      warmup = warmupOf(
        ms,
        nonZeroPages(new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4), 0, WSET_PAGES),
      );
    }
    const sourceVerdicts = periodicVerdicts(src.output());
    const sourceFailure = FAILURE.exec(src.output())?.[1];
    const markOut = qmpOut.events.length;
    const markIn = qmpIn.events.length;
    await qmpOut.execute("migrate", { uri: `tcp:127.0.0.1:${port}` });
    let ended: QmpEvent;
    try {
      ended = await qmpOut.waitEvent(migrationEnded, MIGRATE_TIMEOUT_MS, markOut);
    } catch {
      await qmpOut.execute("migrate_cancel").catch(() => {});
      return failedQemuRun(
        `the migration did not complete within ${MIGRATE_TIMEOUT_MS} ms`,
        sourceVerdicts,
        warmup,
      );
    }
    const info = (await qmpOut.execute("query-migrate")) as QueryMigrate;
    if (ended.data?.status !== "completed" || info.ram === undefined)
      return failedQemuRun(
        `the migration ${String(ended.data?.status)}: ${info["error-desc"] ?? "no reason given"}`,
        sourceVerdicts,
        warmup,
      );
    // The destination runs on its own once the stream is in (autostart); its RESUME event
    // marks that.
    let resumed: QmpEvent | undefined;
    try {
      resumed = await qmpIn.waitEvent((e) => e.event === "RESUME", RESUME_TIMEOUT_MS, markIn);
    } catch {
      resumed = qmpIn.events.slice(markIn).find((e) => e.event === "RESUME");
    }
    const outEvents = qmpOut.events.slice(markOut);
    const setup = outEvents.find((e) => e.event === "MIGRATION" && e.data?.status === "setup");
    const stopped = outEvents.find((e) => e.event === "STOP");
    const at = (e: QmpEvent | undefined, from: QmpEvent | undefined): number =>
      e === undefined || from === undefined ? Number.NaN : round(eventMs(e) - eventMs(from));
    const events = [
      ...outEvents.map((e) => ({ e, side: "source" })),
      ...qmpIn.events.slice(markIn).map((e) => ({ e, side: "destination" })),
    ]
      .sort((a, b) => eventMs(a.e) - eventMs(b.e))
      .map(({ e, side }) => {
        const what = e.data?.status ?? e.data?.pass;
        return `${at(e, setup)} ${side} ${e.event}${what === undefined ? "" : ` ${String(what)}`}`;
      });
    // The destination printed nothing before (it did not boot): every line is new.
    let failure: string | null = null;
    try {
      const seen = await dst.waitFor(/^(CHECK (ok|FAIL) |panic: )[^\n]*\n/m, VERDICT_MS);
      if (!seen) failure = `no verdict within ${VERDICT_MS} ms of the destination's RESUME`;
    } catch (e) {
      failure = messageOf(e);
    }
    const bad = FAILURE.exec(dst.output())?.[1];
    if (bad !== undefined) failure = bad;
    if (sourceFailure !== undefined) failure = `before the migration, on the source: ${sourceFailure}`;
    return {
      migrated: true,
      survived: failure === null,
      failure,
      warmup,
      totalMs: at(resumed, setup),
      downtimeMs: at(resumed, stopped),
      sourceDowntimeMs: at(ended, stopped),
      pauseMs: at(resumed, stopped),
      reported: {
        totalMs: info["total-time"] ?? Number.NaN,
        downtimeMs: info.downtime ?? Number.NaN,
        setupMs: info["setup-time"] ?? Number.NaN,
      },
      bytes: info.ram.transferred,
      precopyBytes: info.ram["precopy-bytes"] ?? Number.NaN,
      downtimeBytes: info.ram["downtime-bytes"] ?? Number.NaN,
      rounds: info.ram["dirty-sync-count"],
      normalPages: info.ram.normal,
      zeroPages: info.ram.duplicate,
      sourceVerdicts,
      events,
    };
  } finally {
    for (const c of connections) c.close();
    await killQemu(src);
    await killQemu(dst);
    rmSync(srcSocket, { force: true });
    rmSync(dstSocket, { force: true });
    rmSync(dump, { force: true });
  }
}

function failedQemuRun(failure: string, sourceVerdicts: number, warmup: Warmup | null): QemuRun {
  return {
    ...failedOutcome(failure, warmup),
    sourceDowntimeMs: Number.NaN,
    reported: { totalMs: Number.NaN, downtimeMs: Number.NaN, setupMs: Number.NaN },
    bytes: Number.NaN,
    precopyBytes: Number.NaN,
    downtimeBytes: Number.NaN,
    rounds: Number.NaN,
    normalPages: Number.NaN,
    zeroPages: Number.NaN,
    sourceVerdicts,
    events: [],
  };
}

/** The median of `f` over the runs that migrated; null if none did. */
function med<T extends Outcome>(runs: readonly T[], f: (r: T) => number | null): number | null {
  const xs = runs
    .filter((r) => r.migrated)
    .flatMap((r) => {
      const x = f(r);
      return x === null || !Number.isFinite(x) ? [] : [x];
    });
  return xs.length === 0 ? null : round(median(xs));
}
const ratio = (a: number | null, b: number | null): number | null =>
  a === null || b === null || b === 0 ? null : round(a / b, 3);

const describeWarmup = (w: Warmup | null): string =>
  w === null ? "" : `wrote ~${w.MiBps} MiB/s (${w.touchedPages} pages touched in ${w.ms} ms); `;

function describeFerry(r: FerryRun): string {
  if (!r.migrated) return `ferry ${describeWarmup(r.warmup)}FAILED: ${r.failure}`;
  return (
    `ferry ${describeWarmup(r.warmup)}${r.rounds.length} rounds (${r.finalReason}), ${r.bytes} B, total ${r.totalMs} ms, ` +
    `downtime ${r.downtimeMs} ms, pause ${r.pauseMs} ms (suspended ${r.phases?.suspended}, sent ` +
    `${r.phases?.sent}, ready ${r.phases?.ready}, commit ${r.phases?.commit}), ` +
    `guest resumed after ${r.resumedMs} ms; ` +
    (r.survived ? "survived" : `did NOT survive: ${r.failure}`)
  );
}

function describeQemu(r: QemuRun): string {
  if (!r.migrated) return `qemu ${describeWarmup(r.warmup)}FAILED: ${r.failure}`;
  return (
    `qemu ${describeWarmup(r.warmup)}${r.rounds} syncs, ${r.bytes} B, total ${r.totalMs} ms, downtime ${r.downtimeMs} ms, ` +
    `pause ${r.pauseMs} ms; ` +
    (r.survived ? "survived" : `did not survive: ${r.failure}`)
  );
}

async function measureWorkload(
  ctx: Context,
  w: Workload,
  rounds: number,
  withQemu: boolean,
): Promise<object> {
  const ferry: FerryRun[] = [];
  const qemuRuns: QemuRun[] = [];
  for (let n = 1; n <= rounds; n++) {
    say(`${workloadName(w)} run ${n}/${rounds}: ferry`);
    const f = await ferryRun(ctx, w, n);
    ferry.push(f);
    say(`${workloadName(w)} run ${n}/${rounds}: ${describeFerry(f)}`);
    if (withQemu) {
      say(`${workloadName(w)} run ${n}/${rounds}: qemu`);
      const q = await qemuRun(ctx, w, n);
      qemuRuns.push(q);
      say(`${workloadName(w)} run ${n}/${rounds}: ${describeQemu(q)}`);
    }
  }
  const ferryOut = {
    migrated: ferry.filter((r) => r.migrated).length,
    survived: ferry.filter((r) => r.survived).length,
    writtenMiBps: med(ferry, (r) => r.warmup?.MiBps ?? null),
    totalMs: med(ferry, (r) => r.totalMs),
    downtimeMs: med(ferry, (r) => r.downtimeMs),
    pauseMs: med(ferry, (r) => r.pauseMs),
    resumedMs: med(ferry, (r) => r.resumedMs),
    bytes: med(ferry, (r) => r.bytes),
    rounds: med(ferry, (r) => r.rounds.length),
    runs: ferry,
  };
  let qemuOut: object | null = null;
  let ratios: object | null = null;
  if (withQemu) {
    const q = {
      totalMs: med(qemuRuns, (r) => r.totalMs),
      downtimeMs: med(qemuRuns, (r) => r.downtimeMs),
      sourceDowntimeMs: med(qemuRuns, (r) => r.sourceDowntimeMs),
      pauseMs: med(qemuRuns, (r) => r.pauseMs),
      bytes: med(qemuRuns, (r) => r.bytes),
    };
    const qemuWritten = med(qemuRuns, (r) => r.warmup?.MiBps ?? null);
    qemuOut = {
      migrated: qemuRuns.filter((r) => r.migrated).length,
      survived: qemuRuns.filter((r) => r.survived).length,
      writtenMiBps: qemuWritten,
      ...q,
      rounds: med(qemuRuns, (r) => r.rounds),
      runs: qemuRuns,
    };
    ratios = {
      downtime: ratio(ferryOut.downtimeMs, q.downtimeMs),
      pause: ratio(ferryOut.pauseMs, q.pauseMs),
      bytes: ratio(ferryOut.bytes, q.bytes),
      totalTime: ratio(ferryOut.totalMs, q.totalMs),
      writtenMiBps: ratio(ferryOut.writtenMiBps, qemuWritten),
    };
  }
  return {
    workload: workloadName(w),
    bootargs: bootargs(w),
    dirtyMiBps: w === "idle" ? 0 : w,
    ferry: ferryOut,
    qemu: qemuOut,
    ratio: ratios,
  };
}

export async function benchMigrate(options: MigrateBenchOptions): Promise<object> {
  const withQemu = qemuBinary(64) !== undefined;
  if (!withQemu) say("qemu-system-riscv64 is not installed: Ferry figures only");
  const loadBefore = loadavg().map((x) => round(x, 2));
  const dir = mkdtempSync(join(tmpdir(), "ferry-bench-migrate-"));
  let destination: FerrydProcess | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const q of liveQemus) void q.kill();
    destination?.kill();
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`migrate: ${signal}: ferryd and QEMUs killed, ${dir} removed\n`);
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const workloads: object[] = [];
  try {
    // Copied: guest/images may be rebuilt meanwhile, and both emulators must run the same bytes.
    const kernel = join(dir, "kernel-rv64.elf");
    const image = readFileSync(KERNEL);
    writeFileSync(kernel, image);
    const end = parseElf(image).symbols.get("end");
    if (end === undefined) throw new Error(`${KERNEL} has no end symbol`);
    const setFirstPage = Math.ceil((end - DOMAIN_RAM_BASE) / PAGE_SIZE);
    destination = await FerrydProcess.start();
    say(
      `destination: ferryd (pid ${destination.pid}), API ${destination.api}, migration ${destination.migration}`,
    );
    const source = startHost(new SourceRunner({ spareWorkers: VCPUS }));
    try {
      const ctx: Context = { dir, kernel, setFirstPage, source, destination };
      for (const w of options.workloads)
        workloads.push(await measureWorkload(ctx, w, options.rounds, withQemu));
    } finally {
      await stopHost(source);
    }
  } finally {
    await destination?.stop();
    for (const q of liveQemus) await q.kill();
    rmSync(dir, { recursive: true, force: true });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return {
    benchmark: "migrate",
    machine: {
      cores: availableParallelism(),
      node: process.version,
      qemu: qemuVersion(64) ?? null,
      // 1-, 5- and 15-minute load averages: the host is shared, and other work skews everything.
      loadAverage: { before: loadBefore, after: loadavg().map((x) => round(x, 2)) },
    },
    guest: {
      kernel: KERNEL,
      vcpus: VCPUS,
      memoryMiB: MEMORY_MIB,
      workingSetPages: WSET_PAGES,
      warmupMs: WARMUP_MS,
      downtimeTargetMs: DOWNTIME_TARGET_MS,
    },
    rounds: options.rounds,
    notes: [
      "live (pre-copy) migration over TCP on 127.0.0.1 of a running guest, after warmupMs of work; downtime target 50 ms on both",
      "every figure is its own median over the runs that migrated; runs[] has each run",
      "writtenMiBps: the write rate the memory writer kept during the warm-up, from the pages of its set found written (warmup); below the rate asked when the guest cannot keep its pace",
      "ferry: the source in the bench's process, the destination a ferryd child process on 127.0.0.1 (two processes, as QEMU's)",
      "ferry.totalMs: handshake to the destination's RESUMED arriving at the source; ferry.downtimeMs: the guest's PV suspend call to its start on the destination (MigrateResult: COMMIT handed to TCP + half the handshake's round trip + the destination's COMMIT-to-start time, which RESUMED carries)",
      "ferry.pauseMs: the suspend request (the cooperative protocol begins: the guest's work stops) to the destination's RESUMED arriving at the source; phases: ms from the suspend request to suspended (the guest's suspend call), sent, ready and commit (one instant: COMMIT goes when READY arrives), resumed, all seen on the source",
      "ferry.resumedMs: the suspend request to the destination console's 'suspend: resumed' line (every CPU back), as seen on ferryd's API console stream",
      "ferry.bytes: everything on the wire; ferry.rounds: pre-copy rounds plus the final one",
      "qemu.totalMs: source MIGRATION setup to destination RESUME; qemu.downtimeMs and pauseMs: source STOP to destination RESUME (as Ferry's: the guest stopped on one host until it runs on the other); qemu.sourceDowntimeMs: source STOP to source MIGRATION completed, QEMU's own definition (QMP event timestamps); reported: query-migrate's own figures",
      "qemu.bytes: ram.transferred (RAM stream, page headers included); qemu.rounds: ram.dirty-sync-count",
      "survived: the destination guest printed a fresh passing verdict within 5 s (Ferry: after its resume line with every CPU and a passing resume verdict) and no CHECK FAIL or panic",
      "ratio = Ferry / QEMU of the medians: below 1, Ferry is better (writtenMiBps: below 1, Ferry's guest dirtied less)",
    ],
    workloads,
  };
}
