/**
 * Test helpers for the toolstack: a real ferryd child process on a free port, and the real
 * `ferry` CLI run against it. Nothing is mocked: the daemon boots real guests in parallel
 * mode and writes real files.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const FERRY = resolve("dist/src/toolstack/cli/ferry.js");
export const FERRYD = resolve("dist/src/toolstack/daemon/ferryd.js");

export class Ferryd {
  private constructor(
    readonly process: ChildProcess,
    readonly host: string,
    private readonly output: { text: string },
  ) {}

  static async start(extraArgs: readonly string[] = []): Promise<Ferryd> {
    const child = spawn(process.execPath, [FERRYD, "--api", "127.0.0.1:0", ...extraArgs], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = { text: "" };
    const host = await new Promise<string>((resolveHost, reject) => {
      const timer = setTimeout(() => reject(new Error(`ferryd did not start: ${output.text}`)), 20_000);
      const onData = (b: Buffer): void => {
        output.text += b.toString();
        const m = /API on http:\/\/(\S+),/.exec(output.text);
        if (m) {
          clearTimeout(timer);
          resolveHost(m[1]!);
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`ferryd exited with ${code}: ${output.text}`)));
    });
    return new Ferryd(child, host, output);
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
    if (this.process.exitCode !== null || this.process.signalCode !== null) return this.process.exitCode;
    const exited = once(this.process, "exit");
    this.process.kill(signal);
    const [code] = (await exited) as [number | null];
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
export function writeConfig(dir: string, name: string, fields: Record<string, string | number>): string {
  const lines = Object.entries(fields).map(
    ([k, v]) => `${k} = ${typeof v === "number" ? v : JSON.stringify(v)}`,
  );
  const path = join(dir, `${name}.toml`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

export const KERNEL64 = resolve("guest/images/kernel-rv64.elf");
export const KERNEL32 = resolve("guest/images/kernel-rv32.elf");
