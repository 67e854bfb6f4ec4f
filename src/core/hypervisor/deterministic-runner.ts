/**
 * Deterministic execution (DESIGN.md §6): every vCPU of every domain on this one thread,
 * round-robin, each turn a quantum drawn from a seeded generator, on a virtual clock. The
 * same seed and the same inputs give the same run, bit for bit — console output, memory,
 * instruction counts — which is what tests use to explore interleavings.
 *
 * Time: after each round the clock moves by the largest number of instructions any vCPU
 * ran in it, divided by `instructionsPerTick` (the vCPUs notionally ran side by side). When
 * every vCPU is idle the clock jumps to the earliest timer deadline; when there is none, a
 * domain with nothing that can ever wake it has hung, and ends as crashed unless console
 * input may still come (then the runner waits for it).
 */
import { VirtualClock } from "../machine/clock.js";
import type { PageRun } from "../memory/dirty-log.js";
import { AttachedDomain } from "./attached-domain.js";
import type { Domain } from "./domain.js";
import { type AddRestoredOptions, checkRestoredStates, type DomainRunner } from "./domain-runner.js";
import { RunRequest, Slot } from "./domain-shared-state.js";
import { TICKS_PER_MS } from "./host-clock.js";
import type { PvBackend } from "./pv-backend.js";
import { PvHost, type PvRestore } from "./pv-host.js";
import type { Vcpu, VcpuHost } from "./vcpu.js";
import { captureVcpuState, restoreVcpuState, type VcpuState } from "./vcpu-state.js";

export interface DeterministicRunnerOptions {
  readonly seed?: number;
  /** Quantum bounds in instructions (defaults 2,000 and 20,000). */
  readonly minQuantum?: number;
  readonly maxQuantum?: number;
  /** Instructions per 10 MHz tick of guest time (default 10, i.e. 100 MIPS of guest time). */
  readonly instructionsPerTick?: number;
  /** Wait for console input when every vCPU is idle with no timer, instead of ending the domain. */
  readonly waitForInput?: boolean;
  /** The PV services (store, event channels) of this host; a new one by default. */
  readonly pv?: PvHost;
  /** Where console output goes when a run() call names no onConsole of its own. */
  readonly onConsole?: (domain: Domain, bytes: Uint8Array) => void;
  /** Compile hot guest code to WebAssembly (default on; the run is the same either way). */
  readonly jit?: boolean;
}

interface Entry {
  readonly domain: Domain;
  readonly attached: AttachedDomain;
  readonly vcpus: Vcpu[];
}

/** xorshift32: small, fast and the same everywhere. */
class SeededRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
}

/** How often the loop lets the event loop in (a zero timer costs ~1 ms: keep it rare). */
const YIELD_MS = 100;

export class DeterministicRunner implements DomainRunner {
  readonly clock = new VirtualClock();
  readonly pv: PvHost;
  private entries: Entry[] = [];
  private readonly random: SeededRandom;
  private readonly minQuantum: number;
  private readonly maxQuantum: number;
  private readonly instructionsPerTick: number;
  private readonly waitForInput: boolean;
  private readonly jit: boolean;
  /** Instructions run so far over every vCPU. */
  instructions = 0;
  /** True while `run()` is running. */
  private running = false;

  constructor(options: DeterministicRunnerOptions = {}) {
    this.random = new SeededRandom(options.seed ?? 1);
    this.minQuantum = options.minQuantum ?? 2_000;
    this.maxQuantum = Math.max(options.maxQuantum ?? 20_000, this.minQuantum);
    this.instructionsPerTick = options.instructionsPerTick ?? 10;
    this.waitForInput = options.waitForInput ?? false;
    this.jit = options.jit ?? true;
    this.pv = options.pv ?? new PvHost();
    this.onConsole = options.onConsole;
  }

  /** The default console sink (see DeterministicRunnerOptions.onConsole). */
  onConsole: ((domain: Domain, bytes: Uint8Array) => void) | undefined;

  /** Boots a domain on this runner's clock and schedules its vCPUs. */
  add(domain: Domain): void {
    const backend = this.pv.attach(domain);
    domain.boot(this.clock.now());
    this.entries.push(this.entryFor(domain, backend));
  }

  /** Nothing to build ahead: a vCPU here is an object, made in addRestored. */
  prepare(_domain: Domain): void {}

  /** A vCPU here is restored in addRestored, at no cost worth moving. */
  preloadVcpuState(_domain: Domain, _state: VcpuState): void {}

  async addRestored(
    domain: Domain,
    states: readonly VcpuState[],
    pv: PvRestore,
    guestTime: number,
    options: AddRestoredOptions = {},
  ): Promise<void> {
    checkRestoredStates(domain, states);
    const backend = this.pv.attach(domain, pv);
    try {
      if (options.paused) domain.setRunRequest(RunRequest.PAUSE);
      domain.shared.timeBase = this.clock.now() - guestTime;
      const entry = this.entryFor(domain, backend);
      for (const st of states) restoreVcpuState(entry.vcpus[st.id]!, st);
      this.entries.push(entry);
    } catch (e) {
      this.pv.detach(domain.id);
      throw e;
    }
  }

  private entryFor(domain: Domain, backend: PvBackend): Entry {
    const attached = new AttachedDomain(domain.descriptor());
    const host: VcpuHost = {
      now: () => attached.guestTime(this.clock.now()),
      consoleWrite: (bytes) => attached.consoleOut.write(bytes),
      consoleRead: (max) => attached.consoleIn.read(max),
      // One thread: the targets apply the fence before they run again.
      awaitFences: () => {},
      pvCall: (vcpu, fid, args) => backend.call(vcpu, fid, args),
    };
    const vcpus: Vcpu[] = [];
    for (let id = 0; id < domain.vcpus; id++) vcpus.push(attached.buildVcpu(id, host, this.jit));
    return { domain, attached, vcpus };
  }

  private entry(domain: Domain): Entry {
    const e = this.entries.find((x) => x.domain === domain);
    if (e === undefined) throw new Error(`domain ${domain.name} is not on this runner`);
    return e;
  }

  async pause(domain: Domain): Promise<void> {
    this.entry(domain);
    domain.setRunRequest(RunRequest.PAUSE);
  }

  async unpause(domain: Domain): Promise<void> {
    this.entry(domain);
    domain.setRunRequest(RunRequest.RUN);
  }

  guestTime(domain: Domain): number {
    return this.entry(domain).attached.guestTime(this.clock.now());
  }

  /**
   * Takes the dirty pages. One thread: no vCPU is inside a slice while this runs, and each
   * drops its cached write entries at the start of its next slice (hart.ts), so the pages
   * can be read at once.
   */
  async harvestDirty(domain: Domain): Promise<PageRun[]> {
    this.entry(domain);
    return domain.memory.dirty.harvest();
  }

  async vcpuStates(domain: Domain, ids?: readonly number[]): Promise<VcpuState[]> {
    const vcpus = this.entry(domain).vcpus;
    return (ids === undefined ? vcpus : ids.map((i) => vcpus[i]!)).map((v) => captureVcpuState(v));
  }

  /** Instructions the domain's vCPUs retired in compiled code (cpu/jit); 0 without the JIT. */
  compiledInstructions(domain: Domain): number {
    return this.entry(domain).vcpus.reduce((sum, v) => sum + (v.hart.jit?.stats.instructions ?? 0), 0);
  }

  /** Ends a domain now; its vCPUs never run again. */
  async destroy(domain: Domain): Promise<void> {
    domain.destroy();
  }

  async release(domain: Domain): Promise<void> {
    if (!this.entries.some((e) => e.domain === domain)) return; // prepared only: nothing was built
    domain.destroy();
    this.pv.detach(domain.id);
    this.entries = this.entries.filter((e) => e.domain !== domain);
  }

  /**
   * Runs the guests until `done()` or `timeoutMs` of guest time. Called while `run()` is
   * already running (a test drives the guests while a migration suspends one), it does not
   * start a second loop over the same vCPUs: it watches that run's progress instead.
   */
  async waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const until = this.clock.now() + timeoutMs * TICKS_PER_MS;
    while (this.running) {
      if (done() || this.clock.now() >= until) return done();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (done()) return true;
    await this.run({ until: () => done() || this.clock.now() >= until });
    return done();
  }

  /** True while some added domain is still running. */
  get active(): boolean {
    return this.entries.some((e) => e.domain.running);
  }

  /**
   * Runs until every domain has ended, `maxInstructions` more have run, or `signal` aborts.
   * Console output goes to `onConsole(domain, bytes)` as it is produced.
   */
  async run(
    options: {
      maxInstructions?: number;
      signal?: AbortSignal;
      onConsole?: (domain: Domain, bytes: Uint8Array) => void;
      /** Stop once this holds (checked after every round). */
      until?: () => boolean;
    } = {},
  ): Promise<void> {
    if (this.running) throw new Error("DeterministicRunner.run() is already running");
    this.running = true;
    try {
      await this.loop(options);
    } finally {
      this.running = false;
    }
  }

  private async loop(options: {
    maxInstructions?: number;
    signal?: AbortSignal;
    onConsole?: (domain: Domain, bytes: Uint8Array) => void;
    until?: () => boolean;
  }): Promise<void> {
    const limit = this.instructions + (options.maxInstructions ?? Number.POSITIVE_INFINITY);
    const onConsole = options.onConsole ?? this.onConsole;
    let lastYield = performance.now();
    while (this.active && this.instructions < limit && !options.signal?.aborted && !options.until?.()) {
      let roundMax = 0;
      let anyRunnable = false;
      for (const e of this.entries) {
        if (!e.domain.running) continue;
        for (const v of e.vcpus) {
          const quantum = this.minQuantum + (this.random.next() % (this.maxQuantum - this.minQuantum + 1));
          const before = v.hart.instret;
          const outcome = v.runSlice(Math.min(quantum, limit - this.instructions));
          const ran = Math.max(0, v.hart.instret - before);
          this.instructions += ran;
          roundMax = Math.max(roundMax, ran);
          if (outcome === "ran") anyRunnable = true;
        }
        this.flushConsole(e, onConsole);
      }
      if (anyRunnable || roundMax > 0) {
        this.clock.advance(Math.max(1, Math.floor(roundMax / this.instructionsPerTick)));
      } else if (!(await this.idle(options.signal))) {
        break;
      }
      if (performance.now() - lastYield > YIELD_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
    for (const e of this.entries) this.flushConsole(e, onConsole);
  }

  /** Every vCPU is idle: jump to the next deadline, wait for input, or end hung domains. */
  private async idle(signal: AbortSignal | undefined): Promise<boolean> {
    let next = Number.POSITIVE_INFINITY;
    for (const e of this.entries) {
      if (!e.domain.running) continue;
      for (const v of e.vcpus) next = Math.min(next, v.nextWakeTime() + e.attached.shared.timeBase);
    }
    if (next !== Number.POSITIVE_INFINITY) {
      this.clock.advanceTo(Math.max(next, this.clock.now() + 1));
      return true;
    }
    if (this.waitForInput && !signal?.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return true;
    }
    for (const e of this.entries) {
      const paused = e.vcpus.some((v) => e.attached.shared.load(v.id, Slot.RUN) !== RunRequest.RUN);
      if (e.domain.running && !paused) {
        e.attached.shared.crash();
      }
    }
    return false;
  }

  private flushConsole(e: Entry, onConsole?: (domain: Domain, bytes: Uint8Array) => void): void {
    const bytes = e.attached.consoleOut.drain();
    if (bytes.length > 0) onConsole?.(e.domain, bytes);
  }
}
