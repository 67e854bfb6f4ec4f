/**
 * The little of the WebAssembly JavaScript API that Ferry uses, typed here because the
 * project's lib settings declare none of it, and found at run time because a host may lack it
 * (or forbid compiling code): callers fall back to plain JavaScript when `webAssembly()` is
 * undefined.
 */

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** A compiled module: opaque here, handed back to `Instance`. */
export type WasmModule = object;

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
}

/** The host's WebAssembly, or undefined where there is none. */
export function webAssembly(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/** WebAssembly's page: 64 KiB, the unit a memory's size is given in. */
export const WASM_PAGE_SIZE = 65536;
