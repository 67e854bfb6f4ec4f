/**
 * vCPU threads started ahead of need. A worker thread takes tens of milliseconds to start
 * (more on a busy host: it loads the whole emulator), which a restore or an incoming
 * migration would otherwise spend with the domain stopped. The pool keeps `spares` threads
 * that have loaded their code and wait for an `attach` message (vcpu-worker.ts). Taken ones
 * are replaced when the owner says (`refill`): starting threads takes CPU time, which the
 * owner keeps for the restore or migration that took them until its domain runs.
 *
 * Spare threads never keep the process alive (they are unref'd), and one that dies while
 * waiting is dropped, never handed out.
 */
import { Worker } from "node:worker_threads";

export class VcpuWorkerPool {
  private readonly idle = new Set<Worker>();

  constructor(
    private readonly script: URL,
    private spares: number,
  ) {
    this.refill();
  }

  /** How many threads wait. */
  get size(): number {
    return this.idle.size;
  }

  /** Keeps at least `n` spare threads from now on. */
  reserve(n: number): void {
    this.spares = Math.max(this.spares, n);
    this.refill();
  }

  /** A waiting thread, or undefined when none is ready (the caller starts its own). */
  take(): Worker | undefined {
    const worker = this.idle.values().next().value;
    if (worker === undefined) return undefined;
    this.idle.delete(worker);
    return worker;
  }

  /** Ends every waiting thread and keeps none from now on. */
  async close(): Promise<void> {
    this.spares = 0;
    const workers = [...this.idle];
    this.idle.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /** Starts threads until `spares` wait again. */
  refill(): void {
    while (this.idle.size < this.spares) {
      const worker = new Worker(this.script, { workerData: null, name: "vcpu (spare)" });
      worker.unref();
      const drop = (): void => {
        this.idle.delete(worker);
      };
      worker.once("error", drop);
      worker.once("exit", drop);
      this.idle.add(worker);
    }
  }
}
