/**
 * The state of a domain that every thread running one of its vCPUs must see: per-vCPU HSM
 * state and mailboxes, and the domain's run state. It lives in one SharedArrayBuffer so the
 * same code serves the deterministic runner (one thread) and the parallel runner (a worker
 * per vCPU); every access goes through `Atomics`.
 *
 * Per-vCPU slot (Int32 words):
 *   HSM          HSM state (HartState)            START_*      start/resume address, opaque
 *   IRQ          interrupt bits posted by others  WAKE         bumped to wake a sleeping vCPU
 *   FENCE_REQ    remote fences requested          FENCE_DONE   remote fences performed
 *   EPOCH        dirty-log epoch caught up with   RUN          what the host wants (Run*)
 *   SUSPEND      SuspendKind while SUSPENDED      RESUME_KIND  why START_PENDING was set
 * Domain words: DOMAIN_STATE (DomainRunState), RESET_TYPE, RESET_REASON.
 * Float64 after the words: TIME_BASE, the host time at which guest time was 0.
 */
import { HartState, ResetReason, ResetType } from "./sbi-numbers.js";

export const MAX_VCPUS = 64;

const SLOT_WORDS = 16;
export const Slot = {
  HSM: 0,
  START_ADDR_LO: 1,
  START_ADDR_HI: 2,
  OPAQUE_LO: 3,
  OPAQUE_HI: 4,
  IRQ: 5,
  WAKE: 6,
  FENCE_REQ: 7,
  FENCE_DONE: 8,
  EPOCH: 9,
  RUN: 10,
  SUSPEND: 11,
  RESUME_KIND: 12,
} as const;

/** What the host asks of a vCPU's thread. */
export const RunRequest = { RUN: 0, PAUSE: 1, STOP: 2 } as const;

/** How a vCPU left START_PENDING: hart_start (fresh), or resume after a suspend. */
export const ResumeKind = { START: 0, RESUME: 1 } as const;

/** How a SUSPENDED vCPU sleeps and wakes. */
export const SuspendKind = { RETENTIVE: 0, NON_RETENTIVE: 1, SYSTEM: 2 } as const;

export const DomainRunState = { RUNNING: 0, SHUTDOWN: 1, REBOOT: 2, CRASHED: 3, DESTROYED: 4 } as const;

const DOMAIN_WORDS = 4;
const DomainWord = { STATE: 0, RESET_TYPE: 1, RESET_REASON: 2 } as const;

export class DomainSharedState {
  readonly words: Int32Array;
  private readonly float: Float64Array;

  constructor(
    readonly vcpus: number,
    buffer?: SharedArrayBuffer,
  ) {
    if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > MAX_VCPUS) {
      throw new RangeError(`a domain has 1 to ${MAX_VCPUS} vCPUs, not ${vcpus}`);
    }
    const intBytes = (DOMAIN_WORDS + vcpus * SLOT_WORDS) * 4;
    const floatOffset = Math.ceil(intBytes / 8) * 8;
    const buf = buffer ?? new SharedArrayBuffer(floatOffset + 8);
    this.words = new Int32Array(buf, 0, intBytes / 4);
    this.float = new Float64Array(buf, floatOffset, 1);
    if (buffer === undefined) {
      for (let v = 0; v < vcpus; v++) this.words[this.at(v, Slot.HSM)] = HartState.STOPPED;
    }
  }

  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  /** Index of a slot word of vCPU `v`. */
  at(v: number, field: number): number {
    return DOMAIN_WORDS + v * SLOT_WORDS + field;
  }

  load(v: number, field: number): number {
    return Atomics.load(this.words, this.at(v, field));
  }

  store(v: number, field: number, value: number): void {
    Atomics.store(this.words, this.at(v, field), value);
  }

  compareExchange(v: number, field: number, expected: number, value: number): number {
    return Atomics.compareExchange(this.words, this.at(v, field), expected, value);
  }

  add(v: number, field: number, value: number): number {
    return Atomics.add(this.words, this.at(v, field), value);
  }

  /** Posts interrupt bits (mip masks) to vCPU `v`; its thread moves them into mip. */
  postInterrupt(v: number, mask: number): void {
    Atomics.or(this.words, this.at(v, Slot.IRQ), mask);
  }

  takeInterrupts(v: number): number {
    return Atomics.exchange(this.words, this.at(v, Slot.IRQ), 0);
  }

  /** Bumps vCPU `v`'s wake word and wakes a thread sleeping on it. */
  wake(v: number): void {
    const i = this.at(v, Slot.WAKE);
    Atomics.add(this.words, i, 1);
    Atomics.notify(this.words, i);
  }

  get runState(): number {
    return Atomics.load(this.words, DomainWord.STATE);
  }

  /** Records the first end of the domain (later ones lose) and wakes every vCPU. */
  end(state: number, resetType = 0, resetReason = 0): boolean {
    if (Atomics.compareExchange(this.words, DomainWord.STATE, DomainRunState.RUNNING, state) !== 0)
      return false;
    Atomics.store(this.words, DomainWord.RESET_TYPE, resetType);
    Atomics.store(this.words, DomainWord.RESET_REASON, resetReason);
    for (let v = 0; v < this.vcpus; v++) this.wake(v);
    return true;
  }

  /** Ends the domain as crashed: a hung guest, a broken machine model, a failed vCPU thread. */
  crash(): boolean {
    return this.end(DomainRunState.CRASHED, ResetType.SHUTDOWN, ResetReason.SYSTEM_FAILURE);
  }

  get resetType(): number {
    return Atomics.load(this.words, DomainWord.RESET_TYPE);
  }

  get resetReason(): number {
    return Atomics.load(this.words, DomainWord.RESET_REASON);
  }

  /** Host clock reading (in 10 MHz ticks) at which the domain's guest time was zero. */
  get timeBase(): number {
    return this.float[0]!;
  }

  set timeBase(value: number) {
    this.float[0] = value;
  }
}
