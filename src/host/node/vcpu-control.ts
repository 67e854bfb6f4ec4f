/**
 * What a vCPU worker publishes to the parallel runner, in one SharedArrayBuffer per domain:
 * for each vCPU, whether it is inside a slice, how it sleeps, and how many instructions it
 * has run. The runner reads it without asking the worker (a message would wait for the
 * worker's event loop, which a long slice holds).
 *
 * Per-vCPU Int32 words:
 *   IN_SLICE    1 while `runSlice` runs. Stored before the slice reads anything and cleared
 *               after it, with sequentially consistent atomics, so a reader that bumped the
 *               dirty-log epoch and then sees 0 knows the next slice will see the new epoch.
 *   SLEEP       SleepKind: AWAKE, or why the worker is (about to be) waiting on its WAKE word.
 *   SLEEP_WAKE  the WAKE value it waits on: while WAKE still equals it, nothing woke it.
 *   SLEEP_GEN   bumped every time it goes to sleep, so two equal readings mean one sleep.
 * Then one BigInt64 per vCPU: instructions retired on this worker, added after each slice.
 */
import type { DomainSharedState } from "../../core/hypervisor/domain-shared-state.js";
import { Slot } from "../../core/hypervisor/domain-shared-state.js";

export const SleepKind = {
  /** Running slices, or between them. */
  AWAKE: 0,
  /** Idle until its timer deadline or a wake. */
  TIMER: 1,
  /** Idle (wfi, suspended, HSM-stopped) with nothing but a wake to end it. */
  WAIT: 2,
  /** Paused by the host, or its domain has ended. */
  HALTED: 3,
} as const;

const WORDS = 4;
const Word = { IN_SLICE: 0, SLEEP: 1, SLEEP_WAKE: 2, SLEEP_GEN: 3 } as const;

export class VcpuControl {
  private readonly words: Int32Array;
  private readonly counts: BigInt64Array;

  constructor(
    readonly vcpus: number,
    buffer?: SharedArrayBuffer,
  ) {
    const countOffset = Math.ceil((vcpus * WORDS * 4) / 8) * 8;
    const buf = buffer ?? new SharedArrayBuffer(countOffset + vcpus * 8);
    this.words = new Int32Array(buf, 0, vcpus * WORDS);
    this.counts = new BigInt64Array(buf, countOffset, vcpus);
  }

  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  private at(v: number, word: number): number {
    return v * WORDS + word;
  }

  enterSlice(v: number): void {
    Atomics.store(this.words, this.at(v, Word.IN_SLICE), 1);
  }

  leaveSlice(v: number, instructions: number): void {
    if (instructions > 0) Atomics.add(this.counts, v, BigInt(instructions));
    Atomics.store(this.words, this.at(v, Word.IN_SLICE), 0);
  }

  inSlice(v: number): boolean {
    return Atomics.load(this.words, this.at(v, Word.IN_SLICE)) !== 0;
  }

  /** Publishes that vCPU `v` is about to wait on its WAKE word while it still holds `wake`. */
  sleep(v: number, kind: number, wake: number): void {
    Atomics.store(this.words, this.at(v, Word.SLEEP_WAKE), wake);
    Atomics.add(this.words, this.at(v, Word.SLEEP_GEN), 1);
    Atomics.store(this.words, this.at(v, Word.SLEEP), kind);
  }

  awake(v: number): void {
    Atomics.store(this.words, this.at(v, Word.SLEEP), SleepKind.AWAKE);
  }

  sleepKind(v: number): number {
    return Atomics.load(this.words, this.at(v, Word.SLEEP));
  }

  /** Instructions run by every vCPU of the domain. */
  get instructions(): number {
    let total = 0n;
    for (let v = 0; v < this.vcpus; v++) total += Atomics.load(this.counts, v);
    return Number(total);
  }

  /**
   * A fingerprint of the domain when every vCPU waits with nothing but a wake to end it
   * (undefined otherwise). Two equal fingerprints taken some time apart mean no vCPU ran in
   * between — any wake changes a WAKE word, any new sleep a SLEEP_GEN — so nothing inside the
   * domain can ever wake it again: it has hung.
   */
  hangFingerprint(shared: DomainSharedState): string | undefined {
    const parts: number[] = [];
    for (let v = 0; v < this.vcpus; v++) {
      if (this.sleepKind(v) !== SleepKind.WAIT) return undefined;
      const wake = shared.load(v, Slot.WAKE);
      if (wake !== Atomics.load(this.words, this.at(v, Word.SLEEP_WAKE))) return undefined;
      parts.push(wake, Atomics.load(this.words, this.at(v, Word.SLEEP_GEN)));
    }
    return parts.join(",");
  }
}
