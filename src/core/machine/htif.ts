/**
 * HTIF, the host–target interface of Spike and the standard RISC-V test suites: the guest
 * writes a 64-bit command to the `tohost` symbol; the host answers through `fromhost`.
 *
 *   tohost = device[63:56] | command[55:48] | payload[47:0]
 *   device 0, command 0, payload bit 0 set → exit with status payload >> 1 (1 means pass)
 *   device 1, command 1                    → console putchar of payload[7:0]
 *
 * After a console command the host clears tohost (the guest spins until it does) and, if the
 * guest has drained fromhost, answers there with (device, command, 0x100 | byte) as Spike's
 * console does. Other commands (the proxy-kernel syscalls, console reads) are cleared and
 * ignored. On an exit the first status wins and the bus is asked to stop.
 *
 * Timing: Spike polls tohost between instruction blocks, so a 64-bit command written as two
 * 32-bit stores is always seen whole. Here stores are seen as they happen (the tohost page is
 * watched), so on RV32 a command is acted on once both halves have been written since the
 * last one, or at the next `poll()` (between time slices) if only one ever is; on RV32 only
 * the low word decides an exit. On RV64 a store is taken to write the whole doubleword.
 */
import type { AddressSpace } from "../memory/address-space.js";
import { PAGE_SIZE } from "../memory/guest-memory.js";

export interface HtifOptions {
  readonly xlen: 32 | 64;
  /** Guest-physical address of `tohost` (8 bytes, in RAM). */
  readonly tohost: number;
  /** Guest-physical address of `fromhost`, when the program has one. */
  readonly fromhost?: number;
  /** Receives each byte the guest prints through the console device. */
  readonly onOutput: (byte: number) => void;
}

const DEVICE_SYSCALL = 0n;
const DEVICE_CONSOLE = 1n;
const CONSOLE_PUTCHAR = 1n;
const PAYLOAD_MASK = (1n << 48n) - 1n;

const LOW_HALF = 1;
const HIGH_HALF = 2;

export class Htif {
  private readonly view: DataView;
  private readonly ramBase: number;
  private readonly xlen: 32 | 64;
  private readonly tohost: number;
  private readonly fromhost: number | undefined;
  private readonly onOutput: (byte: number) => void;
  private status: number | undefined;
  /** Which halves of tohost (LOW_HALF | HIGH_HALF) an RV32 guest wrote since the last command. */
  private halvesWritten = 0;

  constructor(
    private readonly bus: AddressSpace,
    options: HtifOptions,
  ) {
    const ram = bus.ram;
    for (const [name, addr] of [
      ["tohost", options.tohost],
      ["fromhost", options.fromhost],
    ] as const) {
      if (addr !== undefined && (!ram.contains(addr, 8) || addr % 8 !== 0)) {
        throw new RangeError(`HTIF ${name} at 0x${addr.toString(16)} is not an aligned doubleword in RAM`);
      }
    }
    this.view = new DataView(ram.buffer);
    this.ramBase = ram.base;
    this.xlen = options.xlen;
    this.tohost = options.tohost;
    this.fromhost = options.fromhost;
    this.onOutput = options.onOutput;
    bus.watchPage(Math.floor(options.tohost / PAGE_SIZE), (paddr) => this.onStore(paddr));
  }

  /** The exit status once the guest has asked to exit. */
  get exitStatus(): number | undefined {
    return this.status;
  }

  /** Acts on a command only half of which an RV32 guest has written (between time slices). */
  poll(): void {
    if (this.halvesWritten !== 0) this.handleCommand();
  }

  private onStore(paddr: number): void {
    if (paddr < this.tohost || paddr >= this.tohost + 8) return;
    if (this.xlen === 32) {
      this.halvesWritten |= paddr < this.tohost + 4 ? LOW_HALF : HIGH_HALF;
      if (this.halvesWritten !== (LOW_HALF | HIGH_HALF)) return;
    }
    this.handleCommand();
  }

  private handleCommand(): void {
    this.halvesWritten = 0;
    const value = this.load(this.tohost);
    if (value === 0n || this.status !== undefined) return;
    const device = value >> 56n;
    const command = (value >> 48n) & 0xffn;
    const payload = value & PAYLOAD_MASK;
    if (device === DEVICE_SYSCALL && command === 0n && (payload & 1n) === 1n) {
      const exitValue = this.xlen === 32 ? value & 0xffff_ffffn : payload;
      this.status = Number(exitValue >> 1n);
      this.bus.requestStop();
      return;
    }
    this.store(this.tohost, 0n);
    if (device === DEVICE_CONSOLE && command === CONSOLE_PUTCHAR) {
      const byte = Number(payload & 0xffn);
      this.onOutput(byte);
      if (this.fromhost !== undefined && this.load(this.fromhost) === 0n) {
        this.store(this.fromhost, (device << 56n) | (command << 48n) | BigInt(0x100 | byte));
      }
    }
  }

  private load(paddr: number): bigint {
    return this.view.getBigUint64(paddr - this.ramBase, true);
  }

  private store(paddr: number, value: bigint): void {
    this.view.setBigUint64(paddr - this.ramBase, value, true);
  }
}
