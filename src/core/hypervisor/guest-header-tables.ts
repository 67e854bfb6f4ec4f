/**
 * The tables the guest's C header `guest/common/ferry-sbi.h` is generated from
 * (`scripts/generate-guest-headers.ts`): every number the guest and the hypervisor share.
 */
import {
  BlkifOp,
  BlkifRequest,
  BlkifResponse,
  BlkifRing,
  BlkifStatus,
  SECTOR_SIZE,
  VdiskInfo,
  XenbusState,
} from "../devices/block/blkif-numbers.js";
import { EvtchnStatus, Virq } from "./evtchn/evtchn-numbers.js";
import {
  EVTCHN_MASK_OFFSET,
  EVTCHN_PENDING_OFFSET,
  VCPU_INFO_SIZE,
  VcpuInfoOffset,
} from "./evtchn/shared-info.js";
import { SbiPv, STORE_PORT, StoreRing, SuspendResult, VcpuContextWord, XsType } from "./pv-numbers.js";
import {
  HartState,
  HartSuspendType,
  ResetReason,
  ResetType,
  SbiBase,
  SbiDbcn,
  SbiError,
  SbiExtension,
  SbiHsm,
  SbiIpi,
  SbiRfence,
  SbiSrst,
  SbiSusp,
  SbiTime,
  SleepType,
} from "./sbi-numbers.js";

/** The header's sections, in order: [C prefix, table]. */
export const GUEST_HEADER_TABLES: readonly (readonly [string, Readonly<Record<string, number>>])[] = [
  ["SBI_ERR_", SbiError],
  ["SBI_EXT_", SbiExtension],
  ["SBI_BASE_", SbiBase],
  ["SBI_TIME_", SbiTime],
  ["SBI_IPI_", SbiIpi],
  ["SBI_RFENCE_", SbiRfence],
  ["SBI_HSM_", SbiHsm],
  ["SBI_HART_STATE_", HartState],
  ["SBI_HSM_SUSPEND_", HartSuspendType],
  ["SBI_SRST_", SbiSrst],
  ["SBI_RESET_TYPE_", ResetType],
  ["SBI_RESET_REASON_", ResetReason],
  ["SBI_DBCN_", SbiDbcn],
  ["SBI_SUSP_", SbiSusp],
  ["SBI_SLEEP_TYPE_", SleepType],
  ["FERRY_PV_", SbiPv],
  ["FERRY_SUSPEND_", SuspendResult],
  ["FERRY_CTX_", VcpuContextWord],
  ["EVTCHNSTAT_", EvtchnStatus],
  ["VIRQ_", Virq],
  ["SHINFO_VCPU_", { ...VcpuInfoOffset, SIZE: VCPU_INFO_SIZE }],
  ["SHINFO_", { EVTCHN_PENDING: EVTCHN_PENDING_OFFSET, EVTCHN_MASK: EVTCHN_MASK_OFFSET }],
  ["XS_RING_", StoreRing],
  ["XS_", XsType],
  ["FERRY_STORE_", { PORT: STORE_PORT }],
  ["BLKIF_RING_", BlkifRing],
  ["BLKIF_REQ_", BlkifRequest],
  ["BLKIF_RSP_", BlkifResponse],
  ["BLKIF_OP_", BlkifOp],
  ["BLKIF_STATUS_", BlkifStatus],
  ["BLKIF_", { SECTOR_SIZE }],
  ["VDISK_", VdiskInfo],
  ["XENBUS_STATE_", XenbusState],
];
