/**
 * The PV extension called directly (sbi-harness.fixture.ts): the vCPU lifecycle, suspend and
 * its refusals, shared info and event channel delivery as a level on SEIP, and thousands of
 * hostile calls that must neither throw nor return undefined errors.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Csr } from "../cpu/csr-numbers.js";
import { Irq } from "../cpu/interrupts.js";
import { DomainRunState, Slot } from "./domain-shared-state.js";
import { SbiPv, VcpuContextWord } from "./pv-numbers.js";
import { call, makeVcpus, randomSource } from "./sbi-harness.fixture.js";
import { HartState, SbiError, SbiExtension } from "./sbi-numbers.js";

const PV = SbiExtension.FERRY_PV;
const ERR = (e: number): bigint => BigInt(e);

for (const xlen of [64, 32] as const) {
  test(`PV vcpu_initialise + vcpu_up start a vCPU from a context; vcpu_down parks it; vcpu_up resumes it (rv${xlen})`, () => {
    const { domain, vcpus } = makeVcpus(xlen);
    const [v0, v1] = [vcpus[0]!, vcpus[1]!];
    const w = xlen / 8;
    const ctx = 0x80400000;
    const words = new Array<bigint>(VcpuContextWord.WORDS).fill(0n);
    words[VcpuContextWord.PC] = 0x80200000n;
    words[VcpuContextWord.X1 + 1] = 0x80500000n; // sp
    words[VcpuContextWord.X1 + 9] = 1n; // a0
    words[VcpuContextWord.STVEC] = 0x80201000n;
    words[VcpuContextWord.SIE] = BigInt(Irq.SSIP | Irq.SEIP);
    const bytes = new Uint8Array(words.length * w);
    const view = new DataView(bytes.buffer);
    for (const [i, x] of words.entries()) {
      if (xlen === 64) view.setBigUint64(i * w, x, true);
      else view.setUint32(i * w, Number(x), true);
    }
    domain.memory.write(ctx, bytes);

    assert.deepEqual(call(v0, PV, SbiPv.VCPU_UP, 1), [ERR(SbiError.INVALID_PARAM), 0n], "never initialised");
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_INITIALISE, 1, ctx + 1), [ERR(SbiError.INVALID_ADDRESS), 0n]);
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_INITIALISE, 9, ctx), [ERR(SbiError.INVALID_PARAM), 0n]);
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_INITIALISE, 0, ctx), [ERR(SbiError.ALREADY_STARTED), 0n]);
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_INITIALISE, 1, ctx), [0n, 0n]);
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_IS_UP, 1), [0n, 0n]);
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_UP, 1), [0n, 0n]);
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_UP, 1), [ERR(SbiError.ALREADY_STARTED), 0n]);
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_IS_UP, 1), [0n, 1n]);
    v1.runSlice(1);
    assert.equal(domain.shared.load(1, Slot.HSM), HartState.STARTED);
    assert.equal(v1.hart.getX(2), 0x80500000n, "sp from the context");
    assert.equal(v1.hart.csrLo[Csr.stvec]! >>> 0, 0x80201000);
    assert.equal(v1.hart.csrLo[Csr.mie], Irq.SSIP | Irq.SEIP);

    // Down is asynchronous: the target parks at its next slice, keeping its registers.
    v1.hart.setX(9, 1234n);
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_DOWN, 1), [0n, 0n]);
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_IS_UP, 1), [0n, 1n], "still going down");
    assert.equal(v1.runSlice(100), "stopped");
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_IS_UP, 1), [0n, 0n]);
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_DOWN, 1), [ERR(SbiError.ALREADY_STOPPED), 0n]);
    const pc = v1.hart.pc;
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_UP, 1), [0n, 0n]);
    v1.runSlice(1);
    assert.equal(v1.hart.getX(9), 1234n, "registers kept across down/up");
    assert.equal(v1.hart.pc, pc, "continues where it was (a jump to itself)");
  });

  test(`PV suspend: refused while another vCPU is up or off vCPU 0; suspends the domain with a1 = 1 (rv${xlen})`, () => {
    const { domain, vcpus } = makeVcpus(xlen, 2);
    const [v0, v1] = [vcpus[0]!, vcpus[1]!];
    domain.shared.store(1, Slot.HSM, HartState.STARTED);
    assert.deepEqual(call(v0, PV, SbiPv.SUSPEND), [ERR(SbiError.DENIED), 0n], "vCPU 1 is up");
    assert.deepEqual(call(v1, PV, SbiPv.SUSPEND), [ERR(SbiError.DENIED), 0n], "not vCPU 0");
    assert.deepEqual(call(v0, PV, SbiPv.VCPU_DOWN, 1), [0n, 0n]);
    v1.runSlice(10);
    assert.deepEqual(call(v0, PV, SbiPv.SUSPEND), [0n, 1n]);
    assert.equal(domain.shared.runState, DomainRunState.SUSPENDED);
    assert.equal(v0.runSlice(10), "halted", "nothing runs while suspended");
    assert.ok(domain.shared.resume());
    assert.equal(domain.shared.runState, DomainRunState.RUNNING);
  });

  test(`PV event channels raise SEIP as a level that drops when the guest clears upcall_pending (rv${xlen})`, () => {
    const { domain, vcpus } = makeVcpus(xlen, 2);
    const v0 = vcpus[0]!;
    const page = 0x80600000;
    assert.deepEqual(call(v0, PV, SbiPv.SHARED_INFO, page + 8), [ERR(SbiError.INVALID_PARAM), 0n]);
    assert.deepEqual(call(v0, PV, SbiPv.SHARED_INFO, page), [0n, 0n]);
    const [error, port] = call(v0, PV, SbiPv.EVTCHN_BIND_IPI, 0);
    assert.equal(error, 0n);
    const status = call(v0, PV, SbiPv.EVTCHN_STATUS, port)[1];
    assert.equal(Number(status) & 0xff, 5, "EVTCHNSTAT_IPI");
    assert.equal(v0.hart.hasWakeupPending(), false);
    v0.hart.csrLo[Csr.mie] = Irq.SEIP;
    assert.deepEqual(call(v0, PV, SbiPv.EVTCHN_SEND, port), [0n, 0n]);
    assert.equal(v0.hart.hasWakeupPending(), true, "SEIP while upcall_pending is set");
    domain.memory.u8[page - domain.memory.base] = 0; // the guest clears upcall_pending
    assert.equal(v0.hart.hasWakeupPending(), false, "SEIP dropped with it");
    assert.deepEqual(call(v0, PV, SbiPv.EVTCHN_CLOSE, port), [0n, 0n]);
    assert.equal(Number(call(v0, PV, SbiPv.EVTCHN_STATUS, port)[1]) & 0xff, 0, "EVTCHNSTAT_CLOSED");
  });

  test(`PV calls with hostile random arguments never throw and return defined errors (rv${xlen})`, () => {
    const { vcpus, domain, backend } = makeVcpus(xlen);
    const errors = new Set<number>(Object.values(SbiError));
    const rand = randomSource(0x9e3779b9);
    const value = (): bigint => {
      switch (rand() % 5) {
        case 0:
          return BigInt(rand() % 8);
        case 1:
          return BigInt.asUintN(64, -1n);
        case 2:
          return BigInt(0x80000000 + (rand() % (9 << 20)));
        default:
          return (BigInt(rand()) << 32n) | BigInt(rand());
      }
    };
    for (let i = 0; i < 20_000; i++) {
      const v = vcpus[rand() % vcpus.length]!;
      const fid = rand() % 8 === 0 ? rand() : rand() % 16;
      // Self-down and suspend end the fuzzing's own vCPU or domain: they are tested above.
      if (fid === SbiPv.SUSPEND || (fid === SbiPv.VCPU_DOWN && rand() % 2 === 0)) continue;
      const [error] = call(v, PV, fid, value(), value(), value());
      assert.ok(errors.has(Number(error)), `fid ${fid} returned ${error}`);
      v.hart.stopRequested = false;
      for (const u of vcpus) u.runSlice(1);
    }
    // vCPUs started from random contexts may run into a wedged trap vector and end the
    // domain as crashed: that is the guest's doing and allowed. Host code throwing never
    // is: the backend turns it into FAILED (a defined error), so look at what it recorded.
    assert.equal(backend.failure, undefined, String(backend.failure?.stack));
    assert.ok(domain.shared.runState !== DomainRunState.SUSPENDED);
  });
}
