import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GuestMemory } from "../../memory/guest-memory.js";
import { DomainSharedState } from "../domain-shared-state.js";
import { SbiError } from "../sbi-numbers.js";
import { EventChannelHost } from "./event-channel-host.js";
import type { EventChannelTableState } from "./event-channel-state.js";
import { EventChannelTable } from "./event-channel-table.js";
import { EventChannelError, EvtchnStatus, Virq } from "./evtchn-numbers.js";

const BASE = 0x8000_0000;
const PAGE = BASE + 0x2000;

function opts(domid: number, vcpus = 2, xlen: 32 | 64 = 64) {
  return { domid, memory: GuestMemory.allocate(BASE, 0x4000), shared: new DomainSharedState(vcpus), xlen };
}

function ok(r: readonly [number, number]): number {
  assert.equal(r[0], SbiError.SUCCESS);
  return r[1];
}

function sample(): EventChannelTableState {
  return {
    domid: 1,
    xlen: 64,
    vcpus: 2,
    maxPorts: 4096,
    sharedInfoGpa: null,
    ports: [
      { port: 1, state: "virq", vcpu: 0, pending: false, virq: Virq.TIMER },
      { port: 2, state: "virq", vcpu: 1, pending: true, virq: Virq.TIMER },
      { port: 3, state: "ipi", vcpu: 1, pending: false },
      { port: 4, state: "unbound", vcpu: 0, pending: false, remoteDomid: 0 },
    ],
  };
}

describe("EventChannelTable state", () => {
  it("exportState() → importState() round-trips every kind of port and the shared-info address", () => {
    const o = opts(1);
    const t = new EventChannelTable(o);
    ok(t.bindVirq(Virq.TIMER, 0));
    ok(t.bindIpi(1));
    ok(t.allocUnbound(0));
    const a = ok(t.allocUnbound(1));
    ok(t.bindInterdomain(1, a));
    ok(t.bindVirq(Virq.CONSOLE, 0));
    ok(t.bindVcpu(6, 1));
    ok(t.registerSharedInfo(PAGE));
    const state = t.exportState();
    const back = EventChannelTable.importState(JSON.parse(JSON.stringify(state)), o);
    assert.deepEqual(back.exportState(), state);
    assert.equal(back.sharedInfoGpa, PAGE);
    assert.deepEqual(back.bindVirq(Virq.TIMER, 0), [SbiError.ALREADY_AVAILABLE, 0], "VIRQ map restored");
    assert.equal(back.raiseVirq(Virq.CONSOLE), true);
  });

  it("importState() keeps table-pending events and delivers them at registration", () => {
    const o = opts(1);
    const t = EventChannelTable.importState(sample(), o);
    ok(t.registerSharedInfo(PAGE));
    assert.equal(o.shared.takeInterrupts(1), 512);
  });

  it("importState() under a new domain id renames self references", () => {
    const o = opts(1);
    const t = new EventChannelTable(o);
    const a = ok(t.allocUnbound(1));
    const b = ok(t.bindInterdomain(1, a));
    ok(t.allocUnbound(1));
    const moved = EventChannelTable.importState(t.exportState(), { ...o, domid: 9 });
    assert.equal(moved.status(a)[1]?.remoteDomid, 9);
    assert.equal(moved.status(b)[1]?.remotePort, a);
    assert.equal(moved.status(3)[1]?.remoteDomid, 9);
  });

  it("a restored interdomain port whose peer is absent becomes unbound when added to a host", () => {
    const state = sample();
    state.ports.push({
      port: 5,
      state: "interdomain",
      vcpu: 0,
      pending: false,
      remoteDomid: 0,
      remotePort: 7,
    });
    const t = EventChannelTable.importState(state, opts(1));
    new EventChannelHost().addDomain(t);
    assert.equal(t.status(5)[1]?.status, EvtchnStatus.UNBOUND);
    assert.equal(t.status(5)[1]?.remoteDomid, 0);
  });

  const bad: [string, (s: EventChannelTableState) => unknown][] = [
    ["not an object", () => 42],
    ["an unknown field", (s) => ({ ...s, extra: 1 })],
    ["a wrong xlen", (s) => ({ ...s, xlen: 32 })],
    ["a different vCPU count", (s) => ({ ...s, vcpus: 3 })],
    ["a limit beyond the ABI", (s) => ({ ...s, maxPorts: 4097 })],
    ["a misaligned shared-info address", (s) => ({ ...s, sharedInfoGpa: PAGE + 4, ports: [] })],
    ["a shared-info address outside RAM", (s) => ({ ...s, sharedInfoGpa: BASE + 0x4000, ports: [] })],
    ["port 0", (s) => ({ ...s, ports: [{ port: 0, state: "ipi", vcpu: 0, pending: false }] })],
    [
      "a port out of range",
      (s) => ({ ...s, maxPorts: 8, ports: [{ port: 8, state: "ipi", vcpu: 0, pending: false }] }),
    ],
    [
      "a port listed twice",
      (s) => ({ ...s, ports: [...s.ports, { port: 3, state: "ipi", vcpu: 0, pending: false }] }),
    ],
    [
      "a vCPU beyond the domain",
      (s) => ({ ...s, ports: [{ port: 1, state: "ipi", vcpu: 2, pending: false }] }),
    ],
    [
      "a VIRQ bound twice",
      (s) => ({ ...s, ports: [...s.ports, { port: 9, state: "virq", vcpu: 1, pending: false, virq: 0 }] }),
    ],
    [
      "a global VIRQ bound twice",
      (s) => ({
        ...s,
        ports: [
          { port: 1, state: "virq", vcpu: 0, pending: false, virq: Virq.CONSOLE },
          { port: 2, state: "virq", vcpu: 1, pending: false, virq: Virq.CONSOLE },
        ],
      }),
    ],
    [
      "a VIRQ out of range",
      (s) => ({ ...s, ports: [{ port: 1, state: "virq", vcpu: 0, pending: false, virq: 24 }] }),
    ],
    ["an unknown state", (s) => ({ ...s, ports: [{ port: 1, state: "pirq", vcpu: 0, pending: false }] })],
    [
      "a reserved domain id",
      (s) => ({ ...s, ports: [{ port: 1, state: "unbound", vcpu: 0, pending: false, remoteDomid: 0x7ff0 }] }),
    ],
    ["pending with shared info registered", (s) => ({ ...s, sharedInfoGpa: PAGE })],
    [
      "a loopback port without a matching peer",
      (s) => ({
        ...s,
        ports: [{ port: 1, state: "interdomain", vcpu: 0, pending: false, remoteDomid: 1, remotePort: 2 }],
      }),
    ],
    ["a non-boolean pending", (s) => ({ ...s, ports: [{ port: 1, state: "ipi", vcpu: 0, pending: 1 }] })],
  ];
  for (const [what, mutate] of bad) {
    it(`importState() rejects ${what}`, () => {
      assert.throws(() => EventChannelTable.importState(mutate(sample()), opts(1)), EventChannelError);
    });
  }
});
