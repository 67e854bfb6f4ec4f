#!/usr/bin/env node
/**
 * ferryd, Ferry's daemon: one per host. It hosts domains in parallel mode (a worker thread per
 * vCPU) and serves the HTTP JSON API (http-api.ts; OpenAPI at GET /v1/openapi.json and in
 * docs/openapi.json) on 127.0.0.1:7780 unless told otherwise, and takes domains migrating in
 * on the migration address (TCP, default 127.0.0.1:7781; docs/migration.md).
 *
 *   ferryd [--api ADDR:PORT] [--migration ADDR:PORT]
 *
 * SIGINT/SIGTERM stop it: the API closes and every domain is destroyed (save them first).
 * Exit status: 0 stopped by a signal, 1 could not start (address in use…), 2 bad arguments.
 */
import { readFileSync } from "node:fs";
import type { Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server } from "node:net";
import { resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { ParallelRunner } from "../../host/node/parallel-runner.js";
import { tcpChannel } from "../../host/node/tcp-channel.js";
import { useBaselineWasmCompiler } from "../../host/node/wasm-engine.js";
import { DEFAULT_API_PORT, DEFAULT_MIGRATION_PORT, formatHostPort, type HostPort } from "../api/addresses.js";
import { hostPortOption } from "../cli/option-parsers.js";
import { DomainManager } from "./domain-manager.js";
import { createApiServer } from "./http-api.js";

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
    .option("--api <addr:port>", "HTTP API address", hostPortOption(DEFAULT_API_PORT), {
      host: "127.0.0.1",
      port: DEFAULT_API_PORT,
    })
    .option("--migration <addr:port>", "migration address", hostPortOption(DEFAULT_MIGRATION_PORT), {
      host: "127.0.0.1",
      port: DEFAULT_MIGRATION_PORT,
    })
    .option(
      "--disk-dir <dir>",
      "where disks copied in by a migration go (default: the path they had on the source)",
    )
    .option("--no-jit", "interpret every guest instruction (do not compile hot code to WebAssembly)")
    .version(version);
  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const opts = program.opts<{ api: HostPort; migration: HostPort; diskDir?: string; jit: boolean }>();
  const runner = new ParallelRunner({ spareWorkers: 4, jit: opts.jit });
  const manager = new DomainManager(runner, {
    ferryVersion: version,
    api: formatHostPort(opts.api),
    migration: formatHostPort(opts.migration),
    ...(opts.diskDir === undefined ? {} : { diskDir: resolve(opts.diskDir) }),
  });
  const server = createApiServer(manager, version);
  // Domains migrating in: one connection each (core/migration runs the protocol).
  const migration = createServer((socket) => {
    manager.acceptMigration(tcpChannel(socket)).then(
      (d) => process.stdout.write(`ferryd: domain ${d.name} migrated in (id ${d.id})\n`),
      (e: Error) => process.stderr.write(`ferryd: incoming migration failed: ${e.message}\n`),
    );
  });
  let bound: [HostPort, HostPort];
  try {
    bound = [await listen(server, opts.api), await listen(migration, opts.migration)];
  } catch (e) {
    process.stderr.write(`ferryd: ${(e as Error).message}\n`);
    server.close();
    migration.close();
    await runner.close();
    return 1;
  }
  const stop = new AbortController();
  const running = runner.run({ keepAlive: true, onConsole: manager.onConsole, signal: stop.signal });
  process.stdout.write(
    `ferryd ${version}: API on http://${formatHostPort(bound[0])}, migration ${formatHostPort(bound[1])}\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  process.stdout.write(`ferryd: ${signal}: stopping\n`);
  server.close();
  server.closeAllConnections();
  migration.close();
  await manager.close();
  stop.abort();
  await running;
  await runner.close();
  return 0;
}

useBaselineWasmCompiler();
process.exitCode = await main(process.argv);

/** Listens on `at`; the address actually bound (port 0 picks a free one: tests use that). */
function listen(server: Server | HttpServer, at: HostPort): Promise<HostPort> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const why =
        e.code === "EADDRINUSE"
          ? "is in use (is another ferryd running?)"
          : e.code === "EADDRNOTAVAIL"
            ? "is not an address of this host"
            : e.message;
      reject(new Error(`cannot listen on ${formatHostPort(at)}: ${why}`));
    });
    server.listen(at.port, at.host, () =>
      resolve({ host: at.host, port: (server.address() as AddressInfo).port }),
    );
  });
}
