#!/usr/bin/env node
/**
 * ferryd, Ferry's daemon: one per host. It hosts domains in parallel mode (a worker thread per
 * vCPU) and serves the HTTP JSON API (http-api.ts; OpenAPI at GET /v1/openapi.json and in
 * docs/openapi.json) on 127.0.0.1:7780 unless told otherwise. The migration address (default
 * 127.0.0.1:7781) is where live migration will listen (issue 7); it is reported by `ferry info`.
 *
 *   ferryd [--api ADDR:PORT] [--migration ADDR:PORT]
 *
 * SIGINT/SIGTERM stop it: the API closes and every domain is destroyed (save them first).
 * Exit status: 0 stopped by a signal, 1 could not start (address in use…), 2 bad arguments.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { Command, CommanderError } from "commander";
import { ParallelRunner } from "../../host/node/parallel-runner.js";
import { formatHostPort, type HostPort, parseHostPort } from "../cli/option-parsers.js";
import { DomainManager } from "./domain-manager.js";
import { createApiServer } from "./http-api.js";

export const DEFAULT_API_PORT = 7780;
export const DEFAULT_MIGRATION_PORT = 7781;

const version = (
  JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

async function main(argv: string[]): Promise<number> {
  const program = new Command("ferryd")
    .description("Ferry's daemon: hosts domains and serves the HTTP API")
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`ferryd: ${text.replace(/^error: /, "")}`) })
    .option("--api <addr:port>", "HTTP API address", (t) => parseHostPort(t, DEFAULT_API_PORT), {
      host: "127.0.0.1",
      port: DEFAULT_API_PORT,
    })
    .option("--migration <addr:port>", "migration address", (t) => parseHostPort(t, DEFAULT_MIGRATION_PORT), {
      host: "127.0.0.1",
      port: DEFAULT_MIGRATION_PORT,
    })
    .version(version);
  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const opts = program.opts<{ api: HostPort; migration: HostPort }>();
  const runner = new ParallelRunner({ spareWorkers: 4 });
  const manager = new DomainManager(runner, {
    ferryVersion: version,
    api: formatHostPort(opts.api),
    migration: formatHostPort(opts.migration),
  });
  const server = createApiServer(manager, version);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.api.port, opts.api.host, () => resolve());
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "EADDRINUSE"
        ? "is in use (is another ferryd running?)"
        : code === "EADDRNOTAVAIL"
          ? "is not an address of this host"
          : (e as Error).message;
    process.stderr.write(`ferryd: cannot listen on ${formatHostPort(opts.api)}: ${why}\n`);
    await runner.close();
    return 1;
  }
  const stop = new AbortController();
  // The port actually bound (--api ADDR:0 picks a free one: tests use that).
  const bound = { host: opts.api.host, port: (server.address() as AddressInfo).port };
  const running = runner.run({ keepAlive: true, onConsole: manager.onConsole, signal: stop.signal });
  process.stdout.write(
    `ferryd ${version}: API on http://${formatHostPort(bound)}, migration ${formatHostPort(opts.migration)}\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  process.stdout.write(`ferryd: ${signal}: stopping\n`);
  server.close();
  server.closeAllConnections();
  await manager.close();
  stop.abort();
  await running;
  await runner.close();
  return 0;
}

process.exitCode = await main(process.argv);
