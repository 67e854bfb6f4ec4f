/**
 * `ferry run KERNEL.elf --vcpus N`: boots one hypervisor domain with the terminal as its
 * console, in deterministic or parallel mode, and turns how it ended into an exit status:
 *   0    the guest powered off (SBI SRST shutdown, no reason)
 *   1    the guest powered off reporting a system failure
 *   2    bad arguments or an unusable kernel (one line on stderr)
 *   3    the domain crashed (it hung with nothing left to wake it, or broke the machine model)
 *   124  the --max-instructions limit was reached
 *   130 / 128+n  stopped by Ctrl-A x / by signal n
 * A reboot request ends `ferry run` with status 0 and a note: there is no toolstack here to
 * restart the domain (the daemon's on_reboot does that).
 */
import { constants } from "node:os";
import { DeterministicRunner } from "../../core/hypervisor/deterministic-runner.js";
import { Domain, DomainConfigError } from "../../core/hypervisor/domain.js";
import { ResetReason } from "../../core/hypervisor/sbi-numbers.js";
import { attachStdioConsole } from "../../host/node/console-stdio.js";
import { ParallelRunner } from "../../host/node/parallel-runner.js";
import { readProgramFile } from "../../host/node/program-file.js";
import { EXIT_ABORTED, EXIT_INSTRUCTION_LIMIT } from "./run-command.js";

export const EXIT_FAILURE_REASON = 1;
export const EXIT_CRASHED = 3;

export interface RunDomainOptions {
  readonly vcpus: number;
  readonly memory: number;
  readonly mode: "deterministic" | "parallel";
  readonly seed: number;
  readonly bootargs: string;
  readonly jit: boolean;
  readonly maxInstructions?: number;
}

export async function runDomainCommand(kernelPath: string, options: RunDomainOptions): Promise<number> {
  const kernel = await readProgramFile(kernelPath);
  let domain: Domain;
  try {
    domain = new Domain(1, {
      name: "domain0",
      vcpus: options.vcpus,
      memorySize: options.memory,
      kernel,
      bootargs: options.bootargs,
    });
  } catch (e) {
    if (e instanceof DomainConfigError)
      throw new DomainConfigError(`${kernelPath}: ${e.message}`, { cause: e });
    throw e;
  }
  // On a terminal the user may still type: a guest idle with no timer is waiting for input,
  // not hung.
  const waitForInput = process.stdin.isTTY === true;
  const runner =
    options.mode === "deterministic"
      ? new DeterministicRunner({ seed: options.seed, waitForInput, jit: options.jit })
      : new ParallelRunner({ waitForInput, jit: options.jit });
  const abort = new AbortController();
  let quitReason = "";
  const stdio = attachStdioConsole({
    onInput: (bytes) => domain.pushInput(bytes),
    onQuit: (reason) => {
      quitReason = reason;
      abort.abort();
    },
  });
  try {
    runner.add(domain);
    await runner.run({
      signal: abort.signal,
      onConsole: (_d, bytes) => stdio.write(bytes),
      ...(options.maxInstructions !== undefined ? { maxInstructions: options.maxInstructions } : {}),
    });
  } finally {
    if (domain.running) await runner.destroy(domain);
    stdio.close();
  }
  const crash = runner instanceof ParallelRunner ? runner.crashOf(domain) : undefined;
  if (crash !== undefined) note(`internal error in a vCPU thread: ${crash.message}`);
  return exitStatus(domain, quitReason, abort.signal.aborted, runner.instructions);
}

function exitStatus(domain: Domain, quitReason: string, aborted: boolean, instructions: number): number {
  const exit = domain.exit;
  if (aborted) {
    note(`stopped by ${quitReason || "request"}`);
    const signal = constants.signals[quitReason as NodeJS.Signals] as number | undefined;
    return signal === undefined ? EXIT_ABORTED : 128 + signal;
  }
  switch (exit?.end) {
    case "shutdown":
      return exit.resetReason === ResetReason.NO_REASON ? 0 : EXIT_FAILURE_REASON;
    case "reboot":
      note("the guest asked to reboot; ferry run stops instead (status 0)");
      return 0;
    case "crashed":
      note("the domain crashed: it hung with nothing left to wake it, or broke the machine model");
      return EXIT_CRASHED;
    default:
      note(`stopped after ${instructions} instructions (the --max-instructions limit)`);
      return EXIT_INSTRUCTION_LIMIT;
  }
}

function note(message: string): void {
  process.stderr.write(`ferry: ${message}\n`);
}
