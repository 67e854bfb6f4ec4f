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
 *   CONTEXT      1 while a vcpu_initialise context waits for vcpu_up
 *   INITIALISED  1 once the vCPU has registers worth resuming (started, or initialised)
 * Domain words: DOMAIN_STATE (DomainRunState), RESET_TYPE, RESET_REASON, SHARED_INFO (the
 * registered shared-info page number + 1; 0 for none).
 * Float64 after the words: TIME_BASE, the host time at which guest time was 0, and
 * SUSPEND_TIME, the guest time at the last PV suspend.
 * Then per vCPU the context of its last vcpu_initialise: VcpuContextWord.WORDS (lo, hi) pairs.
 */
import { VcpuContextWord } from "./pv-numbers.js";
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
  CONTEXT: 13,
  INITIALISED: 14,
} as const;

/** What the host asks of a vCPU's thread. */
export const RunRequest = { RUN: 0, PAUSE: 1, STOP: 2 } as const;

/**
 * How a vCPU leaves START_PENDING: hart_start (fresh, at an address), a resume after an HSM
 * suspend, a PV vcpu_up with a vcpu_initialise context, or a PV vcpu_up that continues
 * with the registers the vCPU kept while it was down.
 */
export const ResumeKind = { START: 0, RESUME: 1, CONTEXT: 2, KEEP: 3 } as const;

/** How a SUSPENDED vCPU sleeps and wakes. */
export const SuspendKind = { RETENTIVE: 0, NON_RETENTIVE: 1, SYSTEM: 2 } as const;

/**
 * A domain runs, is SUSPENDED (vCPU 0 made the PV suspend call: nothing runs until the host
 * resumes it or captures and destroys it), or has ended (every other state, final).
 */
export const DomainRunState = {
  RUNNING: 0,
  SHUTDOWN: 1,
  REBOOT: 2,
  CRASHED: 3,
  DESTROYED: 4,
  SUSPENDED: 5,
} as const;

const DOMAIN_WORDS = 4;
const DomainWord = { STATE: 0, RESET_TYPE: 1, RESET_REASON: 2, SHARED_INFO: 3 } as const;
/** XLEN words in a vcpu_initialise context. */
export const CONTEXT_WORDS = VcpuContextWord.WORDS;

export class DomainSharedState {
  readonly words: Int32Array;
  private readonly float: Float64Array;
  /** vcpu_initialise contexts: CONTEXT_WORDS (lo, hi) pairs per vCPU. */
  readonly contexts: Int32Array;

  constructor(
    readonly vcpus: number,
    buffer?: SharedArrayBuffer,
  ) {
    if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > MAX_VCPUS) {
      throw new RangeError(`a domain has 1 to ${MAX_VCPUS} vCPUs, not ${vcpus}`);
    }
    const intBytes = (DOMAIN_WORDS + vcpus * SLOT_WORDS) * 4;
    const floatOffset = Math.ceil(intBytes / 8) * 8;
    const contextOffset = floatOffset + 16;
    const buf = buffer ?? new SharedArrayBuffer(contextOffset + vcpus * CONTEXT_WORDS * 8);
    this.words = new Int32Array(buf, 0, intBytes / 4);
    this.float = new Float64Array(buf, floatOffset, 2);
    this.contexts = new Int32Array(buf, contextOffset, vcpus * CONTEXT_WORDS * 2);
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

  /**
   * Records the first end of the domain (later ones lose) and wakes every vCPU. A running or
   * suspended domain can end; an ended one stays as it ended.
   */
  end(state: number, resetType = 0, resetReason = 0): boolean {
    for (;;) {
      const now = this.runState;
      if (now !== DomainRunState.RUNNING && now !== DomainRunState.SUSPENDED) return false;
      if (Atomics.compareExchange(this.words, DomainWord.STATE, now, state) === now) break;
    }
    Atomics.store(this.words, DomainWord.RESET_TYPE, resetType);
    Atomics.store(this.words, DomainWord.RESET_REASON, resetReason);
    for (let v = 0; v < this.vcpus; v++) this.wake(v);
    return true;
  }

  /** RUNNING → SUSPENDED (vCPU 0's PV suspend call); false when the domain was not running. */
  suspend(): boolean {
    return (
      Atomics.compareExchange(
        this.words,
        DomainWord.STATE,
        DomainRunState.RUNNING,
        DomainRunState.SUSPENDED,
      ) === DomainRunState.RUNNING
    );
  }

  /** SUSPENDED → RUNNING (a cancelled suspend); wakes every vCPU. False when not suspended. */
  resume(): boolean {
    const was = Atomics.compareExchange(
      this.words,
      DomainWord.STATE,
      DomainRunState.SUSPENDED,
      DomainRunState.RUNNING,
    );
    if (was !== DomainRunState.SUSPENDED) return false;
    for (let v = 0; v < this.vcpus; v++) this.wake(v);
    return true;
  }

  /** The registered shared-info page's address, or -1 before registration. */
  get sharedInfoGpa(): number {
    const w = Atomics.load(this.words, DomainWord.SHARED_INFO);
    return w === 0 ? -1 : (w - 1) * 4096;
  }

  set sharedInfoGpa(gpa: number) {
    Atomics.store(this.words, DomainWord.SHARED_INFO, gpa < 0 ? 0 : gpa / 4096 + 1);
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

  /** Guest time (10 MHz ticks) when vCPU 0 last called the PV suspend. */
  get suspendTime(): number {
    return this.float[1]!;
  }

  set suspendTime(value: number) {
    this.float[1] = value;
  }
}
