/**
 * The store's ring-page transport: one domain's connection, decoding xenstore wire messages
 * (xs_wire.h: a 16-byte header {type, req_id, tx_id, len} then `len` payload bytes) from the
 * request ring of a page in guest RAM, passing them to the store, and encoding the responses
 * and watch events into the response ring. Layout: pv-numbers.ts StoreRing.
 *
 * The guest is untrusted: indices are read once per pass and checked (a producer more than a
 * ring ahead of its consumer, or a request too big for the ring — this transport takes a
 * request only when it is whole in the ring, so at most SIZE - HEADER payload bytes — breaks the connection — it stops
 * being served, as xenstored drops a misbehaving domain — and nothing throws). Output that
 * does not fit waits in a queue until the guest consumes and notifies again. Watch events
 * raised while a request is handled go out after that request's reply, as xenstored sends
 * them. Every byte written into guest RAM marks its page dirty.
 */
import type { GuestMemory } from "../../memory/guest-memory.js";
import { StoreRing, XsType } from "../pv-numbers.js";
import type { StoreRequest, StoreRequestHandler, StoreResponse } from "./store-requests.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MASK = StoreRing.SIZE - 1;

export class StoreRingConnection {
  /** Set when the guest broke the protocol; the connection is then ignored. */
  broken: string | undefined = undefined;
  private readonly out: Uint8Array[] = [];
  private handling = false;
  private readonly deferred: Uint8Array[] = [];

  constructor(
    private readonly mem: GuestMemory,
    readonly gpa: number,
    readonly domid: number,
    private readonly handler: StoreRequestHandler,
    /** Raises the store's event channel in the guest. */
    private readonly notify: () => void,
  ) {}

  private index(off: number): number {
    return Atomics.load(this.mem.i32, (this.gpa - this.mem.base + off) >> 2) >>> 0;
  }

  private setIndex(off: number, value: number): void {
    const at = this.gpa - this.mem.base + off;
    Atomics.store(this.mem.i32, at >> 2, value | 0);
    this.mem.dirty.markRange(at, 4);
  }

  private fail(reason: string): void {
    this.broken = reason;
    this.out.length = 0;
  }

  /** Serves every complete request in the ring and flushes output. Called on each notify. */
  process(): void {
    if (this.broken !== undefined) return;
    let wrote = this.flush();
    for (;;) {
      const cons = this.index(StoreRing.REQ_CONS);
      const prod = this.index(StoreRing.REQ_PROD);
      const avail = (prod - cons) >>> 0;
      if (avail > StoreRing.SIZE) {
        this.fail(`request ring indices ${cons}/${prod} are impossible`);
        return;
      }
      if (avail < StoreRing.HEADER || this.out.length > 0) break;
      const header = this.readRing(StoreRing.REQ, cons, StoreRing.HEADER);
      const view = new DataView(header.buffer);
      const len = view.getUint32(12, true);
      if (len > StoreRing.PAYLOAD_MAX) {
        this.fail(`a request of ${len} bytes is over the limit`);
        return;
      }
      if (len + StoreRing.HEADER > StoreRing.SIZE) {
        this.fail(`a request of ${len} bytes cannot fit the ring`);
        return;
      }
      if (avail < StoreRing.HEADER + len) break; // the rest is still being written
      const payload = this.readRing(StoreRing.REQ, cons + StoreRing.HEADER, len);
      this.setIndex(StoreRing.REQ_CONS, cons + StoreRing.HEADER + len);
      const type = view.getUint32(0, true);
      const reqId = view.getUint32(4, true);
      const tx = view.getUint32(8, true);
      this.handling = true;
      try {
        const response = this.serve(type, tx, payload);
        this.queue(response.type, reqId, tx, response.payload);
      } finally {
        this.handling = false;
      }
      for (const m of this.deferred.splice(0)) this.out.push(m);
      wrote = this.flush() || wrote;
    }
    if (wrote) this.notify();
  }

  /** Sends XS_WATCH_EVENT for a watch of this domain. */
  watchEvent(path: string, token: string): void {
    if (this.broken !== undefined) return;
    const message = encodeMessage(XsType.WATCH_EVENT, 0, 0, strings([path, token]));
    if (this.handling) {
      this.deferred.push(message);
      return;
    }
    this.out.push(message);
    if (this.flush()) this.notify();
  }

  private serve(type: number, tx: number, payload: Uint8Array): { type: number; payload: Uint8Array } {
    const request = decodeRequest(type, tx, payload);
    if (typeof request === "string") return { type: XsType.ERROR, payload: strings([request]) };
    return encodeResponse(type, this.handler(this.domid, request));
  }

  private queue(type: number, reqId: number, tx: number, payload: Uint8Array): void {
    this.out.push(encodeMessage(type, reqId, tx, payload));
  }

  /** Writes queued output while the response ring has room; true if anything was written. */
  private flush(): boolean {
    let wrote = false;
    while (this.out.length > 0) {
      const cons = this.index(StoreRing.RSP_CONS);
      const prod = this.index(StoreRing.RSP_PROD);
      const used = (prod - cons) >>> 0;
      if (used > StoreRing.SIZE) {
        this.fail(`response ring indices ${cons}/${prod} are impossible`);
        return wrote;
      }
      const room = StoreRing.SIZE - used;
      if (room === 0) break;
      const head = this.out[0]!;
      const n = Math.min(room, head.length);
      this.writeRing(StoreRing.RSP, prod, head.subarray(0, n));
      // The bytes are in place before the guest can see the new producer index.
      this.setIndex(StoreRing.RSP_PROD, prod + n);
      wrote = true;
      if (n === head.length) this.out.shift();
      else this.out[0] = head.subarray(n);
    }
    return wrote;
  }

  private readRing(base: number, index: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const page = this.gpa - this.mem.base + base;
    for (let i = 0; i < length; i++) out[i] = Atomics.load(this.mem.u8, page + ((index + i) & MASK));
    return out;
  }

  private writeRing(base: number, index: number, bytes: Uint8Array): void {
    const page = this.gpa - this.mem.base + base;
    for (let i = 0; i < bytes.length; i++) this.mem.u8[page + ((index + i) & MASK)] = bytes[i]!;
    this.mem.dirty.markRange(page, StoreRing.SIZE);
  }
}

function strings(parts: readonly string[]): Uint8Array {
  return encoder.encode(parts.map((p) => `${p}\0`).join(""));
}

function encodeMessage(type: number, reqId: number, tx: number, payload: Uint8Array): Uint8Array {
  const m = new Uint8Array(StoreRing.HEADER + payload.length);
  const view = new DataView(m.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, reqId, true);
  view.setUint32(8, tx, true);
  view.setUint32(12, payload.length, true);
  m.set(payload, StoreRing.HEADER);
  return m;
}

/** Splits a payload at NULs: the strings before each NUL, and what follows the last one. */
function fields(payload: Uint8Array): { parts: string[]; rest: Uint8Array } {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === 0) {
      parts.push(decoder.decode(payload.subarray(start, i)));
      start = i + 1;
    }
  }
  return { parts, rest: payload.subarray(start) };
}

/** A request, or the xenstore error name to answer with. */
function decodeRequest(type: number, tx: number, payload: Uint8Array): StoreRequest | string {
  const { parts, rest } = fields(payload);
  const path = parts[0];
  switch (type) {
    case XsType.READ:
    case XsType.MKDIR:
    case XsType.RM:
    case XsType.DIRECTORY:
    case XsType.GET_PERMS: {
      if (path === undefined) return "EINVAL";
      const names = { 1: "DIRECTORY", 2: "READ", 3: "GET_PERMS", 12: "MKDIR", 13: "RM" } as const;
      return { type: names[type], tx, path };
    }
    case XsType.WRITE: {
      if (path === undefined) return "EINVAL";
      // The value is everything after the path's NUL, NULs included.
      const value = payload.slice(encoder.encode(path).length + 1);
      return { type: "WRITE", tx, path, value };
    }
    case XsType.SET_PERMS:
      if (path === undefined || parts.length < 2 || rest.length > 0) return "EINVAL";
      return { type: "SET_PERMS", tx, path, perms: parts.slice(1) };
    case XsType.WATCH:
    case XsType.UNWATCH:
      if (parts.length < 2 || path === undefined) return "EINVAL";
      return { type: type === XsType.WATCH ? "WATCH" : "UNWATCH", path, token: parts[1]! };
    case XsType.TRANSACTION_START:
      return { type: "TRANSACTION_START" };
    case XsType.TRANSACTION_END:
      if (parts[0] !== "T" && parts[0] !== "F") return "EINVAL";
      return { type: "TRANSACTION_END", tx, commit: parts[0] === "T" };
    default:
      return "ENOSYS";
  }
}

function encodeResponse(type: number, r: StoreResponse): { type: number; payload: Uint8Array } {
  switch (r.type) {
    case "OK":
      return { type, payload: strings(["OK"]) };
    case "VALUE":
      return { type, payload: r.value };
    case "NAMES":
      return { type, payload: strings(r.names) };
    case "PERMS":
      return { type, payload: strings(r.perms) };
    case "TRANSACTION":
      return { type, payload: strings([String(r.tx)]) };
    case "ERROR":
      return { type: XsType.ERROR, payload: strings([r.error]) };
  }
}
