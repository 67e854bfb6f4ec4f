/**
 * The migration stream's transport on Node: a TCP connection as a ByteChannel
 * (core/migration/byte-channel.ts). Writes wait for the socket to drain, so a sender never
 * buffers more than the kernel's socket buffer plus one chunk; a connection that breaks
 * makes pending writes reject and the reader throw, which is how the protocol's sides
 * notice a dead peer. Errors carry only the reason ("read ECONNRESET", "closed"): the
 * protocol says what broke.
 */
import { connect, type Socket } from "node:net";
import type { ByteChannel } from "../../core/migration/byte-channel.js";

export class TcpChannelError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TcpChannelError";
  }
}

/** Wraps a connected socket. */
export function tcpChannel(socket: Socket): ByteChannel {
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 5_000);
  let broken: Error | undefined;
  socket.on("error", (e) => {
    broken ??= e;
  });
  socket.on("close", () => {
    broken ??= new TcpChannelError("closed");
  });
  // Writes whose chunk the socket still holds, and who waits for none to be left.
  let unflushed = 0;
  let waiting: (() => void)[] = [];
  const written = (): void => {
    if (--unflushed > 0) return;
    const w = waiting;
    waiting = [];
    for (const resolve of w) resolve();
  };
  return {
    flushed(): Promise<void> {
      return unflushed === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve));
    },
    write(chunk: Uint8Array): Promise<void> {
      if (broken !== undefined || socket.destroyed) {
        return Promise.reject(
          new TcpChannelError(`the connection is broken: ${broken?.message ?? "closed"}`),
        );
      }
      // Below the socket's high-water mark the write is taken at once; above it, wait for
      // 'drain' (or the end of the connection).
      // The callback comes once the chunk is in the kernel's hands, or the write failed.
      unflushed++;
      if (socket.write(chunk, written)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const done = (): void => {
          socket.off("drain", onDrain);
          socket.off("close", onClose);
        };
        const onDrain = (): void => {
          done();
          resolve();
        };
        const onClose = (): void => {
          done();
          reject(new TcpChannelError(broken?.message ?? "closed"));
        };
        socket.once("drain", onDrain);
        socket.once("close", onClose);
      });
    },
    incoming: {
      async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
        for await (const chunk of socket) yield chunk as Buffer;
        if (socket.errored) throw new TcpChannelError(socket.errored.message);
      },
    },
    close(): void {
      socket.destroy();
    },
  };
}

/** Connects to a peer's migration address; one clear error if nobody answers in time. */
export function connectChannel(host: string, port: number, timeoutMs = 10_000): Promise<ByteChannel> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TcpChannelError(`${host}:${port} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(tcpChannel(socket));
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why =
        e.code === "ECONNREFUSED" ? "connection refused (is ferryd running there?)" : (e.code ?? e.message);
      reject(new TcpChannelError(`cannot connect to ${host}:${port}: ${why}`, { cause: e }));
    });
  });
}
