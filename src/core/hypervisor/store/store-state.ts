/**
 * The persisted form of one domain's store subtree (`/local/domain/<id>` and below), for save,
 * restore and migration (DESIGN §5: the store contents of the domain travel as a record of
 * their own). It is a plain, structured-clonable value with named fields; `parseDomainState`
 * is the only way back in and checks everything, because the state may come from a file or a
 * network peer.
 *
 * Invariants of a valid state: `nodes[0]` is the home node (path ""), every other path is a
 * valid relative path whose parent comes earlier in the list, no path appears twice, every
 * value is a Uint8Array of at most VALUE_MAX bytes, every permission is well formed.
 */
import { StoreError } from "./store-error.js";
import { checkDomid, parentPath, resolvePath } from "./store-path.js";
import { makePerms, type StoreAccess, type StorePerms } from "./store-permissions.js";
import { VALUE_MAX } from "./store-quota.js";

export const STORE_STATE_VERSION = 1;

export interface StorePermsState {
  owner: number;
  access: StoreAccess;
  acl: { domid: number; access: StoreAccess }[];
}

export interface StoreNodeState {
  /** Relative to the domain's home; "" is the home node itself. */
  path: string;
  value: Uint8Array;
  perms: StorePermsState;
}

export interface StoreDomainState {
  version: number;
  /** The domain the state was taken from; ids equal to it are remapped on import. */
  domid: number;
  nodes: StoreNodeState[];
}

export function permsToState(perms: StorePerms): StorePermsState {
  return {
    owner: perms.owner,
    access: perms.access,
    acl: perms.acl.map((e) => ({ domid: e.domid, access: e.access })),
  };
}

function fail(message: string): never {
  throw new StoreError("EINVAL", `bad store state: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks an untrusted value and returns it as a valid state (fresh copies, nothing shared). */
export function parseDomainState(state: unknown): StoreDomainState {
  if (!isRecord(state)) fail("not an object");
  if (state.version !== STORE_STATE_VERSION) fail(`unsupported version ${String(state.version)}`);
  const domid = state.domid;
  if (typeof domid !== "number") fail("domid missing");
  try {
    checkDomid(domid);
  } catch (cause) {
    throw new StoreError("EINVAL", `bad store state: domid ${domid}`, { cause });
  }
  if (!Array.isArray(state.nodes) || state.nodes.length === 0) fail("nodes must be a non-empty array");
  // Paths are checked as if relative to a domain home; the domid used does not matter.
  const home = resolvePath(domid, "a").slice(0, -2);
  const seen = new Set<string>();
  const nodes: StoreNodeState[] = [];
  for (const [i, raw] of (state.nodes as unknown[]).entries()) {
    if (!isRecord(raw)) fail(`node ${i} is not an object`);
    const { path, value, perms } = raw;
    if (typeof path !== "string") fail(`node ${i} has no path`);
    if (i === 0 ? path !== "" : path === "") fail("the home node must come first, and only once");
    let absolute = home;
    if (path !== "") {
      try {
        absolute = resolvePath(domid, path);
      } catch (cause) {
        throw new StoreError("EINVAL", `bad store state: node path ${JSON.stringify(path)}`, { cause });
      }
      if (path.startsWith("/")) fail(`node path ${JSON.stringify(path)} is absolute`);
      if (!seen.has(parentPath(absolute))) fail(`node ${JSON.stringify(path)} comes before its parent`);
    }
    if (seen.has(absolute)) fail(`node ${JSON.stringify(path)} appears twice`);
    seen.add(absolute);
    if (!(value instanceof Uint8Array)) fail(`node ${JSON.stringify(path)} value is not bytes`);
    if (value.length > VALUE_MAX) fail(`node ${JSON.stringify(path)} value is too large`);
    let checked: StorePerms;
    try {
      checked = makePerms(perms as StorePerms);
    } catch (cause) {
      throw new StoreError("EINVAL", `bad store state: node ${JSON.stringify(path)} permissions`, { cause });
    }
    nodes.push({ path, value: value.slice(), perms: permsToState(checked) });
  }
  return { version: STORE_STATE_VERSION, domid, nodes };
}
