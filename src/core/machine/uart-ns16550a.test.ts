import assert from "node:assert/strict";
import { test } from "node:test";
import { UartNs16550a } from "./uart-ns16550a.js";

const THR = 0;
const IER = 1;
const IIR = 2;
const FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

function makeUart() {
  const output: number[] = [];
  const uart = new UartNs16550a({ onOutput: (b) => output.push(b) });
  return { uart, output };
}

test("UartNs16550a THR writes go straight to the output callback", () => {
  const { uart, output } = makeUart();
  for (const c of "hi\n") uart.write(THR, 1, c.charCodeAt(0));
  assert.deepEqual(output, [0x68, 0x69, 0x0a]);
  uart.write(THR, 4, 0x1234_5641);
  assert.equal(output.at(-1), 0x41, "only the low byte is transmitted");
});

test("UartNs16550a LSR always reports THRE|TEMT and DR only while input waits", () => {
  const { uart } = makeUart();
  assert.equal(uart.read(LSR, 1), 0x60);
  uart.pushInput(new Uint8Array([0x61, 0x62]));
  assert.equal(uart.read(LSR, 1), 0x61);
  assert.equal(uart.read(THR, 1), 0x61);
  assert.equal(uart.read(LSR, 1), 0x61);
  assert.equal(uart.read(THR, 1), 0x62);
  assert.equal(uart.read(LSR, 1), 0x60);
  assert.equal(uart.read(THR, 1), 0, "reading an empty receiver gives 0");
});

test("UartNs16550a keeps a long input stream in order", () => {
  const { uart } = makeUart();
  const input = Uint8Array.from({ length: 20_000 }, (_, i) => i & 0xff);
  uart.pushInput(input.subarray(0, 10_000));
  const got: number[] = [];
  for (let i = 0; i < 5000; i++) got.push(uart.read(THR, 1));
  uart.pushInput(input.subarray(10_000));
  while (uart.read(LSR, 1) & 1) got.push(uart.read(THR, 1));
  assert.deepEqual(got, Array.from(input));
  assert.equal(uart.pendingInput, 0);
});

test("UartNs16550a LCR.DLAB switches offsets 0 and 1 to the divisor latch", () => {
  const { uart, output } = makeUart();
  uart.write(IER, 1, 0x01);
  uart.write(LCR, 1, 0x83);
  uart.write(0, 1, 0x0c);
  uart.write(1, 1, 0x01);
  assert.equal(uart.read(0, 1), 0x0c);
  assert.equal(uart.read(1, 1), 0x01);
  assert.deepEqual(output, [], "a DLL write is not a transmission");
  uart.write(LCR, 1, 0x03);
  assert.equal(uart.read(LCR, 1), 0x03);
  assert.equal(uart.read(IER, 1), 0x01, "IER is untouched by DLM writes");
});

test("UartNs16550a IIR reports no interrupt at reset and FIFO state after FCR", () => {
  const { uart } = makeUart();
  assert.equal(uart.read(IIR, 1), 0x01);
  uart.write(FCR, 1, 0x07);
  assert.equal(uart.read(IIR, 1), 0xc1);
  assert.equal(uart.interruptPending, false);
});

test("UartNs16550a raises received-data interrupts only when IER.ERBFI is set", () => {
  const { uart } = makeUart();
  uart.pushInput(new Uint8Array([0x41]));
  assert.equal(uart.read(IIR, 1), 0x01);
  uart.write(IER, 1, 0x01);
  assert.equal(uart.read(IIR, 1), 0x04);
  assert.equal(uart.interruptPending, true);
  uart.read(THR, 1);
  assert.equal(uart.read(IIR, 1), 0x01);
});

test("UartNs16550a latches the THR-empty interrupt until IIR is read or THR written", () => {
  const { uart } = makeUart();
  uart.write(IER, 1, 0x02);
  assert.equal(uart.interruptPending, true);
  assert.equal(uart.read(IIR, 1), 0x02, "enabling ETBEI with THR empty raises it");
  assert.equal(uart.read(IIR, 1), 0x01, "reading IIR acknowledged it");
  uart.write(THR, 1, 0x41);
  assert.equal(uart.read(IIR, 1), 0x02, "the transmitted byte emptied THR again");
});

test("UartNs16550a gives received data priority over THR empty", () => {
  const { uart } = makeUart();
  uart.write(IER, 1, 0x03);
  uart.pushInput(new Uint8Array([1]));
  assert.equal(uart.read(IIR, 1), 0x04);
  uart.read(THR, 1);
  assert.equal(uart.read(IIR, 1), 0x02);
});

test("UartNs16550a FCR bit 1 discards pending input", () => {
  const { uart } = makeUart();
  uart.pushInput(new Uint8Array([1, 2, 3]));
  uart.write(FCR, 1, 0x03);
  assert.equal(uart.pendingInput, 0);
  assert.equal(uart.read(LSR, 1) & 1, 0);
});

test("UartNs16550a SCR stores a byte and MSR shows an idle modem", () => {
  const { uart } = makeUart();
  uart.write(SCR, 1, 0x5a);
  assert.equal(uart.read(SCR, 1), 0x5a);
  assert.equal(uart.read(MSR, 1), 0xb0);
  uart.write(LSR, 1, 0);
  assert.equal(uart.read(LSR, 1), 0x60, "LSR is read-only");
});

test("UartNs16550a loopback mode routes THR to RBR and mirrors MCR in MSR", () => {
  const { uart, output } = makeUart();
  uart.write(MCR, 1, 0x10 | 0x0b);
  assert.equal(uart.read(MCR, 1), 0x1b);
  uart.write(THR, 1, 0x55);
  assert.deepEqual(output, []);
  assert.equal(uart.read(LSR, 1) & 1, 1);
  assert.equal(uart.read(THR, 1), 0x55);
  // DTR→DSR, RTS→CTS, OUT2→DCD, OUT1 (clear)→RI clear
  assert.equal(uart.read(MSR, 1), 0x20 | 0x10 | 0x80);
});
