/**
 * Migration of a running domain between two hosts (DESIGN.md §5, docs/migration.md): the
 * module's public surface. A host supplies the ByteChannel (TCP on Node); the source calls
 * `migrateOut`, the destination `migrateIn`, each on its own DomainRunner.
 *
 *   source (migrate-out.ts)                       destination (migrate-in.ts, receiver-state.ts)
 *     magic, HELLO(oldest, newest)  ------------->
 *                                   <-------------  magic, VERSION(v) | REFUSE(reason)
 *     IMAGE_HEADER, domain-config   ------------->  claim(name)
 *                                   <-------------  ACCEPT | REFUSE(reason)
 *     live: ROUND(0), memory…, ROUND(1), memory…    (the guest runs; dirty pages resent)
 *     [suspend the guest]
 *     ROUND(k, final), memory…, state records,
 *     end, STATE_COMPLETE(bytes)    ------------->  restore every record, add it *paused*
 *                                   <-------------  READY
 *     COMMIT                        ------------->  unpause: the domain runs here
 *                                   <-------------  RESUMED
 *     close; the caller releases its suspended copy
 *
 * ABORT(reason) goes either way before COMMIT: the source resumes its guest in place
 * (suspend returns 1), the destination discards its copy. Between COMMIT and RESUMED the
 * source is in doubt and keeps its copy suspended (MigrationError.inDoubt).
 */
export { type ByteChannel, channelPair } from "./byte-channel.js";
export { type IncomingDomain, type MigrateInOptions, migrateIn } from "./migrate-in.js";
export { type MigrateOutOptions, migrateOut } from "./migrate-out.js";
export { MigrationError } from "./migration-error.js";
export type { FinalReason, MigrationProgress, MigrationReport, RoundReport } from "./migration-report.js";
export { PROTOCOL_VERSION } from "./wire-format.js";
