/**
 * When live migration stops pre-copying and suspends the guest for the final round
 * (DESIGN.md §5). After each pre-copy round the source harvests the pages dirtied meanwhile
 * — what the next round would have to send — and asks `afterRound`:
 *
 * 1. converged: nothing is dirty, or sending what is dirty at the bandwidth measured so far,
 *    plus the round trips the end of a migration costs, fits the downtime target;
 * 2. round-limit: `maxRounds` pre-copy rounds are done;
 * 3. not-shrinking: this dirty set is no smaller than the one the round just sent (from the
 *    second round on: the first round sends all memory) — the guest dirties pages as fast as
 *    they are sent, and more rounds would only cost bandwidth.
 *
 * Otherwise another round. The checks run in that order, so a report says the most useful
 * reason. Pure: the sender measures, this decides.
 */
import { PAGE_SIZE } from "../memory/page.js";
import type { FinalReason } from "./migration-report.js";

/** Bytes a page costs on the wire: its data and its page number. */
export const WIRE_BYTES_PER_PAGE = PAGE_SIZE + 4;

export interface RoundOutcome {
  /** The round just sent, from 0. */
  readonly round: number;
  /** Pages that round had to consider (all memory for round 0, its dirty set after). */
  readonly candidates: number;
  /** Pages dirtied while it was sent: what the next round would send. */
  readonly dirty: number;
  /** Bytes per millisecond measured over the pre-copy so far. */
  readonly bytesPerMs: number;
}

export interface PrecopyLimits {
  readonly downtimeMs: number;
  readonly maxRounds: number;
  /** Time the end of a migration costs beyond sending memory (round trips), in ms. */
  readonly overheadMs: number;
}

export type Decision =
  | { readonly final: false; readonly estimatedMs: number }
  | { readonly final: true; readonly reason: Exclude<FinalReason, "not-live">; readonly estimatedMs: number };

/** Whether to send another pre-copy round, or suspend and send the final one. */
export function afterRound(r: RoundOutcome, limits: PrecopyLimits): Decision {
  const sendMs = r.bytesPerMs > 0 ? (r.dirty * WIRE_BYTES_PER_PAGE) / r.bytesPerMs : Number.POSITIVE_INFINITY;
  const estimatedMs = r.dirty === 0 ? limits.overheadMs : sendMs + limits.overheadMs;
  if (r.dirty === 0 || estimatedMs <= limits.downtimeMs)
    return { final: true, reason: "converged", estimatedMs };
  if (r.round + 1 >= limits.maxRounds) return { final: true, reason: "round-limit", estimatedMs };
  if (r.round >= 1 && r.dirty >= r.candidates) return { final: true, reason: "not-shrinking", estimatedMs };
  return { final: false, estimatedMs };
}
