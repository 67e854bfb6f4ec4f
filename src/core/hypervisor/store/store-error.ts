/**
 * The one error the store raises. `name`-like codes are xenstore's error names verbatim
 * (docs/misc/xenstore.txt, "Error names"), because the ring transport sends exactly that string
 * back to the guest; the message is for logs and the toolstack, never parsed.
 */
export type StoreErrorCode =
  | "EINVAL" // malformed path, argument or state
  | "EACCES" // permissions forbid the operation
  | "ENOENT" // no such node, watch or transaction
  | "EEXIST" // the watch (path, token) is already registered
  | "EAGAIN" // transaction conflict: the caller must retry the whole transaction
  | "EQUOTA" // a per-domain quota (nodes, watches, transactions, ACL entries) is used up
  | "E2BIG"; // a value is larger than allowed

export class StoreError extends Error {
  override readonly name = "StoreError";

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${code}: ${message}`, options);
  }
}
