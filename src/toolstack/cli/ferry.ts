#!/usr/bin/env node
/**
 * The `ferry` command line. This file only declares commands and options and reports errors;
 * the work lives in the command modules.
 *
 * Error contract: a mistake the user can make (bad arguments, a missing or invalid program)
 * prints one line "ferry: …" on stderr and exits with status 2 — never a stack trace. Anything
 * else is a bug in Ferry and is reported as an internal error (status 70, EX_SOFTWARE), with
 * the stack only when FERRY_DEBUG is set.
 */
import { Command, CommanderError, Option } from "commander";
import { DomainConfigError } from "../../core/hypervisor/domain.js";
import { MachineError } from "../../core/machine/bare-machine.js";
import { ElfError } from "../../core/machine/elf-loader.js";
import { ProgramFileError } from "../../host/node/program-file.js";
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
        ...max,
      });
    });
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
  if (
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

await main(process.argv);
