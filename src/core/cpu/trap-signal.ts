/**
 * How a slow path aborts the current instruction: it records the cause and trap value on
 * the hart and throws the one `TRAP` object. The run loop catches it, leaves `pc` at the
 * faulting instruction and enters the trap handler. A plain object, not an Error, so a
 * throw captures no stack and costs little; traps are frequent in an operating system.
 */
export class TrapSignal {
  readonly kind = "riscv-trap";
}

export const TRAP = new TrapSignal();
