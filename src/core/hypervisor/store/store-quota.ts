/**
 * Per-domain store quotas. They bound what one guest can make the host hold; domain 0 (the
 * toolstack and its backends) is trusted and exempt, as in xenstored. Values are additionally
 * capped for everyone at VALUE_MAX, the largest payload a ring message can carry.
 */
import { StoreError } from "./store-error.js";

/** xenstore's XENSTORE_PAYLOAD_MAX: no value can be larger than one ring message. */
export const VALUE_MAX = 4096;

export interface StoreQuota {
  /** Nodes a domain may own. */
  readonly maxNodes: number;
  /** Largest value, in bytes, a domain may write (E2BIG beyond). */
  readonly maxValueSize: number;
  readonly maxWatches: number;
  /** Transactions a domain may have open at once. */
  readonly maxTransactions: number;
  /** Per-domain entries in one node's permissions. */
  readonly maxAclEntries: number;
}

/** Defaults in the spirit of xenstored's (quota-nodes 1000, entry size 2048, watches 128). */
export const DEFAULT_STORE_QUOTA: StoreQuota = {
  maxNodes: 1000,
  maxValueSize: 2048,
  maxWatches: 128,
  maxTransactions: 10,
  maxAclEntries: 5,
};

export function makeQuota(overrides: Partial<StoreQuota> = {}): StoreQuota {
  const quota = { ...DEFAULT_STORE_QUOTA, ...overrides };
  for (const [name, value] of Object.entries(quota)) {
    if (!Number.isInteger(value) || value < 0) throw new StoreError("EINVAL", `bad quota ${name}=${value}`);
  }
  if (quota.maxValueSize > VALUE_MAX) {
    throw new StoreError("EINVAL", `maxValueSize above the ${VALUE_MAX}-byte payload limit`);
  }
  return Object.freeze(quota);
}
