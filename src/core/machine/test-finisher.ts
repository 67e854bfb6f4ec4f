/**
 * The SiFive test finisher ("sifive,test0") at 0x10_0000 on QEMU's virt board: a guest ends
 * the run by writing one 32-bit word at offset 0.
 *
 *   bits 15:0   0x5555  pass   → status 0
 *               0x3333  fail   → status = bits 31:16 (the code)
 *               0x7777  reset
 *   anything else is ignored, as on QEMU.
 *
 * Decision on reset: Ferry's bare machine has no warm-reset path (the program image is not
 * kept pristine once it runs), so 0x7777 stops the machine like a pass, with status 0 and
 * `reset` recorded so the caller can say so. Reads return 0. The first finishing write wins;
 * later ones (another hart racing to exit) change nothing.
 */
import type { AddressSpace, MmioDevice } from "../memory/address-space.js";

export const TEST_FINISHER_SIZE = 0x1000;

export const FINISHER_FAIL = 0x3333;
export const FINISHER_PASS = 0x5555;
export const FINISHER_RESET = 0x7777;

export interface FinisherResult {
  /** The exit status the guest asked for (the 16-bit fail code, 0 on pass or reset). */
  readonly status: number;
  /** True when the guest asked for a reset rather than an exit. */
  readonly reset: boolean;
}

export class TestFinisher implements MmioDevice {
  private outcome: FinisherResult | undefined;

  constructor(private readonly bus: Pick<AddressSpace, "requestStop">) {}

  /** What the guest asked for, once it has written a finishing value. */
  get result(): FinisherResult | undefined {
    return this.outcome;
  }

  read(_offset: number, _size: 1 | 2 | 4): number {
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset !== 0 || size === 1 || this.outcome !== undefined) return;
    const code = size === 4 ? (value >>> 16) & 0xffff : 0;
    switch (value & 0xffff) {
      case FINISHER_PASS:
        this.finish({ status: 0, reset: false });
        return;
      case FINISHER_FAIL:
        this.finish({ status: code, reset: false });
        return;
      case FINISHER_RESET:
        this.finish({ status: 0, reset: true });
        return;
      default:
        return;
    }
  }

  private finish(result: FinisherResult): void {
    this.outcome = result;
    this.bus.requestStop();
  }
}
