/**
 * A TCP proxy for migration tests that understands just enough of the migration stream
 * (docs/migration.md: a 16-byte magic each way, then frames of an 8-byte header with the
 * body length at offset 4, the body and a 4-byte CRC) to cut the connection exactly at a
 * boundary: after the magic or after a whole frame, in either direction. Boundaries are
 * numbered 1, 2, … in the order the proxy forwards them. Cutting at boundary k forwards
 * everything up to it, then ends the connection towards that frame's receiver (a clean
 * close, as from a peer that stopped) and resets it towards its sender.
 */
import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";

const MAGIC_SIZE = 16;
const HEADER_SIZE = 8;
const CRC_SIZE = 4;

export interface Boundary {
  /** "out": from the source (the proxy's client) to the destination; "back": the reply way. */
  readonly direction: "out" | "back";
  /** The frame's command (u16), or "magic". */
  readonly what: number | "magic";
}

/** Finds frame boundaries in one direction of the stream, chunk by chunk. */
class BoundaryScanner {
  private need = MAGIC_SIZE;
  private header: number[] | undefined;
  private inMagic = true;
  private command = 0;

  /** Offsets just after each boundary inside `chunk`, with what ended there. */
  scan(chunk: Uint8Array): { at: number; what: number | "magic" }[] {
    const found: { at: number; what: number | "magic" }[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.header !== undefined) {
        // Collecting a header byte by byte (headers may straddle chunks).
        this.header.push(chunk[i]!);
        i++;
        if (this.header.length === HEADER_SIZE) {
          const h = this.header;
          this.command = h[0]! | (h[1]! << 8);
          this.need = (h[4]! | (h[5]! << 8) | (h[6]! << 16) | (h[7]! << 24)) >>> 0;
          this.need += CRC_SIZE;
          this.header = undefined;
        }
        continue;
      }
      const take = Math.min(this.need, chunk.length - i);
      i += take;
      this.need -= take;
      if (this.need === 0) {
        found.push({ at: i, what: this.inMagic ? "magic" : this.command });
        this.inMagic = false;
        this.header = [];
      }
    }
    return found;
  }
}

export class CuttingProxy {
  /** Every boundary forwarded so far, in order. */
  readonly boundaries: Boundary[] = [];
  /** Whether the cut happened. */
  cut = false;

  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** Where the source should migrate to: HOST:PORT of the proxy. */
    readonly address: string,
  ) {}

  /**
   * A proxy on 127.0.0.1 to `target` (HOST:PORT) that cuts at boundary `cutAt`, if given: its
   * number, or the first boundary for which it returns true.
   */
  static async start(target: string, cutAt?: number | ((b: Boundary) => boolean)): Promise<CuttingProxy> {
    const [host, port] = target.split(":") as [string, string];
    let proxy: CuttingProxy | undefined;
    const server = createServer((client) => proxy!.serve(client, host, Number(port), cutAt));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no address");
    proxy = new CuttingProxy(server, `127.0.0.1:${address.port}`);
    return proxy;
  }

  private serve(
    client: Socket,
    host: string,
    port: number,
    cutAt: number | ((b: Boundary) => boolean) | undefined,
  ): void {
    const upstream = createConnection({ host, port });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => this.sockets.delete(s));
    }
    const pipe = (from: Socket, to: Socket, direction: Boundary["direction"]): void => {
      const scanner = new BoundaryScanner();
      from.on("data", (chunk: Buffer) => {
        if (this.cut) return;
        for (const b of scanner.scan(chunk)) {
          const boundary = { direction, what: b.what };
          this.boundaries.push(boundary);
          if (typeof cutAt === "function" ? cutAt(boundary) : this.boundaries.length === cutAt) {
            this.cut = true;
            to.end(chunk.subarray(0, b.at));
            from.resetAndDestroy();
            return;
          }
        }
        to.write(chunk);
      });
      from.on("end", () => to.end());
    };
    pipe(client, upstream, "out");
    pipe(upstream, client, "back");
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, "close");
  }
}
