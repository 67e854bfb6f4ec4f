/**
 * Parallel execution (DESIGN.md §6), the default for users: one worker thread per vCPU over
 * the domain's shared memory (vcpu-worker.ts). Same surface and same guest-visible behaviour
 * as the DeterministicRunner — `add`, `run`, `active`, `instructions`, console through
 * `onConsole`, a hung domain ends as crashed — plus what a toolstack needs while domains keep
 * running: pause/unpause, vCPU state, destroy, and dirty-page harvests.
 *
 * Threads and ownership: the main thread never runs guest code. It drives workers through
 * the domain's shared RUN words (read at every slice boundary) and requests (answered at
 * slice boundaries), and watches them every `pollMs`: it drains console output, notices
 * domains that ended (then stops their workers and drains once more) and hung ones. A
 * vCPU runs only inside `run()`: `add` leaves it paused until then, and `run` pauses every
 * domain again when it returns before they have all ended (instruction limit, abort).
 * Unlike the deterministic runner, `run` keeps waiting while a domain is paused by
 * `pause()` — another caller may unpause it — and `maxInstructions` is checked every
 * `pollMs`, so it can be overshot by what the vCPUs run in that time.
 *
 * Failure isolation: a worker that throws, dies or cannot start ends its own domain as
 * crashed (`crashOf(domain)` tells why) and never the host process; other domains go on.
 */
import type { Domain } from "../../core/hypervisor/domain.js";
import {
  type AddRestoredOptions,
  checkRestoredStates,
  type DomainRunner,
} from "../../core/hypervisor/domain-runner.js";
import { RunRequest, Slot } from "../../core/hypervisor/domain-shared-state.js";
import { epochTicks } from "../../core/hypervisor/host-clock.js";
import type { PvBackend } from "../../core/hypervisor/pv-backend.js";
import { PvHost, type PvRestore } from "../../core/hypervisor/pv-host.js";
import { SbiError } from "../../core/hypervisor/sbi-numbers.js";
import type { VcpuState } from "../../core/hypervisor/vcpu-state.js";
import type { PageRun } from "../../core/memory/dirty-log.js";
import { PvMailbox } from "./pv-mailbox.js";
import { VcpuControl } from "./vcpu-control.js";
import { VcpuWorkerError, VcpuWorkerHandle } from "./vcpu-worker-handle.js";
import { VcpuWorkerPool } from "./vcpu-worker-pool.js";

export interface ParallelRunnerOptions {
  /** Instructions per slice (default 20,000): the longest a pause or request waits. */
  readonly sliceInstructions?: number;
  /** Wait for console input when every vCPU is idle with no timer, instead of ending the domain. */
  readonly waitForInput?: boolean;
  /** How often the main thread drains consoles and looks for ended domains (default 5 ms). */
  readonly pollMs?: number;
  /** The worker script; tests substitute their own. Defaults to vcpu-worker.js beside this file. */
  readonly workerScript?: URL;
  /** The PV services (store, event channels) of this host; a new one by default. */
  readonly pv?: PvHost;
  /**
   * vCPU threads to keep started ahead of need (default 0), so that a domain added later —
   * a restore, an incoming migration — does not wait for threads to start. See `reserve`.
   */
  readonly spareWorkers?: number;
  /** Compile hot guest code to WebAssembly in every vCPU thread (default on). */
  readonly jit?: boolean;
}

export interface RunOptions {
  /** Keep running (until `signal` aborts) even when no domain is left, as a daemon does. */
  keepAlive?: boolean;
  maxInstructions?: number;
  signal?: AbortSignal;
  onConsole?: (domain: Domain, bytes: Uint8Array) => void;
}

interface Entry {
  readonly domain: Domain;
  readonly control: VcpuControl;
  readonly workers: VcpuWorkerHandle[];
  /**
   * The domain's PV services. Undefined while the domain is only prepared for addRestored:
   * its threads are held, and nothing may resume it.
   */
  backend: PvBackend | undefined;
  /** Paused by `pause()`, as opposed to between two `run()` calls. */
  userPaused: boolean;
  crash: VcpuWorkerError | undefined;
  /** Restores under way on the vCPU threads of a prepared domain (preloadVcpuState), by state. */
  readonly preloaded: Map<VcpuState, Promise<unknown>>;
  /** Set when the domain has ended: its workers stopping, then the last console drain. */
  finished: Promise<void> | undefined;
  /** The last hang fingerprint seen (vcpu-control.ts). */
  hang: string | undefined;
}

const DEFAULT_SLICE = 20_000;
const DEFAULT_POLL_MS = 5;
/** How long harvestDirty waits for a vCPU to finish the slice it was in. */
const CATCH_UP_LIMIT_MS = 10_000;
/** Looks harvestDirty takes at once (setImmediate) before it waits a millisecond between looks. */
const QUICK_LOOKS = 8;

export class ParallelRunner implements DomainRunner {
  readonly pv: PvHost;
  private readonly pool: VcpuWorkerPool;
  private readonly entries = new Map<Domain, Entry>();
  private readonly sliceInstructions: number;
  private readonly jit: boolean;
  private readonly waitForInput: boolean;
  private readonly pollMs: number;
  private readonly workerScript: URL;
  private running = false;
  /** The naps of waitFor calls in progress, ended by nudge(). */
  private readonly nudges = new Set<() => void>();
  private onConsole: ((domain: Domain, bytes: Uint8Array) => void) | undefined;

  constructor(options: ParallelRunnerOptions = {}) {
    this.sliceInstructions = options.sliceInstructions ?? DEFAULT_SLICE;
    this.jit = options.jit ?? true;
    this.waitForInput = options.waitForInput ?? false;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.workerScript = options.workerScript ?? new URL("./vcpu-worker.js", import.meta.url);
    this.pv = options.pv ?? new PvHost();
    this.pool = new VcpuWorkerPool(this.workerScript, options.spareWorkers ?? 0);
    if (!Number.isInteger(this.sliceInstructions) || this.sliceInstructions < 1) {
      throw new RangeError("sliceInstructions must be a positive integer");
    }
  }

  /** Boots a domain on the shared host clock and starts its vCPU threads (running once `run` does). */
  add(domain: Domain): void {
    if (this.entries.has(domain)) throw new Error(`domain ${domain.name} is already on this runner`);
    const backend = this.pv.attach(domain);
    domain.setRunRequest(RunRequest.PAUSE);
    domain.boot(epochTicks());
    const e = this.start(domain);
    e.backend = backend;
    if (this.running) void this.resume(e);
  }

  /**
   * Starts (or takes from the spares) and attaches the vCPU threads of a domain that
   * addRestored will add: a thread takes milliseconds to attach and build its vCPU, which
   * would otherwise be spent inside the downtime. They run nothing until then.
   */
  prepare(domain: Domain): void {
    if (this.entries.has(domain)) throw new Error(`domain ${domain.name} is already on this runner`);
    domain.setRunRequest(RunRequest.PAUSE);
    this.start(domain);
  }

  preloadVcpuState(domain: Domain, state: VcpuState): void {
    const e = this.entries.get(domain);
    const worker = e?.workers[state.id];
    if (e?.backend !== undefined || worker === undefined) return; // not prepared, or no such vCPU: addRestored says why
    const restoring = worker.request({ type: "restore-state", state });
    restoring.catch(() => undefined); // addRestored awaits it
    e!.preloaded.set(state, restoring);
  }

  async addRestored(
    domain: Domain,
    states: readonly VcpuState[],
    pv: PvRestore,
    guestTime: number,
    options: AddRestoredOptions = {},
  ): Promise<void> {
    const prepared = this.entries.get(domain);
    if (prepared?.backend !== undefined) throw new Error(`domain ${domain.name} is already on this runner`);
    checkRestoredStates(domain, states);
    domain.setRunRequest(RunRequest.PAUSE);
    const e = prepared ?? this.start(domain);
    // The threads restore their vCPUs (unless preloaded) while this one attaches the PV
    // state: both are on the path from a migration's last record to its READY.
    const restored = Promise.all(
      states.map(
        (st) => e.preloaded.get(st) ?? e.workers[st.id]!.request({ type: "restore-state", state: st }),
      ),
    );
    e.preloaded.clear();
    restored.catch(() => undefined); // awaited below, unless attaching fails first
    const backend = this.pv.attach(domain, pv); // on a throw, the caller releases the domain
    domain.shared.timeBase = epochTicks() - guestTime;
    e.backend = backend;
    // Held as if pause() had been called: run() leaves it alone until unpause().
    e.userPaused = options.paused === true;
    try {
      await restored;
    } catch (error) {
      await this.release(domain);
      throw error;
    }
    if (this.running) await this.resume(e);
  }

  guestTime(domain: Domain): number {
    return epochTicks() - domain.shared.timeBase;
  }

  async vcpuStates(domain: Domain, ids?: readonly number[]): Promise<VcpuState[]> {
    const e = this.entry(domain);
    return Promise.all(
      (ids ?? e.workers.map((_, i) => i)).map(async (i) => {
        // Suspended, vCPU 0 runs nothing until resumed: the state its thread sends after the
        // suspend is current, and asking again would cost the downtime a round trip.
        const reported = domain.suspended
          ? await e.workers[i]!.suspendedState(domain.shared.suspendTime)
          : undefined;
        if (reported !== undefined) return reported;
        const s = await e.workers[i]!.request({ type: "save-state" });
        if (s === undefined) throw new VcpuWorkerError(`vCPU ${i} of domain ${domain.name} sent no state`);
        return s;
      }),
    );
  }

  async release(domain: Domain): Promise<void> {
    const e = this.entries.get(domain);
    if (e === undefined) return; // released already (a failed addRestored releases its domain)
    domain.destroy();
    await this.finish(e);
    this.entries.delete(domain);
    this.pv.detach(domain.id);
    this.pool.refill(); // a prepared domain may have taken spares
  }

  async waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const until = performance.now() + timeoutMs;
    // Looked at again after every PV call and suspend (nudge), or every pollMs: a migration
    // waits here for its guest to suspend, and the wait's lag past the suspend call is downtime.
    while (!done() && performance.now() < until) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.nudges.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(this.pollMs, Math.max(until - performance.now(), 0)));
        this.nudges.add(wake);
      });
    }
    return done();
  }

  /** Ends every waitFor's current nap, so that it looks at its condition now. */
  private nudge(): void {
    for (const wake of [...this.nudges]) wake();
  }

  /** Builds the domain's entry and its vCPU threads, held (RUN = PAUSE) until resumed. */
  private start(domain: Domain): Entry {
    const control = new VcpuControl(domain.vcpus);
    const entry: Entry = {
      domain,
      control,
      workers: [],
      backend: undefined,
      userPaused: false,
      crash: undefined,
      preloaded: new Map(),
      finished: undefined,
      hang: undefined,
    };
    this.entries.set(domain, entry);
    const descriptor = domain.descriptor();
    // A prepared domain's vCPUs run nothing, so they make no PV call before it has a backend.
    const serve = (vcpu: number, fid: number, args: readonly number[]): readonly [number, number] =>
      entry.backend?.call(vcpu, fid, args) ?? [SbiError.FAILED, 0];
    for (let vcpu = 0; vcpu < domain.vcpus; vcpu++) {
      const mailbox = new PvMailbox();
      const data = {
        descriptor,
        vcpu,
        control: control.buffer,
        sliceInstructions: this.sliceInstructions,
        pvMailbox: mailbox.buffer,
        jit: this.jit,
      };
      entry.workers.push(
        new VcpuWorkerHandle(
          this.workerScript,
          data,
          (e) => this.crashed(entry, e),
          (what) => {
            if (what === "pv-call") mailbox.answer(serve);
            this.nudge(); // what waitFor waits for may have happened: a suspend, a store write
          },
          this.pool.take(),
        ),
      );
    }
    return entry;
  }

  /** Keeps at least `n` vCPU threads started ahead of need (e.g. before a restore of n vCPUs). */
  reserveWorkers(n: number): void {
    this.pool.reserve(n);
  }

  /** Ends the spare vCPU threads (domains' own threads end with their domains). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** True while some added domain has not ended (it runs, is paused or is suspended). */
  get active(): boolean {
    for (const e of this.entries.values()) if (!e.domain.ended) return true;
    return false;
  }

  /** Instructions a domain's vCPUs have run so far. */
  instructionsOf(domain: Domain): number {
    return this.entry(domain).control.instructions;
  }

  /** Instructions run so far over every vCPU. */
  get instructions(): number {
    let total = 0;
    for (const e of this.entries.values()) total += e.control.instructions;
    return total;
  }

  /**
   * Why a domain's worker failed, when that is how the domain ended. The report crosses
   * threads, so it can lag the domain's end by a moment; it is certain once the domain's
   * threads have stopped (when `run` or `destroy` has returned).
   */
  crashOf(domain: Domain): VcpuWorkerError | undefined {
    return this.entries.get(domain)?.crash;
  }

  /**
   * Runs until every domain has ended, `maxInstructions` have run, or `signal` aborts.
   * Console output goes to `onConsole(domain, bytes)` as it is produced.
   */
  async run(options: RunOptions = {}): Promise<void> {
    if (this.running) throw new Error("ParallelRunner.run() is already running");
    this.running = true;
    this.onConsole = options.onConsole;
    const limit = options.maxInstructions ?? Number.POSITIVE_INFINITY;
    try {
      for (const e of this.entries.values()) void this.resume(e);
      while ((this.active || options.keepAlive) && this.instructions < limit && !options.signal?.aborted) {
        await delay(this.pollMs, options.signal);
        this.poll();
      }
      await Promise.all(
        [...this.entries.values()].map((e) => (!e.domain.ended ? this.pauseEntry(e) : this.finish(e))),
      );
    } finally {
      for (const e of this.entries.values()) this.flushConsole(e);
      this.running = false;
      this.onConsole = undefined;
    }
  }

  /** Pauses every vCPU of a domain at a slice boundary; resolves once they all have stopped. */
  async pause(domain: Domain): Promise<void> {
    const e = this.entry(domain);
    e.userPaused = true;
    await this.pauseEntry(e);
  }

  /** Lets a paused domain run again (at once inside `run`, else when `run` is next called). */
  async unpause(domain: Domain): Promise<void> {
    const e = this.entry(domain);
    e.userPaused = false;
    if (this.running) await this.resume(e);
  }

  /** Replaces the state of every vCPU of a paused domain (`states` in vCPU order). */
  async restoreVcpuStates(domain: Domain, states: readonly VcpuState[]): Promise<void> {
    const e = this.entry(domain);
    if (states.length !== e.workers.length) {
      throw new RangeError(`domain ${domain.name} has ${e.workers.length} vCPUs, not ${states.length}`);
    }
    await Promise.all(e.workers.map((w, i) => w.request({ type: "restore-state", state: states[i]! })));
  }

  /** Ends a domain from the host side and stops its threads. */
  async destroy(domain: Domain): Promise<void> {
    const e = this.entry(domain);
    domain.destroy();
    await this.finish(e);
  }

  /**
   * Takes the domain's dirty pages (see dirty-log.ts) and resolves once every vCPU that was
   * inside a slice has caught up with the new epoch: from then on, reading those pages sees
   * every store made before, and every later store marks its page again. Call it once right
   * after enabling the log, before copying memory, for the same reason.
   */
  async harvestDirty(domain: Domain): Promise<PageRun[]> {
    const e = this.entry(domain);
    const log = domain.memory.dirty;
    const runs = log.harvest();
    const epoch = log.epoch;
    const shared = domain.shared;
    const giveUp = performance.now() + CATCH_UP_LIMIT_MS;
    let looks = 0;
    for (;;) {
      let behind = -1;
      for (let v = 0; v < domain.vcpus && behind < 0; v++) {
        const stale = ((shared.load(v, Slot.EPOCH) - epoch) | 0) < 0;
        if (stale && e.control.inSlice(v) && e.workers[v]!.alive) behind = v;
      }
      if (behind < 0) return runs;
      if (performance.now() > giveUp) {
        // A slice lasts milliseconds; this thread is wedged, and the pages cannot be trusted.
        throw new VcpuWorkerError(
          `vCPU ${behind} of domain ${domain.name} has not finished its slice in 10 s`,
        );
      }
      // A few quick looks, then a millisecond at a time: spinning here would take from the
      // vCPUs the very CPU time they need to finish their slices (a 2-core host has none spare).
      if (++looks < QUICK_LOOKS) await new Promise<void>((resolve) => setImmediate(resolve));
      else await delay(1, undefined);
    }
  }

  private entry(domain: Domain): Entry {
    const e = this.entries.get(domain);
    if (e === undefined) throw new Error(`domain ${domain.name} is not on this runner`);
    return e;
  }

  private async resume(e: Entry): Promise<void> {
    if (!e.domain.running || e.userPaused || e.backend === undefined || e.finished !== undefined) return;
    e.domain.setRunRequest(RunRequest.RUN);
    // Spares taken for this domain are replaced once it runs, not while a restore or an
    // incoming migration (downtime included) would share the CPU with their start.
    setImmediate(() => this.pool.refill());
    await Promise.all(e.workers.map((w) => w.request({ type: "run" }).catch(() => undefined)));
  }

  private async pauseEntry(e: Entry): Promise<void> {
    if (e.domain.running) e.domain.setRunRequest(RunRequest.PAUSE);
    // A thread that has gone runs nothing: its failure is the domain's end, reported elsewhere.
    await Promise.all(e.workers.map((w) => w.request({ type: "pause" }).catch(() => undefined)));
  }

  private poll(): void {
    for (const e of this.entries.values()) {
      this.flushConsole(e);
      if (e.domain.ended) void this.finish(e);
      else if (e.domain.running && !this.waitForInput) this.checkHung(e);
    }
  }

  /**
   * Ends a domain as crashed when every vCPU waits for a wake nothing can send: each is idle
   * with no timer or HSM-stopped, and nothing changed since the last poll. Paused domains
   * are waiting for the host, not hung.
   */
  private checkHung(e: Entry): void {
    const shared = e.domain.shared;
    for (let v = 0; v < e.domain.vcpus; v++) {
      if (shared.load(v, Slot.RUN) !== RunRequest.RUN) {
        e.hang = undefined;
        return;
      }
    }
    const fingerprint = e.control.hangFingerprint(shared);
    if (fingerprint !== undefined && fingerprint === e.hang) {
      shared.crash();
    }
    e.hang = fingerprint;
  }

  private crashed(e: Entry, error: VcpuWorkerError): void {
    e.crash ??= error;
    e.domain.shared.crash();
    void this.finish(e);
  }

  /** Stops an ended domain's threads, then drains what they wrote last. */
  private finish(e: Entry): Promise<void> {
    e.finished ??= (async () => {
      await Promise.all(e.workers.map((w) => w.stop()));
      this.flushConsole(e);
    })();
    return e.finished;
  }

  private flushConsole(e: Entry): void {
    if (this.onConsole === undefined) return;
    const bytes = e.domain.consoleOut.drain();
    if (bytes.length > 0) this.onConsole(e.domain, bytes);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
