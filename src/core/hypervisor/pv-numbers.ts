/**
 * The numbers of Ferry's PV extension (DESIGN.md §4): its function ids, the vCPU context
 * structure a guest passes to `vcpu_initialise`, and the store's ring page. Like
 * sbi-numbers.ts, these go into the generated guest header, so host and guest share them.
 *
 * Calling convention: a7 = SbiExtension.FERRY_PV, a6 = the function id, arguments in a0–a5,
 * the SBI error in a0 and the value in a1. Addresses are guest-physical and XLEN wide (an
 * RV32 domain's RAM ends below 4 GiB, so one register always holds one).
 *
 * | fid | call                                  | value                                    |
 * |-----|---------------------------------------|------------------------------------------|
 * |  0  | vcpu_initialise(vcpu, context_gpa)    | 0; the target must be down                |
 * |  1  | vcpu_up(vcpu)                         | 0                                        |
 * |  2  | vcpu_down(vcpu) (asynchronous)        | 0                                        |
 * |  3  | vcpu_is_up(vcpu)                      | 1 up (or still going down), 0 down       |
 * |  4  | suspend()                             | 0 resumed in a new domain, 1 cancelled   |
 * |  5  | shared_info(gpa)                      | 0                                        |
 * |  6  | evtchn_alloc_unbound(remote_domid)    | port                                     |
 * |  7  | evtchn_bind_interdomain(domid, port)  | local port                               |
 * |  8  | evtchn_bind_virq(virq, vcpu)          | port                                     |
 * |  9  | evtchn_bind_ipi(vcpu)                 | port                                     |
 * | 10  | evtchn_send(port)                     | 0                                        |
 * | 11  | evtchn_unmask(port)                   | 0                                        |
 * | 12  | evtchn_close(port)                    | 0                                        |
 * | 13  | evtchn_status(port)                   | status | vcpu << 8 | (virq or remote port) << 16 |
 * | 14  | evtchn_bind_vcpu(port, vcpu)          | 0                                        |
 */

export const SbiPv = {
  VCPU_INITIALISE: 0,
  VCPU_UP: 1,
  VCPU_DOWN: 2,
  VCPU_IS_UP: 3,
  SUSPEND: 4,
  SHARED_INFO: 5,
  EVTCHN_ALLOC_UNBOUND: 6,
  EVTCHN_BIND_INTERDOMAIN: 7,
  EVTCHN_BIND_VIRQ: 8,
  EVTCHN_BIND_IPI: 9,
  EVTCHN_SEND: 10,
  EVTCHN_UNMASK: 11,
  EVTCHN_CLOSE: 12,
  EVTCHN_STATUS: 13,
  EVTCHN_BIND_VCPU: 14,
} as const;

/** What `suspend` returns in a1 (a0 is SUCCESS). */
export const SuspendResult = { NEW_DOMAIN: 0, CANCELLED: 1 } as const;

/**
 * The vCPU context of `vcpu_initialise`: XLEN-bit words at these indices, naturally aligned.
 * The vCPU starts in S-mode at `pc` with x1–x31 as given and these CSRs; sstatus supplies
 * SIE, SPIE, SPP, SUM and MXR (other bits are ignored).
 */
export const VcpuContextWord = {
  PC: 0,
  /** x1 is at index 1, …, x31 at index 31. */
  X1: 1,
  SSTATUS: 32,
  STVEC: 33,
  SSCRATCH: 34,
  SATP: 35,
  SIE: 36,
  WORDS: 37,
} as const;

/**
 * The store's ring page, xenstore's `xenstore_domain_interface` (xs_wire.h): a request ring
 * the guest produces into and a response ring the host produces into, each 1 KiB, then four
 * free-running 32-bit indices (a ring offset is index & (SIZE - 1)). A message is a 16-byte
 * header — type, req_id, tx_id, len, little-endian u32 — and `len` payload bytes.
 */
export const StoreRing = {
  REQ: 0,
  RSP: 1024,
  SIZE: 1024,
  REQ_CONS: 2048,
  REQ_PROD: 2052,
  RSP_CONS: 2056,
  RSP_PROD: 2060,
  HEADER: 16,
  PAYLOAD_MAX: 4096,
} as const;

/** xenstore message types (xs_wire.h `xsd_sockmsg_type`); the ones Ferry's store serves. */
export const XsType = {
  DIRECTORY: 1,
  READ: 2,
  GET_PERMS: 3,
  WATCH: 4,
  UNWATCH: 5,
  TRANSACTION_START: 6,
  TRANSACTION_END: 7,
  WRITE: 11,
  MKDIR: 12,
  RM: 13,
  SET_PERMS: 14,
  WATCH_EVENT: 15,
  ERROR: 16,
} as const;

/** The store's event channel port in every domain's table (named in the device tree too). */
export const STORE_PORT = 1;
