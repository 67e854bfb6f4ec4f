/**
 * Interrupt and exception numbers of the RISC-V privileged specification (§3.1.15, mcause).
 *
 * `Irq` holds `mip`/`mie` bit masks; `Exception` holds synchronous cause codes. The
 * priority order is the specification's (§3.1.9): MEI, MSI, MTI, SEI, SSI, STI.
 */

export const Irq = {
  SSIP: 1 << 1,
  MSIP: 1 << 3,
  STIP: 1 << 5,
  MTIP: 1 << 7,
  SEIP: 1 << 9,
  MEIP: 1 << 11,
} as const;

/** Interrupt cause numbers (the low bits of mcause when its top bit is set), highest priority first. */
export const INTERRUPT_PRIORITY: readonly number[] = [11, 3, 7, 9, 1, 5];

/** The interrupts a supervisor may see at all (sip/sie are views of these bits). */
export const SUPERVISOR_INTERRUPTS = Irq.SSIP | Irq.STIP | Irq.SEIP;
export const ALL_INTERRUPTS = SUPERVISOR_INTERRUPTS | Irq.MSIP | Irq.MTIP | Irq.MEIP;

export const Exception = {
  InstructionAddressMisaligned: 0,
  InstructionAccessFault: 1,
  IllegalInstruction: 2,
  Breakpoint: 3,
  LoadAddressMisaligned: 4,
  LoadAccessFault: 5,
  StoreAddressMisaligned: 6,
  StoreAccessFault: 7,
  EcallFromU: 8,
  EcallFromS: 9,
  EcallFromM: 11,
  InstructionPageFault: 12,
  LoadPageFault: 13,
  StorePageFault: 15,
} as const;

/** Privilege levels as encoded in mstatus.MPP. */
export const Priv = { U: 0, S: 1, M: 3 } as const;
export type PrivLevel = 0 | 1 | 3;
