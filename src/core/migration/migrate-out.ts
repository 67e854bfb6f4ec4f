/**
 * The source side of a migration (docs/migration.md): moves a running domain to the peer at
 * the other end of a ByteChannel, non-live (suspend, then send) or live (pre-copy memory
 * while the guest runs, then suspend and send the rest), and commits only once the
 * destination says it holds the whole domain.
 *
 * Safety, in the order things happen:
 * - nothing is suspended before the destination has accepted the protocol version and
 *   claimed the domain (a refusal costs the guest nothing);
 * - any failure before the commit — the connection closed or broken, the peer silent for
 *   `peerTimeoutMs`, an ABORT, a bad frame, a guest that never suspends — resumes the domain
 *   in place (its suspend call returns 1; a transparent pause is lifted), tells the peer why
 *   (ABORT), and throws one MigrationError;
 * - the commit is sent only after READY. From the moment COMMIT is handed to the transport
 *   until RESUMED (or an ABORT, which means the destination did not and will not run it)
 *   comes back, the outcome is in doubt: if the connection fails then, the domain stays
 *   suspended here and the error says so (`inDoubt`): resuming it could run it twice.
 * - on success the domain is left suspended (or paused) for the caller to release.
 *
 * Pre-copy: dirty logging on, round 0 sends every non-zero page while the guest runs, each
 * later round the pages dirtied during the one before; precopy-policy.ts decides when to
 * stop. A page is copied before it is hashed and sent (page-hashes.ts), and not sent at all
 * when the destination already holds the same contents. The final round begins with the
 * suspend request: while a cooperative guest suspends it still writes, and those pages go
 * at once; once it has stopped, the last dirty pages go straight from guest RAM.
 *
 * Disks (copyDisks, for a destination without the same storage): each round also sends the
 * disk chunks written since the last (all non-zero chunks in round 0), and the final round
 * the rest, read once the capture has quiesced the disks (no write reaches them after).
 */
import type { BlockBackend } from "../devices/block/block-backend.js";
import type { Domain } from "../hypervisor/domain.js";
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import type { PageRun } from "../memory/dirty-log.js";
import { isZeroPage, PAGE_SIZE } from "../memory/page.js";
import { configRecord, imageHeader, stateRecords } from "../snapshot/capture-domain.js";
import { DISK_CHUNK, DISK_CHUNKS_PER_RECORD } from "../snapshot/disk-data-record.js";
import {
  type DomainRecord,
  ImageError,
  type MemoryPage,
  type OnPoweroff,
  PAGES_PER_BATCH,
  type SaveMode,
} from "../snapshot/domain-image.js";
import { encodeHeader, encodeRecord } from "../snapshot/image-codec.js";
import {
  announcesSuspend,
  msSinceSuspendCall,
  resumeDomain,
  SuspendError,
  suspendDomain,
} from "../snapshot/suspend-domain.js";
import type { ByteChannel } from "./byte-channel.js";
import { ControlInbox, FrameReader, FrameWriter, PeerAbortError } from "./message-stream.js";
import { MigrationError, reasonOf } from "./migration-error.js";
import type { FinalReason, MigrationProgress, MigrationReport, RoundReport } from "./migration-report.js";
import { PageHashes } from "./page-hashes.js";
import { afterRound } from "./precopy-policy.js";
import {
  Command,
  type ControlFrame,
  encodeControl,
  OLDEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  parseText,
  parseU32s,
  ROUND_FINAL,
  STREAM_MAGIC,
  u32Body,
  u64Body,
} from "./wire-format.js";
import { yieldToEventLoop } from "./yield-to-event-loop.js";

export const DEFAULT_DOWNTIME_MS = 50;
export const DEFAULT_MAX_ROUNDS = 30;
export const DEFAULT_PEER_TIMEOUT_MS = 30_000;

export interface MigrateOutOptions {
  /** Pre-copy memory while the guest runs (else suspend first, then send). */
  readonly live: boolean;
  /** Live: the longest the final round should stop the guest, in ms (default 50). */
  readonly downtimeMs?: number;
  /** Live: the most pre-copy rounds before the final one (default 30). */
  readonly maxRounds?: number;
  /** How long the guest has to acknowledge the suspend request, and then to suspend (default 60 s). */
  readonly suspendTimeoutMs?: number;
  /** How long the destination may take to answer, or to take bytes (default 30 s). */
  readonly peerTimeoutMs?: number;
  /** What a guest poweroff does to the domain on the destination ("destroy" by default). */
  readonly onPoweroff?: OnPoweroff;
  /**
   * Send the disks' contents too, for a destination that does not share the storage: live,
   * all of each disk while the guest runs, then what it writes meanwhile, round by round, the
   * rest once it has stopped; non-live, all of it once it has stopped.
   */
  readonly copyDisks?: boolean;
  onProgress?(p: MigrationProgress): void;
}

/**
 * Migrates `domain` from `runner` over `channel` (which it closes when it returns). On
 * success the destination runs the domain and this copy is left suspended or paused, for
 * the caller to release. On failure it throws MigrationError; unless `inDoubt`, the domain
 * runs here as before.
 */
export async function migrateOut(
  runner: DomainRunner,
  domain: Domain,
  channel: ByteChannel,
  options: MigrateOutOptions,
): Promise<MigrationReport> {
  try {
    return await new Sender(runner, domain, channel, options).run();
  } finally {
    channel.close();
  }
}

const PEER = "the destination";
const WORDS_PER_PAGE = PAGE_SIZE / 4;
/**
 * The longest the sender keeps the event loop, in ms. The host's other work runs there —
 * on Node the parallel runner answers its vCPUs' PV calls there, and a vCPU waiting for an
 * answer stalls its guest — so a scan or a burst of page copies returns to it this often.
 */
const EVENT_LOOP_SLICE_MS = 4;
/** Pages handled between two looks at the clock. */
const CLOCK_EVERY_PAGES = 64;
/** The least time between two "send" progress reports, in ms. */
const SEND_PROGRESS_MS = 100;
/** Page buffers kept for reuse once the transport is done with them (one is filled while one goes). */
const SPARE_BUFFERS = 3;

class Sender {
  private readonly live: boolean;
  private readonly downtimeMs: number;
  private readonly maxRounds: number;
  private readonly peerTimeoutMs: number;
  private readonly out: FrameWriter;
  private readonly inbox: ControlInbox;
  private readonly pages: number;
  private readonly hashes: PageHashes | undefined;
  private readonly t0 = performance.now();
  private mode: SaveMode = "transparent";
  private rttMs = 0;
  /** The protocol version agreed with the destination. */
  private version = 0;
  private readonly rounds: RoundReport[] = [];
  private finalReason: FinalReason = "not-live";
  private pagesSkipped = 0;
  /** The dirty set the final round must send (live), harvested after the last pre-copy round. */
  private pending: PageRun[] = [];
  /** How the domain is held still, once it is (what a failure must undo). */
  private heldAs: SaveMode | undefined;
  private suspendedAt = 0;
  private logging = false;
  private committing = false;
  /** The disks whose contents go with the domain (copyDisks). */
  private readonly disks: readonly BlockBackend[];
  /**
   * Buffers of page copies the transport is done with. Reused: a fresh 4 MiB buffer per
   * record cost the sender a page fault per page copied (fresh memory is mapped lazily) and a
   * garbage collection every few records — a third of its time at 100 MiB/s of dirtying.
   */
  private readonly spare: Uint8Array[] = [];

  constructor(
    private readonly runner: DomainRunner,
    private readonly domain: Domain,
    channel: ByteChannel,
    private readonly options: MigrateOutOptions,
  ) {
    this.live = options.live;
    this.downtimeMs = options.downtimeMs ?? DEFAULT_DOWNTIME_MS;
    this.maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
    this.peerTimeoutMs = options.peerTimeoutMs ?? DEFAULT_PEER_TIMEOUT_MS;
    if (!(this.downtimeMs >= 0)) throw new RangeError(`downtimeMs ${this.downtimeMs} is not a duration`);
    if (!(Number.isInteger(this.maxRounds) && this.maxRounds >= 1)) {
      throw new RangeError(`maxRounds ${this.maxRounds} is not a positive integer`);
    }
    this.out = new FrameWriter(channel, PEER, this.peerTimeoutMs);
    this.inbox = new ControlInbox(new FrameReader(channel, PEER), PEER);
    this.pages = domain.memory.size / PAGE_SIZE;
    this.hashes = this.live ? new PageHashes(this.pages) : undefined;
    this.disks = options.copyDisks === true ? runner.pv.disksOf(domain.id) : [];
  }

  async run(): Promise<MigrationReport> {
    if (!this.domain.running) {
      throw new MigrationError(`cannot migrate domain ${this.domain.name}: it is not running`);
    }
    try {
      await this.handshake();
      if (this.live) await this.precopy();
      const state = await this.finalRound();
      await this.out.write(state.flatMap((r) => encodeRecord(r)));
      await this.out.write([encodeControl(Command.STATE_COMPLETE, u64Body(this.out.bytes))]);
      this.progress("final", this.rounds.at(-1));
      await this.inbox.expect([Command.READY], this.peerTimeoutMs, "READY");
      return await this.commit();
    } catch (e) {
      throw await this.fail(e);
    }
  }

  private async handshake(): Promise<void> {
    await this.out.write([
      STREAM_MAGIC,
      encodeControl(Command.HELLO, u32Body(OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION)),
    ]);
    const asked = performance.now();
    const version = await this.inbox.expect([Command.VERSION, Command.REFUSE], this.peerTimeoutMs, "VERSION");
    if (version.command === Command.REFUSE) {
      throw new PeerAbortError(`${PEER} refused the connection: ${parseText(version)}`);
    }
    const [v] = parseU32s(version, 1, PEER);
    if (v! < OLDEST_PROTOCOL_VERSION || v! > PROTOCOL_VERSION) {
      throw new MigrationError(`${PEER} chose protocol version ${v}, which this Ferry did not offer`);
    }
    this.rttMs = performance.now() - asked;
    this.version = v!;
    // The mode is fixed now: the header that says it goes first. A guest that announced the
    // protocol is suspended cooperatively at the end; any other is paused.
    this.mode = announcesSuspend(this.runner, this.domain) ? "cooperative" : "transparent";
    const config = configRecord(this.domain, this.options.onPoweroff ?? "destroy");
    await this.out.write([
      encodeControl(Command.IMAGE_HEADER, encodeHeader(imageHeader(this.domain, this.mode))),
      ...encodeRecord(config),
    ]);
    const answer = await this.inbox.expect([Command.ACCEPT, Command.REFUSE], this.peerTimeoutMs, "ACCEPT");
    if (answer.command === Command.REFUSE) {
      throw new PeerAbortError(`${PEER} refused the domain: ${parseText(answer)}`);
    }
    this.progress("handshake");
  }

  private async precopy(): Promise<void> {
    this.domain.memory.dirty.enable();
    this.logging = true;
    for (const d of this.disks) d.trackWrites(DISK_CHUNK);
    await this.runner.harvestDirty(this.domain); // every vCPU marks what it writes from here on
    let runs: PageRun[] | undefined; // undefined: all memory (round 0)
    let candidates = this.pages;
    // The bandwidth the final round can expect. Round 0 also scans all of RAM for non-zero
    // pages, which later rounds and the final one do not, so its rate stands only until a
    // later round has measured one.
    let sentBytes = 0;
    let sentMs = 0;
    for (let round = 0; ; round++) {
      await this.out.write([encodeControl(Command.ROUND, u32Body(round, 0))]);
      const start = performance.now();
      const before = this.out.bytes;
      const pages =
        runs === undefined
          ? await this.sendPages(
              allPages(this.pages),
              { copy: true, skipZero: true },
              { round, final: false },
              this.pages,
            )
          : await this.sendPages(
              pagesOf(runs),
              { copy: true, skipZero: false },
              { round, final: false },
              candidates,
            );
      await this.sendDisks(round === 0 ? "all" : "written");
      // Once per round back to the event loop, which a runner on this thread needs: the
      // deterministic one runs its guests there, the parallel one drains consoles.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const ms = performance.now() - start;
      const next = await this.runner.harvestDirty(this.domain);
      const dirty = countPages(next);
      const bytes = this.out.bytes - before;
      if (round === 1) sentBytes = sentMs = 0;
      sentBytes += bytes;
      sentMs += ms;
      const report = roundReport(round, pages, bytes, ms, dirty, false);
      this.rounds.push(report);
      this.progress("round", report);
      // Disk chunks written meanwhile go in the next round too: the policy weighs them as pages.
      const owed = dirty + this.diskChunksOwed() * (DISK_CHUNK / PAGE_SIZE);
      const decision = afterRound(
        { round, candidates, dirty: owed, bytesPerMs: sentBytes / Math.max(sentMs, 0.001) },
        { downtimeMs: this.downtimeMs, maxRounds: this.maxRounds, overheadMs: 2 * this.rttMs },
      );
      runs = next;
      candidates = owed;
      if (decision.final) {
        this.finalReason = decision.reason;
        this.pending = next;
        return;
      }
    }
  }

  /**
   * Stops the guest: cooperatively (live: sending what it writes meanwhile), or a pause.
   * `suspendedAt` is when it stopped: for a cooperative suspend, the guest's suspend call.
   */
  private async suspend(at: { round: number; final: boolean }): Promise<number> {
    this.progress("suspend");
    if (!this.domain.running) {
      throw new MigrationError(
        `domain ${this.domain.name} stopped running (${this.domain.exit?.end ?? "suspended"})`,
      );
    }
    if (this.mode === "transparent") {
      await this.runner.pause(this.domain);
      this.heldAs = "transparent";
      this.suspendedAt = performance.now();
      return 0;
    }
    const timeoutMs = this.options.suspendTimeoutMs;
    const suspending = suspendDomain(this.runner, this.domain, timeoutMs === undefined ? {} : { timeoutMs });
    let pages = 0;
    try {
      if (this.live) pages = await this.sendWhileSuspending(suspending, at);
      const got = await suspending;
      this.heldAs = got;
      if (got !== "cooperative") {
        throw new MigrationError("the guest withdrew control/feature-suspend while it was being migrated");
      }
    } catch (e) {
      // A guest that acknowledged late may have suspended after all: it is resumed too.
      if (this.heldAs === undefined && this.domain.suspended) this.heldAs = "cooperative";
      if (e instanceof SuspendError) {
        throw new MigrationError(e.message.replace(/; it keeps running$/, ""), { cause: e });
      }
      throw e;
    }
    // The downtime includes the moments before this side noticed.
    const agoMs = msSinceSuspendCall(this.runner, this.domain);
    const now = performance.now();
    this.suspendedAt = now - Math.min(Math.max(agoMs, 0), now - this.t0);
    return pages;
  }

  /**
   * Live, cooperative: between the suspend request and the suspend call the guest
   * acknowledges, parks its other CPUs and downs them, still writing memory. What it writes
   * then goes out at once, not after the suspend call, when every page sent is downtime.
   * Returns the pages sent once `suspending` has settled (whatever its outcome), the pages
   * still dirty left in `pending`. A failure to send is thrown only then, so that a guest
   * that suspended meanwhile is known to be suspended (and is resumed).
   */
  private async sendWhileSuspending(
    suspending: Promise<unknown>,
    at: { round: number; final: boolean },
  ): Promise<number> {
    let settled = false;
    const done = suspending.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    let pages = 0;
    let pending = this.pending;
    try {
      while (!settled) {
        if (pending.length > 0) {
          const candidates = countPages(pending);
          pages += await this.sendPages(pagesOf(pending), { copy: true, skipZero: false }, at, candidates);
        } else {
          await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 1))]);
        }
        pending = await this.runner.harvestDirty(this.domain);
      }
    } catch (e) {
      await done;
      throw e;
    }
    this.pending = pending;
    return pages;
  }

  /** The state records of the stopped guest. */
  private async stateRecords(): Promise<DomainRecord[]> {
    try {
      return await stateRecords(this.runner, this.domain, this.mode);
    } catch (e) {
      if (e instanceof ImageError) throw new MigrationError(e.message, { cause: e });
      throw e;
    }
  }

  /**
   * The final round: it begins with the suspend request, goes on while the guest suspends
   * (sendWhileSuspending) and ends with the last memory, sent straight from the stopped
   * guest's RAM while vCPU 0's context comes from its thread. Returns the state records.
   */
  private async finalRound(): Promise<DomainRecord[]> {
    const round = this.rounds.length; // after the pre-copy rounds, one report each
    await this.out.write([encodeControl(Command.ROUND, u32Body(round, ROUND_FINAL))]);
    const start = performance.now();
    const before = this.out.bytes;
    const at = { round, final: true };
    let pages = await this.suspend(at);
    // The disks come to rest before any last page is chosen or read: a backend finishing a
    // read writes its data, then its answer, into guest RAM, and a page read before the
    // data landed must not go with a ring page read after the answer did.
    await this.runner.pv.quiesceDisks(this.domain.id);
    const state = this.stateRecords();
    state.catch(() => undefined); // awaited below, unless sending the pages fails first
    if (!this.live) {
      pages += await this.sendPages(allPages(this.pages), { copy: false, skipZero: true }, at, this.pages);
    } else {
      const last = await this.runner.harvestDirty(this.domain);
      this.domain.memory.dirty.disable();
      this.logging = false;
      const atMost = Math.min(this.pages, countPages(this.pending) + countPages(last));
      pages += await this.sendPages(
        mergePages(this.pending, last),
        { copy: false, skipZero: false },
        at,
        atMost,
      );
    }
    const records = await state; // the disks are quiet now: what they hold is final
    await this.sendDisks(this.live ? "written" : "all");
    for (const d of this.disks) d.stopTracking();
    this.rounds.push(roundReport(round, pages, this.out.bytes - before, performance.now() - start, 0, true));
    return records;
  }

  /** Keeps a page-copy buffer for reuse once its record is written and the transport is done with it. */
  private async recycle(buffer: Uint8Array, written: Promise<void>): Promise<void> {
    try {
      await written;
      await this.out.flushed();
    } catch {
      return; // the write failed: the migration is over
    }
    if (this.spare.length < SPARE_BUFFERS) this.spare.push(buffer);
  }

  /** Disk chunks written since they were last sent (copyDisks). */
  private diskChunksOwed(): number {
    let n = 0;
    for (const d of this.disks) n += d.writtenCount();
    return n;
  }

  /**
   * Sends the disks' contents (copyDisks): every chunk that is not zero (the destination's
   * copy starts zeroed), or the chunks written since the last look.
   */
  private async sendDisks(which: "all" | "written"): Promise<void> {
    for (const disk of this.disks) {
      const { size } = disk;
      const devid = disk.spec.devid;
      const chunks = which === "all" ? allPages(Math.ceil(size / DISK_CHUNK)) : disk.takeWritten();
      let batch: { index: number; data: Uint8Array }[] = [];
      for (const index of chunks) {
        this.inbox.check("sending a disk");
        const data = new Uint8Array(DISK_CHUNK);
        const offset = index * DISK_CHUNK;
        await disk.readImage(offset, data.subarray(0, Math.min(DISK_CHUNK, size - offset)));
        if (which === "all" && isZeroChunk(data)) continue;
        batch.push({ index, data });
        if (batch.length === DISK_CHUNKS_PER_RECORD) {
          await this.out.write(encodeRecord({ type: "disk-data", devid, size, chunks: batch }));
          batch = [];
        }
      }
      if (batch.length > 0)
        await this.out.write(encodeRecord({ type: "disk-data", devid, size, chunks: batch }));
    }
  }

  private async commit(): Promise<MigrationReport> {
    this.inbox.check("the commit was due");
    this.committing = true;
    await this.out.write([encodeControl(Command.COMMIT)]);
    const committedAt = performance.now();
    this.progress("commit");
    const resumed = await this.inbox.expect([Command.RESUMED], this.peerTimeoutMs, "RESUMED");
    const end = performance.now();
    return {
      live: this.live,
      mode: this.mode,
      rounds: this.rounds,
      finalReason: this.finalReason,
      totalMs: end - this.t0,
      downtimeMs: this.startedAt(committedAt, resumed, end) - this.suspendedAt,
      bytes: this.out.bytes,
      pagesSent: this.rounds.reduce((n, r) => n + r.pages, 0),
      pagesSkipped: this.pagesSkipped,
    };
  }

  /**
   * When the domain started on the destination, on this side's clock. RESUMED says how long
   * after COMMIT's arrival that was (protocol version 2); COMMIT's flight is taken as half
   * the handshake's round trip. Not RESUMED's arrival: that adds its own flight and this
   * thread's wait for a core, which the domain's new vCPUs, running by then, make long on a
   * busy host. A version 1 peer says nothing, and RESUMED's arrival is all there is.
   */
  private startedAt(committedAt: number, resumed: ControlFrame, arrived: number): number {
    // A malformed body is not worth an error: the domain runs there whatever it says.
    if (this.version < 2 || resumed.body.length !== 4) return arrived;
    const [startUs] = parseU32s(resumed, 1, PEER);
    return Math.min(committedAt + this.rttMs / 2 + startUs! / 1000, arrived);
  }

  /**
   * Sends the pages named by `pfns` (increasing) in memory records; returns how many went.
   * `copy`: the guest runs — copy each page, hash and send the copy. Otherwise pages go as
   * views of the stopped guest's RAM. With hashes (live), a page the destination already
   * holds is skipped; `skipZero` drops zero pages first (the destination starts zeroed).
   * `at` (the round, and whether it is the final one) and `candidates` (about how many pfns
   * come) are for the "send" progress reports.
   */
  private async sendPages(
    pfns: Iterable<number>,
    how: { copy: boolean; skipZero: boolean },
    at: { round: number; final: boolean },
    candidates: number,
  ): Promise<number> {
    const { i32, u8 } = this.domain.memory;
    const hashes = this.hashes;
    let batch: MemoryPage[] = [];
    let buffer: Uint8Array | undefined;
    let sent = 0;
    let scanned = 0;
    let since = performance.now();
    let reported = since;
    // One record on its way while the next is gathered, so that copying, hashing and
    // encoding overlap the transport (a record is far above a socket's high-water mark).
    let inFlight: Promise<void> = Promise.resolve();
    const flush = async (): Promise<void> => {
      this.inbox.check("sending memory");
      const record = encodeRecord({ type: "memory", pages: batch }, { pageSize: PAGE_SIZE });
      sent += batch.length;
      batch = [];
      const used = buffer; // the record keeps its pages until the transport is done with them
      buffer = undefined;
      await inFlight;
      inFlight = this.out.write(record);
      inFlight.catch(() => undefined); // awaited (and thrown) by the next flush or the end
      if (used !== undefined) void this.recycle(used, inFlight);
      if (performance.now() - reported >= SEND_PROGRESS_MS) {
        reported = performance.now();
        const fraction = Math.min(1, scanned / Math.max(candidates, 1));
        this.progress("send", undefined, { ...at, fraction });
      }
    };
    for (const pfn of pfns) {
      if (++scanned % CLOCK_EVERY_PAGES === 0 && performance.now() - since >= EVENT_LOOP_SLICE_MS) {
        await yieldToEventLoop();
        since = performance.now();
      }
      if (how.skipZero && isZeroPage(i32, pfn * WORDS_PER_PAGE)) continue;
      let data = u8.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
      if (how.copy) {
        buffer ??= this.spare.pop() ?? new Uint8Array(PAGES_PER_BATCH * PAGE_SIZE);
        const slot = buffer.subarray(batch.length * PAGE_SIZE, (batch.length + 1) * PAGE_SIZE);
        slot.set(data);
        data = slot;
      }
      if (hashes !== undefined) {
        hashes.hash(data);
        if (hashes.holds(pfn)) {
          this.pagesSkipped++;
          continue;
        }
        hashes.record(pfn);
        batch.push({ pfn, data, crc: hashes.a }); // a is the page's CRC-32C: the record's checksum reuses it
      } else {
        batch.push({ pfn, data });
      }
      if (batch.length === PAGES_PER_BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    await inFlight;
    return sent;
  }

  private progress(
    phase: MigrationProgress["phase"],
    round?: RoundReport,
    sending?: MigrationProgress["sending"],
  ): void {
    this.options.onProgress?.({
      phase,
      bytes: this.out.bytes,
      ...(round === undefined ? {} : { round }),
      ...(sending === undefined ? {} : { sending }),
    });
  }

  /** Undoes what can be undone and returns the one error to throw. */
  private async fail(e: unknown): Promise<MigrationError> {
    let error = e instanceof MigrationError ? e : new MigrationError(reasonOf(e), { cause: e });
    const name = this.domain.name;
    if (this.out.failed && !(error instanceof PeerAbortError)) {
      // A destination that gave up closes after its ABORT: its reason beats "broken".
      error = (await this.inbox.lastWord(1_000)) ?? error;
    }
    if (this.logging) this.domain.memory.dirty.disable();
    for (const d of this.disks) d.stopTracking();
    if (this.committing && !(error instanceof PeerAbortError)) {
      return new MigrationError(
        `the migration of domain ${name} is in doubt: the commit was sent, then ${error.message}. ` +
          `The destination runs the domain if the commit reached it; this copy stays suspended — ` +
          `resume it only if the destination does not have it`,
        { cause: error, inDoubt: true },
      );
    }
    if (!(error instanceof PeerAbortError) && !this.out.failed) await this.out.abort(error.message);
    let outcome = "it keeps running here";
    if (this.heldAs !== undefined) {
      try {
        await resumeDomain(this.runner, this.domain, this.heldAs);
      } catch (r) {
        outcome = `and it could not be resumed here: ${reasonOf(r)}`;
      }
    }
    if (this.domain.ended) outcome = `and it has ended here (${this.domain.exit?.end})`;
    return new MigrationError(`migration of domain ${name} failed: ${error.message}; ${outcome}`, {
      cause: error,
    });
  }
}

function roundReport(
  round: number,
  pages: number,
  bytes: number,
  ms: number,
  dirty: number,
  final: boolean,
): RoundReport {
  const seconds = Math.max(ms, 0.001) / 1000;
  return {
    round,
    pages,
    bytes,
    ms,
    dirtyPages: dirty,
    dirtyPagesPerSecond: dirty / seconds,
    bandwidthBytesPerSecond: bytes / seconds,
    final,
  };
}

function* allPages(pages: number): Generator<number> {
  for (let pfn = 0; pfn < pages; pfn++) yield pfn;
}

function* pagesOf(runs: readonly PageRun[]): Generator<number> {
  for (const [first, count] of runs) for (let pfn = first; pfn < first + count; pfn++) yield pfn;
}

function isZeroChunk(data: Uint8Array): boolean {
  const words = new Int32Array(data.buffer, data.byteOffset, data.length / 4);
  for (let at = 0; at < words.length; at += WORDS_PER_PAGE) if (!isZeroPage(words, at)) return false;
  return true;
}

function countPages(runs: readonly PageRun[]): number {
  let n = 0;
  for (const [, count] of runs) n += count;
  return n;
}

/**
 * The pages of two run lists (each in increasing order, as harvests give them), once each,
 * in increasing order. A walk of the runs, not of RAM: it is on the downtime's path.
 */
function* mergePages(a: readonly PageRun[], b: readonly PageRun[]): Generator<number> {
  let i = 0;
  let j = 0;
  let next = 0; // every page below this one has been yielded
  for (;;) {
    const run = i < a.length && (j >= b.length || a[i]![0] <= b[j]![0]) ? a[i++] : b[j++];
    if (run === undefined) return;
    const [first, count] = run;
    for (let pfn = Math.max(first, next); pfn < first + count; pfn++) yield pfn;
    next = Math.max(next, first + count);
  }
}
