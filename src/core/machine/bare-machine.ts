/**
 * Ferry's bare-metal board: RAM, an ns16550a UART, a SiFive test finisher, a CLINT, a device
 * tree, optionally HTIF, and 1–16 harts, at QEMU virt's addresses so the same ELF runs on both.
 *
 *   0x0010_0000  test finisher (0x1000)      0x0200_0000  CLINT (0x1_0000)
 *   0x1000_0000  UART (0x100)                0x8000_0000  RAM (default 128 MiB)
 *                                            RAM end − 2 MiB (2 MiB-aligned): the DTB
 *
 * Boot, as QEMU's virt with `-bios none`: every hart starts at the ELF entry in M-mode with
 * a0 = its hart id and a1 = the DTB address. XLEN comes from the ELF.
 *
 * Execution (`run`): harts take turns on one thread, each running up to a time slice of
 * instructions; between rounds the CLINT refreshes MTIP, HTIF acts on half-written commands
 * and console output is handed over. It ends when the guest exits (finisher or HTIF), when the
 * instruction limit is reached, when the AbortSignal fires, or when every hart waits for an
 * interrupt that nothing can raise any more ("halted"). While every hart waits in wfi the
 * machine sleeps until the next timer deadline — on a wall clock by awaiting a timer, on a
 * virtual clock by jumping it there — and never spins. On a virtual clock, time also moves by
 * one tick per `instructionsPerTick` instructions of the busiest hart in each round, so a run
 * depends only on its inputs. A long run yields to the event loop every few milliseconds so
 * input, signals and aborts get through.
 *
 * A machine runs once; build a new one to run again.
 */
import { Hart } from "../cpu/hart.js";
import { AddressSpace } from "../memory/address-space.js";
import { GuestMemory, PAGE_SIZE } from "../memory/guest-memory.js";
import { CLINT_SIZE, Clint } from "./clint.js";
import { type Clock, TICKS_PER_MS, VirtualClock, WallClock } from "./clock.js";
import { writeDeviceTree } from "./device-tree-writer.js";
import { type ElfProgram, loadElf, parseElf } from "./elf-loader.js";
import { Htif } from "./htif.js";
import { TEST_FINISHER_SIZE, TestFinisher } from "./test-finisher.js";
import { UART_SIZE, UartNs16550a } from "./uart-ns16550a.js";
import { type VirtLayout, virtDeviceTree } from "./virt-device-tree.js";

export class MachineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MachineError";
  }
}

export const MIB = 1024 * 1024;
export const DEFAULT_MEMORY_SIZE = 128 * MIB;
export const MIN_MEMORY_SIZE = 4 * MIB;
/** RV32 reaches at most 4 GiB physically in M-mode and RAM starts at 2 GiB. */
export const MAX_MEMORY_SIZE = 2048 * MIB;
export const MAX_HARTS = 16;
export const DEFAULT_TIME_SLICE = 10_000;

export const BARE_LAYOUT = {
  ramBase: 0x8000_0000,
  ramSize: DEFAULT_MEMORY_SIZE,
  uartBase: 0x1000_0000,
  uartSize: UART_SIZE,
  finisherBase: 0x10_0000,
  finisherSize: TEST_FINISHER_SIZE,
  clintBase: 0x200_0000,
  clintSize: CLINT_SIZE,
} as const satisfies VirtLayout;

/** QEMU places the DTB at the highest 2 MiB boundary below RAM's end that leaves it room. */
const DTB_ALIGNMENT = 2 * MIB;

export interface BareMachineOptions {
  /** The ELF executable to boot. */
  readonly image: Uint8Array;
  /** Number of harts, 1–16 (default 1). */
  readonly harts?: number;
  /** Required XLEN; when given it must match the ELF's class. */
  readonly xlen?: 32 | 64;
  /** RAM size in bytes (default 128 MiB). */
  readonly memorySize?: number;
  /** Time source (default a `WallClock`); a `VirtualClock` makes runs deterministic. */
  readonly clock?: Clock;
  /** `/chosen/bootargs` in the device tree. */
  readonly bootargs?: string;
  /** Receives console output (UART and HTIF) in order, in batches. */
  readonly onConsole?: (bytes: Uint8Array) => void;
  /** Instructions a hart runs before the next one gets its turn (default 10,000). */
  readonly timeSlice?: number;
  /** Virtual clock only: instructions per 10 MHz tick (default 1). */
  readonly instructionsPerTick?: number;
  /** Compile hot code to WebAssembly (HartOptions.jit; default off here, on in `ferry run`). */
  readonly jit?: boolean | { hot: number };
}

export interface RunOptions {
  /** Stop after this many instructions in total over all harts. */
  readonly maxInstructions?: number;
  readonly signal?: AbortSignal;
}

export type RunOutcome =
  | {
      /** "reset": the guest asked the finisher for a reset, which ends the run with status 0. */
      readonly reason: "exit" | "reset";
      readonly status: number;
      readonly device: "finisher" | "htif";
      readonly instructions: number;
    }
  | { readonly reason: "instruction-limit" | "aborted" | "halted"; readonly instructions: number };

export class BareMachine {
  readonly xlen: 32 | 64;
  readonly entry: number;
  readonly dtbAddress: number;
  readonly symbols: ReadonlyMap<string, number>;
  readonly ram: GuestMemory;
  readonly bus: AddressSpace;
  readonly harts: readonly Hart[];
  readonly uart: UartNs16550a;
  readonly clint: Clint;
  readonly finisher: TestFinisher;
  readonly htif: Htif | undefined;
  readonly clock: Clock;
  private readonly onConsole: (bytes: Uint8Array) => void;
  private readonly timeSlice: number;
  private readonly instructionsPerTick: number;
  private consoleBuffer: number[] = [];
  private instructions = 0;
  private tickRemainder = 0;
  private started = false;

  constructor(options: BareMachineOptions) {
    const harts = options.harts ?? 1;
    const memorySize = options.memorySize ?? DEFAULT_MEMORY_SIZE;
    checkInteger("harts", harts, 1, MAX_HARTS);
    if (
      !Number.isInteger(memorySize) ||
      memorySize < MIN_MEMORY_SIZE ||
      memorySize > MAX_MEMORY_SIZE ||
      memorySize % PAGE_SIZE !== 0
    ) {
      throw new MachineError(
        `memory size must be a multiple of 4K from ${formatSize(MIN_MEMORY_SIZE)} to ` +
          `${formatSize(MAX_MEMORY_SIZE)}, not ${formatSize(memorySize)}`,
      );
    }
    this.timeSlice = options.timeSlice ?? DEFAULT_TIME_SLICE;
    this.instructionsPerTick = options.instructionsPerTick ?? 1;
    checkInteger("time slice", this.timeSlice, 1, 1e9);
    checkInteger("instructions per tick", this.instructionsPerTick, 1, 1e9);

    const program = parseElf(options.image);
    if (options.xlen !== undefined && options.xlen !== program.xlen) {
      throw new MachineError(`the program is ${program.xlen}-bit but ${options.xlen}-bit was requested`);
    }
    this.xlen = program.xlen;
    this.entry = program.entry;
    this.symbols = program.symbols;
    this.clock = options.clock ?? new WallClock();
    this.onConsole = options.onConsole ?? (() => {});

    const layout: VirtLayout = { ...BARE_LAYOUT, ramSize: memorySize };
    const dtb = writeDeviceTree(
      virtDeviceTree({
        harts,
        xlen: this.xlen,
        layout,
        ...(options.bootargs !== undefined ? { bootargs: options.bootargs } : {}),
      }),
    );
    const ramEnd = layout.ramBase + memorySize;
    this.dtbAddress = Math.floor((ramEnd - dtb.length) / DTB_ALIGNMENT) * DTB_ALIGNMENT;
    checkPlacement(program, layout, this.dtbAddress, dtb.length);

    this.ram = GuestMemory.allocate(layout.ramBase, memorySize, harts);
    loadElf(program, this.ram);
    this.ram.write(this.dtbAddress, dtb);

    this.bus = new AddressSpace(this.ram);
    const output = (byte: number) => this.consoleBuffer.push(byte);
    this.uart = new UartNs16550a({ onOutput: output });
    this.finisher = new TestFinisher(this.bus);
    const readTime = () => this.clint.readMtimeNumber();
    this.harts = Array.from({ length: harts }, (_, hartId) => {
      const hart = new Hart({ hartId, xlen: this.xlen, bus: this.bus, readTime, jit: options.jit ?? false });
      hart.setPc(this.entry);
      hart.setX(10, hartId);
      hart.setX(11, this.dtbAddress);
      return hart;
    });
    this.clint = new Clint(this.clock, this.harts);
    this.bus.addDevice("test-finisher", layout.finisherBase, layout.finisherSize, this.finisher);
    this.bus.addDevice("clint", layout.clintBase, layout.clintSize, this.clint);
    this.bus.addDevice("uart", layout.uartBase, layout.uartSize, this.uart);
    this.htif = this.attachHtif(output);
  }

  /** Queues bytes for the guest to read from the UART. */
  pushInput(bytes: Uint8Array): void {
    this.uart.pushInput(bytes);
  }

  /** Instructions retired so far over all harts. */
  get instructionCount(): number {
    return this.instructions;
  }

  async run(options: RunOptions = {}): Promise<RunOutcome> {
    if (this.started) throw new MachineError("a bare machine runs once; create a new one");
    this.started = true;
    const limit = options.maxInstructions ?? Number.POSITIVE_INFINITY;
    const signal = options.signal;
    let lastYield = performance.now();
    try {
      for (;;) {
        if (signal?.aborted) return { reason: "aborted", instructions: this.instructions };
        this.clint.update();
        let busiest = 0;
        let ran = 0;
        for (const hart of this.harts) {
          const budget = Math.min(this.timeSlice, limit - this.instructions);
          if (budget <= 0) return { reason: "instruction-limit", instructions: this.instructions };
          const n = hart.run(budget);
          this.instructions += n;
          ran += n;
          busiest = Math.max(busiest, n);
          if (this.bus.stopRequested) break;
        }
        this.htif?.poll();
        if (this.bus.stopRequested) return this.exitOutcome();
        this.flushConsole();
        this.advanceVirtualTime(busiest);

        if (ran === 0 && this.harts.every((h) => h.waitingForInterrupt || h.wedged)) {
          if (!(await this.sleepUntilDeadline(signal))) {
            return { reason: "halted", instructions: this.instructions };
          }
          lastYield = performance.now();
        } else if (performance.now() - lastYield >= YIELD_INTERVAL_MS) {
          await sleep(0, signal);
          lastYield = performance.now();
        }
      }
    } finally {
      this.flushConsole();
    }
  }

  private attachHtif(output: (byte: number) => void): Htif | undefined {
    const tohost = this.symbols.get("tohost");
    if (tohost === undefined) return undefined;
    const fromhost = this.symbols.get("fromhost");
    try {
      return new Htif(this.bus, {
        xlen: this.xlen,
        tohost,
        onOutput: output,
        ...(fromhost !== undefined ? { fromhost } : {}),
      });
    } catch (err) {
      throw new MachineError((err as Error).message, { cause: err });
    }
  }

  private exitOutcome(): RunOutcome {
    const finished = this.finisher.result;
    if (finished !== undefined) {
      return {
        reason: finished.reset ? "reset" : "exit",
        status: finished.status,
        device: "finisher",
        instructions: this.instructions,
      };
    }
    const status = this.htif?.exitStatus;
    if (status !== undefined) {
      return { reason: "exit", status, device: "htif", instructions: this.instructions };
    }
    throw new MachineError("the machine stopped without an exit status");
  }

  private flushConsole(): void {
    if (this.consoleBuffer.length === 0) return;
    const bytes = Uint8Array.from(this.consoleBuffer);
    this.consoleBuffer = [];
    this.onConsole(bytes);
  }

  private advanceVirtualTime(instructions: number): void {
    if (!(this.clock instanceof VirtualClock)) return;
    this.tickRemainder += instructions;
    const ticks = Math.floor(this.tickRemainder / this.instructionsPerTick);
    this.tickRemainder -= ticks * this.instructionsPerTick;
    this.clock.advance(ticks);
  }

  /**
   * Waits until the next CLINT deadline; false when there is none, so nothing can ever wake a
   * hart (this board has no interrupt source other than the CLINT, and no hart runs to write
   * msip or mtimecmp).
   */
  private async sleepUntilDeadline(signal: AbortSignal | undefined): Promise<boolean> {
    const deadline = this.clint.nextDeadline();
    if (deadline === undefined) return false;
    if (this.clock instanceof VirtualClock) {
      this.clock.advanceTo(deadline);
      return true;
    }
    const ms = (deadline - this.clock.now()) / TICKS_PER_MS;
    // Sleep in bounded steps so the loop re-checks the signal and the time regularly.
    await sleep(Math.min(Math.max(ms, 0), MAX_SLEEP_MS), signal);
    return true;
  }
}

const YIELD_INTERVAL_MS = 20;
const MAX_SLEEP_MS = 50;

/** Resolves after `ms` or as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.ceil(ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}

function checkInteger(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MachineError(`${what} must be an integer from ${min} to ${max}, not ${value}`);
  }
}

/** A byte count the way the CLI's --memory takes it (4K, 128M, 2G), exact or in bytes. */
function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ["G", 1024 * MIB],
    ["M", MIB],
    ["K", 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes} bytes`;
}

function checkPlacement(program: ElfProgram, layout: VirtLayout, dtbAddress: number, dtbSize: number): void {
  const ramEnd = layout.ramBase + layout.ramSize;
  const inRam = program.segments.every((s) => s.paddr >= layout.ramBase && s.paddr + s.memsz <= ramEnd);
  // Out-of-RAM segments are the ELF loader's to report, with its own message.
  if (!inRam) return;
  for (const s of program.segments) {
    if (s.paddr < dtbAddress + dtbSize && dtbAddress < s.paddr + s.memsz) {
      throw new MachineError(
        `the program (segment at 0x${s.paddr.toString(16)}) overlaps the device tree at ` +
          `0x${dtbAddress.toString(16)}; give the machine more memory`,
      );
    }
  }
  if (program.entry < layout.ramBase || program.entry >= ramEnd) {
    throw new MachineError(`the program's entry point 0x${program.entry.toString(16)} is outside RAM`);
  }
}
