/**
 * What the CLI prints: aligned tables for people, JSON with --json, and a progress bar (bytes
 * and rate) for long operations when stderr is a terminal. Nothing here talks to the daemon.
 */
import cliProgress from "cli-progress";
import type { Progress } from "../api/schemas.js";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell; numbers right-aligned, as `xl list` prints them. */
export function printTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  for (const [n, r] of cells.entries()) {
    const line = r.map((c, i) => {
      const numeric = n > 0 && typeof rows[n - 1]?.[i] === "number";
      return numeric ? c.padStart(widths[i]!) : c.padEnd(widths[i]!);
    });
    process.stdout.write(`${line.join("  ").trimEnd()}\n`);
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

export function formatRate(bytes: number, ms: number): string {
  return ms > 0 ? `${formatBytes((bytes * 1000) / ms)}/s` : "-";
}

/**
 * A progress bar on stderr for a terminal, or nothing. `describe` turns an event into the
 * words after the bar (the phase by default). Returns the progress callback and a function
 * that removes the bar.
 */
function progressBar(
  label: string,
  enabled: boolean,
  describe: (p: Progress) => string,
): { update: (p: Progress) => void; stop: () => void } {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {phase} | {done} | {rate}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = performance.now();
  bar.start(100, 0, { phase: "starting", done: "0 B", rate: "-" });
  return {
    update: (p) =>
      bar.update(p.fraction === null ? 0 : Math.round(p.fraction * 100), {
        phase: describe(p),
        done: formatBytes(p.bytes),
        rate: formatRate(p.bytes, performance.now() - t0),
      }),
    stop: () => bar.stop(),
  };
}

/** Runs `work` with a progress bar fed by its progress events, removed however it ends. */
export async function withProgressBar<T>(
  label: string,
  enabled: boolean,
  work: (onProgress: (p: Progress) => void) => Promise<T>,
  describe: (p: Progress) => string = (p) => p.phase,
): Promise<T> {
  const bar = progressBar(label, enabled, describe);
  try {
    return await work(bar.update);
  } finally {
    bar.stop();
  }
}
