import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Irq } from "../../cpu/interrupts.js";
import { GuestMemory } from "../../memory/guest-memory.js";
import { DomainSharedState } from "../domain-shared-state.js";
import { SbiError } from "../sbi-numbers.js";
import { EventChannelHost } from "./event-channel-host.js";
import { EventChannelTable } from "./event-channel-table.js";
import { DOMID_SELF, EventChannelError, EvtchnStatus, Virq } from "./evtchn-numbers.js";
import { EVTCHN_MASK_OFFSET, SharedInfoPage } from "./shared-info.js";

const BASE = 0x8000_0000;
const PAGE = BASE + 0x1000;

function domain(domid = 1, vcpus = 2, xlen: 32 | 64 = 64, maxPorts?: number) {
  const memory = GuestMemory.allocate(BASE, 0x4000);
  const shared = new DomainSharedState(vcpus);
  const opts = { domid, memory, shared, xlen };
  const table = new EventChannelTable(maxPorts === undefined ? opts : { ...opts, maxPorts });
  const page = new SharedInfoPage(memory, PAGE, xlen);
  return { memory, shared, table, page, opts };
}

function ok(r: readonly [number, number]): number {
  assert.equal(r[0], SbiError.SUCCESS, `expected success, got error ${r[0]}`);
  return r[1];
}

/** Sets the guest's mask bit for `port` (what the guest would do with an AMO). */
function guestMask(memory: GuestMemory, port: number): void {
  const i = ((PAGE - BASE + EVTCHN_MASK_OFFSET) >> 2) + (port >>> 5);
  Atomics.or(memory.i32, i, 1 << (port & 31));
}

describe("EventChannelTable", () => {
  it("constructor() rejects a limit beyond the 2-level ABI and accepts XLEN²", () => {
    assert.throws(() => domain(1, 1, 32, 1025), EventChannelError);
    assert.throws(() => domain(1, 1, 64, 4097), EventChannelError);
    assert.equal(domain(1, 1, 32).table.maxPorts, 1024);
    assert.equal(domain(1, 1, 64).table.maxPorts, 4096);
  });

  it("registerSharedInfo() rejects misaligned, out-of-RAM and non-integer addresses", () => {
    const { table } = domain();
    assert.deepEqual(table.registerSharedInfo(PAGE + 8), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.registerSharedInfo(1.5), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.registerSharedInfo(BASE - 0x1000), [SbiError.INVALID_ADDRESS, 0]);
    assert.deepEqual(table.registerSharedInfo(BASE + 0x4000), [SbiError.INVALID_ADDRESS, 0]);
    assert.equal(table.sharedInfoGpa, undefined);
    ok(table.registerSharedInfo(PAGE));
    ok(table.registerSharedInfo(BASE)); // re-registrable
    assert.equal(table.sharedInfoGpa, BASE);
  });

  it("bindIpi() and send() set pending, selector and upcall and post SEIP once (edge)", () => {
    const { table, page, shared } = domain(1, 2);
    ok(table.registerSharedInfo(PAGE));
    const p = ok(table.bindIpi(1));
    assert.equal(p, 1);
    ok(table.send(p));
    assert.ok(page.isPending(p));
    assert.equal(page.selector(1), 1n);
    assert.ok(page.upcallPending(1));
    assert.equal(shared.takeInterrupts(1), Irq.SEIP);
    assert.equal(shared.takeInterrupts(0), 0);
    ok(table.send(p));
    const q = ok(table.bindIpi(1));
    ok(table.send(q));
    assert.equal(shared.takeInterrupts(1), 0, "no second SEIP while the upcall flag is set");
  });

  it("send() to a port in a later pending word sets that word's selector bit (RV32 and RV64)", () => {
    for (const xlen of [32, 64] as const) {
      const { table, page, opts } = domain(1, 1, xlen);
      ok(table.registerSharedInfo(PAGE));
      // Fill ports 1..xlen+1 so the last one is in pending word 1.
      let last = 0;
      for (let i = 0; i <= xlen; i++) last = ok(table.bindIpi(0));
      assert.equal(last, xlen + 1);
      ok(table.send(last));
      assert.equal(page.selector(0), 2n);
      assert.ok(opts.shared.takeInterrupts(0) & Irq.SEIP);
    }
  });

  it("masked ports do not interrupt; unmask() re-raises a pending port", () => {
    const { table, page, shared, memory } = domain();
    ok(table.registerSharedInfo(PAGE));
    const p = ok(table.bindIpi(0));
    guestMask(memory, p);
    ok(table.send(p));
    assert.ok(page.isPending(p));
    assert.equal(page.selector(0), 0n);
    assert.ok(!page.upcallPending(0));
    assert.equal(shared.takeInterrupts(0), 0);
    ok(table.unmask(p));
    assert.ok(!page.isMasked(p));
    assert.equal(page.selector(0), 1n);
    assert.equal(shared.takeInterrupts(0), Irq.SEIP);
    assert.deepEqual(table.unmask(0), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.unmask(77), [SbiError.INVALID_PARAM, 0]);
  });

  it("delivery wakes the target vCPU", () => {
    const { table, shared } = domain();
    ok(table.registerSharedInfo(PAGE));
    const p = ok(table.bindIpi(1));
    const before = shared.load(1, 6 /* Slot.WAKE */);
    ok(table.send(p));
    assert.equal(shared.load(1, 6), before + 1);
  });

  it("events raised before shared info is registered are delivered at registration", () => {
    const { table, page, shared } = domain();
    const p = ok(table.bindIpi(0));
    ok(table.send(p));
    assert.equal(shared.takeInterrupts(0), 0);
    assert.equal(table.exportState().ports[0]?.pending, true);
    ok(table.registerSharedInfo(PAGE));
    assert.ok(page.isPending(p));
    assert.equal(shared.takeInterrupts(0), Irq.SEIP);
    assert.equal(table.exportState().ports[0]?.pending, false);
  });

  it("registerSharedInfo() re-posts SEIP to vCPUs whose upcall flag is already set", () => {
    const { table, page, shared } = domain();
    page.testAndSetUpcallPending(1);
    ok(table.registerSharedInfo(PAGE));
    assert.equal(shared.takeInterrupts(1), Irq.SEIP);
    assert.equal(shared.takeInterrupts(0), 0);
  });

  it("bindVirq() validates and allows one port per (VIRQ, vCPU); raiseVirq() delivers", () => {
    const { table, page, shared } = domain(1, 2);
    ok(table.registerSharedInfo(PAGE));
    const t0 = ok(table.bindVirq(Virq.TIMER, 0));
    const t1 = ok(table.bindVirq(Virq.TIMER, 1));
    assert.notEqual(t0, t1);
    assert.deepEqual(table.bindVirq(Virq.TIMER, 1), [SbiError.ALREADY_AVAILABLE, 0]);
    assert.deepEqual(table.bindVirq(24, 0), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.bindVirq(-1, 0), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.bindVirq(Virq.TIMER, 2), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(
      table.bindVirq(Virq.CONSOLE, 1),
      [SbiError.INVALID_PARAM, 0],
      "global VIRQs bind on vCPU 0",
    );
    assert.deepEqual(table.send(t0), [SbiError.INVALID_PARAM, 0], "VIRQ ports cannot be sent");
    assert.equal(table.raiseVirq(Virq.TIMER, 1), true);
    assert.ok(page.isPending(t1) && !page.isPending(t0));
    assert.equal(shared.takeInterrupts(1), Irq.SEIP);
    assert.equal(table.raiseVirq(Virq.CONSOLE), false);
    ok(table.close(t1));
    assert.equal(table.raiseVirq(Virq.TIMER, 1), false);
    ok(table.bindVirq(Virq.TIMER, 1)); // free again after close
  });

  it("bindIpi() rejects a vCPU outside the domain; a full table gives FAILED", () => {
    const { table } = domain(1, 2, 64, 3);
    assert.deepEqual(table.bindIpi(2), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.bindIpi(0.5), [SbiError.INVALID_PARAM, 0]);
    ok(table.bindIpi(0));
    ok(table.bindIpi(0));
    assert.deepEqual(table.bindIpi(0), [SbiError.FAILED, 0]);
    assert.deepEqual(table.allocUnbound(0), [SbiError.FAILED, 0]);
  });

  it("allocUnbound() validates the domain id and translates DOMID_SELF", () => {
    const { table } = domain(3);
    assert.deepEqual(table.allocUnbound(0x7ff1), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.allocUnbound(-1), [SbiError.INVALID_PARAM, 0]);
    const p = ok(table.allocUnbound(DOMID_SELF));
    assert.equal(table.status(p)[1]?.remoteDomid, 3);
    ok(table.send(p)); // unbound: dropped, success
  });

  it("status() reports each state; invalid ports are INVALID_PARAM", () => {
    const { table } = domain();
    const u = ok(table.allocUnbound(0));
    const v = ok(table.bindVirq(Virq.DEBUG, 1));
    const i = ok(table.bindIpi(1));
    assert.deepEqual(table.status(u), [
      SbiError.SUCCESS,
      { status: EvtchnStatus.UNBOUND, vcpu: 0, remoteDomid: 0, remotePort: -1, virq: -1 },
    ]);
    assert.equal(table.status(v)[1]?.status, EvtchnStatus.VIRQ);
    assert.equal(table.status(v)[1]?.virq, Virq.DEBUG);
    assert.equal(table.status(i)[1]?.status, EvtchnStatus.IPI);
    assert.equal(table.status(100)[1]?.status, EvtchnStatus.CLOSED);
    assert.deepEqual(table.status(0), [SbiError.INVALID_PARAM, undefined]);
    assert.deepEqual(table.status(4096), [SbiError.INVALID_PARAM, undefined]);
  });

  it("close() frees the port and clears its pending bit; closing a free port is INVALID_PARAM", () => {
    const { table, page } = domain();
    ok(table.registerSharedInfo(PAGE));
    const p = ok(table.bindIpi(0));
    ok(table.send(p));
    ok(table.close(p));
    assert.ok(!page.isPending(p));
    assert.deepEqual(table.close(p), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.send(p), [SbiError.INVALID_PARAM, 0]);
    assert.equal(ok(table.bindIpi(0)), p, "lowest free port is reused");
  });

  it("bindVcpu() moves unbound/interdomain/global VIRQ ports and refuses IPIs and per-vCPU VIRQs", () => {
    const { table, page, shared, memory } = domain(1, 3);
    ok(table.registerSharedInfo(PAGE));
    const c = ok(table.bindVirq(Virq.CONSOLE, 0));
    const t = ok(table.bindVirq(Virq.TIMER, 0));
    const i = ok(table.bindIpi(0));
    assert.deepEqual(table.bindVcpu(t, 1), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.bindVcpu(i, 1), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.bindVcpu(c, 3), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(table.bindVcpu(99, 1), [SbiError.INVALID_PARAM, 0]);
    guestMask(memory, c);
    table.raiseVirq(Virq.CONSOLE);
    ok(table.bindVcpu(c, 2));
    ok(table.unmask(c));
    assert.equal(page.selector(2), 1n);
    assert.equal(shared.takeInterrupts(2), Irq.SEIP);
    assert.equal(shared.takeInterrupts(0), 0);
    assert.equal(table.raiseVirq(Virq.CONSOLE, 2), true, "the vCPU is ignored for global VIRQs");
  });

  it("a loopback interdomain channel (DOMID_SELF) works alone", () => {
    const { table, page } = domain(4);
    ok(table.registerSharedInfo(PAGE));
    const a = ok(table.allocUnbound(DOMID_SELF));
    const b = ok(table.bindInterdomain(DOMID_SELF, a));
    page.clearPending(b);
    ok(table.send(a));
    assert.ok(page.isPending(b));
    ok(table.send(b));
    assert.ok(page.isPending(a));
    assert.deepEqual(table.bindInterdomain(9, a), [SbiError.INVALID_PARAM, 0]);
  });
});

describe("EventChannelHost", () => {
  function two() {
    const host = new EventChannelHost();
    const d0 = domain(0, 1);
    const d1 = domain(1, 2);
    host.addDomain(d0.table);
    host.addDomain(d1.table);
    ok(d0.table.registerSharedInfo(PAGE));
    ok(d1.table.registerSharedInfo(PAGE));
    return { host, d0, d1 };
  }

  it("bindInterdomain() connects to an unbound port naming this domain, then send() crosses", () => {
    const { d0, d1 } = two();
    const back = ok(d0.table.allocUnbound(1));
    const front = ok(d1.table.bindInterdomain(0, back));
    assert.ok(d1.page.isPending(front), "the new port is raised once, as in Xen");
    assert.equal(d1.shared.takeInterrupts(0), Irq.SEIP);
    d1.page.clearPending(front);
    assert.deepEqual(d0.table.status(back)[1], {
      status: EvtchnStatus.INTERDOMAIN,
      vcpu: 0,
      remoteDomid: 1,
      remotePort: front,
      virq: -1,
    });
    ok(d1.table.send(front));
    assert.ok(d0.page.isPending(back));
    assert.equal(d0.shared.takeInterrupts(0), Irq.SEIP);
    ok(d0.table.send(back));
    assert.ok(d1.page.isPending(front));
  });

  it("bindInterdomain() rejects missing domains, bad ports, and ports not offered to the caller", () => {
    const { d0, d1 } = two();
    const forOther = ok(d0.table.allocUnbound(5));
    const ipi = ok(d0.table.bindIpi(0));
    assert.deepEqual(d1.table.bindInterdomain(7, 1), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(d1.table.bindInterdomain(0, 0), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(d1.table.bindInterdomain(0, 5000), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(d1.table.bindInterdomain(0, forOther), [SbiError.INVALID_PARAM, 0]);
    assert.deepEqual(d1.table.bindInterdomain(0, ipi), [SbiError.INVALID_PARAM, 0]);
    const offered = ok(d0.table.allocUnbound(1));
    ok(d1.table.bindInterdomain(0, offered));
    assert.deepEqual(d1.table.bindInterdomain(0, offered), [SbiError.INVALID_PARAM, 0], "already connected");
  });

  it("close() returns the peer to unbound so it can be bound again", () => {
    const { d0, d1 } = two();
    const back = ok(d0.table.allocUnbound(1));
    const front = ok(d1.table.bindInterdomain(0, back));
    ok(d1.table.close(front));
    assert.equal(d0.table.status(back)[1]?.status, EvtchnStatus.UNBOUND);
    assert.equal(d0.table.status(back)[1]?.remoteDomid, 1);
    ok(d0.table.send(back)); // dropped
    ok(d1.table.bindInterdomain(0, back));
  });

  it("removeDomain() closes its ports and leaves peers unbound", () => {
    const { host, d0, d1 } = two();
    const back = ok(d0.table.allocUnbound(1));
    ok(d1.table.bindInterdomain(0, back));
    assert.equal(host.removeDomain(1), true);
    assert.equal(host.removeDomain(1), false);
    assert.equal(d0.table.status(back)[1]?.status, EvtchnStatus.UNBOUND);
    assert.deepEqual(host.domains, [0]);
    assert.throws(() => host.addDomain(d0.table), EventChannelError);
  });
});
