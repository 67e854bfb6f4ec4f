/**
 * A vCPU worker's synchronous line to the main thread for PV calls that need the domain's
 * hypervisor-side state (event channels, shared info; pv-backend.ts), which lives on the
 * main thread. The worker writes the call into this shared buffer, posts a message so the
 * main thread's event loop looks, and blocks in `Atomics.wait` until the answer is written:
 * the guest's ecall must complete before its next instruction, like any SBI call.
 *
 * Words: STATE (IDLE → CALLED by the worker → ANSWERED by the main thread → IDLE), SEQ (the
 * call's number, so a late answer to an abandoned call is never taken for the next one),
 * VCPU, FID, ERROR; then Float64 arguments a0, a1 and the value.
 */

export const MailboxState = { IDLE: 0, CALLED: 1, ANSWERED: 2 } as const;
const Word = { STATE: 0, SEQ: 1, VCPU: 2, FID: 3, ERROR: 4 } as const;
const WORDS = 8;

export class PvMailbox {
  private readonly words: Int32Array;
  private readonly numbers: Float64Array;

  constructor(buffer?: SharedArrayBuffer) {
    const buf = buffer ?? new SharedArrayBuffer(WORDS * 4 + 3 * 8);
    this.words = new Int32Array(buf, 0, WORDS);
    this.numbers = new Float64Array(buf, WORDS * 4, 3);
  }

  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  /**
   * Worker side: places the call, runs `ring` (which posts the message), and waits for the
   * answer; undefined when none comes within `timeoutMs`.
   */
  call(
    vcpu: number,
    fid: number,
    args: readonly number[],
    ring: () => void,
    timeoutMs: number,
  ): readonly [number, number] | undefined {
    const w = this.words;
    const seq = (Atomics.load(w, Word.SEQ) + 1) | 0;
    Atomics.store(w, Word.SEQ, seq);
    Atomics.store(w, Word.VCPU, vcpu);
    Atomics.store(w, Word.FID, fid);
    this.numbers[0] = args[0] ?? 0;
    this.numbers[1] = args[1] ?? 0;
    Atomics.store(w, Word.STATE, MailboxState.CALLED);
    ring();
    const deadline = performance.now() + timeoutMs;
    while (Atomics.load(w, Word.STATE) === MailboxState.CALLED) {
      const left = deadline - performance.now();
      if (left <= 0) {
        Atomics.store(w, Word.STATE, MailboxState.IDLE);
        return undefined;
      }
      Atomics.wait(w, Word.STATE, MailboxState.CALLED, left);
    }
    const answer = [Atomics.load(w, Word.ERROR), this.numbers[2]!] as const;
    Atomics.store(w, Word.STATE, MailboxState.IDLE);
    return answer;
  }

  /** Main-thread side: answers the waiting call, if there is one, with `serve`. */
  answer(serve: (vcpu: number, fid: number, args: readonly number[]) => readonly [number, number]): void {
    const w = this.words;
    if (Atomics.load(w, Word.STATE) !== MailboxState.CALLED) return;
    const seq = Atomics.load(w, Word.SEQ);
    const [error, value] = serve(Atomics.load(w, Word.VCPU), Atomics.load(w, Word.FID), [
      this.numbers[0]!,
      this.numbers[1]!,
    ]);
    if (Atomics.load(w, Word.SEQ) !== seq) return; // the worker gave up on this call
    Atomics.store(w, Word.ERROR, error);
    this.numbers[2] = value;
    Atomics.store(w, Word.STATE, MailboxState.ANSWERED);
    Atomics.notify(w, Word.STATE);
  }
}
