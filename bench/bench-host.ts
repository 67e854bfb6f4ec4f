/**
 * What the benchmarks that drive real domains share: a DomainManager on a runner in this
 * process (ferryd's code, without HTTP), the consoles they follow, waiting for a line, and
 * the two figures every report uses (medians, rounding).
 */
import { setTimeout as delay } from "node:timers/promises";
import type { ParallelRunner } from "../src/host/node/parallel-runner.js";
import { DomainManager } from "../src/toolstack/daemon/domain-manager.js";

export const median = (xs: readonly number[]): number =>
  xs.length === 0 ? Number.NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** A domain console followed from its start: the text, and when the guest first said it resumed. */
export class ConsoleText {
  text = "";
  private readonly decoder = new TextDecoder();
  resumedAt: number | undefined;

  readonly append = (bytes: Uint8Array): void => {
    this.text += this.decoder.decode(bytes, { stream: true });
    if (this.resumedAt === undefined && /^suspend: resumed /m.test(this.text))
      this.resumedAt = performance.now();
  };
}

/** Polls `done` every 5 ms; false if it is still false after `timeoutMs`. */
export async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() >= end) return false;
    await delay(5);
  }
  return true;
}

/** A host in this process: a DomainManager on `runner`, running, with the consoles followed by name. */
export interface Host<R extends ParallelRunner = ParallelRunner> {
  readonly runner: R;
  readonly manager: DomainManager;
  /** The consoles the bench follows, by domain name, from their first byte on this host. */
  readonly consoles: Map<string, ConsoleText>;
  readonly stop: AbortController;
  readonly running: Promise<void>;
}

export function startHost<R extends ParallelRunner>(runner: R): Host<R> {
  const manager = new DomainManager(runner, { ferryVersion: "bench", api: "-", migration: "-" });
  const consoles = new Map<string, ConsoleText>();
  const stop = new AbortController();
  const running = runner.run({
    keepAlive: true,
    onConsole: (domain, bytes) => {
      consoles.get(domain.name)?.append(bytes);
      manager.onConsole(domain, bytes);
    },
    signal: stop.signal,
  });
  return { runner, manager, consoles, stop, running };
}

/** Destroys the host's domains and stops its runner. */
export async function stopHost(h: Host): Promise<void> {
  await h.manager.close();
  h.stop.abort();
  await h.running;
  await h.runner.close();
}
