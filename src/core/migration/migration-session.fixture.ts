/**
 * A reference-guest domain migrated between two runners (two "hosts", each with its own PV
 * host), for the tests of both execution modes. It keeps the guest's console as one stream
 * (the same guest, whichever host runs it), runs each migration over an in-memory channel
 * pair (optionally wrapped by channel-faults.fixture.ts), and after each attempt waits for
 * the guest's own verdict:
 *
 * - committed: `suspend: resumed N new-domain` then `CHECK … resume=N` on the destination;
 * - failed after the guest suspended: `suspend: resumed N cancelled` and its verdict on the
 *   source (the suspend call returned 1);
 * - failed before: nothing to wait for — the guest never stopped.
 *
 * It also checks the destination kept nothing of a failed attempt: no PV state for the id it
 * claimed, and the claimed name given back. The console, the waits and the verdicts are
 * GuestSession's (snapshot/guest-session.fixture.ts); this adds the second runner.
 */
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import { isZeroPage, PAGE_SIZE } from "../memory/page.js";
import { GuestSession, type SessionOptions } from "../snapshot/guest-session.fixture.js";
import { type ByteChannel, channelPair } from "./byte-channel.js";
import { type MigrateInOptions, migrateIn } from "./migrate-in.js";
import { type MigrateOutOptions, migrateOut } from "./migrate-out.js";
import { MigrationError } from "./migration-error.js";
import type { MigrationProgress, MigrationReport } from "./migration-report.js";

export interface Attempt {
  readonly live: boolean;
  /** Wrap the source's end of the channel (faults in what the source sends). */
  readonly wrapSource?: (c: ByteChannel) => ByteChannel;
  /** Wrap the destination's end (faults in what the destination sends). */
  readonly wrapDestination?: (c: ByteChannel) => ByteChannel;
  readonly source?: Partial<MigrateOutOptions>;
  readonly destination?: Partial<MigrateInOptions>;
  /**
   * Called once both sides have started, with a test of whether both have finished (e.g. to
   * drive a deterministic source runner meanwhile: its guest runs only when driven).
   */
  readonly during?: (source: DomainRunner, finished: () => boolean) => Promise<void>;
}

export interface Outcome {
  readonly report?: MigrationReport;
  /** The source's error, when the migration failed. */
  readonly error?: MigrationError;
  /** The destination's error, when it failed (always with the source's, unless in doubt). */
  readonly destinationError?: MigrationError;
  /** The guest's verdict line, when a resume happened ("" otherwise). */
  readonly verdict: string;
  /** Non-zero pages of the destination's copy at the commit (each must have been sent). */
  readonly pagesAtCommit?: number;
  readonly phases: readonly MigrationProgress["phase"][];
}

export class MigrationSession extends GuestSession {
  /** Which runner holds the domain. */
  host: 0 | 1 = 0;
  /** Memory the destination's copy got wrong (checked at every commit). */
  readonly memoryErrors: string[] = [];
  /** Names claimed on a destination and not given back (by a failed attempt). */
  readonly held = new Set<string>();

  /** The domain starts on `runners[0]`; both runners' console sink must be `append`. */
  constructor(
    readonly runners: readonly [DomainRunner, DomainRunner],
    options: SessionOptions,
  ) {
    super(runners[0], options);
  }

  override get runner(): DomainRunner {
    return this.runners[this.host];
  }

  get other(): DomainRunner {
    return this.runners[this.host === 0 ? 1 : 0];
  }

  /** One migration attempt to the other runner, and the guest's verdict after it. */
  async migrate(attempt: Attempt): Promise<Outcome> {
    const mark = this.output.length;
    const [a, b] = channelPair();
    const source = this.runner;
    const destination = this.other;
    const phases: MigrationProgress["phase"][] = [];
    const claimed: number[] = [];
    const outbound = migrateOut(source, this.domain, attempt.wrapSource?.(a) ?? a, {
      live: attempt.live,
      ...attempt.source,
      onProgress: (p) => phases.push(p.phase),
    });
    const sourceDomain = this.domain;
    let pagesAtCommit: number | undefined;
    const inbound = migrateIn(destination, attempt.wrapDestination?.(b) ?? b, {
      // At the commit, before the destination's copy runs, it must equal the stopped source's.
      onCommit: (d) => {
        const page = firstDifferentPage(sourceDomain.memory.i32, d.memory.i32);
        if (page >= 0) this.memoryErrors.push(`page ${page} differs after the migration`);
        pagesAtCommit = nonZeroPages(d.memory.i32);
      },
      claim: (name) => {
        const id = this.nextId++;
        claimed.push(id);
        this.held.add(name);
        return { id, name };
      },
      release: (name) => this.held.delete(name),
      timeoutMs: 10_000,
      ...attempt.destination,
    });
    let finished = false;
    const during = attempt.during?.(source, () => finished);
    const [out, inc] = await Promise.allSettled([outbound, inbound]);
    finished = true;
    await during;
    if (this.memoryErrors.length > 0) throw new Error(this.memoryErrors.join("; "));
    const error = out.status === "rejected" ? asMigrationError(out.reason) : undefined;
    const destinationError = inc.status === "rejected" ? asMigrationError(inc.reason) : undefined;

    if (inc.status === "fulfilled") {
      // Committed: the destination runs it (the source is done, or in doubt: its copy stays suspended).
      if (out.status === "fulfilled" || error?.inDoubt) {
        const old = this.domain;
        if (!old.suspended && !(out.status === "fulfilled" && out.value.mode === "transparent")) {
          throw new Error("the source's copy of a migrated domain is not left suspended");
        }
        this.domain = inc.value;
        this.host = this.host === 0 ? 1 : 0;
        this.held.clear();
        await source.release(old);
        const cooperative = out.status === "fulfilled" ? out.value.mode === "cooperative" : this.announcing();
        const verdict = cooperative ? await this.verdict("new-domain", mark) : "";
        const committed = { verdict, phases, ...(pagesAtCommit === undefined ? {} : { pagesAtCommit }) };
        if (out.status === "fulfilled") return { report: out.value, ...committed };
        return { error: error!, ...committed };
      }
      throw new Error(`the destination committed but the source failed without doubt: ${error?.message}`);
    }
    for (const id of claimed) {
      if (destination.pv.backend(id) !== undefined || destination.pv.store.isIntroduced(id)) {
        throw new Error(`the destination kept domain ${id} after a failed migration`);
      }
    }
    if (this.held.size > 0) throw new Error(`the destination kept the name(s) ${[...this.held].join(", ")}`);
    if (error === undefined)
      throw new Error(`the destination failed but the source did not: ${destinationError?.message}`);
    const failed = { error, ...(destinationError === undefined ? {} : { destinationError }), phases };
    if (error.inDoubt) return { ...failed, verdict: "" };
    const suspended = phases.includes("suspend") && !/acknowledge|did not suspend/.test(error.message);
    const verdict = suspended && this.announcing() ? await this.verdict("cancelled", mark) : "";
    return { ...failed, verdict };
  }

  /** Resumes the source's copy after an in-doubt failure the test has resolved (the destination has nothing). */
  async resolveDoubtBySourceResume(): Promise<string> {
    const mark = this.output.length;
    if (!this.domain.shared.resume()) throw new Error("the source's copy is not suspended");
    return this.verdict("cancelled", mark);
  }

  private announcing(): boolean {
    return /^work started/m.test(this.output);
  }
}

/** The first page where two memories differ, or -1. */
function firstDifferentPage(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i >>> 10;
  return -1;
}

function nonZeroPages(w: Int32Array): number {
  let n = 0;
  for (let at = 0; at < w.length; at += PAGE_SIZE / 4) if (!isZeroPage(w, at)) n++;
  return n;
}

function asMigrationError(e: unknown): MigrationError {
  if (e instanceof MigrationError) return e;
  throw e;
}
