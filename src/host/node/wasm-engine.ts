/**
 * How V8 compiles the WebAssembly that core/cpu/jit generates from guest code: with its
 * baseline compiler (Liftoff) only. Measured on the CPU benchmarks and the reference kernel
 * (docs/jit.md): V8's optimising tier (TurboFan) compiles our large dispatch functions slowly,
 * on the cores the vCPUs need, and the code it produces for them runs slower than Liftoff's —
 * the reference kernel's workloads ran 2.7x faster and the CPU benchmarks 1.5–4x faster with
 * Liftoff alone. The setting is process-wide (it covers every vCPU thread) and must be made
 * before the first module is compiled, so every Node entry point calls this first.
 */
import { setFlagsFromString } from "node:v8";

export function useBaselineWasmCompiler(): void {
  setFlagsFromString("--liftoff-only");
}
