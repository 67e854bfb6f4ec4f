/**
 * QEMU, the reference we measure against: `runOnQemu` runs a bare-metal ELF under the virt
 * board and returns its console output (raw serial bytes, no terminal emulation in between);
 * `startQemu` keeps a machine running for a benchmark to drive, and `Qmp` is a minimal
 * client of its machine protocol (QMP: one JSON object per line over a socket, a greeting,
 * then `qmp_capabilities` before any other command; replies come in command order, events
 * at any time in between).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { connect, type Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";

export function qemuBinary(xlen: 32 | 64): string | undefined {
  const name = `qemu-system-riscv${xlen}`;
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

export function qemuVersion(xlen: 32 | 64): string | undefined {
  const bin = qemuBinary(xlen);
  if (bin === undefined) return undefined;
  const out = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return out.stdout.split("\n")[0]?.trim();
}

export function runOnQemu(
  xlen: 32 | 64,
  elfPath: string,
  harts = 1,
  timeoutMs = 120_000,
): Promise<{ status: number; output: string }> {
  const bin = qemuBinary(xlen);
  if (bin === undefined) return Promise.reject(new Error(`qemu-system-riscv${xlen} is not installed`));
  const args = ["-M", "virt", "-bios", "none", "-smp", String(harts), "-display", "none", "-serial", "stdio"];
  args.push("-monitor", "none", "-kernel", elfPath);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString("latin1");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, output });
    });
  });
}

/** A QEMU process kept running: its serial console (stdout) and a way to end it. */
export interface QemuProcess {
  /** Everything the guest printed so far. */
  readonly output: () => string;
  /**
   * Resolves true once `re` matches the console after character `from`; false at the
   * timeout; rejects if QEMU exits first (with what it printed on stderr).
   */
  readonly waitFor: (re: RegExp, timeoutMs: number, from?: number) => Promise<boolean>;
  /** SIGKILL, then waits for the exit; harmless if it has exited already. */
  readonly kill: () => Promise<void>;
}

export function startQemu(xlen: 32 | 64, args: readonly string[]): QemuProcess {
  const bin = qemuBinary(xlen);
  if (bin === undefined) throw new Error(`qemu-system-riscv${xlen} is not installed`);
  const child: ChildProcess = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let errors = "";
  let exit: string | undefined;
  child.stdout!.on("data", (d: Buffer) => {
    output += d.toString("latin1");
  });
  child.stderr!.on("data", (d: Buffer) => {
    errors = (errors + d.toString("latin1")).slice(-4096);
  });
  const exited = new Promise<void>((resolve) => {
    child.on("error", (e) => {
      exit = e.message;
      resolve();
    });
    child.on("exit", (code, signal) => {
      exit = signal !== null ? `signal ${signal}` : `status ${code}`;
      resolve();
    });
  });
  return {
    output: () => output,
    waitFor: async (re, timeoutMs, from = 0) => {
      const until = performance.now() + timeoutMs;
      for (;;) {
        if (re.test(output.slice(from))) return true;
        if (exit !== undefined)
          throw new Error(`QEMU exited (${exit}): ${errors.trim() || output.slice(-500)}`);
        if (performance.now() >= until) return false;
        await delay(5);
      }
    },
    kill: async () => {
      if (exit === undefined) child.kill("SIGKILL");
      await exited;
    },
  };
}

export interface QmpEvent {
  readonly event: string;
  readonly data?: Record<string, unknown>;
}

export class QmpError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QmpError";
  }
}

/** A QMP connection over a Unix socket (`-qmp unix:PATH,server=on,wait=off`). */
export class Qmp {
  private buffer = "";
  private greeted = false;
  private readonly pending: { resolve: (v: unknown) => void; reject: (e: Error) => void; what: string }[] =
    [];
  /** Every event received, in order; `waitEvent` looks from an index on. */
  readonly events: QmpEvent[] = [];
  private closedBecause: Error | undefined;
  private onGreeting: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => this.receive(text));
    const fail = (e: Error): void => {
      this.closedBecause ??= e;
      for (const p of this.pending.splice(0)) p.reject(new QmpError(`${p.what}: ${e.message}`, { cause: e }));
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new QmpError("the QMP connection closed")));
  }

  /** Connects (retrying while QEMU starts up) and negotiates capabilities. */
  static async connect(path: string, timeoutMs = 10_000): Promise<Qmp> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const socket = await new Promise<Socket | Error>((resolve) => {
        const s = connect(path);
        s.once("connect", () => resolve(s));
        s.once("error", (e) => resolve(e));
      });
      if (!(socket instanceof Error)) {
        const qmp = new Qmp(socket);
        await qmp.greeting(until - performance.now());
        await qmp.execute("qmp_capabilities");
        return qmp;
      }
      if (performance.now() >= until)
        throw new QmpError(`cannot connect to QMP at ${path}: ${socket.message}`);
      await delay(20);
    }
  }

  /** Runs a command; its `return` value, or a QmpError with QEMU's description. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closedBecause !== undefined) return Promise.reject(this.closedBecause);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject, what: command });
      this.socket.write(
        `${JSON.stringify(args === undefined ? { execute: command } : { execute: command, arguments: args })}\n`,
      );
    });
  }

  /** The first event from index `from` on that satisfies `match`; QmpError at the timeout. */
  async waitEvent(match: (e: QmpEvent) => boolean, timeoutMs: number, from = 0): Promise<QmpEvent> {
    const until = performance.now() + timeoutMs;
    for (let i = from; ; ) {
      for (; i < this.events.length; i++) if (match(this.events[i]!)) return this.events[i]!;
      if (this.closedBecause !== undefined) throw this.closedBecause;
      if (performance.now() >= until) throw new QmpError(`no matching QMP event within ${timeoutMs} ms`);
      await delay(1);
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private greeting(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.greeted) return resolve();
      const timer = setTimeout(
        () => reject(new QmpError("QEMU sent no QMP greeting")),
        Math.max(timeoutMs, 0),
      );
      this.onGreeting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private receive(text: string): void {
    this.buffer += text;
    for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line === "") continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if ("QMP" in msg) {
        this.greeted = true;
        this.onGreeting?.();
      } else if ("event" in msg) {
        this.events.push(msg as unknown as QmpEvent);
      } else {
        const p = this.pending.shift();
        if (p === undefined) continue;
        const error = msg.error as { class?: string; desc?: string } | undefined;
        if (error !== undefined) p.reject(new QmpError(`${p.what}: ${error.desc ?? error.class ?? "error"}`));
        else p.resolve(msg.return);
      }
    }
  }
}
