/**
 * Every number of the guest/hypervisor interface: SBI v2.0 extension and function ids and
 * error codes (RISC-V SBI specification v2.0, chapters 3–13) and Ferry's PV extension. The
 * guest's C header `guest/common/ferry-sbi.h` is generated from this table
 * (`scripts/generate-guest-headers.ts`), so host and guest can never drift.
 */

/** Ferry's SBI implementation id. It fits in 24 bits so the PV extension id can embed it. */
export const FERRY_SBI_IMPL_ID = 0x465259; // "FRY"
export const FERRY_SBI_IMPL_VERSION = 0x00010000;
/** SBI specification version implemented: 2.0 (major in bits 30:24). */
export const SBI_SPEC_VERSION = (2 << 24) | 0;

export const SbiError = {
  SUCCESS: 0,
  FAILED: -1,
  NOT_SUPPORTED: -2,
  INVALID_PARAM: -3,
  DENIED: -4,
  INVALID_ADDRESS: -5,
  ALREADY_AVAILABLE: -6,
  ALREADY_STARTED: -7,
  ALREADY_STOPPED: -8,
  NO_SHMEM: -9,
} as const;

export const SbiExtension = {
  // Legacy extensions (v0.1): the extension id is the function.
  LEGACY_SET_TIMER: 0x00,
  LEGACY_CONSOLE_PUTCHAR: 0x01,
  LEGACY_CONSOLE_GETCHAR: 0x02,
  LEGACY_CLEAR_IPI: 0x03,
  LEGACY_SEND_IPI: 0x04,
  LEGACY_REMOTE_FENCE_I: 0x05,
  LEGACY_REMOTE_SFENCE_VMA: 0x06,
  LEGACY_REMOTE_SFENCE_VMA_ASID: 0x07,
  LEGACY_SHUTDOWN: 0x08,
  BASE: 0x10,
  TIME: 0x54494d45, // "TIME"
  IPI: 0x735049, // "sPI"
  RFENCE: 0x52464e43, // "RFNC"
  HSM: 0x48534d, // "HSM"
  SRST: 0x53525354, // "SRST"
  PMU: 0x504d55, // "PMU" (not implemented)
  DBCN: 0x4442434e, // "DBCN"
  SUSP: 0x53555350, // "SUSP"
  CPPC: 0x43505043, // "CPPC" (not implemented)
  NACL: 0x4e41434c, // "NACL" (not implemented)
  STA: 0x535441, // "STA" (not implemented)
  /** Ferry's paravirtual extension, in the firmware-specific range 0x0A000000–0x0AFFFFFF. */
  FERRY_PV: 0x0a000000 | FERRY_SBI_IMPL_ID,
} as const;

export const SbiBase = {
  GET_SPEC_VERSION: 0,
  GET_IMPL_ID: 1,
  GET_IMPL_VERSION: 2,
  PROBE_EXTENSION: 3,
  GET_MVENDORID: 4,
  GET_MARCHID: 5,
  GET_MIMPID: 6,
} as const;

export const SbiTime = { SET_TIMER: 0 } as const;
export const SbiIpi = { SEND_IPI: 0 } as const;

export const SbiRfence = {
  REMOTE_FENCE_I: 0,
  REMOTE_SFENCE_VMA: 1,
  REMOTE_SFENCE_VMA_ASID: 2,
  REMOTE_HFENCE_GVMA_VMID: 3,
  REMOTE_HFENCE_GVMA: 4,
  REMOTE_HFENCE_VVMA_ASID: 5,
  REMOTE_HFENCE_VVMA: 6,
} as const;

export const SbiHsm = {
  HART_START: 0,
  HART_STOP: 1,
  HART_GET_STATUS: 2,
  HART_SUSPEND: 3,
} as const;

/** HSM hart states (SBI v2.0 §9, Table 29). */
export const HartState = {
  STARTED: 0,
  STOPPED: 1,
  START_PENDING: 2,
  STOP_PENDING: 3,
  SUSPENDED: 4,
  SUSPEND_PENDING: 5,
  RESUME_PENDING: 6,
} as const;

/** HSM suspend types (§9.4, Table 30). */
export const HartSuspendType = {
  DEFAULT_RETENTIVE: 0x00000000,
  DEFAULT_NON_RETENTIVE: 0x80000000,
} as const;

export const SbiSrst = { SYSTEM_RESET: 0 } as const;
export const ResetType = { SHUTDOWN: 0, COLD_REBOOT: 1, WARM_REBOOT: 2 } as const;
export const ResetReason = { NO_REASON: 0, SYSTEM_FAILURE: 1 } as const;

export const SbiDbcn = {
  CONSOLE_WRITE: 0,
  CONSOLE_READ: 1,
  CONSOLE_WRITE_BYTE: 2,
} as const;

export const SbiSusp = { SYSTEM_SUSPEND: 0 } as const;
export const SleepType = { SUSPEND_TO_RAM: 0 } as const;
