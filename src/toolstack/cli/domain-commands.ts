/**
 * The verbs Xen users know — create, list, console, save, restore, migrate, pause, unpause,
 * shutdown, destroy, vcpu-list, vcpu-set, info — as thin clients of ferryd (FerryClient). Each prints a
 * table or a line for people, or the API's JSON with --json. Paths given to save and restore
 * are made absolute here: the daemon runs on this host, in another folder.
 *
 * Exit status: 0 done; 1 the operation failed (the daemon said why); 2 bad arguments or a bad
 * config file; 4 no such domain; 5 the domain is busy with another operation, or the name is
 * taken; 69 no daemon to talk to; 70 a bug in Ferry.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { MigrationRound, Progress } from "../api/schemas.js";
import { type ClientError, FerryClient } from "../client/ferry-client.js";
import { readDomainConfig } from "../config/domain-config-file.js";
import { integerInRange } from "./option-parsers.js";
import { formatBytes, formatRate, printJson, printTable, withProgressBar } from "./output.js";

export const EXIT_FAILED = 1;
export const EXIT_NO_SUCH_DOMAIN = 4;
export const EXIT_BUSY = 5;
export const EXIT_UNAVAILABLE = 69;

/** The exit status for a ClientError (see the header). */
export function exitStatusOf(e: ClientError): number {
  switch (e.code) {
    case "bad-request":
      return 2;
    case "no-such-domain":
      return EXIT_NO_SUCH_DOMAIN;
    case "busy":
    case "conflict":
      return EXIT_BUSY;
    case "unreachable":
      return EXIT_UNAVAILABLE;
    case "failed":
      return EXIT_FAILED;
    default:
      return 70;
  }
}

interface Common {
  json?: boolean;
  host?: string;
}

function client(o: Common): FerryClient {
  return new FerryClient(o.host ?? (process.env.FERRY_HOST || undefined));
}

export function addDomainCommands(program: Command): void {
  const verb = (name: string, description: string): Command =>
    program
      .command(name)
      .description(description)
      .option("--json", "print the API's JSON instead of text")
      .option("--host <addr:port>", "the ferryd to talk to (default: $FERRY_HOST or 127.0.0.1:7780)");

  verb("create", "create and boot a domain from a TOML config (xl.cfg keys)")
    .argument("<config>", "domain config file")
    .option("-c, --console", "attach to its console afterwards")
    .action(async (path: string, o: Common & { console?: boolean }) => {
      const config = await readDomainConfig(path);
      const d = await client(o).call("createDomain", { body: config });
      if (o.json) printJson(d);
      else process.stdout.write(`created domain ${d.name} (id ${d.id}, ${d.vcpus} vCPUs, ${d.memory} MiB)\n`);
      if (o.console) await attachConsole(client(o), d.name);
    });

  verb("list", "list the domains").action(async (o: Common) => {
    const list = await client(o).call("listDomains");
    if (o.json) return printJson(list);
    printTable(
      ["Name", "ID", "Mem", "VCPUs", "State", "Time(s)"],
      list.map((d) => [
        d.name,
        d.id,
        d.memory,
        d.online,
        d.busy ? `${d.state} (${d.busy})` : d.state,
        d.uptime,
      ]),
    );
  });

  verb("info", "the host: version, cores, memory, domains").action(async (o: Common) => {
    const h = await client(o).call("hostInfo");
    if (o.json) return printJson(h);
    const rows: [string, string | number][] = [
      ["host", h.hostname],
      ["ferry_version", h.ferry],
      ["node_version", h.node],
      ["nr_cpus", h.cores],
      ["total_memory", `${Math.round(h.memoryTotal / 2 ** 20)} MiB`],
      ["free_memory", `${Math.round(h.memoryFree / 2 ** 20)} MiB`],
      ["domain_memory", `${h.domainMemory} MiB`],
      ["domains", h.domains],
      ["api", h.api],
      ["migration", h.migration],
      ["image_format_version", h.imageFormatVersion],
      ["uptime", `${Math.round(h.uptime)} s`],
    ];
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(22)}: ${v}\n`);
  });

  verb("console", "attach to a domain's console (Ctrl-] detaches)")
    .argument("<name>")
    .action(async (name: string, o: Common) => attachConsole(client(o), name));

  for (const [cmd, action, what] of [
    ["pause", "pause", "paused"],
    ["unpause", "unpause", "unpaused"],
  ] as const) {
    verb(cmd, `${cmd} a domain`)
      .argument("<name>")
      .action(async (name: string, o: Common) => {
        const d = await client(o).call(action, { name });
        if (o.json) printJson(d);
        else process.stdout.write(`${what} domain ${d.name}\n`);
      });
  }

  verb("shutdown", "ask a domain's guest to power off")
    .argument("<name>")
    .option("-w, --wait", "wait until it has powered off")
    .action(async (name: string, o: Common & { wait?: boolean }) => {
      const d = await client(o).call("shutdown", { name, body: { wait: o.wait === true } });
      if (o.json) printJson(d);
      else
        process.stdout.write(
          o.wait ? `domain ${name} has shut down\n` : `asked domain ${name} to shut down\n`,
        );
    });

  verb("destroy", "end a domain at once")
    .argument("<name>")
    .action(async (name: string, o: Common) => {
      await client(o).call("destroy", { name });
      if (o.json) printJson({ destroyed: name });
      else process.stdout.write(`destroyed domain ${name}\n`);
    });

  verb("vcpu-list", "list a domain's vCPUs")
    .argument("<name>")
    .action(async (name: string, o: Common) => {
      const list = await client(o).call("vcpuList", { name });
      if (o.json) return printJson(list);
      printTable(
        ["Name", "VCPU", "State", "Availability"],
        list.map((v) => [name, v.vcpu, v.state, v.availability]),
      );
    });

  verb("vcpu-set", "set how many vCPUs are online; the rest are powered off by the guest")
    .argument("<name>")
    .argument("<n>", "vCPUs online (1..maxvcpus)", integerInRange(1, 64))
    .action(async (name: string, n: number, o: Common) => {
      const list = await client(o).call("vcpuSet", { name, body: { online: n } });
      if (o.json) printJson(list);
      else process.stdout.write(`asked domain ${name} for ${n} online vCPU(s)\n`);
    });

  verb("save", "save a domain to a file (it is destroyed unless -c)")
    .argument("<name>")
    .argument("<file>")
    .option("-c, --checkpoint", "leave the domain running after the save")
    .option("--timeout <ms>", "how long the guest has to suspend", integerInRange(1, 3_600_000))
    .action(async (name: string, file: string, o: Common & { checkpoint?: boolean; timeout?: number }) => {
      const r = await withProgressBar(`save ${name}`, !o.json, (onProgress) =>
        client(o).call("save", {
          name,
          body: {
            file: resolve(file),
            ...(o.checkpoint ? { checkpoint: true } : {}),
            ...(o.timeout !== undefined ? { timeoutMs: o.timeout } : {}),
          },
          onProgress,
        }),
      );
      if (o.json) return printJson(r);
      process.stdout.write(
        `saved domain ${name} to ${r.file}: ${formatBytes(r.bytes)} (${r.pages} pages, ${r.mode}), ` +
          `suspend ${r.suspendMs} ms, write ${r.writeMs} ms (${formatRate(r.bytes, r.writeMs)}); ` +
          `${r.domain === "running" ? "the domain keeps running" : "the domain is gone"}\n`,
      );
    });

  verb("restore", "restore a domain from a file")
    .argument("<file>")
    .option("--name <name>", "a new name for it")
    .option("-p, --paused", "leave it paused")
    .action(async (file: string, o: Common & { name?: string; paused?: boolean }) => {
      const r = await withProgressBar("restore", !o.json, (onProgress) =>
        client(o).call("restore", {
          body: {
            file: resolve(file),
            ...(o.name ? { name: o.name } : {}),
            ...(o.paused ? { paused: true } : {}),
          },
          onProgress,
        }),
      );
      if (o.json) return printJson(r);
      process.stdout.write(
        `restored domain ${r.domain.name} (id ${r.domain.id}) from ${r.file}: ${formatBytes(r.bytes)} ` +
          `in ${r.readMs} ms (${formatRate(r.bytes, r.readMs)})\n`,
      );
    });

  verb("migrate", "move a domain to another ferryd (--live: while it runs)")
    .argument("<name>")
    .argument("<target>", "the destination's migration address, HOST[:PORT] (port 7781 by default)")
    .option("-l, --live", "pre-copy memory while the domain runs, then a short final pause")
    .option(
      "--downtime <ms>",
      "live: the pause the final round may take (default 50)",
      integerInRange(1, 60_000),
    )
    .option("--max-rounds <n>", "live: the most pre-copy rounds", integerInRange(1, 1000))
    .option("--timeout <ms>", "how long the guest has to suspend", integerInRange(1, 3_600_000))
    .option("--copy-disks", "copy the disks too, for a destination without the same storage")
    .action(
      async (
        name: string,
        target: string,
        o: Common & {
          live?: boolean;
          downtime?: number;
          maxRounds?: number;
          timeout?: number;
          copyDisks?: boolean;
        },
      ) => {
        const r = await withProgressBar(
          `migrate ${name}`,
          !o.json,
          (onProgress) =>
            client(o).call("migrate", {
              name,
              body: {
                target,
                ...(o.live ? { live: true } : {}),
                ...(o.downtime !== undefined ? { downtimeMs: o.downtime } : {}),
                ...(o.maxRounds !== undefined ? { maxRounds: o.maxRounds } : {}),
                ...(o.timeout !== undefined ? { timeoutMs: o.timeout } : {}),
                ...(o.copyDisks ? { copyDisks: true } : {}),
              },
              onProgress,
            }),
          describeMigration(),
        );
        if (o.json) return printJson(r);
        for (const round of r.rounds) process.stdout.write(`${formatRound(round)}\n`);
        process.stdout.write(
          `migrated domain ${name} to ${r.target} (${r.live ? "live" : "non-live"}, ${r.mode}): ` +
            `total ${Math.round(r.totalMs)} ms, downtime ${Math.round(r.downtimeMs)} ms, ${formatBytes(r.bytes)} in ${r.rounds.length} ` +
            `round(s), ${r.pagesSkipped} unchanged page(s) not resent\n`,
        );
      },
    );
}

/**
 * The words after the migration's progress bar: the round being sent and what the last
 * finished round measured, e.g. "round 3 · last: 812 pages/s dirtied, 94.1 MiB/s".
 */
function describeMigration(): (p: Progress) => string {
  let last = "";
  return (p) => {
    if (p.round !== undefined && !p.round.final) {
      last =
        ` · last: ${Math.round(p.round.dirtyPagesPerSecond)} pages/s dirtied, ` +
        `${formatBytes(p.round.bandwidthBytesPerSecond)}/s`;
    }
    const round = p.sending ?? p.round;
    const name = round === undefined ? "" : round.final ? "final round" : `round ${round.round}`;
    const now = p.sending !== undefined ? name : p.round !== undefined ? `${name} sent` : p.phase;
    return `${now}${last}`;
  };
}

function formatRound(r: MigrationRound): string {
  return (
    `round ${r.round}: ${r.pages} pages, ${formatBytes(r.bytes)} in ${Math.round(r.ms)} ms ` +
    `(${formatBytes(r.bandwidthBytesPerSecond)}/s), dirtying ${Math.round(r.dirtyPagesPerSecond)} pages/s`
  );
}

/**
 * Copies the console to stdout and stdin to the console until the domain goes away or, on a
 * terminal, Ctrl-] is typed (xl console's escape).
 */
async function attachConsole(c: FerryClient, name: string): Promise<void> {
  const stop = new AbortController();
  const stream = await c.console(name, stop.signal);
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  const onData = (data: Buffer): void => {
    if (raw && data.includes(0x1d)) {
      stop.abort();
      return;
    }
    c.call("consoleInput", { name, body: { data: data.toString("utf8") } }).catch(() => stop.abort());
  };
  if (raw) stdin.setRawMode(true);
  stdin.on("data", onData);
  try {
    for await (const chunk of stream) process.stdout.write(chunk);
  } catch (e) {
    if ((e as Error).name !== "AbortError") throw e;
  } finally {
    stdin.off("data", onData);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
    stdin.unref?.();
  }
}
