import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { attachStdioConsole } from "./console-stdio.js";

/** A stand-in for process.stdin that records raw-mode changes. */
function fakeStdin(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & {
    isTTY: boolean;
    setRawMode(on: boolean): void;
    modes: boolean[];
  };
  stream.isTTY = isTTY;
  stream.modes = [];
  stream.setRawMode = (on: boolean) => {
    stream.modes.push(on);
  };
  return stream;
}

function attach(isTTY: boolean) {
  const stdin = fakeStdin(isTTY);
  const stdout = new PassThrough();
  const input: number[] = [];
  const quits: string[] = [];
  const written: Buffer[] = [];
  stdout.on("data", (b: Buffer) => written.push(b));
  const console = attachStdioConsole({
    onInput: (bytes) => input.push(...bytes),
    onQuit: (reason) => quits.push(reason),
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
  });
  return { stdin, stdout, console, input, quits, written };
}

const tick = () => new Promise((r) => setImmediate(r));

test("attachStdioConsole() passes piped input through verbatim, Ctrl-A included", async () => {
  const { stdin, console, input, quits } = attach(false);
  stdin.write(Uint8Array.from([0x61, 0x01, 0x78, 0x03]));
  await tick();
  assert.deepEqual(input, [0x61, 0x01, 0x78, 0x03]);
  assert.deepEqual(quits, []);
  assert.deepEqual(stdin.modes, [], "a pipe is never put in raw mode");
  console.close();
});

test("attachStdioConsole() puts a terminal in raw mode and restores it on close()", () => {
  const { stdin, console } = attach(true);
  assert.deepEqual(stdin.modes, [true]);
  console.close();
  console.close();
  assert.deepEqual(stdin.modes, [true, false]);
});

test("attachStdioConsole() treats Ctrl-A x on a terminal as quit and Ctrl-A Ctrl-A as one Ctrl-A", async () => {
  const { stdin, console, input, quits } = attach(true);
  stdin.write(Uint8Array.from([0x61, 0x01, 0x01, 0x62, 0x01]));
  await tick();
  stdin.write(Uint8Array.from([0x63, 0x01, 0x78]));
  await tick();
  assert.deepEqual(input, [0x61, 0x01, 0x62, 0x01, 0x63], "Ctrl-A then c sends both, across chunks");
  assert.deepEqual(quits, ["Ctrl-A x"]);
  console.close();
});

test("attachStdioConsole() writes output bytes unchanged and stops after close()", async () => {
  const { console, written } = attach(false);
  console.write(Uint8Array.from([0x50, 0x0a, 0xff]));
  await tick();
  console.close();
  console.write(Uint8Array.from([0x51]));
  await tick();
  assert.deepEqual(Array.from(Buffer.concat(written)), [0x50, 0x0a, 0xff]);
});

test("attachStdioConsole() stops delivering input after close()", async () => {
  const { stdin, console, input } = attach(false);
  console.close();
  stdin.write(Uint8Array.from([1, 2]));
  await tick();
  assert.deepEqual(input, []);
});
