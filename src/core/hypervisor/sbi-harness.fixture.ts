/**
 * A domain whose vCPUs are driven by calling the SBI handler directly, without a guest: for
 * the SBI and PV unit tests. The kernel is one instruction (a jump to itself).
 */
import { buildElf } from "../machine/elf-builder.fixture.js";
import { AttachedDomain } from "./attached-domain.js";
import { Domain } from "./domain.js";
import type { PvBackend } from "./pv-backend.js";
import { PvHost } from "./pv-host.js";
import { handleSbiCall } from "./sbi.js";
import type { Vcpu } from "./vcpu.js";

export function makeVcpus(
  xlen: 32 | 64,
  count = 4,
): { domain: Domain; vcpus: Vcpu[]; console: number[]; backend: PvBackend; pv: PvHost } {
  // A kernel of one instruction (a jump to itself) is enough: the calls are made directly.
  const kernel = buildElf({
    xlen,
    entry: 0x80200000,
    segments: [{ paddr: 0x80200000, data: [0x6f, 0, 0, 0] }],
  });
  const domain = new Domain(1, { name: "sbi", vcpus: count, memorySize: 8 << 20, kernel });
  domain.boot(0);
  const pv = new PvHost();
  const backend = pv.attach(domain);
  const attached = new AttachedDomain(domain.descriptor());
  const console: number[] = [];
  const vcpus = Array.from({ length: count }, (_, id) =>
    attached.buildVcpu(id, {
      now: () => 1000,
      consoleWrite: (b) => console.push(...b),
      consoleRead: (max) => attached.consoleIn.read(max),
      awaitFences: () => {},
      pvCall: (vcpu, fid, args) => backend.call(vcpu, fid, args),
    }),
  );
  vcpus[0]!.runSlice(1); // vCPU 0 enters S-mode as booted
  return { domain, vcpus, console, backend, pv };
}

export function call(v: Vcpu, eid: number, fid: number, ...args: (number | bigint)[]): [bigint, bigint] {
  const h = v.hart;
  for (let i = 0; i < 6; i++) h.setX(10 + i, args[i] ?? 0);
  h.setX(17, eid);
  h.setX(16, fid);
  handleSbiCall(v);
  const signed = (x: bigint): bigint => BigInt.asIntN(h.xlen, x);
  return [signed(h.getX(10)), h.getX(11)];
}

/** xorshift32 from `seed`: the hostile-argument tests' reproducible random numbers. */
export function randomSource(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
