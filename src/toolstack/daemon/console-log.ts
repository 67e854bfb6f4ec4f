/**
 * One domain's console as the daemon keeps it: the last CONSOLE_HISTORY bytes it printed
 * (what `ferry console` shows first, as a serial console's scrollback would) and the clients
 * following it live. A client that is gone is dropped; the guest never waits for clients.
 */
export const CONSOLE_HISTORY = 64 * 1024;

export type ConsoleListener = (bytes: Uint8Array | null) => void;

export class ConsoleLog {
  private readonly ring = new Uint8Array(CONSOLE_HISTORY);
  /** Bytes ever written; the ring holds the last min(written, CONSOLE_HISTORY). */
  private written = 0;
  private readonly listeners = new Set<ConsoleListener>();

  write(bytes: Uint8Array): void {
    for (const b of bytes) this.ring[this.written++ % CONSOLE_HISTORY] = b;
    for (const l of this.listeners) l(bytes);
  }

  history(): Uint8Array {
    const n = Math.min(this.written, CONSOLE_HISTORY);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.ring[(this.written - n + i) % CONSOLE_HISTORY]!;
    return out;
  }

  /** Calls `listener` with every later write, and with null when the console closes. */
  follow(listener: ConsoleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The domain is gone: every follower gets null. */
  close(): void {
    for (const l of this.listeners) l(null);
    this.listeners.clear();
  }
}
