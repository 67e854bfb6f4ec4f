/**
 * The SBI implementation called directly, without a guest: the specification's results for
 * well-formed calls, and — with thousands of random register files — proof that no value a
 * guest can pass throws in the host, reaches outside the domain, or returns anything but a
 * defined SBI error code.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { Slot } from "./domain-shared-state.js";
import { call, makeVcpus, randomSource } from "./sbi-harness.fixture.js";
import {
  FERRY_SBI_IMPL_ID,
  HartState,
  SBI_SPEC_VERSION,
  SbiError,
  SbiExtension,
  SbiHsm,
} from "./sbi-numbers.js";

const ERRORS = new Set<number>(Object.values(SbiError));

for (const xlen of [64, 32] as const) {
  test(`SBI BASE reports spec 2.0, Ferry's id and the extensions it has (rv${xlen})`, () => {
    const { vcpus } = makeVcpus(xlen);
    const v = vcpus[0]!;
    assert.deepEqual(call(v, SbiExtension.BASE, 0), [0n, BigInt(SBI_SPEC_VERSION)]);
    assert.deepEqual(call(v, SbiExtension.BASE, 1), [0n, BigInt(FERRY_SBI_IMPL_ID)]);
    for (const ext of [SbiExtension.TIME, SbiExtension.HSM, SbiExtension.DBCN, SbiExtension.SUSP]) {
      assert.deepEqual(call(v, SbiExtension.BASE, 3, ext), [0n, 1n]);
    }
    assert.deepEqual(call(v, SbiExtension.BASE, 3, 0x12345678), [0n, 0n]);
    assert.deepEqual(call(v, 0x0b000000, 0), [BigInt(SbiError.NOT_SUPPORTED), 0n]);
    assert.deepEqual(call(v, SbiExtension.BASE, 99), [BigInt(SbiError.NOT_SUPPORTED), 0n]);
  });

  test(`SBI HSM validates hart ids, addresses and states (rv${xlen})`, () => {
    const { domain, vcpus } = makeVcpus(xlen);
    const v = vcpus[0]!;
    const hsm = SbiExtension.HSM;
    assert.equal(call(v, hsm, SbiHsm.HART_START, 9, 0x80200000, 0)[0], BigInt(SbiError.INVALID_PARAM));
    assert.equal(call(v, hsm, SbiHsm.HART_START, 1, 0x1000, 0)[0], BigInt(SbiError.INVALID_ADDRESS));
    assert.equal(call(v, hsm, SbiHsm.HART_START, 0, 0x80200000, 0)[0], BigInt(SbiError.ALREADY_AVAILABLE));
    assert.deepEqual(call(v, hsm, SbiHsm.HART_START, 1, 0x80200000, 7), [0n, 0n]);
    assert.equal(call(v, hsm, SbiHsm.HART_START, 1, 0x80200000, 7)[0], BigInt(SbiError.ALREADY_AVAILABLE));
    assert.deepEqual(call(v, hsm, SbiHsm.HART_GET_STATUS, 1), [0n, BigInt(HartState.START_PENDING)]);
    vcpus[1]!.runSlice(1);
    assert.deepEqual(call(v, hsm, SbiHsm.HART_GET_STATUS, 1), [0n, BigInt(HartState.STARTED)]);
    assert.equal(vcpus[1]!.hart.getX(11), 7n, "a1 = opaque");
    assert.equal(call(v, hsm, SbiHsm.HART_GET_STATUS, 64)[0], BigInt(SbiError.INVALID_PARAM));
    assert.equal(call(v, hsm, SbiHsm.HART_SUSPEND, 5, 0, 0)[0], BigInt(SbiError.INVALID_PARAM));
    assert.equal(call(v, hsm, SbiHsm.HART_SUSPEND, 0x80000000, 0x10, 0)[0], BigInt(SbiError.INVALID_ADDRESS));
    assert.equal(domain.shared.load(0, Slot.HSM), HartState.STARTED);
  });

  test(`SBI DBCN writes guest memory to the console and rejects ranges outside RAM (rv${xlen})`, () => {
    const { domain, vcpus, console } = makeVcpus(xlen);
    const v = vcpus[0]!;
    domain.memory.write(0x80300000, new TextEncoder().encode("hello"));
    assert.deepEqual(call(v, SbiExtension.DBCN, 0, 5, 0x80300000, 0), [0n, 5n]);
    assert.equal(String.fromCharCode(...console), "hello");
    assert.equal(call(v, SbiExtension.DBCN, 0, 16, 0x7ffffff8, 0)[0], BigInt(SbiError.INVALID_PARAM));
    assert.equal(call(v, SbiExtension.DBCN, 0, 0x1000000, 0x80300000, 0)[0], BigInt(SbiError.INVALID_PARAM));
    assert.equal(call(v, SbiExtension.DBCN, 0, 1, 0x80300000, 1)[0], BigInt(SbiError.INVALID_PARAM));
  });

  test(`SBI calls with hostile random arguments never throw and return defined errors (rv${xlen})`, () => {
    const { domain, vcpus } = makeVcpus(xlen);
    const extensions = Object.values(SbiExtension);
    const rand = randomSource(0x2545f491);
    const value = (): bigint => {
      switch (rand() % 6) {
        case 0:
          return 0n;
        case 1:
          return BigInt.asUintN(64, -1n);
        case 2:
          return BigInt(0x80000000 + (rand() % (16 << 20)));
        case 3:
          return BigInt(rand() % 70);
        default:
          return (BigInt(rand()) << 32n) | BigInt(rand());
      }
    };
    const before = domain.memory.hash();
    for (let i = 0; i < 20_000; i++) {
      const v = vcpus[rand() % 2]!;
      // SRST and legacy shutdown would end the domain and stop the fuzzing: leave them out, and
      // the PV extension, which may legitimately suspend or write shared info (sbi-pv.test.ts).
      let eid = extensions[rand() % extensions.length]!;
      if (eid === SbiExtension.SRST || eid === SbiExtension.LEGACY_SHUTDOWN || eid === SbiExtension.FERRY_PV)
        eid = SbiExtension.BASE;
      if (rand() % 10 === 0) eid = rand();
      const fid = rand() % 10 === 0 ? rand() : rand() % 8;
      const args = Array.from({ length: 6 }, value);
      // DBCN console_read may legitimately write input into RAM; there is none, so no write.
      const [error] = call(v, eid, fid, ...args);
      if (eid > 8) assert.ok(ERRORS.has(Number(error)), `eid ${eid} fid ${fid} returned ${error}`);
      v.hart.stopRequested = false;
    }
    assert.ok(domain.running, "no call ended the domain");
    assert.equal(domain.memory.hash(), before, "no call wrote guest memory");
  });
}
