/** Checks that a vCPU's state round-trips through captureVcpuState/restoreVcpuState. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Priv } from "../cpu/interrupts.js";
import { buildElf } from "../machine/elf-builder.fixture.js";
import { AttachedDomain } from "./attached-domain.js";
import { Domain } from "./domain.js";
import { Slot } from "./domain-shared-state.js";
import { HartState as HsmState } from "./sbi-numbers.js";
import type { Vcpu, VcpuHost } from "./vcpu.js";
import { captureVcpuState, restoreVcpuState } from "./vcpu-state.js";

const host: VcpuHost = {
  now: () => 0,
  consoleWrite: () => {},
  consoleRead: () => new Uint8Array(0),
  awaitFences: () => {},
  pvCall: () => [-2, 0],
};

function vcpus(): Vcpu[] {
  const kernel = buildElf({
    xlen: 64,
    entry: 0x80200000,
    segments: [{ paddr: 0x80200000, data: [0x6f, 0, 0, 0] }],
  });
  const domain = new Domain(1, { name: "state", vcpus: 2, memorySize: 8 << 20, kernel });
  domain.boot(0);
  const attached = new AttachedDomain(domain.descriptor());
  return [attached.buildVcpu(0, host), attached.buildVcpu(1, host)];
}

test("captureVcpuState() and restoreVcpuState() carry the hart, timer and HSM state", () => {
  const [a] = vcpus() as [Vcpu];
  a.runSlice(100); // starts vCPU 0 at the entry: j . forever
  a.setTimer(12345);
  a.shared.postInterrupt(0, 2); // an IPI not yet taken goes into the state's mip
  const state = structuredClone(captureVcpuState(a));
  assert.equal(state.hsmState, HsmState.STARTED);
  assert.equal(state.timerDeadline, 12345);
  assert.equal(state.hart.priv, Priv.S);
  assert.equal(state.hart.pc, 0x80200000n);
  assert.equal(state.hart.csrs.mip & 2n, 2n);

  const [, target] = vcpus() as [Vcpu, Vcpu];
  const moved = { ...state, id: 1, startAddress: 0x80200000, opaque: 7 };
  restoreVcpuState(target, moved);
  assert.deepEqual(captureVcpuState(target), moved);
  assert.equal(target.shared.load(1, Slot.HSM), HsmState.STARTED);
  assert.equal(target.timerDeadline, 12345);
});

test("restoreVcpuState() refuses impossible states and changes nothing", () => {
  const [a] = vcpus() as [Vcpu];
  a.runSlice(10);
  const good = captureVcpuState(a);
  const [target] = vcpus() as [Vcpu];
  const before = captureVcpuState(target);
  for (const [bad, message] of [
    [{ ...good, id: 1 }, /id 1/],
    [{ ...good, hsmState: 99 }, /HSM state/],
    [{ ...good, hart: { ...good.hart, priv: Priv.M } }, /M-mode/],
    [{ ...good, timerDeadline: -5 }, /timer/],
    [{ ...good, hart: { ...good.hart, xlen: 32 } }, /xlen/],
  ] as const) {
    assert.throws(() => restoreVcpuState(target, bad as typeof good), message);
    assert.deepEqual(captureVcpuState(target), before);
  }
});
