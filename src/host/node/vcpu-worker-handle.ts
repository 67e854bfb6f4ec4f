/**
 * The main thread's handle on one vCPU worker: starts the thread, sends requests and
 * matches their replies by id, and turns every way the thread can fail — a `crashed`
 * report, an uncaught error, an unexpected exit — into one `onCrash(error)` call, so the
 * runner can end that domain and nothing reaches the host process. Requests pending when
 * the thread dies are rejected; requests to a dead thread fail at once.
 *
 * A thread keeps the host process alive only while a request to it is pending: a paused or
 * forgotten domain must not stop a program from exiting (the runner's own timer keeps the
 * process alive while `run` is in progress).
 *
 * vCPU 0's thread follows its report of the domain's suspend with the vCPU's state
 * (vcpu-worker-protocol.ts): the handle keeps it, until the next restore-state, for
 * `suspendedState`.
 */
import { Worker } from "node:worker_threads";
import type { VcpuState } from "../../core/hypervisor/vcpu-state.js";
import type {
  VcpuAttach,
  VcpuRequest,
  VcpuSuspendedState,
  VcpuWorkerData,
  VcpuWorkerMessage,
} from "./vcpu-worker-protocol.js";

export class VcpuWorkerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "VcpuWorkerError";
  }
}

/** vCPU 0's state as its thread reported it after a suspend, and that suspend's guest time. */
type SuspendReport = Pick<VcpuSuspendedState, "state" | "suspendTime">;

/** A request without its id (the handle numbers them). */
type Request = VcpuRequest extends infer R ? (R extends VcpuRequest ? Omit<R, "id"> : never) : never;

interface Pending {
  resolve(state: VcpuState | undefined): void;
  reject(error: Error): void;
}

const STOP_GRACE_MS = 2000;

export class VcpuWorkerHandle {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopping = false;
  private gone = false;
  /**
   * What the thread reported after the domain's last suspend: pending from its `suspended`
   * signal until `suspended-state` comes; undefined after a restore-state or its end.
   */
  private suspendReport: Promise<SuspendReport | undefined> = Promise.resolve(undefined);
  /** Settles `suspendReport` while it is pending. */
  private settleSuspendReport: ((report: SuspendReport | undefined) => void) | undefined;
  /** Resolves when the thread has ended, whatever the reason. */
  readonly exited: Promise<void>;

  constructor(
    script: URL,
    private readonly data: VcpuWorkerData,
    private readonly onCrash: (error: VcpuWorkerError) => void,
    /** Called when the vCPU waits for a PV call in its mailbox, or its domain has just suspended. */
    private readonly onSignal: (what: "pv-call" | "suspended") => void = () => {},
    /** A thread started ahead of need, without workerData (vcpu-worker-pool.ts). */
    spare?: Worker,
  ) {
    if (spare === undefined) {
      this.worker = new Worker(script, {
        workerData: data,
        name: `${data.descriptor.name}/vcpu${data.vcpu}`,
      });
    } else {
      this.worker = spare;
      this.worker.removeAllListeners();
      const attach: VcpuAttach = { type: "attach", data };
      this.worker.postMessage(attach);
    }
    this.worker.unref();
    this.worker.on("message", (m: VcpuWorkerMessage) => this.receive(m));
    this.worker.on("error", (e) => {
      this.onCrash(new VcpuWorkerError(`${this.label}: ${e.message}`, { cause: e }));
    });
    this.exited = new Promise((resolve) => {
      this.worker.on("exit", (code) => {
        this.gone = true;
        const error = new VcpuWorkerError(`${this.label}'s thread exited (code ${code})`);
        if (!this.stopping) this.onCrash(error);
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
        this.endSuspendReport(undefined);
        resolve();
      });
    });
  }

  /**
   * The vCPU's state as its thread reported it after its PV suspend call suspended the domain
   * at guest time `suspendTime` — waiting for it if the suspend was reported and its state
   * is on its way; undefined if there is no such report (ask with a save-state request).
   */
  async suspendedState(suspendTime: number): Promise<VcpuState | undefined> {
    const report = await this.suspendReport;
    return report?.suspendTime === suspendTime ? report.state : undefined;
  }

  private endSuspendReport(report: SuspendReport | undefined): void {
    if (this.settleSuspendReport === undefined) this.suspendReport = Promise.resolve(report);
    else this.settleSuspendReport(report);
    this.settleSuspendReport = undefined;
  }

  /** False once the thread has ended. */
  get alive(): boolean {
    return !this.gone;
  }

  private get label(): string {
    return `vCPU ${this.data.vcpu} of domain ${this.data.descriptor.name}`;
  }

  private receive(m: VcpuWorkerMessage): void {
    if (m.type === "suspended-state") {
      this.endSuspendReport(m);
      return;
    }
    if (m.type === "suspended") {
      this.endSuspendReport(undefined); // an earlier report never completed: it will not now
      this.suspendReport = new Promise((resolve) => {
        this.settleSuspendReport = resolve;
      });
    }
    if (m.type === "pv-call" || m.type === "suspended") {
      this.onSignal(m.type);
      return;
    }
    if (m.type === "crashed") {
      const error = new VcpuWorkerError(`domain ${this.data.descriptor.name}: ${m.message}`);
      if (m.stack !== undefined) error.stack = m.stack;
      this.onCrash(error);
      return;
    }
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.ok) p.resolve(m.state);
    else p.reject(new VcpuWorkerError(m.error));
  }

  /** Sends a request; resolves with the state it carries back (if any). */
  request(request: Request): Promise<VcpuState | undefined> {
    if (this.gone) return Promise.reject(new VcpuWorkerError(`${this.label} has no thread`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (request.type === "restore-state") this.endSuspendReport(undefined);
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  /**
   * Asks the thread to finish, then ends it. Its reply to `stop` is its last message (the
   * run loop has ended), so terminating then loses nothing — and does not wait for a timer
   * the thread no longer needs: an `Atomics.waitAsync` timeout keeps a thread's event loop
   * alive until it expires, even after the wait was woken. Without a reply within a grace
   * period the thread is terminated anyway.
   */
  async stop(): Promise<void> {
    if (this.gone) return;
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_GRACE_MS);
    });
    await Promise.race([this.request({ type: "stop" }).catch(() => undefined), grace]);
    clearTimeout(timer);
    if (!this.gone) await this.worker.terminate();
    await this.exited;
  }
}
