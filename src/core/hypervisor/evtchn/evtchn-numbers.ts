/**
 * The numbers of Ferry's event channels, named as in Xen's public header
 * `xen/include/public/event_channel.h` (and `xen.h` for VIRQs and domain ids), and the mapping
 * from the Xen error each operation documents to the SBI error the guest receives.
 *
 * Error mapping (Xen errno → SBI error, SBI v2.0 §3.2):
 *   EINVAL  bad port, wrong state, bad VIRQ         → INVALID_PARAM
 *   ENOENT  no such vCPU                            → INVALID_PARAM
 *   ESRCH   no such domain                          → INVALID_PARAM
 *   EBADF   bad port (Xen's older code)             → INVALID_PARAM
 *   EEXIST  VIRQ already bound on that vCPU         → ALREADY_AVAILABLE
 *   EBUSY   resource in use                         → ALREADY_AVAILABLE
 *   ENOSPC  no free port                            → FAILED
 *   EPERM   not allowed to touch that domain/port   → DENIED
 *   ENOSYS  operation not implemented               → NOT_SUPPORTED
 * Shared-info registration follows the SBI shared-memory convention instead: a misaligned
 * address is INVALID_PARAM, one outside RAM is INVALID_ADDRESS.
 */
import { SbiError } from "../sbi-numbers.js";

/** EVTCHNSTAT_* as returned by EVTCHNOP_status. PIRQ is never used (no physical IRQs). */
export const EvtchnStatus = {
  CLOSED: 0,
  UNBOUND: 1,
  INTERDOMAIN: 2,
  PIRQ: 3,
  VIRQ: 4,
  IPI: 5,
} as const;
export type EvtchnStatusCode = (typeof EvtchnStatus)[keyof typeof EvtchnStatus];

/** VIRQ numbers (xen.h). Only these are ever raised by Ferry; any below NR_VIRQS may be bound. */
export const Virq = {
  /** Per-vCPU: the vCPU's timer. */
  TIMER: 0,
  /** Per-vCPU: debug request. */
  DEBUG: 1,
  /** Global: console input. */
  CONSOLE: 2,
  /** Global: a domain exited (toolstack's domain). */
  DOM_EXC: 3,
} as const;
export const NR_VIRQS = 24;

/** VIRQs that exist once per vCPU (xen.h's "per-vCPU" list); every other VIRQ is global. */
export function virqIsPerVcpu(virq: number): boolean {
  return virq === Virq.TIMER || virq === Virq.DEBUG || virq === 7 /* XENOPROF */ || virq === 13; /* XENPMU */
}

/** Domain ids at and above this are reserved; DOMID_SELF names the caller. */
export const DOMID_FIRST_RESERVED = 0x7ff0;
export const DOMID_SELF = 0x7ff0;

/** Xen's error names, as the SBI errors the guest sees (see the table above). */
export const EvtchnErr = {
  EINVAL: SbiError.INVALID_PARAM,
  ENOENT: SbiError.INVALID_PARAM,
  ESRCH: SbiError.INVALID_PARAM,
  EBADF: SbiError.INVALID_PARAM,
  EEXIST: SbiError.ALREADY_AVAILABLE,
  EBUSY: SbiError.ALREADY_AVAILABLE,
  ENOSPC: SbiError.FAILED,
  EPERM: SbiError.DENIED,
  ENOSYS: SbiError.NOT_SUPPORTED,
} as const;

/** Thrown for host-side misuse and for state that cannot be imported; never for guest input. */
export class EventChannelError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EventChannelError";
  }
}
