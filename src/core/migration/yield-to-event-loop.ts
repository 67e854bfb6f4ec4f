/**
 * A turn of the event loop for the host's other work (I/O, messages from vCPU threads),
 * without the clamped delay of `setTimeout(0)` (at least 1 ms in Node, 4 ms nested in
 * browsers): `setImmediate` where the host has it, which runs right after pending I/O;
 * `setTimeout(0)` elsewhere.
 */
const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (immediate !== undefined ? immediate(resolve) : setTimeout(resolve, 0)));
}
