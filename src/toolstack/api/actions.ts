/**
 * The toolstack's action vocabulary: every operation the daemon offers, with its HTTP method
 * and path, its request body and its response. The daemon's router, the CLI's client and the
 * OpenAPI description are all driven by this one table.
 *
 * Paths are templates; `{name}` is a domain name. Actions marked `stream` answer with NDJSON:
 * zero or more `{"progress": …}` lines, then one `{"result": …}` or `{"error": …}` line
 * (errors found before the work starts come back as a plain JSON error with its status).
 * The console is not an action: it is a byte stream (GET …/console, text/plain, chunked).
 */
import { z } from "zod";
import {
  ConsoleInput,
  DomainConfig,
  DomainSummary,
  HostInfo,
  MigrateRequest,
  MigrateResult,
  RestoreRequest,
  RestoreResult,
  SaveRequest,
  SaveResult,
  ShutdownRequest,
  VcpuInfo,
  VcpuSetRequest,
} from "./schemas.js";

export interface Action {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  readonly path: string;
  readonly summary: string;
  readonly body: z.ZodType | null;
  readonly response: z.ZodType;
  readonly stream?: boolean;
}

const Empty = z.object({});

export const actions = {
  hostInfo: {
    method: "GET",
    path: "/v1/host",
    summary: "The host: Ferry version, cores, memory, domains",
    body: null,
    response: HostInfo,
  },
  listDomains: {
    method: "GET",
    path: "/v1/domains",
    summary: "Every domain on this host",
    body: null,
    response: z.array(DomainSummary),
  },
  createDomain: {
    method: "POST",
    path: "/v1/domains",
    summary: "Create and boot a domain",
    body: DomainConfig,
    response: DomainSummary,
  },
  domainInfo: {
    method: "GET",
    path: "/v1/domains/{name}",
    summary: "One domain",
    body: null,
    response: DomainSummary,
  },
  pause: {
    method: "POST",
    path: "/v1/domains/{name}/pause",
    summary: "Stop every vCPU of a domain",
    body: null,
    response: DomainSummary,
  },
  unpause: {
    method: "POST",
    path: "/v1/domains/{name}/unpause",
    summary: "Let a paused domain run",
    body: null,
    response: DomainSummary,
  },
  shutdown: {
    method: "POST",
    path: "/v1/domains/{name}/shutdown",
    summary: "Ask the guest to power off (control/shutdown = poweroff)",
    body: ShutdownRequest,
    response: DomainSummary,
  },
  destroy: {
    method: "DELETE",
    path: "/v1/domains/{name}",
    summary: "End a domain at once and forget it",
    body: null,
    response: Empty,
  },
  vcpuList: {
    method: "GET",
    path: "/v1/domains/{name}/vcpus",
    summary: "The vCPUs of a domain",
    body: null,
    response: z.array(VcpuInfo),
  },
  vcpuSet: {
    method: "PUT",
    path: "/v1/domains/{name}/vcpus",
    summary: "Set how many vCPUs are online (the rest are powered off through the store)",
    body: VcpuSetRequest,
    response: z.array(VcpuInfo),
  },
  save: {
    method: "POST",
    path: "/v1/domains/{name}/save",
    summary: "Save a domain to an image file on the daemon's host",
    body: SaveRequest,
    response: SaveResult,
    stream: true,
  },
  restore: {
    method: "POST",
    path: "/v1/restore",
    summary: "Restore a domain from an image file on the daemon's host",
    body: RestoreRequest,
    response: RestoreResult,
    stream: true,
  },
  migrate: {
    method: "POST",
    path: "/v1/domains/{name}/migrate",
    summary: "Move a domain to another ferryd over TCP (live: pre-copy while it runs)",
    body: MigrateRequest,
    response: MigrateResult,
    stream: true,
  },
  consoleInput: {
    method: "POST",
    path: "/v1/domains/{name}/console",
    summary: "Type into a domain's console",
    body: ConsoleInput,
    response: Empty,
  },
} as const satisfies Record<string, Action>;

export type ActionName = keyof typeof actions;
export type RequestOf<A extends ActionName> = (typeof actions)[A]["body"] extends z.ZodType
  ? z.input<(typeof actions)[A]["body"]>
  : undefined;
export type ResponseOf<A extends ActionName> = z.infer<(typeof actions)[A]["response"]>;

/** The console byte stream (not an action: text/plain, chunked, until the client leaves). */
export const CONSOLE_PATH = "/v1/domains/{name}/console";

/** Fills `{name}` in a path template. */
export function actionPath(template: string, name?: string): string {
  return name === undefined ? template : template.replace("{name}", encodeURIComponent(name));
}

/** Matches a request path against a template; the domain name, "" when it has none, or null. */
export function matchPath(template: string, path: string): string | null {
  const [before, after] = template.split("{name}");
  if (after === undefined) return path === template ? "" : null;
  if (!path.startsWith(before!) || !path.endsWith(after) || path.length <= before!.length + after.length)
    return null;
  const name = path.slice(before!.length, path.length - after.length);
  if (name.includes("/")) return null;
  try {
    return decodeURIComponent(name);
  } catch {
    return null;
  }
}
