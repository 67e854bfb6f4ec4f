/**
 * Reading SBI call arguments from a vCPU's registers, and the checks every extension shares:
 * physical ranges inside the domain's RAM and (hart_mask, hart_mask_base) hart sets.
 */
import type { Vcpu } from "./vcpu.js";

const TWO32 = 4294967296;

/** The result of an SBI call: [error, value]. */
export type SbiResult = readonly [error: number, value: number];

/** Argument register a<i> as an unsigned number (exact below 2^53; larger is out of any range). */
export function arg(v: Vcpu, i: number): number {
  const h = v.hart;
  const lo = h.xlo[10 + i]! >>> 0;
  return h.xlen === 32 ? lo : (h.xhi[10 + i]! >>> 0) * TWO32 + lo;
}

/** True when a<i> is all ones at XLEN (the "-1" some calls use as a wildcard). */
export function argIsAllOnes(v: Vcpu, i: number): boolean {
  const h = v.hart;
  return h.xlo[10 + i] === -1 && (h.xlen === 32 || h.xhi[10 + i] === -1);
}

/** A 64-bit value passed in a<i> (RV64) or in a<i>/a<i+1> (RV32), as a number (Infinity past 2^53). */
export function arg64(v: Vcpu, i: number): number {
  const h = v.hart;
  const lo = h.xlo[10 + i]! >>> 0;
  const hi = (h.xlen === 32 ? h.xlo[11 + i]! : h.xhi[10 + i]!) >>> 0;
  return hi >= 0x200000 ? Number.POSITIVE_INFINITY : hi * TWO32 + lo;
}

/** True when [paddr, paddr + length) is inside the domain's RAM. */
export function inRam(v: Vcpu, paddr: number, length: number): boolean {
  return length >= 0 && Number.isFinite(paddr) && v.hart.mem.contains(paddr, Math.max(length, 1));
}

/**
 * The vCPUs named by (hart_mask, hart_mask_base) (§3.1): base = -1 means every vCPU;
 * otherwise bit i of the mask names hart base + i, which must exist.
 */
export function targetsOf(v: Vcpu, maskArg: number, baseArg: number): number[] | undefined {
  if (argIsAllOnes(v, baseArg)) return Array.from({ length: v.vcpus }, (_, i) => i);
  const base = arg(v, baseArg);
  const h = v.hart;
  const words = h.xlen === 32 ? [h.xlo[10 + maskArg]!] : [h.xlo[10 + maskArg]!, h.xhi[10 + maskArg]!];
  const targets: number[] = [];
  for (let w = 0; w < words.length; w++) {
    for (let b = 0; b < 32; b++) {
      if ((words[w]! >>> b) & 1) {
        const id = base + w * 32 + b;
        if (id >= v.vcpus) return undefined;
        targets.push(id);
      }
    }
  }
  return targets;
}
