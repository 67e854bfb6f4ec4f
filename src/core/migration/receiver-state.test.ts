/**
 * The destination's state machine (receiver-state.ts): the message sequences of a non-live
 * and a live migration are legal; every message out of place is a protocol error naming it
 * and the state; ABORT is legal until the commit and nothing after.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MigrationError } from "./migration-error.js";
import { ReceiverMachine, ReceiverState, type SourceMessage } from "./receiver-state.js";
import { Command } from "./wire-format.js";

const control = (command: number, round?: number, final?: boolean): SourceMessage =>
  round === undefined
    ? { kind: "control", command }
    : { kind: "control", command, round, final: final ?? false };
const record = (name: string): SourceMessage => ({ kind: "record", record: name });

/** Drives a machine to the state after `steps` (messages, or the receiver's own steps). */
function run(steps: readonly (SourceMessage | "claimed" | "ready")[]): ReceiverMachine {
  const m = new ReceiverMachine();
  for (const s of steps) {
    if (s === "claimed") m.claimed();
    else if (s === "ready") m.ready();
    else m.receive(s);
  }
  return m;
}

const handshake = [
  control(Command.HELLO),
  control(Command.IMAGE_HEADER),
  record("domain-config"),
  "claimed",
] as const;
const state = [record("vcpu"), record("event-channels"), record("optional"), record("store"), record("end")];

test("ReceiverMachine accepts a non-live and a live migration's messages, in order", () => {
  const nonLive = run([
    ...handshake,
    control(Command.ROUND, 0, true),
    record("memory"),
    record("memory"),
    ...state,
    control(Command.STATE_COMPLETE),
    "ready",
    control(Command.COMMIT),
  ]);
  assert.equal(nonLive.state, ReceiverState.COMMITTED);
  const live = run([
    ...handshake,
    control(Command.ROUND, 0),
    record("memory"),
    control(Command.ROUND, 1),
    control(Command.ROUND, 2),
    record("memory"),
    control(Command.ROUND, 3, true),
    ...state,
    control(Command.STATE_COMPLETE),
    "ready",
    control(Command.COMMIT),
  ]);
  assert.equal(live.state, ReceiverState.COMMITTED);
});

test("ReceiverMachine refuses every message out of place, naming it and the state", () => {
  const refused: [readonly (SourceMessage | "claimed" | "ready")[], SourceMessage, RegExp][] = [
    [[], control(Command.COMMIT), /sent COMMIT in state await-hello \(expected HELLO\)/],
    [[], record("memory"), /sent a memory record in state await-hello/],
    [[control(Command.HELLO)], control(Command.HELLO), /sent HELLO in state await-header/],
    [
      [control(Command.HELLO), control(Command.IMAGE_HEADER)],
      record("vcpu"),
      /a vcpu record in state await-config/,
    ],
    [handshake, record("memory"), /a memory record in state await-round \(expected ROUND 0\)/],
    [handshake, control(Command.ROUND, 1), /ROUND 1 in state await-round/],
    [[...handshake, control(Command.ROUND, 0)], control(Command.ROUND, 2), /ROUND 2 in state precopy/],
    [[...handshake, control(Command.ROUND, 0)], record("vcpu"), /a vcpu record in state precopy/],
    [[...handshake, control(Command.ROUND, 0)], record("end"), /an? end record in state precopy/],
    [
      [...handshake, control(Command.ROUND, 0, true)],
      control(Command.STATE_COMPLETE),
      /STATE_COMPLETE in state final-memory/,
    ],
    [
      [...handshake, control(Command.ROUND, 0, true), record("vcpu")],
      record("memory"),
      /memory record in state final-state/,
    ],
    [
      [...handshake, control(Command.ROUND, 0, true), record("end")],
      record("memory"),
      /in state await-complete/,
    ],
    [
      [...handshake, control(Command.ROUND, 0, true), record("end"), control(Command.STATE_COMPLETE)],
      control(Command.COMMIT),
      /COMMIT in state restoring/,
    ],
  ];
  for (const [before, message, error] of refused) {
    const m = run(before);
    assert.throws(
      () => m.receive(message),
      (e: unknown) =>
        e instanceof MigrationError && error.test(e.message) && /a protocol error$/.test(e.message),
      error.source,
    );
  }
});

test("ReceiverMachine takes ABORT in every state before the commit, and nothing after it", () => {
  const paths = [
    [],
    handshake,
    [...handshake, control(Command.ROUND, 0)],
    [...handshake, control(Command.ROUND, 0, true), ...state, control(Command.STATE_COMPLETE), "ready"],
  ] as const;
  for (const before of paths) {
    const m = run(before);
    m.receive(control(Command.ABORT));
    assert.equal(m.state, ReceiverState.ABORTED);
    assert.throws(() => m.receive(control(Command.ABORT)), /in state aborted/);
  }
  const committed = run([
    ...handshake,
    control(Command.ROUND, 0, true),
    ...state,
    control(Command.STATE_COMPLETE),
    "ready",
    control(Command.COMMIT),
  ]);
  assert.throws(() => committed.receive(control(Command.ABORT)), /ABORT in state committed/);
  assert.throws(() => committed.abort(), /committed/);
});
