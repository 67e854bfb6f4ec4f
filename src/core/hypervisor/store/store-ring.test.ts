/**
 * The store's ring transport against a ring page in real guest memory, written the way a
 * guest writes it: requests in, responses and watch events out, wrap-around, and a guest
 * that breaks the ring.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { GuestMemory } from "../../memory/guest-memory.js";
import { StoreRing, XsType } from "../pv-numbers.js";
import { Store } from "./store.js";
import { createStoreRequestHandler } from "./store-requests.js";
import { StoreRingConnection } from "./store-ring.js";

const BASE = 0x80000000;
const PAGE = BASE + 0x1000;
const enc = new TextEncoder();
const dec = new TextDecoder();

function setup() {
  const mem = GuestMemory.allocate(BASE, 1 << 20);
  const store = new Store();
  store.introduceDomain(5);
  let conn: StoreRingConnection | undefined;
  const handler = createStoreRequestHandler(store, (_domid, path, token) => conn?.watchEvent(path, token));
  let notified = 0;
  conn = new StoreRingConnection(mem, PAGE, 5, handler, () => notified++);
  const u32 = (off: number): number => new DataView(mem.buffer, PAGE - BASE + off, 4).getUint32(0, true);
  const setU32 = (off: number, v: number): void =>
    new DataView(mem.buffer, PAGE - BASE + off, 4).setUint32(0, v >>> 0, true);
  /** Writes a request the way the guest does: bytes, then the producer index. */
  const send = (type: number, reqId: number, payload: Uint8Array, tx = 0): void => {
    const m = new Uint8Array(16 + payload.length);
    const v = new DataView(m.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, reqId, true);
    v.setUint32(8, tx, true);
    v.setUint32(12, payload.length, true);
    m.set(payload, 16);
    const prod = u32(StoreRing.REQ_PROD);
    for (let i = 0; i < m.length; i++) mem.u8[PAGE - BASE + StoreRing.REQ + ((prod + i) & 1023)] = m[i]!;
    setU32(StoreRing.REQ_PROD, prod + m.length);
    conn!.process();
  };
  /** Reads every complete message from the response ring, consuming it. */
  const receive = (): { type: number; reqId: number; payload: string }[] => {
    const out = [];
    for (;;) {
      const cons = u32(StoreRing.RSP_CONS);
      const prod = u32(StoreRing.RSP_PROD);
      if (prod - cons < 16) break;
      const byte = (i: number): number => mem.u8[PAGE - BASE + StoreRing.RSP + ((cons + i) & 1023)]!;
      const word = (i: number): number =>
        byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16) | (byte(i + 3) << 24);
      const len = word(12);
      const payload = Uint8Array.from({ length: len }, (_, i) => byte(16 + i));
      out.push({ type: word(0), reqId: word(4), payload: dec.decode(payload) });
      setU32(StoreRing.RSP_CONS, cons + 16 + len);
    }
    return out;
  };
  return { mem, store, conn, send, receive, setU32, notified: () => notified };
}

test("StoreRingConnection serves writes, reads, errors and watch events through the ring", () => {
  const r = setup();
  r.send(XsType.WRITE, 1, enc.encode("data/x\0hello"));
  r.send(XsType.READ, 2, enc.encode("data/x\0"));
  r.send(XsType.READ, 3, enc.encode("data/missing\0"));
  r.send(XsType.WATCH, 4, enc.encode("control/shutdown\0tok\0"));
  const got = r.receive();
  assert.deepEqual(
    got.map((m) => [m.type, m.reqId, m.payload]),
    [
      [XsType.WRITE, 1, "OK\0"],
      [XsType.READ, 2, "hello"],
      [XsType.ERROR, 3, "ENOENT\0"],
      [XsType.WATCH, 4, "OK\0"],
      [XsType.WATCH_EVENT, 0, "control/shutdown\0tok\0"],
    ],
    "the watch fires once on registration, after its reply, with the path as registered",
  );
  r.store.write(0, "/local/domain/5/control/shutdown", "suspend");
  assert.deepEqual(
    r.receive().map((m) => m.payload),
    ["control/shutdown\0tok\0"],
  );
  assert.ok(r.notified() > 0);
});

test("StoreRingConnection wraps around the ring and queues output the guest has no room for", () => {
  const r = setup();
  const value = "v".repeat(300);
  for (let i = 0; i < 12; i++) r.send(XsType.WRITE, i, enc.encode(`data/k${i}\0${value}`));
  // 12 reads of 300 bytes overflow the 1 KiB response ring: the rest waits for the guest.
  const replies: string[] = [];
  for (let i = 0; i < 12; i++) {
    r.send(XsType.READ, 100 + i, enc.encode(`data/k${i}\0`));
    for (const m of r.receive()) if (m.type === XsType.READ) replies.push(m.payload);
    r.conn.process(); // the guest's notify after consuming
  }
  for (const m of r.receive()) if (m.type === XsType.READ) replies.push(m.payload);
  assert.equal(replies.length, 12);
  assert.ok(replies.every((p) => p === value));
});

test("StoreRingConnection stops serving a guest that breaks the ring, without throwing", () => {
  const r = setup();
  r.setU32(StoreRing.REQ_PROD, 5000);
  r.conn.process();
  assert.match(r.conn.broken ?? "", /impossible/);
  r.send(XsType.READ, 1, enc.encode("data/x\0"));
  assert.deepEqual(r.receive(), []);
});
