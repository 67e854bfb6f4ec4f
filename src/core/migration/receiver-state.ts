/**
 * The destination's state machine (docs/migration.md has the diagram): every message from
 * the source is legal in some states only, and anything else ends the migration with a
 * clear "protocol error" naming the message and the state. Pure — migrate-in.ts feeds it
 * each message before acting on it, and tells it of its own steps (claimed, ready, aborted).
 *
 * | state          | legal from the source             | then                               |
 * |----------------|-----------------------------------|------------------------------------|
 * | await-hello    | HELLO                             | await-header (VERSION sent)        |
 * | await-header   | IMAGE_HEADER                      | await-config                       |
 * | await-config   | record domain-config              | claiming                           |
 * | claiming       | —                                 | await-round (ACCEPT sent)          |
 * | await-round    | ROUND 0 (or ROUND 0 final)        | precopy (final-memory)             |
 * | precopy        | memory, disk-data; ROUND n+1      | precopy (final-memory)             |
 * | final-memory   | memory, disk-data; a state record; end | final-memory; final-state; await-complete |
 * | final-state    | a state record; end               | final-state; await-complete        |
 * | await-complete | STATE_COMPLETE                    | restoring                          |
 * | restoring      | —                                 | await-commit (READY sent)          |
 * | await-commit   | COMMIT                            | committed (the domain runs here)   |
 * | committed      | — (the source closes)             |                                    |
 * | aborted        | —                                 |                                    |
 *
 * ABORT is legal in every state before committed, and leads to aborted. "A state record" is
 * any record but domain-config, memory, disk-data and end (vcpu, event-channels, …, and an
 * optional record of a type this Ferry does not know). disk-data (a disk's contents, when the
 * source copies its disks) travels with memory: in the rounds, before the state records.
 */
import { MigrationError } from "./migration-error.js";
import { Command, commandName } from "./wire-format.js";

export const ReceiverState = {
  AWAIT_HELLO: "await-hello",
  AWAIT_HEADER: "await-header",
  AWAIT_CONFIG: "await-config",
  CLAIMING: "claiming",
  AWAIT_ROUND: "await-round",
  PRECOPY: "precopy",
  FINAL_MEMORY: "final-memory",
  FINAL_STATE: "final-state",
  AWAIT_COMPLETE: "await-complete",
  RESTORING: "restoring",
  AWAIT_COMMIT: "await-commit",
  COMMITTED: "committed",
  ABORTED: "aborted",
} as const;
export type ReceiverState = (typeof ReceiverState)[keyof typeof ReceiverState];

/** A message from the source, as the machine sees it. */
export type SourceMessage =
  | { readonly kind: "control"; readonly command: number; readonly round?: number; readonly final?: boolean }
  /** `record`: the image record's name ("memory", "vcpu", …), or "optional" for a skipped unknown one. */
  | { readonly kind: "record"; readonly record: string };

/** What each state waits for, for the error message. */
const EXPECTED: Record<ReceiverState, string> = {
  "await-hello": "HELLO",
  "await-header": "IMAGE_HEADER",
  "await-config": "the domain-config record",
  claiming: "nothing",
  "await-round": "ROUND 0",
  precopy: "memory or disk-data records or the next ROUND",
  "final-memory": "memory, disk-data or state records",
  "final-state": "state records or the end record",
  "await-complete": "STATE_COMPLETE",
  restoring: "nothing",
  "await-commit": "COMMIT",
  committed: "nothing",
  aborted: "nothing",
};

export class ReceiverMachine {
  state: ReceiverState = ReceiverState.AWAIT_HELLO;
  /** The number the next ROUND must carry. */
  private nextRound = 0;

  /** Moves on with `m`; throws MigrationError when `m` is not legal in the current state. */
  receive(m: SourceMessage): void {
    const next = this.transition(m);
    if (next === undefined) {
      throw new MigrationError(
        `the source sent ${describe(m)} in state ${this.state} (expected ${EXPECTED[this.state]}): a protocol error`,
      );
    }
    this.state = next;
  }

  /** The domain is claimed and ACCEPT sent. */
  claimed(): void {
    this.step(ReceiverState.CLAIMING, ReceiverState.AWAIT_ROUND);
  }

  /** The domain is restored (not running) and READY sent. */
  ready(): void {
    this.step(ReceiverState.RESTORING, ReceiverState.AWAIT_COMMIT);
  }

  /** The migration failed here, before any commit. */
  abort(): void {
    if (this.state === ReceiverState.COMMITTED) throw new Error("a committed migration cannot abort");
    this.state = ReceiverState.ABORTED;
  }

  private step(from: ReceiverState, to: ReceiverState): void {
    if (this.state !== from) throw new Error(`receiver step ${from} → ${to} taken in state ${this.state}`);
    this.state = to;
  }

  private transition(m: SourceMessage): ReceiverState | undefined {
    const S = ReceiverState;
    const s = this.state;
    if (m.kind === "control" && m.command === Command.ABORT) {
      return s === S.COMMITTED || s === S.ABORTED ? undefined : S.ABORTED;
    }
    if (m.kind === "control") {
      switch (m.command) {
        case Command.HELLO:
          return s === S.AWAIT_HELLO ? S.AWAIT_HEADER : undefined;
        case Command.IMAGE_HEADER:
          return s === S.AWAIT_HEADER ? S.AWAIT_CONFIG : undefined;
        case Command.ROUND:
          if ((s !== S.AWAIT_ROUND && s !== S.PRECOPY) || m.round !== this.nextRound) return undefined;
          this.nextRound++;
          return m.final ? S.FINAL_MEMORY : S.PRECOPY;
        case Command.STATE_COMPLETE:
          return s === S.AWAIT_COMPLETE ? S.RESTORING : undefined;
        case Command.COMMIT:
          return s === S.AWAIT_COMMIT ? S.COMMITTED : undefined;
        default:
          return undefined;
      }
    }
    switch (m.record) {
      case "domain-config":
        return s === S.AWAIT_CONFIG ? S.CLAIMING : undefined;
      case "memory":
      case "disk-data":
        return s === S.PRECOPY || s === S.FINAL_MEMORY ? s : undefined;
      case "end":
        return s === S.FINAL_MEMORY || s === S.FINAL_STATE ? S.AWAIT_COMPLETE : undefined;
      default:
        return s === S.FINAL_MEMORY || s === S.FINAL_STATE ? S.FINAL_STATE : undefined;
    }
  }
}

function describe(m: SourceMessage): string {
  if (m.kind === "record") return m.record === "optional" ? "an optional record" : `a ${m.record} record`;
  if (m.command === Command.ROUND) return `ROUND ${m.round ?? "?"}${m.final ? " (final)" : ""}`;
  return commandName(m.command);
}
