/**
 * `ferry run`: boots a program on a machine with the terminal as its console and turns the
 * outcome into the process's exit status.
 *
 * Exit status: the guest's own (modulo 256, as a process status is) when it exits; 0 when it
 * asks for a reset (with a note, since the bare machine stops instead); and for runs that end
 * without a guest status, values chosen after the shell's conventions:
 *   2    bad arguments, unreadable or invalid program (one line on stderr)
 *   124  the --max-instructions limit was reached (as timeout(1) does)
 *   125  every hart waits for an interrupt that nothing can raise (the guest hung)
 *   130  stopped by the user with Ctrl-A x (as for Ctrl-C)
 *   128+n stopped by signal n (SIGINT 130, SIGTERM 143, SIGHUP 129), the terminal restored
 */
import { constants } from "node:os";
import { BareMachine, type BareMachineOptions, type RunOutcome } from "../../core/machine/bare-machine.js";
import { ElfError } from "../../core/machine/elf-loader.js";
import { attachStdioConsole } from "../../host/node/console-stdio.js";
import { readProgramFile } from "../../host/node/program-file.js";

export const EXIT_USAGE = 2;
export const EXIT_INSTRUCTION_LIMIT = 124;
export const EXIT_HALTED = 125;
export const EXIT_ABORTED = 130;

export interface RunCommandOptions {
  readonly machine: "bare";
  readonly harts: number;
  readonly xlen?: 32 | 64;
  readonly memory: number;
  readonly jit: boolean;
  readonly maxInstructions?: number;
}

/** Runs the program and returns the exit status; user errors are thrown for the caller to report. */
export async function runCommand(programPath: string, options: RunCommandOptions): Promise<number> {
  const image = await readProgramFile(programPath);
  const abort = new AbortController();
  let quitReason = "";
  let machine: BareMachine | undefined;
  const stdio = attachStdioConsole({
    onInput: (bytes) => machine?.pushInput(bytes),
    onQuit: (reason) => {
      quitReason = reason;
      abort.abort();
    },
  });
  try {
    machine = newMachine(programPath, {
      image,
      harts: options.harts,
      memorySize: options.memory,
      jit: options.jit,
      onConsole: (bytes) => stdio.write(bytes),
      ...(options.xlen !== undefined ? { xlen: options.xlen } : {}),
    });
    const outcome = await machine.run({
      signal: abort.signal,
      ...(options.maxInstructions !== undefined ? { maxInstructions: options.maxInstructions } : {}),
    });
    return exitStatus(outcome, quitReason);
  } finally {
    stdio.close();
  }
}

/** Builds the machine, naming the program file in ELF errors. */
function newMachine(programPath: string, options: BareMachineOptions): BareMachine {
  try {
    return new BareMachine(options);
  } catch (err) {
    if (err instanceof ElfError) throw new ElfError(`${programPath}: ${err.message}`, { cause: err });
    throw err;
  }
}

function exitStatus(outcome: RunOutcome, quitReason: string): number {
  switch (outcome.reason) {
    case "exit":
      return outcome.status & 0xff;
    case "reset":
      note("the guest asked for a reset; the bare machine stops instead (status 0)");
      return 0;
    case "instruction-limit":
      note(`stopped after ${outcome.instructions} instructions (the --max-instructions limit)`);
      return EXIT_INSTRUCTION_LIMIT;
    case "halted":
      note("every hart is waiting for an interrupt that can never arrive; stopping");
      return EXIT_HALTED;
    case "aborted": {
      note(`stopped by ${quitReason || "request"}`);
      const signal = constants.signals[quitReason as NodeJS.Signals] as number | undefined;
      return signal === undefined ? EXIT_ABORTED : 128 + signal;
    }
  }
}

function note(message: string): void {
  process.stderr.write(`ferry: ${message}\n`);
}
