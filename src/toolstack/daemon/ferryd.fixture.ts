/**
 * Test helpers for the toolstack: a real ferryd child process on a free port, and the real
 * `ferry` CLI run against it. Nothing is mocked: the daemon boots real guests in parallel
 * mode and writes real files.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { FerryClient } from "../client/ferry-client.js";

export const FERRY = resolve("dist/src/toolstack/cli/ferry.js");
export const FERRYD = resolve("dist/src/toolstack/daemon/ferryd.js");
/** iproute2's `ip`: in /usr/sbin or /sbin, which a non-root PATH often lacks. */
export const IP = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].find((p) => existsSync(p)) ?? "ip";

export interface FerrydOptions {
  /** Its API address (default 127.0.0.1:0); it must be reachable from the test process. */
  readonly api?: string;
  /** Its migration address (default 127.0.0.1:0). */
  readonly migration?: string;
  /**
   * A network namespace to run it in (`ip netns exec NS`, which execs: the child is ferryd
   * itself, so stop()'s signal reaches it). Needs root and iproute2.
   */
  readonly netns?: string;
}

export class Ferryd {
  private constructor(
    readonly process: ChildProcess,
    readonly host: string,
    /** Its migration address (ADDR:PORT). */
    readonly migration: string,
    private readonly output: { text: string },
  ) {
    // A daemon that dies before stop() (and not by a test's SIGKILL) is a bug in it: show why
    // with the test's failure.
    this.process.once("exit", (code, signal) => {
      if (this.stopping || signal === "SIGKILL") return;
      console.error(
        `ferryd ${host} exited unexpectedly (${code ?? signal}); its last output:\n${output.text.slice(-6000)}`,
      );
    });
  }

  private stopping = false;

  /** A client of its API. */
  get client(): FerryClient {
    return new FerryClient(this.host);
  }

  /** A folder for this daemon's configs and images, removed with stop(). */
  readonly dir = mkdtempSync(join(tmpdir(), "ferryd-"));

  static async start(extraArgs: readonly string[] = [], options: FerrydOptions = {}): Promise<Ferryd> {
    const args = [
      FERRYD,
      "--api",
      options.api ?? "127.0.0.1:0",
      "--migration",
      options.migration ?? "127.0.0.1:0",
      ...extraArgs,
    ];
    const child =
      options.netns === undefined
        ? spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] })
        : spawn(IP, ["netns", "exec", options.netns, process.execPath, ...args], {
            stdio: ["ignore", "pipe", "pipe"],
          });
    const output = { text: "" };
    const [host, migration] = await new Promise<[string, string]>((resolveHost, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`ferryd did not start: ${output.text}`));
      }, 20_000);
      const onData = (b: Buffer): void => {
        output.text += b.toString();
        const m = /API on http:\/\/(\S+), migration (\S+)\n/.exec(output.text);
        if (m) {
          clearTimeout(timer);
          resolveHost([m[1]!, m[2]!]);
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`ferryd exited with ${code}: ${output.text}`)));
      child.once("error", (e) => reject(new Error(`ferryd did not start: ${e.message}`)));
    });
    return new Ferryd(child, host, migration, output);
  }

  /** What the daemon printed (stdout and stderr). */
  get log(): string {
    return this.output.text;
  }

  /** Runs `ferry ARGS` against this daemon. */
  ferry(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
    return runFerry(args, { FERRY_HOST: this.host }, options);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    this.stopping = true;
    let code = this.process.exitCode;
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const exited = once(this.process, "exit");
      this.process.kill(signal);
      [code] = (await exited) as [number | null];
    }
    rmSync(this.dir, { recursive: true, force: true });
    return code;
  }
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runFerry(
  args: readonly string[],
  env: Record<string, string>,
  options: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [FERRY, ...args], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  if (options.input !== undefined) child.stdin.write(options.input);
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
  const [status] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { status, stdout, stderr };
}

/** Writes a domain config TOML into `dir` and returns its path. */
export function writeConfig(
  dir: string,
  name: string,
  fields: Record<string, string | number | readonly string[]>,
): string {
  const lines = Object.entries(fields).map(
    ([k, v]) => `${k} = ${typeof v === "number" ? v : JSON.stringify(v)}`,
  );
  const path = join(dir, `${name}.toml`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

export const KERNEL64 = resolve("guest/images/kernel-rv64.elf");
export const KERNEL32 = resolve("guest/images/kernel-rv32.elf");

/** Follows a domain's console through the API; `until` waits for a pattern in what came after `from`. */
export class Console {
  text = "";
  private readonly stop = new AbortController();
  static async open(client: FerryClient, name: string): Promise<Console> {
    const c = new Console();
    const stream = await client.console(name, c.stop.signal);
    void (async () => {
      try {
        for await (const chunk of stream) c.text += Buffer.from(chunk).toString();
      } catch {
        // aborted, or the domain went away
      }
    })();
    return c;
  }
  async until(re: RegExp, from = 0, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.text.slice(from));
      if (m) return m;
      if (Date.now() > end) assert.fail(`no ${re} in the console:\n${this.text.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  close(): void {
    this.stop.abort();
  }
}

/** Creates a domain with `ferry create` from these config keys; its console once `ready` shows. */
export async function boot(
  d: Ferryd,
  fields: { name: string } & Record<string, string | number | readonly string[]>,
  ready: RegExp,
): Promise<Console> {
  const r = await d.ferry(["create", writeConfig(d.dir, fields.name, fields)]);
  assert.equal(r.status, 0, r.stderr);
  const con = await Console.open(d.client, fields.name);
  await con.until(ready);
  return con;
}
