/**
 * Entry of a vCPU worker thread (parallel mode, DESIGN.md §6): attaches to the domain
 * described in `workerData` — or, for a thread started ahead of need (vcpu-worker-pool.ts),
 * in the first message it receives — builds its one vCPU and runs it until told to stop.
 *
 * The loop runs slices while the vCPU has work, returning to the event loop every YIELD_MS
 * so requests get through. When the vCPU is idle, HSM-stopped, paused or its domain has
 * ended, the thread sleeps with `Atomics.waitAsync` on the vCPU's WAKE word — bounded by the
 * vCPU's next timer deadline when it is idle — so a waiting vCPU costs no CPU time. The WAKE
 * value is read before the slice, so a wake that comes while the slice runs ends the sleep
 * at once instead of being lost.
 *
 * An exception from host code (a bug: nothing a guest does may throw) ends the domain as
 * crashed and is reported to the runner; the thread then only answers requests until
 * `stop`. See vcpu-worker-protocol.ts for the requests.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Irq } from "../../core/cpu/interrupts.js";
import { compressedTable } from "../../core/cpu/rvc.js";
import { AttachedDomain } from "../../core/hypervisor/attached-domain.js";
import { DomainRunState, RunRequest, Slot } from "../../core/hypervisor/domain-shared-state.js";
import { TICKS_PER_MS } from "../../core/hypervisor/host-clock.js";
import type { SliceOutcome } from "../../core/hypervisor/vcpu.js";
import { captureVcpuState, restoreVcpuState } from "../../core/hypervisor/vcpu-state.js";
import { PvMailbox } from "./pv-mailbox.js";
import { SleepKind, VcpuControl } from "./vcpu-control.js";
import { VcpuThreadHost } from "./vcpu-thread-host.js";
import type {
  VcpuAttach,
  VcpuReply,
  VcpuRequest,
  VcpuWorkerData,
  VcpuWorkerMessage,
} from "./vcpu-worker-protocol.js";
import { useBaselineWasmCompiler } from "./wasm-engine.js";

const YIELD_MS = 4;

type WaitAsyncResult =
  | { async: false; value: "not-equal" | "timed-out" }
  | { async: true; value: Promise<"ok" | "timed-out"> };
/** `Atomics.waitAsync` (ES2024; Node 16+), which the ES2022 library typings lack. */
const waitAsync = (
  Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t: number) => WaitAsyncResult }
).waitAsync;

if (parentPort === null) throw new Error("vcpu-worker.js must run as a worker thread");
useBaselineWasmCompiler(); // for hosts that did not (tests); the setting is process-wide
const port = parentPort;
const attached =
  workerData === null
    ? new Promise<VcpuWorkerData>((resolve) => {
        port.once("message", (m: VcpuAttach) => resolve(m.data));
      })
    : undefined;
if (attached !== undefined) {
  // A spare builds now what every vCPU needs and each thread builds once (the RVC expansion
  // tables: tens of milliseconds on a busy host), so that an incoming domain — a restore, a
  // migration's destination, inside its downtime — does not wait for it.
  compressedTable(32);
  compressedTable(64);
}
const data = (workerData as VcpuWorkerData | null) ?? (await attached!);
const id = data.vcpu;
const domain = new AttachedDomain(data.descriptor);
const shared = domain.shared;
const control = new VcpuControl(data.descriptor.vcpus, data.control);
const host = new VcpuThreadHost(domain, new PvMailbox(data.pvMailbox), (what) => post({ type: what }));
const vcpu = domain.buildVcpu(id, host, data.jit);
host.vcpu = vcpu;

let stopping = false;
let crashed = false;

function post(message: VcpuWorkerMessage): void {
  port.postMessage(message);
}

/** Sleeps until the WAKE word moves from `wake`, or for `timeoutMs`. */
async function sleep(kind: number, wake: number, timeoutMs: number): Promise<void> {
  control.sleep(id, kind, wake);
  const result = waitAsync(shared.words, shared.at(id, Slot.WAKE), wake, timeoutMs);
  if (result.async) await result.value;
  control.awake(id);
}

/** How long an idle vCPU may sleep: until its timer deadline, if one is still ahead. */
function idleTimeout(): number {
  const deadline = vcpu.nextWakeTime();
  if (deadline === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  const ticks = deadline - host.now();
  if (ticks > 0) return Math.ceil(ticks / TICKS_PER_MS);
  // The deadline passed after the slice checked it (a sleep can end a little early, so this
  // is common): run a slice at once to raise STIP. Once STIP is raised and the vCPU is still
  // idle, the guest has the timer masked and only a wake can matter.
  return vcpu.hart.isInterruptPending(Irq.STIP) ? Number.POSITIVE_INFINITY : 0;
}

async function runLoop(): Promise<void> {
  let lastYield = performance.now();
  while (!stopping) {
    const wake = shared.load(id, Slot.WAKE);
    const before = vcpu.hart.instret;
    let outcome: SliceOutcome;
    control.enterSlice(id);
    try {
      outcome = vcpu.runSlice(data.sliceInstructions);
    } finally {
      control.leaveSlice(id, vcpu.hart.instret - before);
    }
    if (host.suspendedInSlice) {
      host.suspendedInSlice = false;
      post({ type: "suspended-state", state: captureVcpuState(vcpu), suspendTime: shared.suspendTime });
    }
    if (outcome === "ran") {
      if (performance.now() - lastYield >= YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      continue;
    }
    if (outcome === "halted") await sleep(SleepKind.HALTED, wake, Number.POSITIVE_INFINITY);
    else {
      const timeout = outcome === "idle" ? idleTimeout() : Number.POSITIVE_INFINITY;
      await sleep(timeout === Number.POSITIVE_INFINITY ? SleepKind.WAIT : SleepKind.TIMER, wake, timeout);
    }
    lastYield = performance.now();
  }
}

function paused(): boolean {
  return shared.runState !== DomainRunState.RUNNING || shared.load(id, Slot.RUN) !== RunRequest.RUN;
}

function handle(request: VcpuRequest): VcpuReply {
  const ok = { type: "reply", id: request.id, ok: true } as const;
  const fail = (error: string): VcpuReply => ({ type: "reply", id: request.id, ok: false, error });
  switch (request.type) {
    case "run":
      if (shared.load(id, Slot.RUN) !== RunRequest.STOP) shared.store(id, Slot.RUN, RunRequest.RUN);
      shared.wake(id);
      return ok;
    case "pause":
      // Handled between slices: the vCPU is at a boundary, and RUN keeps it there.
      if (shared.load(id, Slot.RUN) === RunRequest.RUN) shared.store(id, Slot.RUN, RunRequest.PAUSE);
      return ok;
    case "save-state":
      if (!paused()) return fail(`vCPU ${id} is running: pause the domain before saving its state`);
      return { ...ok, state: captureVcpuState(vcpu) };
    case "restore-state":
      if (!paused()) return fail(`vCPU ${id} is running: pause the domain before restoring its state`);
      if (crashed) return fail(`vCPU ${id} has crashed`);
      restoreVcpuState(vcpu, request.state);
      return ok;
    case "stop":
      stopping = true;
      shared.wake(id);
      return ok;
  }
}

const loopDone = runLoop().catch((e: unknown) => {
  crashed = true;
  const error = e instanceof Error ? e : new Error(String(e));
  // The report goes first so that it is on its way by the time anyone sees the domain end.
  const crash: VcpuWorkerMessage = { type: "crashed", message: `vCPU ${id}: ${error.message}` };
  post(error.stack === undefined ? crash : { ...crash, stack: error.stack });
  shared.crash();
});

port.on("message", (request: VcpuRequest) => {
  let reply: VcpuReply;
  try {
    reply = handle(request);
  } catch (e) {
    reply = { type: "reply", id: request.id, ok: false, error: `vCPU ${id}: ${(e as Error).message}` };
  }
  if (request.type !== "stop") {
    post(reply);
    return;
  }
  // The last message: sent once the loop has left its slice; then the thread ends at once
  // (an Atomics.waitAsync timeout would otherwise keep it alive until it expires).
  void loopDone.then(() => {
    post(reply);
    port.close();
    process.exit(0);
  });
});
