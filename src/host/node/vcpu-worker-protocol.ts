/**
 * The messages between the parallel runner (main thread) and a vCPU worker. Every request
 * carries an id that its reply repeats; replies come in the order the requests were sent.
 * Besides replies, a worker sends two unsolicited messages: `crashed`, when host code threw
 * (its domain has then already been ended as crashed), and `pv-call`, when its vCPU waits
 * for a PV call to be answered through its mailbox.
 *
 * Requests are hints that arrive at slice boundaries; the runner also sets the vCPU's RUN
 * word and wakes it, so a worker asleep or in a long slice reacts without waiting for its
 * event loop. A worker handles a request only between slices, so when it answers `pause`
 * its vCPU is stopped at a slice boundary.
 */
import type { DomainDescriptor } from "../../core/hypervisor/domain.js";
import type { VcpuState } from "../../core/hypervisor/vcpu-state.js";

/** What a worker is started with (its `workerData`). */
export interface VcpuWorkerData {
  readonly descriptor: DomainDescriptor;
  readonly vcpu: number;
  /** The domain's VcpuControl buffer. */
  readonly control: SharedArrayBuffer;
  /** Instructions per slice, the longest a request or a pause waits. */
  readonly sliceInstructions: number;
  /** The vCPU's PvMailbox buffer, for PV calls served on the main thread. */
  readonly pvMailbox: SharedArrayBuffer;
  /** Compile hot guest code to WebAssembly. */
  readonly jit: boolean;
}

/** The first message to a thread started without workerData: the vCPU it will run. */
export interface VcpuAttach {
  readonly type: "attach";
  readonly data: VcpuWorkerData;
}

export type VcpuRequest =
  /** Run (again) if the domain is running. */
  | { readonly id: number; readonly type: "run" }
  /** Stop at the slice boundary this is handled at; reply once stopped. */
  | { readonly id: number; readonly type: "pause" }
  /** Reply with the vCPU's state; the vCPU must be paused. */
  | { readonly id: number; readonly type: "save-state" }
  /** Replace the vCPU's state; the vCPU must be paused. */
  | { readonly id: number; readonly type: "restore-state"; readonly state: VcpuState }
  /** Leave the run loop and let the thread end; the reply is the last message. */
  | { readonly id: number; readonly type: "stop" };

export type VcpuReply =
  | { readonly type: "reply"; readonly id: number; readonly ok: true; readonly state?: VcpuState }
  | { readonly type: "reply"; readonly id: number; readonly ok: false; readonly error: string };

export interface VcpuCrashed {
  readonly type: "crashed";
  readonly message: string;
  readonly stack?: string;
}

/** A PV call waits in the vCPU's mailbox (pv-mailbox.ts) for the main thread. */
export interface VcpuPvCall {
  readonly type: "pv-call";
}

/**
 * The vCPU's PV suspend call has just suspended its domain (vCPU 0's thread says so at once,
 * from inside the call). A `suspended-state` follows when the slice has ended.
 */
export interface VcpuSuspended {
  readonly type: "suspended";
}

/**
 * After `suspended`: the vCPU's state as a save-state request would now return it — a
 * cooperative capture needs nothing more from this thread — and the suspend's guest time,
 * which tells this suspension from another.
 */
export interface VcpuSuspendedState {
  readonly type: "suspended-state";
  readonly state: VcpuState;
  readonly suspendTime: number;
}

export type VcpuWorkerMessage = VcpuReply | VcpuCrashed | VcpuPvCall | VcpuSuspended | VcpuSuspendedState;
