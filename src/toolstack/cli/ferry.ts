#!/usr/bin/env node
/**
 * The `ferry` command line. This file only declares commands and options and reports errors;
 * the work lives in the command modules.
 *
 * Error contract: a mistake the user can make (bad arguments, a missing or invalid program or
 * config) prints one line "ferry: …" on stderr and exits with status 2 — never a stack trace;
 * a daemon verb that fails prints the daemon's one-line reason with the status of its kind
 * (domain-commands.ts). Anything
 * else is a bug in Ferry and is reported as an internal error (status 70, EX_SOFTWARE), with
 * the stack only when FERRY_DEBUG is set.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { DomainConfigError } from "../../core/hypervisor/domain.js";
import { MachineError } from "../../core/machine/bare-machine.js";
import { ElfError } from "../../core/machine/elf-loader.js";
import { ProgramFileError } from "../../host/node/program-file.js";
import { useBaselineWasmCompiler } from "../../host/node/wasm-engine.js";
import { ClientError } from "../client/ferry-client.js";
import { ConfigError } from "../config/domain-config-file.js";
import { demoCommand } from "./demo-command.js";
import { addDomainCommands, exitStatusOf } from "./domain-commands.js";
import {
  integerInRange,
  parseMemorySize,
  parseNonNegativeInteger,
  parsePositiveInteger,
  parseXlen,
} from "./option-parsers.js";
import { EXIT_USAGE, runCommand } from "./run-command.js";
import { runDomainCommand } from "./run-domain-command.js";

const EXIT_INTERNAL = 70;

function buildProgram(): Command {
  const program = new Command("ferry")
    .description("A RISC-V machine and hypervisor in TypeScript")
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`ferry: ${text.replace(/^error: /, "")}`) });

  program
    .command("run")
    .description("boot a kernel in a hypervisor domain (or, with --machine bare, a bare-metal program)")
    .argument("<program>", "ELF executable (RV32 or RV64)")
    .addOption(
      new Option("--machine <type>", "what to run it on").choices(["domain", "bare"]).default("domain"),
    )
    .option("--vcpus <n>", "domain: virtual CPUs (1-64)", integerInRange(1, 64), 1)
    .addOption(
      new Option("--mode <mode>", "domain: execution mode")
        .choices(["parallel", "deterministic"])
        .default("parallel"),
    )
    .option("--seed <n>", "domain, deterministic mode: scheduling seed", parseNonNegativeInteger, 1)
    .option("--bootargs <text>", "domain: kernel command line (/chosen/bootargs)", "")
    .option("--harts <n>", "bare: number of harts (1-16)", integerInRange(1, 16), 1)
    .option("--xlen <bits>", "bare: require a 32- or 64-bit program", parseXlen)
    .option(
      "--memory <size>",
      "RAM size, e.g. 256M or 1G (no suffix: MiB; default 256M, bare 128M)",
      parseMemorySize,
    )
    .option(
      "--max-instructions <n>",
      "stop after this many instructions (exit status 124)",
      parsePositiveInteger,
    )
    .option("--no-jit", "interpret every instruction (do not compile hot code to WebAssembly)")
    .addHelpText(
      "after",
      "\nExit status: domain: 0 shutdown, 1 failure reason, 3 crashed; bare: the program's own;" +
        " 2 for bad arguments or a bad program.",
    )
    .action(async (programPath: string, opts: Record<string, unknown>) => {
      const max =
        opts.maxInstructions !== undefined ? { maxInstructions: opts.maxInstructions as number } : {};
      if (opts.machine === "bare") {
        process.exitCode = await runCommand(programPath, {
          machine: "bare",
          harts: opts.harts as number,
          memory: (opts.memory as number | undefined) ?? 128 * 1024 * 1024,
          jit: opts.jit as boolean,
          ...(opts.xlen !== undefined ? { xlen: opts.xlen as 32 | 64 } : {}),
          ...max,
        });
        return;
      }
      process.exitCode = await runDomainCommand(programPath, {
        vcpus: opts.vcpus as number,
        memory: (opts.memory as number | undefined) ?? 256 * 1024 * 1024,
        mode: opts.mode as "parallel" | "deterministic",
        seed: opts.seed as number,
        bootargs: opts.bootargs as string,
        jit: opts.jit as boolean,
        ...max,
      });
    });
  program
    .command("demo")
    .description("boot the reference guest with 4 vCPUs at work, save it to a file, restore it, check it")
    .option("--vcpus <n>", "vCPUs (1-64)", integerInRange(1, 64), 4)
    .option("--memory <size>", "RAM size, e.g. 256M", parseMemorySize, 256 * 1024 * 1024)
    .option("--xlen <bits>", "the RV32 or RV64 guest", parseXlen, 64)
    .option("--image <file>", "keep the image file here (default: a temporary file, removed)")
    .option("--timeout <seconds>", "how long each step may take", integerInRange(1, 3600), 120)
    .option("--json", "print the summary as JSON")
    .action(
      async (opts: {
        vcpus: number;
        memory: number;
        xlen: 32 | 64;
        image?: string;
        timeout: number;
        json?: boolean;
      }) => {
        process.exitCode = await demoCommand({
          vcpus: opts.vcpus,
          memoryMiB: Math.floor(opts.memory / 2 ** 20),
          xlen: opts.xlen,
          ...(opts.image !== undefined ? { image: resolve(opts.image) } : {}),
          json: opts.json === true,
          timeoutMs: opts.timeout * 1000,
        });
      },
    );
  // The daemon as a subcommand too: `npx ferry daemon` works in a checkout, where npx finds
  // only the package's own command (ferry), not its second one (ferryd).
  program.command("daemon", "run ferryd, the daemon, in the foreground (ferryd --help: its options)", {
    executableFile: fileURLToPath(new URL("../daemon/ferryd.js", import.meta.url)),
  });
  addDomainCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (or the help text the user asked for).
    return err.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (err instanceof ClientError) {
    process.stderr.write(`ferry: ${err.message}\n`);
    return exitStatusOf(err);
  }
  if (
    err instanceof ConfigError ||
    err instanceof ElfError ||
    err instanceof MachineError ||
    err instanceof ProgramFileError ||
    err instanceof DomainConfigError
  ) {
    process.stderr.write(`ferry: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const detail = process.env.FERRY_DEBUG ? (err as Error).stack : (err as Error).message;
  process.stderr.write(`ferry: internal error: ${detail}\n`);
  return EXIT_INTERNAL;
}

useBaselineWasmCompiler();
await main(process.argv);
