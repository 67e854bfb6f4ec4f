/**
 * The shapes that cross the toolstack's API, as zod schemas: the domain configuration (xl.cfg
 * key names), what the daemon reports about domains, vCPUs and the host, the progress events
 * of long operations and the error body. The daemon validates every request with these, the
 * CLI every response, and docs/openapi.json is generated from them (openapi.ts) — one source,
 * so the three cannot drift.
 */
import { z } from "zod";
import { DiskSpecError, MAX_DISKS, parseDiskList, parseDiskSpec } from "../config/disk-spec.js";

/** Domain names: what `ferry` verbs take as NAME; no slashes or spaces, so they fit a URL path. */
export const DomainName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "a name is 1-64 letters, digits, '_', '.' or '-'");

/** The most vCPUs a domain can have (the reference guest's NCPU). */
export const MAX_VCPUS = 64;

/**
 * A domain's configuration with xl.cfg's key names: `memory` in MiB, `cmdline` for the
 * kernel command line, `maxvcpus` for the vCPUs the domain has and `vcpus` for those online
 * at boot (the rest start powered off, and `vcpu-set` brings them up). `disk` lists the virtual
 * disks in xl's disk syntax (config/disk-spec.ts, docs/block-device.md): they stay strings
 * here, as the user wrote them, and whoever opens them parses them again; the schema only
 * refuses a list the parser refuses, with the parser's message.
 */
export const DomainConfig = z
  .strictObject({
    name: DomainName,
    vcpus: z.int().min(1).max(MAX_VCPUS),
    maxvcpus: z.int().min(1).max(MAX_VCPUS).optional(),
    memory: z.int().min(4).max(2048).describe("MiB"),
    kernel: z.string().min(1).describe("path of the kernel ELF, on the daemon's host"),
    cmdline: z.string().max(1024).optional(),
    disk: z
      .array(z.string())
      .max(MAX_DISKS)
      .superRefine(checkDisks)
      .describe('xl disk specifications, e.g. "/srv/a.img,raw,xvda,rw"')
      .optional(),
    on_poweroff: z.enum(["destroy", "preserve"]).optional(),
  })
  .refine((c) => c.maxvcpus === undefined || c.maxvcpus >= c.vcpus, {
    message: "maxvcpus must be at least vcpus",
    path: ["maxvcpus"],
  });
export type DomainConfig = z.infer<typeof DomainConfig>;

/**
 * Refuses what parseDiskList() refuses, with its message: each bad specification at its own
 * index (every one, as other keys' problems are all listed), then clashes between good ones
 * on the list. Too long a list is left to `.max`, which says so already.
 */
function checkDisks(specs: string[], ctx: z.RefinementCtx): void {
  const refuse = (e: unknown, path: number[]): void => {
    if (!(e instanceof DiskSpecError)) throw e;
    ctx.addIssue({ code: "custom", message: e.message, path });
  };
  let allParse = true;
  specs.forEach((spec, i) => {
    try {
      parseDiskSpec(spec);
    } catch (e) {
      refuse(e, [i]);
      allParse = false;
    }
  });
  if (!allParse || specs.length > MAX_DISKS) return;
  try {
    parseDiskList(specs);
  } catch (e) {
    refuse(e, []);
  }
}

export const DomainState = z.enum(["running", "paused", "suspended", "shutdown", "crashed"]);
export type DomainState = z.infer<typeof DomainState>;

export const DomainSummary = z.object({
  id: z.int(),
  name: DomainName,
  state: DomainState,
  /** vCPUs the domain has (maxvcpus). */
  vcpus: z.int(),
  /** vCPUs the toolstack asked to be online (vcpus, then vcpu-set). */
  online: z.int(),
  memory: z.int().describe("MiB"),
  xlen: z.union([z.literal(32), z.literal(64)]),
  /** Seconds since the domain was created or restored. */
  uptime: z.number(),
  /** Guest instructions executed so far on this host. */
  instructions: z.number(),
  /** The operation under way (save, shutdown, …), if any. */
  busy: z.string().nullable(),
});
export type DomainSummary = z.infer<typeof DomainSummary>;

export const VcpuInfo = z.object({
  vcpu: z.int(),
  /** SBI HSM state of the vCPU. */
  state: z.enum(["started", "stopped", "start-pending", "stop-pending", "suspended", "unknown"]),
  /** What the toolstack asked for in the store (cpu/N/availability). */
  availability: z.enum(["online", "offline"]),
});
export type VcpuInfo = z.infer<typeof VcpuInfo>;

export const HostInfo = z.object({
  ferry: z.string(),
  node: z.string(),
  hostname: z.string(),
  cores: z.int(),
  memoryTotal: z.number().describe("bytes"),
  memoryFree: z.number().describe("bytes"),
  api: z.string(),
  migration: z.string(),
  imageFormatVersion: z.int(),
  domains: z.int(),
  domainMemory: z.number().describe("MiB given to domains"),
  uptime: z.number(),
});
export type HostInfo = z.infer<typeof HostInfo>;

export const SaveRequest = z.strictObject({
  file: z.string().min(1).describe("path on the daemon's host"),
  /** Keep the domain running after the save (xl save -c). */
  checkpoint: z.boolean().optional(),
  /** Milliseconds the guest has to acknowledge and to suspend (default 60 000). */
  timeoutMs: z.int().min(1).max(3_600_000).optional(),
});
export type SaveRequest = z.infer<typeof SaveRequest>;

export const SaveResult = z.object({
  name: DomainName,
  file: z.string(),
  mode: z.enum(["cooperative", "transparent"]),
  bytes: z.number(),
  pages: z.number().describe("non-zero pages written"),
  suspendMs: z.number(),
  writeMs: z.number(),
  /** The domain after the save: gone, or running on (checkpoint). */
  domain: z.enum(["destroyed", "running"]),
});
export type SaveResult = z.infer<typeof SaveResult>;

export const RestoreRequest = z.strictObject({
  file: z.string().min(1),
  /** A new name; the saved one by default. */
  name: DomainName.optional(),
  /** Leave the restored domain paused. */
  paused: z.boolean().optional(),
});
export type RestoreRequest = z.infer<typeof RestoreRequest>;

export const RestoreResult = z.object({
  domain: DomainSummary,
  file: z.string(),
  bytes: z.number(),
  readMs: z.number(),
});
export type RestoreResult = z.infer<typeof RestoreResult>;

export const VcpuSetRequest = z.strictObject({ online: z.int().min(1).max(MAX_VCPUS) });
export const ShutdownRequest = z.strictObject({
  /** Wait until the domain has powered off (or the timeout passes). */
  wait: z.boolean().optional(),
  timeoutMs: z.int().min(1).max(3_600_000).optional(),
});
export const ConsoleInput = z.strictObject({ data: z.string().max(65_536) });

export const MigrateRequest = z.strictObject({
  /** The destination ferryd's migration address, HOST[:PORT] (port 7781 by default). */
  target: z.string().min(1),
  /** Pre-copy while the domain runs (default: suspend first, then send). */
  live: z.boolean().optional(),
  /** Live: the pause the final round may take, in ms (default 50). */
  downtimeMs: z.int().min(1).max(60_000).optional(),
  /** Live: the most pre-copy rounds before the final one. */
  maxRounds: z.int().min(1).max(1000).optional(),
  /** Milliseconds the guest has to acknowledge and to suspend (default 60 000). */
  timeoutMs: z.int().min(1).max(3_600_000).optional(),
  /** Copy the disks' contents too (the destination does not share the storage). */
  copyDisks: z.boolean().optional(),
});
export type MigrateRequest = z.infer<typeof MigrateRequest>;

export const MigrationRound = z.object({
  round: z.int(),
  pages: z.number(),
  bytes: z.number(),
  ms: z.number(),
  /** Pages the guest dirtied while the round was sent. */
  dirtyPages: z.number(),
  dirtyPagesPerSecond: z.number(),
  bandwidthBytesPerSecond: z.number(),
  /** The final round, sent with the guest stopped. */
  final: z.boolean(),
});
export type MigrationRound = z.infer<typeof MigrationRound>;

export const MigrateResult = z.object({
  name: DomainName,
  target: z.string(),
  live: z.boolean(),
  mode: z.enum(["cooperative", "transparent"]),
  rounds: z.array(MigrationRound),
  /** Why pre-copy ended: not live, converged, the round limit, or rounds stopped shrinking. */
  finalReason: z.enum(["not-live", "converged", "round-limit", "not-shrinking"]),
  totalMs: z.number(),
  /** From the guest's suspend to its resume on the destination. */
  downtimeMs: z.number(),
  bytes: z.number(),
  pagesSent: z.number(),
  pagesSkipped: z.number(),
});
export type MigrateResult = z.infer<typeof MigrateResult>;

/** One line of a long operation's NDJSON response: progress, then a result or an error. */
export const Progress = z.object({
  phase: z.enum(["suspend", "write", "read", "resume", "handshake", "send", "round", "final", "commit"]),
  /** Migration: the pre-copy round just finished. */
  round: MigrationRound.optional(),
  /** Migration, phase "send": the round being sent (`fraction` is how far it got). */
  sending: z.object({ round: z.int(), final: z.boolean() }).optional(),
  /** Bytes written or read so far. */
  bytes: z.number(),
  /** How much of the work is done, 0 to 1, when that is known. */
  fraction: z.number().min(0).max(1).nullable(),
});
export type Progress = z.infer<typeof Progress>;

export const ErrorCode = z.enum(["bad-request", "no-such-domain", "conflict", "busy", "failed", "internal"]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({ error: z.object({ code: ErrorCode, message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Formats zod issues on `input` as one line: "memory: too big …; unknown key \"foo\"". */
export function describeIssues(error: z.ZodError, input: unknown): string {
  const absent = (path: readonly PropertyKey[]): boolean => {
    let at: unknown = input;
    for (const key of path) {
      if (typeof at !== "object" || at === null || !Object.hasOwn(at, key)) return true;
      at = (at as Record<PropertyKey, unknown>)[key];
    }
    return false;
  };
  return error.issues
    .map((i) => {
      if (i.code === "unrecognized_keys") return i.keys.map((k) => `unknown key "${k}"`).join("; ");
      const at = i.path.join(".");
      if (i.code === "invalid_type" && absent(i.path)) return `missing key "${at}"`;
      return at ? `${at}: ${i.message}` : i.message;
    })
    .join("; ");
}
