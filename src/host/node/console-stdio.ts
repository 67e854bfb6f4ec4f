/**
 * Connects a guest console to the process's stdin and stdout.
 *
 * - Output bytes go to stdout unchanged, in order. If stdout goes away (a closed pipe), later
 *   output is dropped rather than crashing the run.
 * - Input bytes from stdin are handed to `onInput` as they arrive. When stdin is a terminal it
 *   is put in raw mode so keys reach the guest one by one, unechoed, with Ctrl-C as a plain
 *   byte; the previous mode is restored by `close()`, which callers must reach on every path.
 * - In raw mode Ctrl-A is an escape key, as in QEMU: Ctrl-A x quits (`onQuit`), Ctrl-A Ctrl-A
 *   sends one Ctrl-A, Ctrl-A followed by anything else sends both bytes. Input from a pipe or a
 *   file is passed through verbatim.
 * - SIGINT, SIGTERM and SIGHUP also call `onQuit`, so the terminal is restored on the way out.
 *
 * After `close()` nothing here keeps the event loop alive.
 */

export interface StdioConsoleOptions {
  readonly onInput: (bytes: Uint8Array) => void;
  /** The user asked to stop (Ctrl-A x, or a termination signal). */
  readonly onQuit: (reason: string) => void;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
}

export interface StdioConsole {
  write(bytes: Uint8Array): void;
  close(): void;
}

const CTRL_A = 0x01;
const QUIT_KEY = "x".charCodeAt(0);
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export function attachStdioConsole(options: StdioConsoleOptions): StdioConsole {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const raw = stdin.isTTY === true;
  let escapePending = false;
  let outputBroken = false;
  let closed = false;

  const onData = (chunk: Buffer) => {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    options.onInput(raw ? filterEscapes(bytes) : bytes);
  };

  // Ctrl-A handling; `escapePending` carries a trailing Ctrl-A over to the next chunk.
  const filterEscapes = (bytes: Uint8Array): Uint8Array => {
    const out: number[] = [];
    for (const b of bytes) {
      if (escapePending) {
        escapePending = false;
        if (b === QUIT_KEY) {
          options.onQuit("Ctrl-A x");
          continue;
        }
        if (b !== CTRL_A) out.push(CTRL_A);
        out.push(b);
      } else if (b === CTRL_A) {
        escapePending = true;
      } else {
        out.push(b);
      }
    }
    return Uint8Array.from(out);
  };

  const onOutputError = () => {
    outputBroken = true;
  };
  const signalHandlers = SIGNALS.map((signal) => {
    const handler = () => options.onQuit(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });

  if (raw) stdin.setRawMode(true);
  stdin.on("data", onData);
  // An error on stdin (e.g. it was closed under us) just means no more input.
  stdin.on("error", () => {});
  stdout.on("error", onOutputError);

  return {
    write(bytes: Uint8Array): void {
      if (outputBroken || closed || bytes.length === 0) return;
      stdout.write(bytes);
    },
    close(): void {
      if (closed) return;
      closed = true;
      stdin.off("data", onData);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      for (const [signal, handler] of signalHandlers) process.off(signal, handler);
    },
  };
}
