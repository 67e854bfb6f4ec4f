/**
 * An ns16550a UART as QEMU's virt board has it: eight byte-wide registers at consecutive
 * offsets (reg-shift 0, reg-io-width 1), the divisor latch behind LCR.DLAB.
 *
 * Offset  DLAB=0 read  DLAB=0 write  DLAB=1
 *   0     RBR          THR           DLL
 *   1     IER          IER           DLM
 *   2     IIR          FCR           (IIR/FCR)
 *   3     LCR          LCR
 *   4     MCR          MCR
 *   5     LSR          (ignored)
 *   6     MSR          (ignored)
 *   7     SCR          SCR
 *
 * Invariants: transmission is instantaneous, so LSR.THRE and LSR.TEMT are always set and
 * every THR write reaches `onOutput` at once. Received bytes wait in a host-fed queue of any
 * length (the host, not the guest, decides how much to buffer); LSR.DR is set exactly when
 * that queue is non-empty. Baud rate, parity and FIFO trigger levels are stored and ignored.
 * Wider accesses act on the byte at their offset (the driver contract is byte access).
 *
 * The interrupt output (`interruptPending`) follows the 16550 priority rules, with the THR
 * empty interrupt latched as the datasheet describes (set when THR empties or ETBEI is
 * enabled, cleared by reading IIR while it is the reported source or by writing THR). The
 * bare board has no interrupt controller wired to it yet; polled drivers read IIR/LSR.
 */
import type { MmioDevice } from "../memory/address-space.js";

export const UART_SIZE = 0x100;
/** The clock QEMU advertises for its virt UART (1.8432 MHz × 2), kept for the device tree. */
export const UART_CLOCK_FREQUENCY = 3_686_400;

const RBR_THR_DLL = 0;
const IER_DLM = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

const LCR_DLAB = 0x80;
const IER_ERBFI = 0x01; // received data available
const IER_ETBEI = 0x02; // transmitter holding register empty
const IER_MASK = 0x0f;
const IIR_NO_INTERRUPT = 0x01;
const IIR_THR_EMPTY = 0x02;
const IIR_RX_DATA = 0x04;
const IIR_FIFO_ENABLED = 0xc0;
const FCR_FIFO_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
const LSR_DR = 0x01;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const MCR_LOOP = 0x10;
const MCR_MASK = 0x1f;
/** Modem status with nothing attached but a ready line: DCD, DSR and CTS asserted (as QEMU). */
const MSR_IDLE = 0xb0;

export interface UartOptions {
  /** Receives each byte the guest transmits, in order. */
  onOutput: (byte: number) => void;
}

export class UartNs16550a implements MmioDevice {
  private readonly onOutput: (byte: number) => void;
  /** Received bytes not yet read by the guest; `rxHead` indexes the next one. */
  private rxQueue: number[] = [];
  private rxHead = 0;
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private dll = 0;
  private dlm = 0;
  private fifoEnabled = false;
  /** The latched THR-empty interrupt (16550 datasheet, "THRE interrupt"). */
  private thrInterrupt = false;

  constructor(options: UartOptions) {
    this.onOutput = options.onOutput;
  }

  /** Queues bytes typed by the host user; the guest sees them through RBR and LSR.DR. */
  pushInput(bytes: Uint8Array): void {
    for (const b of bytes) this.rxQueue.push(b);
  }

  /** How many received bytes the guest has not read yet. */
  get pendingInput(): number {
    return this.rxQueue.length - this.rxHead;
  }

  /** The level of the UART's interrupt line under the current IER. */
  get interruptPending(): boolean {
    return this.interruptId() !== IIR_NO_INTERRUPT;
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset & 7) {
      case RBR_THR_DLL:
        return dlab ? this.dll : this.receive();
      case IER_DLM:
        return dlab ? this.dlm : this.ier;
      case IIR_FCR: {
        const id = this.interruptId();
        // Reading IIR acknowledges a THR-empty interrupt when that is what it reports.
        if (id === IIR_THR_EMPTY) this.thrInterrupt = false;
        return id | (this.fifoEnabled ? IIR_FIFO_ENABLED : 0);
      }
      case LCR:
        return this.lcr;
      case MCR:
        return this.mcr;
      case LSR:
        return LSR_THRE | LSR_TEMT | (this.pendingInput > 0 ? LSR_DR : 0);
      case MSR:
        return this.modemStatus();
      default:
        return this.scr;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    const byte = value & 0xff;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset & 7) {
      case RBR_THR_DLL:
        if (dlab) this.dll = byte;
        else this.transmit(byte);
        return;
      case IER_DLM:
        if (dlab) {
          this.dlm = byte;
        } else {
          const enablingThre = (byte & IER_ETBEI) !== 0 && (this.ier & IER_ETBEI) === 0;
          this.ier = byte & IER_MASK;
          // THR is always empty, so enabling ETBEI raises the interrupt at once.
          if (enablingThre) this.thrInterrupt = true;
        }
        return;
      case IIR_FCR:
        this.fifoEnabled = (byte & FCR_FIFO_ENABLE) !== 0;
        if (byte & FCR_CLEAR_RX) this.clearInput();
        return;
      case LCR:
        this.lcr = byte;
        return;
      case MCR:
        this.mcr = byte & MCR_MASK;
        return;
      case SCR:
        this.scr = byte;
        return;
      default:
        return; // LSR and MSR are read-only
    }
  }

  private transmit(byte: number): void {
    // Loopback mode (MCR bit 4) routes the transmitter into the receiver, nothing leaves.
    if (this.mcr & MCR_LOOP) this.rxQueue.push(byte);
    else this.onOutput(byte);
    // The byte left at once, so THR is empty again: the interrupt re-latches.
    this.thrInterrupt = true;
  }

  private receive(): number {
    if (this.pendingInput === 0) return 0;
    const byte = this.rxQueue[this.rxHead++] ?? 0;
    // Compact once the consumed prefix dominates, so a long session does not grow forever.
    if (this.rxHead >= 4096 && this.rxHead * 2 >= this.rxQueue.length) this.clearConsumed();
    return byte;
  }

  private clearConsumed(): void {
    this.rxQueue = this.rxQueue.slice(this.rxHead);
    this.rxHead = 0;
  }

  private clearInput(): void {
    this.rxQueue = [];
    this.rxHead = 0;
  }

  /**
   * IIR bits 3:0 by 16550 priority. Line-status interrupts never occur (input cannot overrun
   * an unbounded queue), which leaves RX data, then THR empty.
   */
  private interruptId(): number {
    if (this.ier & IER_ERBFI && this.pendingInput > 0) return IIR_RX_DATA;
    if (this.ier & IER_ETBEI && this.thrInterrupt) return IIR_THR_EMPTY;
    return IIR_NO_INTERRUPT;
  }

  private modemStatus(): number {
    if ((this.mcr & MCR_LOOP) === 0) return MSR_IDLE;
    // In loopback the modem inputs mirror the outputs: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD.
    const m = this.mcr;
    return ((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) | ((m & 0x08) << 4);
  }
}
