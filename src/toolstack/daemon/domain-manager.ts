/**
 * The domains of one host, as ferryd keeps them: every action of the vocabulary (api/actions.ts)
 * done on a ParallelRunner, independent of HTTP so tests can drive it directly.
 *
 * Invariants:
 * - names are unique on the host; a name is reserved while a restore that will take it runs;
 * - one operation at a time per domain (`busy`): a second is refused at once with "busy",
 *   never queued behind the first;
 * - a save that fails after the guest suspended resumes it in place (its suspend call returns 1),
 *   so a failed save never loses a running domain; the image file is written under a
 *   temporary name and renamed, so it never loses an older image either;
 * - a domain that powers off is destroyed and forgotten (on_poweroff = "destroy", xl's
 *   default) or kept in the list as "shutdown" until `destroy` ("preserve").
 */
import { availableParallelism, freemem, hostname, totalmem } from "node:os";
import { Domain, DomainConfigError, MAX_DOMAIN_ID } from "../../core/hypervisor/domain.js";
import { Slot } from "../../core/hypervisor/domain-shared-state.js";
import { HartState } from "../../core/hypervisor/sbi-numbers.js";
import { StoreError } from "../../core/hypervisor/store/store-error.js";
import {
  type ByteChannel,
  MigrationError,
  type MigrationReport,
  migrateIn,
  migrateOut,
} from "../../core/migration/migrate.js";
import { captureDomainRecords } from "../../core/snapshot/capture-domain.js";
import {
  type DomainRecord,
  IMAGE_VERSION,
  ImageError,
  type OnPoweroff,
} from "../../core/snapshot/domain-image.js";
import { decodeImage, encodeImage } from "../../core/snapshot/image-codec.js";
import { restoreDomainFrom } from "../../core/snapshot/restore-domain.js";
import {
  announcesSuspend,
  resumeDomain,
  SuspendError,
  suspendDomain,
} from "../../core/snapshot/suspend-domain.js";
import { DiskImageError } from "../../host/node/file-disk-image.js";
import { ImageFileError, openImageFile, saveImageFile } from "../../host/node/image-file.js";
import type { ParallelRunner } from "../../host/node/parallel-runner.js";
import { ProgramFileError, readProgramFile } from "../../host/node/program-file.js";
import { connectChannel, TcpChannelError } from "../../host/node/tcp-channel.js";
import { DEFAULT_MIGRATION_PORT, formatHostPort, type HostPort, parseHostPort } from "../api/addresses.js";
import type {
  DomainConfig,
  DomainState,
  DomainSummary,
  ErrorCode,
  HostInfo,
  MigrateRequest,
  MigrateResult,
  Progress,
  RestoreRequest,
  RestoreResult,
  SaveRequest,
  SaveResult,
  VcpuInfo,
} from "../api/schemas.js";
import { DiskSpecError } from "../config/disk-spec.js";
import { ConsoleLog } from "./console-log.js";
import { HostDisks } from "./host-disks.js";

/** An action that cannot be done, with the code the API reports (api/schemas.ts ErrorCode). */
export class ToolstackError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ToolstackError";
  }
}

interface Entry {
  readonly domain: Domain;
  readonly memoryMiB: number;
  readonly onPoweroff: OnPoweroff;
  readonly console: ConsoleLog;
  readonly since: number;
  paused: boolean;
  /** Left suspended by a migration in doubt: `unpause` resumes it here, `destroy` drops it. */
  inDoubt: boolean;
  busy: string | null;
}

interface Reservation {
  readonly id: number;
  readonly console: ConsoleLog;
}

export interface DomainManagerOptions {
  readonly ferryVersion: string;
  readonly api: string;
  readonly migration: string;
  /** Where disks copied in by a migration are made (`NAME-xvdX.img`); none: such migrations are refused. */
  readonly diskDir?: string;
}

const MiB = 1024 * 1024;

export class DomainManager {
  private readonly entries = new Map<string, Entry>();
  /**
   * Names being restored or migrating in: taken, though no entry has them yet, with the id the
   * domain will have and its console — a restored guest runs (and prints its resume line) as
   * soon as the runner has it, before restore() has returned.
   */
  private readonly reserved = new Map<string, Reservation>();
  private nextId = 1;
  private readonly started = Date.now();
  private readonly reaper: NodeJS.Timeout;

  private readonly disks: HostDisks;

  constructor(
    readonly runner: ParallelRunner,
    private readonly options: DomainManagerOptions,
  ) {
    this.disks = new HostDisks(
      runner.pv,
      () => [...this.entries.values()].map((e) => e.domain),
      options.diskDir,
    );
    this.reaper = setInterval(() => void this.reap(), 100);
    this.reaper.unref();
  }

  /** The runner's console sink: routes a domain's output to its log. */
  readonly onConsole = (domain: Domain, bytes: Uint8Array): void => {
    const e = this.entries.get(domain.name);
    if (e?.domain === domain) e.console.write(bytes);
    else {
      const r = this.reserved.get(domain.name);
      if (r?.id === domain.id) r.console.write(bytes);
    }
  };

  hostInfo(): HostInfo {
    let memory = 0;
    for (const e of this.entries.values()) memory += e.memoryMiB;
    return {
      ferry: this.options.ferryVersion,
      node: process.version,
      hostname: hostname(),
      cores: availableParallelism(),
      memoryTotal: totalmem(),
      memoryFree: freemem(),
      api: this.options.api,
      migration: this.options.migration,
      imageFormatVersion: IMAGE_VERSION,
      domains: this.entries.size,
      domainMemory: memory,
      uptime: (Date.now() - this.started) / 1000,
    };
  }

  list(): DomainSummary[] {
    return [...this.entries.values()].sort((a, b) => a.domain.id - b.domain.id).map((e) => this.summary(e));
  }

  info(name: string): DomainSummary {
    return this.summary(this.get(name));
  }

  /** The domain itself, for code in this process that looks at its memory (bench/save.ts). */
  domainOf(name: string): Domain {
    return this.get(name).domain;
  }

  async create(config: DomainConfig): Promise<DomainSummary> {
    this.claimName(config.name);
    let kernel: Uint8Array;
    try {
      kernel = await readProgramFile(config.kernel);
    } catch (e) {
      if (e instanceof ProgramFileError) throw new ToolstackError("bad-request", e.message, { cause: e });
      throw e;
    }
    let disks: Awaited<ReturnType<HostDisks["openAll"]>>;
    try {
      disks = await this.disks.openAll(config.disk ?? []);
    } catch (e) {
      if (e instanceof DiskSpecError || e instanceof DiskImageError)
        throw new ToolstackError("bad-request", e.message, { cause: e });
      throw e;
    }
    const vcpus = config.maxvcpus ?? config.vcpus;
    let domain: Domain;
    try {
      this.claimName(config.name); // again: the reads above let other requests in
      domain = new Domain(this.allocateId(), {
        name: config.name,
        vcpus,
        memorySize: config.memory * MiB,
        kernel,
        bootargs: config.cmdline ?? "",
      });
    } catch (e) {
      await Promise.allSettled(disks.map((d) => d.image.close()));
      if (e instanceof DomainConfigError)
        throw new ToolstackError("bad-request", `${config.kernel}: ${e.message}`, { cause: e });
      throw e;
    }
    this.runner.add(domain);
    // Before the guest can read them: its store requests are served on this thread, which
    // does not yield between add() and here. The disks belong to the domain from here on.
    for (const d of disks) this.runner.pv.attachDisk(domain, d.state, d.image);
    this.writeAvailability(domain, config.vcpus);
    const e = this.track(domain, config.memory, config.on_poweroff ?? "destroy");
    return this.summary(e);
  }

  async pause(name: string): Promise<DomainSummary> {
    const e = this.get(name);
    return this.exclusive(e, "pause", async () => {
      this.mustRun(e, "pause");
      await this.runner.pause(e.domain);
      e.paused = true;
      return this.summary(e);
    });
  }

  async unpause(name: string): Promise<DomainSummary> {
    const e = this.get(name);
    return this.exclusive(e, "unpause", async () => {
      if (e.inDoubt) {
        // The operator says the destination does not have it: resume this copy (suspend
        // returns 1 in the guest, as after any failed migration).
        await resumeDomain(this.runner, e.domain, e.domain.suspended ? "cooperative" : "transparent");
        e.inDoubt = false;
        return this.summary(e);
      }
      if (!e.paused) throw new ToolstackError("conflict", `domain ${name} is not paused`);
      await this.runner.unpause(e.domain);
      e.paused = false;
      return this.summary(e);
    });
  }

  /** Asks the guest to power off through control/shutdown, as `xl shutdown` does. */
  async shutdown(name: string, wait: boolean, timeoutMs = 60_000): Promise<DomainSummary> {
    const e = this.get(name);
    return this.exclusive(e, "shutdown", async () => {
      this.mustRun(e, "shut down");
      if (e.paused) throw new ToolstackError("conflict", `domain ${name} is paused: unpause it first`);
      if (!announcesSuspend(this.runner, e.domain)) {
        throw new ToolstackError(
          "conflict",
          `domain ${name} does not watch control/shutdown (its guest announced no PV control): use destroy`,
        );
      }
      this.runner.pv.store.write(0, `/local/domain/${e.domain.id}/control/shutdown`, "poweroff");
      if (wait && !(await this.runner.waitFor(() => e.domain.ended, timeoutMs))) {
        throw new ToolstackError("failed", `domain ${name} did not power off within ${timeoutMs} ms`);
      }
      return this.summary(e);
    });
  }

  async destroy(name: string): Promise<void> {
    const e = this.get(name);
    if (e.busy !== null && e.busy !== "shutdown") {
      throw new ToolstackError("busy", `domain ${name} is busy: ${e.busy} in progress`);
    }
    e.busy = "destroy";
    await this.forget(e);
  }

  vcpuList(name: string): VcpuInfo[] {
    const e = this.get(name);
    const d = e.domain;
    const out: VcpuInfo[] = [];
    for (let v = 0; v < d.vcpus; v++) {
      const a = this.readStore(`/local/domain/${d.id}/cpu/${v}/availability`);
      out.push({
        vcpu: v,
        state: hsmName(d.shared.load(v, Slot.HSM)),
        availability: a === "offline" ? "offline" : "online",
      });
    }
    return out;
  }

  /** Xen's vcpu-set: vCPUs 0..online-1 available, the rest powered off by the guest. */
  vcpuSet(name: string, online: number): VcpuInfo[] {
    const e = this.get(name);
    if (e.busy !== null) throw new ToolstackError("busy", `domain ${name} is busy: ${e.busy} in progress`);
    this.mustRun(e, "change the vCPUs of");
    if (online > e.domain.vcpus) {
      throw new ToolstackError(
        "bad-request",
        `domain ${name} has ${e.domain.vcpus} vCPUs (maxvcpus), not ${online}`,
      );
    }
    this.writeAvailability(e.domain, online);
    return this.vcpuList(name);
  }

  consoleOf(name: string): ConsoleLog {
    return this.get(name).console;
  }

  consoleInput(name: string, data: string): void {
    const e = this.get(name);
    this.mustRun(e, "type into");
    e.domain.pushInput(new TextEncoder().encode(data));
  }

  /**
   * Saves a domain to `file` (xl save): suspend (cooperatively, or a transparent pause), stream
   * the image to a temporary file, rename it, then destroy the domain — or let it go on with
   * `checkpoint`. Any failure after the suspend resumes the domain in place.
   */
  async save(name: string, request: SaveRequest, progress: (p: Progress) => void): Promise<SaveResult> {
    const e = this.get(name);
    return this.exclusive(e, "save", async () => {
      this.mustRun(e, "save");
      const d = e.domain;
      const t0 = performance.now();
      progress({ phase: "suspend", bytes: 0, fraction: null });
      // A paused domain is saved as it stands (transparently: every vCPU's context); its
      // guest cannot take part in a suspend while it does not run.
      let mode: "cooperative" | "transparent" = "transparent";
      try {
        if (!e.paused) {
          mode = await suspendDomain(
            this.runner,
            d,
            request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs },
          );
        }
      } catch (err: unknown) {
        if (err instanceof SuspendError) throw new ToolstackError("failed", err.message, { cause: err });
        throw err;
      }
      const t1 = performance.now();
      let bytes = 0;
      let pages = 0;
      let fraction = 0;
      try {
        const image = await captureDomainRecords(this.runner, d, mode, {
          onPoweroff: e.onPoweroff,
          onProgress: (done: number, total: number) => {
            fraction = total > 0 ? done / total : 1;
          },
        });
        const written = await saveImageFile(
          request.file,
          encodeImage(
            image.header,
            tallyPages(image.records, (n) => (pages += n)),
          ),
          {
            onBytes: (n: number) => {
              bytes = n;
              progress({ phase: "write", bytes, fraction });
            },
          },
        );
        bytes = written.bytes;
      } catch (err: unknown) {
        progress({ phase: "resume", bytes, fraction: null });
        await this.resumeAfterSave(e, mode);
        if (err instanceof ImageFileError || err instanceof ImageError) {
          throw new ToolstackError("failed", `${err.message}; domain ${name} keeps running`, { cause: err });
        }
        throw err;
      }
      const t2 = performance.now();
      if (request.checkpoint) await this.resumeAfterSave(e, mode);
      else await this.forget(e);
      return {
        name,
        file: request.file,
        mode,
        bytes,
        pages,
        suspendMs: Math.round(t1 - t0),
        writeMs: Math.round(t2 - t1),
        domain: request.checkpoint ? "running" : "destroyed",
      };
    });
  }

  /** Restores a domain from an image file (xl restore); nothing is created if the image is bad. */
  async restore(request: RestoreRequest, progress: (p: Progress) => void): Promise<RestoreResult> {
    const t0 = performance.now();
    let size = 0;
    let read = 0;
    let chunks: AsyncIterable<Uint8Array>;
    try {
      const file = await openImageFile(request.file);
      size = file.size;
      chunks = counted(file.chunks, (n) => {
        read += n;
        progress({ phase: "read", bytes: read, fraction: size > 0 ? Math.min(1, read / size) : null });
      });
    } catch (err: unknown) {
      if (err instanceof ImageFileError) throw new ToolstackError("failed", err.message, { cause: err });
      throw err;
    }
    let name: string | undefined;
    try {
      const image = await decodeImage(chunks);
      const items = image.records[Symbol.asyncIterator]();
      const first = await items.next();
      const config = first.done ? undefined : first.value;
      if (config?.type !== "domain-config") throw new ImageError("the first record is not domain-config");
      const wanted = request.name ?? config.name;
      const r = this.reserve(wanted);
      name = wanted;
      // Added paused when asked: it does not run a single slice before `unpause`.
      const domain = await restoreDomainFrom(this.runner, image.header, prepend(config, items), {
        id: r.id,
        name,
        paused: request.paused === true,
        openDisk: this.disks.open,
      });
      const e = this.track(domain, config.memorySize / MiB, config.onPoweroff ?? "destroy", r.console);
      e.paused = request.paused === true;
      return {
        domain: this.summary(e),
        file: request.file,
        bytes: read,
        readMs: Math.round(performance.now() - t0),
      };
    } catch (err: unknown) {
      if (err instanceof ImageError || err instanceof ImageFileError) {
        throw new ToolstackError("failed", `${request.file}: ${err.message}`, { cause: err });
      }
      throw err;
    } finally {
      if (name !== undefined) this.reserved.delete(name);
    }
  }

  /**
   * Moves a domain to the ferryd listening at `target` (xl migrate): connects, runs the
   * migration stream (core/migration), and destroys this copy once the destination says it
   * runs the domain. Any failure before that leaves the domain running here.
   */
  async migrate(
    name: string,
    request: MigrateRequest,
    progress: (p: Progress) => void,
  ): Promise<MigrateResult> {
    const e = this.get(name);
    return this.exclusive(e, "migrate", async () => {
      this.mustRun(e, "migrate");
      if (e.paused) throw new ToolstackError("conflict", `domain ${name} is paused: unpause it first`);
      let target: HostPort;
      try {
        target = parseHostPort(request.target, DEFAULT_MIGRATION_PORT);
      } catch {
        throw new ToolstackError("bad-request", `bad target "${request.target}": expected HOST[:PORT]`);
      }
      progress({ phase: "handshake", bytes: 0, fraction: null });
      let channel: ByteChannel;
      try {
        channel = await connectChannel(target.host, target.port);
      } catch (err: unknown) {
        if (err instanceof TcpChannelError) {
          throw new ToolstackError("failed", `${err.message}; domain ${name} keeps running`, { cause: err });
        }
        throw err;
      }
      let report: MigrationReport;
      try {
        report = await migrateOut(this.runner, e.domain, channel, {
          live: request.live === true,
          ...(request.downtimeMs !== undefined ? { downtimeMs: request.downtimeMs } : {}),
          ...(request.maxRounds !== undefined ? { maxRounds: request.maxRounds } : {}),
          ...(request.timeoutMs !== undefined ? { suspendTimeoutMs: request.timeoutMs } : {}),
          ...(request.copyDisks === true ? { copyDisks: true } : {}),
          onProgress: (p) =>
            progress({
              phase: p.phase,
              bytes: p.bytes,
              fraction: p.sending?.fraction ?? null,
              ...(p.round ? { round: p.round } : {}),
              ...(p.sending ? { sending: { round: p.sending.round, final: p.sending.final } } : {}),
            }),
        });
      } catch (err: unknown) {
        // In doubt (the commit went out, no answer came): the copy here stays suspended and
        // listed, so an operator can look at the destination and keep one of the two.
        if (err instanceof MigrationError && err.inDoubt) {
          e.inDoubt = true;
          throw new ToolstackError(
            "failed",
            `${err.message} (\`ferry unpause ${name}\` resumes it here, \`ferry destroy ${name}\` drops it)`,
            { cause: err },
          );
        }
        if (err instanceof MigrationError) throw new ToolstackError("failed", err.message, { cause: err });
        throw err;
      } finally {
        channel.close();
      }
      await this.forget(e);
      return { name, target: formatHostPort(target), ...report };
    });
  }

  /**
   * Takes a domain migrating in over `channel` (the migration listener's connections). It is
   * listed from the commit on, before the source hears that it runs here.
   */
  async acceptMigration(channel: ByteChannel): Promise<DomainSummary> {
    let claimed: string | undefined;
    let onPoweroff: OnPoweroff = "destroy";
    let entry: Entry | undefined;
    const release = (name: string): void => void this.reserved.delete(name);
    try {
      await migrateIn(this.runner, channel, {
        claim: (name, incoming) => {
          const r = this.reserve(name);
          claimed = name;
          onPoweroff = incoming.onPoweroff;
          return { id: r.id, name };
        },
        release,
        openDisk: this.disks.open,
        receiveDisk: ({ devid, size }) => this.disks.make(claimed ?? "domain", devid, size),
        onCommit: (domain) => {
          const log = this.reserved.get(domain.name)?.console;
          entry = this.track(domain, domain.config.memorySize / MiB, onPoweroff, log);
        },
      });
      if (entry === undefined) throw new Error("migrateIn returned without a commit");
      return this.summary(entry);
    } finally {
      if (claimed !== undefined) release(claimed);
    }
  }

  /** Destroys every domain (the daemon is stopping). */
  async close(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all([...this.entries.values()].map((e) => this.forget(e)));
  }

  private summary(e: Entry): DomainSummary {
    const d = e.domain;
    let online = 0;
    for (let v = 0; v < d.vcpus; v++) {
      online += this.readStore(`/local/domain/${d.id}/cpu/${v}/availability`) === "offline" ? 0 : 1;
    }
    return {
      id: d.id,
      name: d.name,
      state: stateOf(e),
      vcpus: d.vcpus,
      online,
      memory: e.memoryMiB,
      xlen: d.xlen,
      uptime: Math.round((Date.now() - e.since) / 100) / 10,
      instructions: this.runner.instructionsOf(d),
      busy: e.busy,
    };
  }

  private track(domain: Domain, memoryMiB: number, onPoweroff: OnPoweroff, log = new ConsoleLog()): Entry {
    const e: Entry = {
      domain,
      memoryMiB,
      onPoweroff,
      console: log,
      since: Date.now(),
      paused: false,
      inDoubt: false,
      busy: null,
    };
    this.entries.set(domain.name, e);
    return e;
  }

  private get(name: string): Entry {
    const e = this.entries.get(name);
    if (e === undefined) throw new ToolstackError("no-such-domain", `no domain named ${name}`);
    return e;
  }

  private claimName(name: string): void {
    if (this.entries.has(name) || this.reserved.has(name)) {
      throw new ToolstackError("conflict", `a domain named ${name} already exists`);
    }
  }

  /**
   * Takes `name` and an id for a domain that arrives whole (restore, migration); the caller
   * deletes the reservation once the domain is tracked, or has failed to arrive.
   */
  private reserve(name: string): Reservation {
    this.claimName(name);
    const r: Reservation = { id: this.allocateId(), console: new ConsoleLog() };
    this.reserved.set(name, r);
    return r;
  }

  private allocateId(): number {
    const used = new Set([
      ...[...this.entries.values()].map((e) => e.domain.id),
      ...[...this.reserved.values()].map((r) => r.id),
    ]);
    for (let i = 0; i < MAX_DOMAIN_ID; i++) {
      const id = this.nextId;
      this.nextId = id >= MAX_DOMAIN_ID ? 1 : id + 1;
      if (!used.has(id)) return id;
    }
    throw new ToolstackError("conflict", "no free domain id");
  }

  private async exclusive<T>(e: Entry, op: string, fn: () => Promise<T>): Promise<T> {
    if (e.busy !== null) {
      throw new ToolstackError("busy", `domain ${e.domain.name} is busy: ${e.busy} in progress`);
    }
    e.busy = op;
    try {
      return await fn();
    } finally {
      if (e.busy === op) e.busy = null;
    }
  }

  private mustRun(e: Entry, verb: string): void {
    if (e.inDoubt)
      throw new ToolstackError(
        "conflict",
        `cannot ${verb} domain ${e.domain.name}: a migration of it is in doubt; unpause it to resume it here, or destroy it`,
      );
    if (e.domain.ended)
      throw new ToolstackError(
        "conflict",
        `cannot ${verb} domain ${e.domain.name}: it has ${stateOf(e) === "crashed" ? "crashed" : "shut down"}`,
      );
  }

  private async resumeAfterSave(e: Entry, mode: "cooperative" | "transparent"): Promise<void> {
    // A domain the user had paused stays paused after a transparent save.
    if (mode === "transparent" && e.paused) return;
    await resumeDomain(this.runner, e.domain, mode);
  }

  private writeAvailability(domain: Domain, online: number): void {
    for (let v = 0; v < domain.vcpus; v++) {
      this.runner.pv.store.write(
        0,
        `/local/domain/${domain.id}/cpu/${v}/availability`,
        v < online ? "online" : "offline",
      );
    }
  }

  private readStore(path: string): string | undefined {
    try {
      return this.runner.pv.store.readString(0, path);
    } catch (e) {
      if (e instanceof StoreError) return undefined;
      throw e;
    }
  }

  private async forget(e: Entry): Promise<void> {
    if (this.entries.get(e.domain.name) === e) this.entries.delete(e.domain.name);
    await this.runner.release(e.domain);
    e.console.close();
  }

  /** Powered-off domains: forgotten, or kept as "shutdown" (on_poweroff). */
  private async reap(): Promise<void> {
    for (const e of [...this.entries.values()]) {
      if (
        e.domain.ended &&
        e.busy === null &&
        e.onPoweroff === "destroy" &&
        e.domain.exit?.end !== "crashed"
      ) {
        e.busy = "destroy";
        await this.forget(e);
      }
    }
  }
}

function stateOf(e: Entry): DomainState {
  const d = e.domain;
  if (d.ended) return d.exit?.end === "crashed" ? "crashed" : "shutdown";
  if (d.suspended || e.inDoubt) return "suspended";
  return e.paused ? "paused" : "running";
}

function hsmName(state: number): VcpuInfo["state"] {
  switch (state) {
    case HartState.STARTED:
      return "started";
    case HartState.STOPPED:
      return "stopped";
    case HartState.START_PENDING:
      return "start-pending";
    case HartState.STOP_PENDING:
      return "stop-pending";
    case HartState.SUSPENDED:
      return "suspended";
    default:
      return "unknown";
  }
}

/** Passes records through, counting the memory pages as they go by. */
function* tallyPages(records: Iterable<DomainRecord>, add: (n: number) => void): Generator<DomainRecord> {
  for (const r of records) {
    if (r.type === "memory") add(r.pages.length);
    yield r;
  }
}

async function* counted(
  chunks: AsyncIterable<Uint8Array>,
  add: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const c of chunks) {
    add(c.length);
    yield c;
  }
}

async function* prepend<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}
