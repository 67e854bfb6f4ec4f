/**
 * ferryd as a child process, for a benchmark that needs a second host: `bench -- migrate`
 * migrates to it, so that the destination's work runs in its own process (its own main thread
 * and vCPU threads) as it would on another host, and not interleaved with the source's. It
 * listens on 127.0.0.1 with ports the system picks (read back from the line ferryd prints once
 * it listens) and is driven through its API with FerryClient, as `ferry` drives it.
 *
 * The child is killed on every exit path: stop() at the end, kill() from a signal handler, and
 * a process "exit" hook for whatever else ends the bench (process.exit included).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FerryClient } from "../src/toolstack/client/ferry-client.js";

/** The built daemon: dist/src/toolstack/daemon/ferryd.js, beside this file's dist/bench/. */
const FERRYD = fileURLToPath(new URL("../src/toolstack/daemon/ferryd.js", import.meta.url));
const START_TIMEOUT_MS = 20_000;
/** SIGTERM lets ferryd destroy its domains and close its vCPU threads; SIGKILL after this. */
const STOP_TIMEOUT_MS = 10_000;
/** How much of what ferryd prints is kept, for error messages. */
const LOG_CHARS = 8_192;

export class FerrydProcess {
  /** Why it exited (a status or signal), once it has. */
  exit: string | undefined;
  /** A client of its API. */
  readonly client: FerryClient;
  private text: string;
  private readonly exited: Promise<void>;
  private readonly killOnExit = (): void => this.kill();

  private constructor(
    private readonly child: ChildProcess,
    /** Its API address (HOST:PORT). */
    readonly api: string,
    /** Its migration address (HOST:PORT): `migrate`'s target. */
    readonly migration: string,
    text: string,
  ) {
    this.client = new FerryClient(api);
    this.text = text;
    this.exited = new Promise((resolve) => {
      const ended = (why: string): void => {
        this.exit ??= why;
        process.off("exit", this.killOnExit);
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null)
        ended(child.signalCode !== null ? `signal ${child.signalCode}` : `status ${child.exitCode}`);
      child.once("exit", (code, signal) => ended(signal !== null ? `signal ${signal}` : `status ${code}`));
      child.once("error", (e) => ended(e.message));
    });
    child.stdout!.on("data", (b: Buffer) => this.record(b));
    child.stderr!.on("data", (b: Buffer) => this.record(b));
    process.once("exit", this.killOnExit);
  }

  /** Starts ferryd on 127.0.0.1 (any free ports) and resolves once it listens on both. */
  static async start(): Promise<FerrydProcess> {
    const child = spawn(process.execPath, [FERRYD, "--api", "127.0.0.1:0", "--migration", "127.0.0.1:0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Killed with the bench even if it is still starting.
    const killChild = (): void => void child.kill("SIGKILL");
    process.once("exit", killChild);
    let output = "";
    const onData = (b: Buffer): void => {
      output += b.toString();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    let timer: NodeJS.Timeout | undefined;
    let listening: (() => void) | undefined;
    let exited: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
    let failed: ((e: Error) => void) | undefined;
    try {
      const [api, migration] = await new Promise<[string, string]>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`ferryd did not start within ${START_TIMEOUT_MS} ms: ${output}`)),
          START_TIMEOUT_MS,
        );
        listening = () => {
          const m = /API on http:\/\/(\S+), migration (\S+)\n/.exec(output);
          if (m !== null) resolve([m[1]!, m[2]!]);
        };
        exited = (code, signal) =>
          reject(new Error(`ferryd exited (${signal ?? `status ${code}`}) before it listened: ${output}`));
        failed = (e) => reject(new Error(`ferryd did not start: ${e.message}`));
        child.stdout!.on("data", listening);
        child.once("exit", exited);
        child.once("error", failed);
      });
      return new FerrydProcess(child, api, migration, output);
    } catch (e) {
      child.kill("SIGKILL");
      throw e;
    } finally {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      if (listening !== undefined) child.stdout!.off("data", listening);
      if (exited !== undefined) child.off("exit", exited);
      if (failed !== undefined) child.off("error", failed);
      process.off("exit", killChild);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last few KiB it printed (stdout and stderr). */
  get log(): string {
    return this.text;
  }

  /** SIGKILL now, without waiting (a signal handler's way); harmless once it has exited. */
  kill(): void {
    if (this.exit === undefined) this.child.kill("SIGKILL");
  }

  /** SIGTERM (it destroys its domains), SIGKILL if it is still there after STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    if (this.exit === undefined) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.kill(), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private record(b: Buffer): void {
    this.text = (this.text + b.toString()).slice(-LOG_CHARS);
  }
}

/**
 * Follows a domain's console through the API (its history from the domain's first byte on
 * that host, then live), handing each chunk to `onBytes` as it arrives; resolves once the
 * stream is open, with a function that ends it. It ends by itself when the domain goes.
 */
export async function followConsole(
  client: FerryClient,
  name: string,
  onBytes: (bytes: Uint8Array) => void,
): Promise<() => void> {
  const stop = new AbortController();
  const stream = await client.console(name, stop.signal);
  void (async () => {
    try {
      for await (const chunk of stream) onBytes(chunk);
    } catch {
      // aborted, or the domain or the daemon went away
    }
  })();
  return () => stop.abort();
}
