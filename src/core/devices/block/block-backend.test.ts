/**
 * BlockBackend against a frontend played by the test: the store handshake, requests written
 * into a ring page of a real domain's RAM and rung through the PV send call, hostile indices
 * and requests, ordering, quiesce and kill. (The reference guest's own frontend is tested in
 * block-device-guest.test.ts.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SbiPv } from "../../hypervisor/pv-numbers.js";
import { makeVcpus } from "../../hypervisor/sbi-harness.fixture.js";
import {
  BlkifOp,
  BlkifRequest,
  BlkifResponse,
  BlkifRing,
  BlkifStatus,
  XenbusState,
} from "./blkif-numbers.js";
import type { BlockDeviceState } from "./block-device-spec.js";
import { type DiskImage, MemoryDiskImage } from "./disk-image.js";

const XVDA: BlockDeviceState = {
  kind: "vbd",
  devid: 51712,
  vdev: "xvda",
  target: "/images/a.img",
  format: "raw",
  access: "rw",
};
const RING_GPA = 0x80400000;
const DATA_GPA = 0x80500000;

/** A domain, its disk, and a frontend driven by hand. */
function rig(image: DiskImage = new MemoryDiskImage(1 << 20), state = XVDA) {
  const { domain, pv, backend } = makeVcpus(64, 1);
  const disk = pv.attachDisk(domain, state, image);
  const [, port] = backend.table.allocUnbound(0);
  const fe = `/local/domain/${domain.id}/device/vbd/${state.devid}`;
  const be = `/local/domain/0/backend/vbd/${domain.id}/${state.devid}`;
  const mem = domain.memory;
  let prod = 0;
  let cons = 0;
  const f = {
    domain,
    disk,
    port,
    pv,
    read: (path: string) => pv.store.readString(domain.id, path),
    connect(ringRef = RING_GPA / 4096, evtchn = port) {
      pv.store.write(domain.id, `${fe}/ring-ref`, String(ringRef));
      pv.store.write(domain.id, `${fe}/event-channel`, String(evtchn));
      pv.store.write(domain.id, `${fe}/state`, String(XenbusState.INITIALISED));
    },
    backendState: () => Number(pv.store.readString(domain.id, `${be}/state`)),
    backendError: () => pv.store.readString(0, `${be}/error`),
    /** Puts a request in the next slot; segments are [gfn, first, last]. */
    push(
      op: number,
      id: number,
      sector: number,
      segments: [number, number, number][],
      count = segments.length,
    ) {
      const slot = new Uint8Array(BlkifRing.SLOT_SIZE);
      const v = new DataView(slot.buffer);
      v.setUint8(BlkifRequest.OPERATION, op);
      v.setUint8(BlkifRequest.NR_SEGMENTS, count);
      v.setBigUint64(BlkifRequest.ID, BigInt(id), true);
      v.setBigUint64(BlkifRequest.SECTOR_NUMBER, BigInt(sector), true);
      segments.forEach(([gfn, first, last], i) => {
        const at = BlkifRequest.SEGMENTS + i * BlkifRequest.SEGMENT_SIZE;
        v.setUint32(at + BlkifRequest.SEG_GFN, gfn, true);
        v.setUint8(at + BlkifRequest.SEG_FIRST_SECT, first);
        v.setUint8(at + BlkifRequest.SEG_LAST_SECT, last);
      });
      mem.write(RING_GPA + BlkifRing.SLOTS + (prod % BlkifRing.SIZE) * BlkifRing.SLOT_SIZE, slot);
      prod++;
      f.setReqProd(prod);
    },
    setReqProd(value: number) {
      new DataView(mem.u8.buffer).setUint32(RING_GPA - mem.base + BlkifRing.REQ_PROD, value >>> 0, true);
    },
    ring: () => backend.call(0, SbiPv.EVTCHN_SEND, [port]),
    /** Responses produced since the last call: [id, op, status]. */
    responses(): [number, number, number][] {
      const v = new DataView(mem.u8.buffer, RING_GPA - mem.base);
      const out: [number, number, number][] = [];
      const rspProd = v.getUint32(BlkifRing.RSP_PROD, true);
      for (; cons !== rspProd; cons++) {
        const at = BlkifRing.SLOTS + (cons % BlkifRing.SIZE) * BlkifRing.SLOT_SIZE;
        out.push([
          Number(v.getBigUint64(at + BlkifResponse.ID, true)),
          v.getUint8(at + BlkifResponse.OPERATION),
          v.getInt16(at + BlkifResponse.STATUS, true),
        ]);
      }
      return out;
    },
  };
  return f;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

test("BlockBackend publishes the disk, waits in InitWait and connects to a frontend that offers a ring", () => {
  const f = rig();
  const be = `/local/domain/0/backend/vbd/${f.domain.id}/51712`;
  assert.equal(f.backendState(), XenbusState.INIT_WAIT);
  assert.equal(f.read(`device/vbd/51712/state`), String(XenbusState.INITIALISING));
  assert.equal(f.read(`device/vbd/51712/backend`), be);
  assert.equal(f.read(`${be}/feature-barrier`), "1");
  f.connect();
  assert.equal(f.backendState(), XenbusState.CONNECTED);
  assert.equal(f.read(`${be}/sectors`), String((1 << 20) / 512));
  assert.equal(f.read(`${be}/info`), "0");
});

test("BlockBackend writes and reads guest pages, several segments, and answers with the request's id", async () => {
  const image = new MemoryDiskImage(1 << 20);
  const f = rig(image);
  f.connect();
  const data = new Uint8Array(8192).map((_, i) => (i * 7 + 3) & 0xff);
  f.domain.memory.write(DATA_GPA, data);
  // Sectors 2..7 of the first page and 0..1 of the next: 8 sectors from disk sector 100.
  f.push(BlkifOp.WRITE, 41, 100, [
    [DATA_GPA / 4096, 2, 7],
    [DATA_GPA / 4096 + 1, 0, 1],
  ]);
  f.ring();
  await settle();
  assert.deepEqual(f.responses(), [[41, BlkifOp.WRITE, BlkifStatus.OKAY]]);
  assert.deepEqual(image.bytes.subarray(100 * 512, 108 * 512), data.subarray(1024, 5120));
  f.push(BlkifOp.READ, 42, 100, [[DATA_GPA / 4096 + 4, 0, 7]]);
  f.ring();
  await settle();
  assert.deepEqual(f.responses(), [[42, BlkifOp.READ, BlkifStatus.OKAY]]);
  assert.deepEqual(f.domain.memory.read(DATA_GPA + 4 * 4096, 4096), data.subarray(1024, 5120));
});

test("BlockBackend answers a hostile request with an error and serves the ring on", async () => {
  const f = rig(new MemoryDiskImage(1 << 20), { ...XVDA, access: "ro" });
  f.connect();
  const page = DATA_GPA / 4096;
  const ramEnd = (f.domain.memory.base + f.domain.memory.size) / 4096;
  f.push(BlkifOp.READ, 1, 0, [[ramEnd, 0, 7]]); // a frame past RAM
  f.push(BlkifOp.READ, 2, 0, [[0, 0, 7]]); // a frame below RAM
  f.push(BlkifOp.READ, 3, 2047, [[page, 0, 1]]); // past the disk's last sector
  f.push(BlkifOp.READ, 4, 0, [[page, 5, 2]]); // first > last
  f.push(BlkifOp.READ, 5, 0, [[page, 0, 8]]); // sector 8 of a page
  f.push(BlkifOp.READ, 6, 0, [[page, 0, 0]], 12); // 12 segments
  f.push(BlkifOp.READ, 7, 0, [], 0); // no segments
  f.push(9, 8, 0, [[page, 0, 0]]); // unknown operation
  f.push(BlkifOp.WRITE, 9, 0, [[page, 0, 0]]); // a write to a read-only disk
  f.push(BlkifOp.READ, 10, 2047, [[page, 0, 0]]); // the last sector: fine
  f.ring();
  await settle();
  const E = BlkifStatus.ERROR;
  assert.deepEqual(
    f.responses().map(([id, , status]) => [id, status]),
    [
      [1, E],
      [2, E],
      [3, E],
      [4, E],
      [5, E],
      [6, E],
      [7, E],
      [8, BlkifStatus.EOPNOTSUPP],
      [9, E],
      [10, BlkifStatus.OKAY],
    ],
  );
  assert.equal(f.backendState(), XenbusState.CONNECTED);
});

test("BlockBackend stops a ring whose request index runs more than a ring ahead, saying why", async () => {
  const f = rig();
  f.connect();
  f.setReqProd(BlkifRing.SIZE + 1);
  f.ring();
  assert.equal(f.backendState(), XenbusState.CLOSED);
  assert.match(f.backendError(), /req_prod 33 is more than 32 ahead/);
  f.setReqProd(0xffff_fff0);
  f.ring(); // no longer served: nothing happens
  await settle();
  assert.deepEqual(f.responses(), []);
});

test("BlockBackend refuses a ring-ref outside RAM or a port that is not unbound to domain 0", () => {
  const a = rig();
  a.connect(0x10);
  assert.equal(a.backendState(), XenbusState.CLOSED);
  assert.match(a.backendError(), /ring-ref 16 is not a page of the domain's RAM/);
  const b = rig();
  b.connect(RING_GPA / 4096, 999);
  assert.equal(b.backendState(), XenbusState.CLOSED);
  assert.match(b.backendError(), /event-channel 999/);
});

/** An image whose writes wait until released, recording the order things happened in. */
class GatedImage extends MemoryDiskImage {
  readonly log: string[] = [];
  private gates: (() => void)[] = [];
  override async write(offset: number, data: Uint8Array): Promise<void> {
    this.log.push(`write ${offset / 512} start`);
    await new Promise<void>((resolve) => this.gates.push(resolve));
    await super.write(offset, data);
    this.log.push(`write ${offset / 512} done`);
  }
  override async flush(): Promise<void> {
    this.log.push("flush");
  }
  open(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

test("BlockBackend orders a barrier after the writes before it and the writes after it after the barrier", async () => {
  const image = new GatedImage(1 << 20);
  const f = rig(image);
  f.connect();
  const page = DATA_GPA / 4096;
  f.push(BlkifOp.WRITE, 1, 0, [[page, 0, 0]]);
  f.push(BlkifOp.WRITE, 2, 8, [[page, 0, 0]]);
  f.push(BlkifOp.WRITE_BARRIER, 3, 16, [[page, 0, 0]]);
  f.push(BlkifOp.WRITE, 4, 24, [[page, 0, 0]]);
  f.ring();
  await settle();
  assert.deepEqual(image.log, ["write 0 start", "write 8 start"]);
  image.open();
  await settle();
  assert.deepEqual(image.log.slice(2), ["write 0 done", "write 8 done", "write 16 start"]);
  image.open();
  await settle();
  image.open();
  await settle();
  assert.deepEqual(image.log.slice(5), ["write 16 done", "flush", "write 24 start", "write 24 done"]);
  assert.deepEqual(
    f.responses().map(([id]) => id),
    [1, 2, 3, 4],
  );
});

test("BlockBackend.quiesce waits for I/O under way and takes nothing new until resume", async () => {
  const image = new GatedImage(1 << 20);
  const f = rig(image);
  f.connect();
  f.push(BlkifOp.WRITE, 1, 0, [[DATA_GPA / 4096, 0, 0]]);
  f.ring();
  let quiesced = false;
  const q = f.disk.quiesce().then(() => {
    quiesced = true;
  });
  await settle();
  assert.equal(quiesced, false);
  f.push(BlkifOp.WRITE, 2, 8, [[DATA_GPA / 4096, 0, 0]]);
  f.ring();
  image.open();
  await q;
  assert.deepEqual(image.log, ["write 0 start", "write 0 done", "flush"]);
  assert.deepEqual(f.responses(), [[1, BlkifOp.WRITE, BlkifStatus.OKAY]]);
  f.disk.resume();
  await settle();
  image.open();
  await settle();
  assert.deepEqual(f.responses(), [[2, BlkifOp.WRITE, BlkifStatus.OKAY]]);
});

test("BlockBackend.kill leaves a request under way unanswered and the device closed, with why", async () => {
  const image = new GatedImage(1 << 20);
  const f = rig(image);
  f.connect();
  f.push(BlkifOp.WRITE, 1, 0, [[DATA_GPA / 4096, 0, 0]]);
  f.ring();
  await settle(); // the write is at the image
  const killed = f.disk.kill("backend process killed");
  image.open();
  await killed;
  assert.equal(f.backendState(), XenbusState.CLOSED);
  assert.equal(f.backendError(), "backend process killed");
  assert.deepEqual(f.responses(), []);
});

test("a transparent capture's ring position lets a new backend carry on with the same ring", async () => {
  const image = new MemoryDiskImage(1 << 20);
  const f = rig(image);
  f.connect();
  f.push(BlkifOp.FLUSH_DISKCACHE, 1, 0, [], 0);
  f.ring();
  await f.disk.quiesce();
  const saved = f.disk.savedState(true);
  assert.deepEqual(saved.ring, { gfn: RING_GPA / 4096, port: f.port, reqCons: 1, rspProd: 1 });
  assert.equal(f.disk.savedState(false).ring, undefined);
  // The guest never learns it moved: a new backend on its saved position serves the same ring.
  await f.disk.close();
  const again = f.pv.attachDisk(f.domain, { ...saved, devid: 51728, vdev: "xvdb" }, image, true);
  assert.equal(again.xenbusState, XenbusState.CONNECTED);
  f.push(BlkifOp.FLUSH_DISKCACHE, 2, 0, [], 0);
  f.ring();
  await settle();
  assert.deepEqual(f.responses(), [
    [1, BlkifOp.FLUSH_DISKCACHE, BlkifStatus.OKAY],
    [2, BlkifOp.FLUSH_DISKCACHE, BlkifStatus.OKAY],
  ]);
});
