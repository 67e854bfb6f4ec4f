/**
 * What a migration reports: per pre-copy round while it runs (`onProgress`), and in total
 * when it has committed (`MigrationReport`). The toolstack shows both (API, CLI).
 */

/** One round of memory sent: a pre-copy round while the guest ran, or the final round. */
export interface RoundReport {
  /** From 0; the final round has the next number after the last pre-copy round. */
  round: number;
  /** Pages sent in the round. */
  pages: number;
  /** Bytes the round put on the wire (framing included). */
  bytes: number;
  /** How long the round took to send. */
  ms: number;
  /**
   * Pages the guest dirtied while the round was sent — the next round's candidates (0 for
   * the final round: the guest is stopped).
   */
  dirtyPages: number;
  /** `dirtyPages` per second of the round. */
  dirtyPagesPerSecond: number;
  /** Bytes per second the round achieved. */
  bandwidthBytesPerSecond: number;
  /** True for the final round, sent with the guest stopped. */
  final: boolean;
}

/** Why pre-copy stopped and the final round began. */
export type FinalReason =
  /** Not live: there was no pre-copy. */
  | "not-live"
  /** What was left fitted the downtime target at the bandwidth measured so far. */
  | "converged"
  /** The round limit (`maxRounds`) was reached. */
  | "round-limit"
  /** A round left no fewer dirty pages than the one before: the guest dirties as fast as we send. */
  | "not-shrinking";

export interface MigrationReport {
  live: boolean;
  mode: "cooperative" | "transparent";
  /** Every round, pre-copy rounds first, the final round last. */
  rounds: RoundReport[];
  /** Why pre-copy ended. */
  finalReason: FinalReason;
  /** From the handshake to the destination's "resumed". */
  totalMs: number;
  /** From the guest's suspend (or pause) to the destination's "resumed". */
  downtimeMs: number;
  /** Bytes sent to the destination. */
  bytes: number;
  /** Memory pages sent (a page sent in two rounds counts twice). */
  pagesSent: number;
  /**
   * Dirty pages not sent because the destination already held the same contents (by hash),
   * zero pages it never received included. Zero pages of the first round are not counted:
   * they are never candidates.
   */
  pagesSkipped: number;
}

export type MigrationProgress = {
  phase: "handshake" | "send" | "round" | "suspend" | "final" | "commit";
  /** With "round" (each pre-copy round) and "final" (the final round), on the source. */
  round?: RoundReport;
  /**
   * With "send" (the source, at most every SEND_PROGRESS_MS while a round is sent): the round
   * and the part of its candidate pages handled so far, 0 to 1.
   */
  sending?: { round: number; final: boolean; fraction: number };
  /** Bytes sent (source) or received (destination) so far. */
  bytes: number;
};
