/**
 * Per-node permissions, as in xenstore (docs/misc/xenstore.txt, "Permissions"): an owner
 * domain, a default access for every other domain, and per-domain entries that override the
 * default. Resolution order: domain 0 (the toolstack) may do anything; the owner may do
 * anything; a domain with an entry gets that entry; everyone else gets the default.
 *
 * Invariant: a `StorePerms` is immutable once built (nodes share them freely), and its ACL
 * holds each domain at most once and never the owner.
 */
import { StoreError } from "./store-error.js";
import { checkDomid } from "./store-path.js";

export type StoreAccess = "none" | "read" | "write" | "both";

export interface StoreAclEntry {
  readonly domid: number;
  readonly access: StoreAccess;
}

export interface StorePerms {
  readonly owner: number;
  /** What domains that are neither the owner nor listed in `acl` may do. */
  readonly access: StoreAccess;
  readonly acl: readonly StoreAclEntry[];
}

const ACCESSES: readonly StoreAccess[] = ["none", "read", "write", "both"];
/** xenstore's wire letters for each access ("n0", "r5", ...). */
const LETTERS: Record<StoreAccess, string> = { none: "n", read: "r", write: "w", both: "b" };

export function isStoreAccess(value: unknown): value is StoreAccess {
  return typeof value === "string" && (ACCESSES as readonly string[]).includes(value);
}

/** Validates and freezes caller-supplied permissions; throws EINVAL on a bad shape. */
export function makePerms(perms: StorePerms): StorePerms {
  if (typeof perms !== "object" || perms === null) throw new StoreError("EINVAL", "permissions expected");
  checkDomid(perms.owner);
  if (!isStoreAccess(perms.access)) throw new StoreError("EINVAL", `bad access ${String(perms.access)}`);
  if (!Array.isArray(perms.acl)) throw new StoreError("EINVAL", "permission acl must be an array");
  const seen = new Set<number>();
  const acl: StoreAclEntry[] = [];
  for (const entry of perms.acl as readonly unknown[]) {
    if (typeof entry !== "object" || entry === null) throw new StoreError("EINVAL", "bad acl entry");
    const { domid, access } = entry as Record<string, unknown>;
    if (typeof domid !== "number") throw new StoreError("EINVAL", "acl entry needs a domid");
    checkDomid(domid);
    if (!isStoreAccess(access)) throw new StoreError("EINVAL", `bad access ${String(access)}`);
    if (domid === perms.owner || seen.has(domid)) {
      throw new StoreError("EINVAL", `domain ${domid} appears twice in permissions`);
    }
    seen.add(domid);
    acl.push(Object.freeze({ domid, access }));
  }
  return Object.freeze({ owner: perms.owner, access: perms.access, acl: Object.freeze(acl) });
}

function accessOf(domid: number, perms: StorePerms): StoreAccess {
  if (domid === 0 || domid === perms.owner) return "both";
  return perms.acl.find((e) => e.domid === domid)?.access ?? perms.access;
}

export function canRead(domid: number, perms: StorePerms): boolean {
  const a = accessOf(domid, perms);
  return a === "read" || a === "both";
}

export function canWrite(domid: number, perms: StorePerms): boolean {
  const a = accessOf(domid, perms);
  return a === "write" || a === "both";
}

/** Permissions of a node created by `creator` under a parent with `parent` permissions. */
export function inheritPerms(parent: StorePerms, creator: number): StorePerms {
  // A guest becomes owner of what it creates (so quotas charge it). The toolstack keeps the
  // inherited owner: when it writes `/local/domain/5/control/shutdown` the key must stay
  // domain 5's, or the guest could not acknowledge it.
  if (creator === 0 || creator === parent.owner) return parent;
  return makePerms({
    owner: creator,
    access: parent.access,
    acl: parent.acl.filter((e) => e.domid !== creator),
  });
}

/** xenstore's wire form: first the owner with the default access, then the ACL. */
export function formatPerms(perms: StorePerms): string[] {
  return [
    `${LETTERS[perms.access]}${perms.owner}`,
    ...perms.acl.map((e) => `${LETTERS[e.access]}${e.domid}`),
  ];
}

export function parsePerms(items: readonly string[]): StorePerms {
  const parsed = items.map((item) => {
    const letter = item.slice(0, 1);
    const access = ACCESSES.find((a) => LETTERS[a] === letter);
    const digits = item.slice(1);
    if (access === undefined || !/^[0-9]+$/.test(digits)) {
      throw new StoreError("EINVAL", `bad permission ${JSON.stringify(item)}`);
    }
    return { domid: Number(digits), access };
  });
  const [first, ...rest] = parsed;
  if (first === undefined) throw new StoreError("EINVAL", "empty permissions");
  return makePerms({ owner: first.domid, access: first.access, acl: rest });
}

export function samePerms(a: StorePerms, b: StorePerms): boolean {
  return (
    a.owner === b.owner &&
    a.access === b.access &&
    a.acl.length === b.acl.length &&
    a.acl.every((e, i) => e.domid === b.acl[i]?.domid && e.access === b.acl[i]?.access)
  );
}
