/**
 * A vCPU worker for tests of failure isolation: for a domain whose name starts with
 * "crash", vCPU 0's host code throws after a few slices, as a bug in the hypervisor would;
 * every other vCPU and domain runs the real worker unchanged. The patch is made before the
 * real worker module is loaded (dynamic import), so its run loop never sees the original.
 */
import { isMainThread, workerData } from "node:worker_threads";
import { Vcpu } from "../../core/hypervisor/vcpu.js";
import type { VcpuWorkerData } from "./vcpu-worker-protocol.js";

export const INJECTED_FAULT = "injected host fault";
const SLICES_BEFORE_FAULT = 20;

const data = workerData as VcpuWorkerData;
if (!isMainThread && data.descriptor.name.startsWith("crash") && data.vcpu === 0) {
  const runSlice = Vcpu.prototype.runSlice;
  let slices = 0;
  Vcpu.prototype.runSlice = function (this: Vcpu, budget: number) {
    if (++slices > SLICES_BEFORE_FAULT) throw new TypeError(INJECTED_FAULT);
    return runSlice.call(this, budget);
  };
}
if (!isMainThread) await import("./vcpu-worker.js");
