/**
 * The vCPU context of PV `vcpu_initialise` (pv-numbers.ts VcpuContextWord): copied out of
 * guest memory when the call is made — so the guest may reuse its buffer at once — into the
 * target's area of the domain's shared state, and loaded into the target's hart by the
 * target's own thread when `vcpu_up` starts it.
 *
 * The context is all a vCPU created this way has: it starts in S-mode at `pc` with the
 * given registers and CSRs; sstatus contributes only SIE, SPIE, SPP, SUM and MXR, sie only
 * the supervisor interrupt bits. Everything else is reset as for an SBI hart_start.
 */
import { Csr, Mstatus } from "../cpu/csr-numbers.js";
import type { Hart } from "../cpu/hart.js";
import { SUPERVISOR_INTERRUPTS } from "../cpu/interrupts.js";
import type { GuestMemory } from "../memory/guest-memory.js";
import { CONTEXT_WORDS, type DomainSharedState } from "./domain-shared-state.js";
import { VcpuContextWord } from "./pv-numbers.js";

const SSTATUS_KEPT = Mstatus.SIE | Mstatus.SPIE | Mstatus.SPP | Mstatus.SUM | Mstatus.MXR;

/** True when a context at `gpa` fits in RAM with natural alignment. */
export function contextFits(mem: GuestMemory, gpa: number, xlen: 32 | 64): boolean {
  const bytes = CONTEXT_WORDS * (xlen / 8);
  return Number.isSafeInteger(gpa) && gpa % (xlen / 8) === 0 && mem.contains(gpa, bytes);
}

/** Copies the context at `gpa` (checked with contextFits) into vCPU `target`'s area. */
export function storeContext(
  shared: DomainSharedState,
  target: number,
  mem: GuestMemory,
  gpa: number,
  xlen: 32 | 64,
): void {
  const at = target * CONTEXT_WORDS * 2;
  let i = (gpa - mem.base) >> 2;
  for (let w = 0; w < CONTEXT_WORDS; w++) {
    const lo = mem.i32[i++]!;
    const hi = xlen === 64 ? mem.i32[i++]! : lo >> 31;
    Atomics.store(shared.contexts, at + 2 * w, lo);
    Atomics.store(shared.contexts, at + 2 * w + 1, xlen === 64 ? hi : 0);
  }
}

/** Loads vCPU `id`'s stored context into its hart, which is already in S-mode (enterSupervisor). */
export function loadContext(shared: DomainSharedState, id: number, h: Hart): void {
  const at = id * CONTEXT_WORDS * 2;
  const lo = (w: number): number => Atomics.load(shared.contexts, at + 2 * w);
  const hi = (w: number): number => Atomics.load(shared.contexts, at + 2 * w + 1);
  for (let x = 1; x < 32; x++) {
    const w = VcpuContextWord.X1 + x - 1;
    h.xlo[x] = lo(w);
    h.xhi[x] = h.xlen === 32 ? lo(w) >> 31 : hi(w);
  }
  const pcW = VcpuContextWord.PC;
  // RV64 keeps pc as the signed value (canonical addresses are exact below 2^53).
  h.setPc(h.xlen === 32 ? lo(pcW) >>> 0 : (hi(pcW) | 0) * 4294967296 + (lo(pcW) >>> 0));
  const sstatus = lo(VcpuContextWord.SSTATUS);
  h.csrLo[Csr.mstatus] = (h.csrLo[Csr.mstatus]! & ~SSTATUS_KEPT) | (sstatus & SSTATUS_KEPT);
  for (const [csr, w] of [
    [Csr.stvec, VcpuContextWord.STVEC],
    [Csr.sscratch, VcpuContextWord.SSCRATCH],
    [Csr.satp, VcpuContextWord.SATP],
  ] as const) {
    h.csrLo[csr] = lo(w);
    h.csrHi[csr] = h.xlen === 32 ? 0 : hi(w);
  }
  // Values a CSR write would not accept are reset, as WARL fields read back legal values.
  if ((h.csrLo[Csr.stvec]! & 3) >= 2) h.csrLo[Csr.stvec] = h.csrLo[Csr.stvec]! & ~3;
  if (h.xlen === 64 && ![0, 8].includes(h.csrHi[Csr.satp]! >>> 28)) {
    h.csrLo[Csr.satp] = 0;
    h.csrHi[Csr.satp] = 0;
  }
  h.csrLo[Csr.mie] = lo(VcpuContextWord.SIE) & SUPERVISOR_INTERRUPTS;
  h.tlb.flush();
  h.privilegeChanged();
}
