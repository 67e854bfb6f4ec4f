/**
 * Store paths (docs/misc/xenstore.txt, "Paths"): absolute `/a/b/c`, or relative to the calling
 * domain's home `/local/domain/<domid>`. A component is one or more of `A-Za-z0-9-_@`; there
 * are no empty components, so no `//` and no trailing `/` (except the root itself). Special
 * watch paths start with `@` and are only meaningful to `watch`.
 *
 * Invariant: every path that leaves this module is canonical and absolute, so the engine can
 * compare paths as strings and find an ancestor by prefix `path + "/"`.
 */
import { StoreError } from "./store-error.js";

/** Longest absolute path (xenstore's XENSTORE_ABS_PATH_MAX). */
export const ABS_PATH_MAX = 3072;
/** Longest relative path as given by a guest (XENSTORE_REL_PATH_MAX). */
export const REL_PATH_MAX = 2048;
/** Deepest path, in components; bounds recursion and per-request work. */
export const PATH_DEPTH_MAX = 64;
/** Highest domain id; ids from 0x7ff0 up are reserved in Xen (DOMID_FIRST_RESERVED). */
export const DOMID_MAX = 0x7fef;

const COMPONENT = /^[A-Za-z0-9\-_@]+$/;

export const SPECIAL_PATHS = ["@introduceDomain", "@releaseDomain"] as const;
export type SpecialPath = (typeof SPECIAL_PATHS)[number];

export function isSpecialPath(path: string): path is SpecialPath {
  return (SPECIAL_PATHS as readonly string[]).includes(path);
}

export function checkDomid(domid: number): void {
  if (!Number.isInteger(domid) || domid < 0 || domid > DOMID_MAX) {
    throw new StoreError("EINVAL", `bad domain id ${String(domid)}`);
  }
}

export function domainHome(domid: number): string {
  return `/local/domain/${domid}`;
}

/** Resolves `path` for `domid` to a canonical absolute path, or throws EINVAL. */
export function resolvePath(domid: number, path: string): string {
  if (typeof path !== "string" || path.length === 0) throw new StoreError("EINVAL", "empty path");
  const absolute = path.startsWith("/");
  if (!absolute && path.length > REL_PATH_MAX) {
    throw new StoreError("EINVAL", `relative path longer than ${REL_PATH_MAX}`);
  }
  const full = absolute ? path : `${domainHome(domid)}/${path}`;
  if (full.length > ABS_PATH_MAX) throw new StoreError("EINVAL", `path longer than ${ABS_PATH_MAX}`);
  if (full === "/") return full;
  const parts = full.slice(1).split("/");
  if (parts.length > PATH_DEPTH_MAX) throw new StoreError("EINVAL", `path deeper than ${PATH_DEPTH_MAX}`);
  for (const part of parts) {
    if (!COMPONENT.test(part)) throw new StoreError("EINVAL", `bad path ${JSON.stringify(path)}`);
  }
  return full;
}

/** Parent of a canonical absolute path other than the root. */
export function parentPath(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** True when `path` is `ancestor` or lies below it (both canonical absolute). */
export function isAtOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === "/") return path.startsWith("/");
  return path === ancestor || path.startsWith(`${ancestor}/`);
}
