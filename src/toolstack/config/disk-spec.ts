/**
 * Reads xl's disk specifications (`disk = [...]` in a domain configuration; Xen's
 * xl-disk-configuration(5), whose lexer is tools/libs/util/libxlu_disk_l.l) into what the
 * daemon opens: which image, as which device, how.
 *
 * A specification is comma-separated parameters, whitespace around each ignored:
 * - `key=value` for target, format, vdev, access and devtype (only `devtype=disk`);
 * - bare words that are not keys are the positional parameters, given to the ones still
 *   unset in the order target, format, vdev, access (so `format=raw` earlier makes the next
 *   positional one the vdev). An empty one takes its default: `/a.img,,xvda`;
 * - `target=` takes the whole rest of the specification verbatim (as xl's does), so it comes
 *   last and is the way to name a file with a comma in it;
 * - xl's deprecated prefixes on the target are understood (`phy:`, `file:`, `tap:aio:`, …
 *   are ignored, `raw:` is the format), and as in xl such a prefix removes the format from
 *   the positional order: `file:/a.img,xvda,w`.
 *
 * Invariants of the result: the target is non-empty, the format is raw, the vdev is one of
 * xvda … xvdz with Xen's device id (block-device-spec.ts), access is ro or rw (default rw).
 * Everything else xl knows (cdrom, backend=, script=, qcow2, …) is refused by name rather
 * than ignored, since Ferry would not do what it asks. Each parameter is given at most once
 * (an empty value may be given again, as xl allows). Every failure is one DiskSpecError
 * quoting the specification.
 *
 * No Node imports: the API schema (api/schemas.ts) checks specifications with this module,
 * and the schemas are meant to stay usable by any client.
 */
import { type BlockDeviceSpec, devidOf } from "../../core/devices/block/block-device-spec.js";

export class DiskSpecError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DiskSpecError";
  }
}

/** One disk as the daemon opens it: a BlockDeviceSpec without its kind. */
export type DiskSpec = Omit<BlockDeviceSpec, "kind">;

/** The most disks a domain can have: one per vdev, xvda … xvdz. */
export const MAX_DISKS = 26;

/** Flags and keys xl knows that Ferry refuses, so the message says "not supported", not "unknown". */
const XL_FLAGS = new Set([
  "cdrom",
  "direct-io-safe",
  "discard",
  "no-discard",
  "colo",
  "no-colo",
  "trusted",
  "untrusted",
]);
const XL_KEYS = new Set([
  "backend",
  "backendtype",
  "specification",
  "script",
  "colo-host",
  "colo-port",
  "colo-export",
  "active-disk",
  "hidden-disk",
  "grant_usage",
]);

/** xl's deprecated target prefixes: ignored ones, and those that name a format or a script. */
const IGNORED_PREFIXES = new Set(["tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy"]);
const FORMAT_PREFIXES = new Set(["raw", "qcow", "qcow2", "vhd"]);
const SCRIPT_PREFIXES = new Set(["iscsi", "nbd", "enbd", "drbd"]);
/** What may be a prefix: a lowercase word and a colon at the start of a positional parameter. */
const PREFIX_RE = /^([a-z][a-z0-9]*):/;

type Param = "target" | "format" | "vdev" | "access";
const POSITIONAL: readonly Param[] = ["target", "format", "vdev", "access"];

/** Parses one xl disk specification; throws DiskSpecError quoting it. */
export function parseDiskSpec(spec: string): DiskSpec {
  const bad = (why: string): DiskSpecError => new DiskSpecError(`disk "${spec}": ${why}`);
  // undefined: not given; "": given empty (the default applies, and it may be given again).
  const given: Partial<Record<Param, string>> = {};
  const set = (param: Param, value: string): void => {
    const before = given[param];
    if (before !== undefined && before !== "") throw bad(`${param} is given twice`);
    given[param] = value;
  };
  // After a deprecated prefix, xl's positional order skips the format.
  let hadPrefix = false;

  let at = 0;
  while (at < spec.length) {
    while (at < spec.length && /\s/.test(spec[at]!)) at++;
    if (at >= spec.length) break;
    if (spec.startsWith("target=", at)) {
      // The rest verbatim, less one trailing comma: libxlu_disk_l.l's `target=.*`.
      let rest = spec.slice(at + "target=".length);
      if (rest.endsWith(",")) rest = rest.slice(0, -1);
      set("target", rest);
      break;
    }
    const comma = spec.indexOf(",", at);
    const end = comma === -1 ? spec.length : comma;
    let token = spec.slice(at, end).trimEnd();
    at = end + 1;

    const eq = token.indexOf("=");
    if (eq !== -1) {
      const key = token.slice(0, eq).trimEnd();
      const value = token.slice(eq + 1).trim();
      if (key === "format" || key === "vdev" || key === "access") set(key, value);
      else if (key === "devtype") {
        if (value !== "disk") throw bad(`devtype=${value} is not supported (disks only)`);
      } else if (XL_KEYS.has(key)) throw bad(`${key}= is not supported`);
      else throw bad(`unknown parameter "${token}"`);
      continue;
    }
    if (XL_FLAGS.has(token)) throw bad(`${token} is not supported`);

    for (let m = PREFIX_RE.exec(token); m !== null; m = PREFIX_RE.exec(token)) {
      const prefix = m[1]!;
      if (FORMAT_PREFIXES.has(prefix)) set("format", prefix);
      else if (SCRIPT_PREFIXES.has(prefix))
        throw bad(`the ${prefix}: prefix (script=block-${prefix}) is not supported`);
      else if (!IGNORED_PREFIXES.has(prefix)) {
        // xl's lexer: an unknown word and colon is an error only before a non-alphanumeric
        // (`foo:/a.img`); otherwise it is part of the value (`xvda:disk`).
        if (!/^[a-z0-9]/.test(token.slice(m[0].length)))
          throw bad(`unknown deprecated disk prefix "${prefix}:"`);
        break;
      }
      hadPrefix = true;
      token = token.slice(m[0].length);
    }

    const param = POSITIONAL.find((p) => given[p] === undefined && !(p === "format" && hadPrefix));
    if (param === undefined) throw bad(`too many positional parameters at "${token}"`);
    else if (param === "vdev" || (param === "format" && given.target === "" && token.includes(":"))) {
      // The deprecated `vdev:devtype` (`,hdc:cdrom,r` for an empty cdrom in the format's place).
      const colon = token.lastIndexOf(":");
      if (colon !== -1) {
        const devtype = token.slice(colon + 1);
        if (devtype !== "disk") throw bad(`${token}: devtype ${devtype} is not supported (disks only)`);
        token = token.slice(0, colon);
      }
      set("vdev", token);
    } else set(param, token);
  }

  const target = given.target ?? "";
  if (target === "") throw bad("no target (the image file)");
  const format = given.format || "raw";
  if (format !== "raw") {
    // `/a.img,xvda,w` is a common slip: the second positional parameter is the format.
    const hint = devidOf(format) !== undefined ? `; for vdev ${format} write "${target},,${format}"` : "";
    throw bad(`format ${format} is not supported (raw only${hint})`);
  }
  const vdev = given.vdev ?? "";
  if (vdev === "") throw bad("no vdev (xvda … xvdz)");
  const devid = devidOf(vdev);
  if (devid === undefined) throw bad(`vdev ${vdev} is not supported (xvda … xvdz)`);
  const access = accessOf(given.access ?? "");
  if (access === undefined) throw bad(`access ${given.access} is not r, ro, w or rw`);
  return { target, format: "raw", vdev, devid, access };
}

function accessOf(value: string): "ro" | "rw" | undefined {
  if (value === "r" || value === "ro") return "ro";
  if (value === "" || value === "w" || value === "rw") return "rw";
  return undefined;
}

/**
 * Parses a domain's disk list. Refuses two disks on one vdev, and one image given twice when
 * either is writable: the guest would see two disks whose blocks change under each other.
 * Targets are compared as written, less `.`, `..` and repeated slashes; links to one file
 * under two names are only caught by whoever opens them.
 */
export function parseDiskList(specs: readonly string[]): DiskSpec[] {
  if (specs.length > MAX_DISKS) throw new DiskSpecError(`${specs.length} disks: at most ${MAX_DISKS}`);
  const disks = specs.map(parseDiskSpec);
  const byVdev = new Map<string, number>();
  const byTarget = new Map<string, number>();
  disks.forEach((d, i) => {
    const sameVdev = byVdev.get(d.vdev);
    if (sameVdev !== undefined)
      throw new DiskSpecError(`disks "${specs[sameVdev]}" and "${specs[i]}" are both ${d.vdev}`);
    byVdev.set(d.vdev, i);
    const path = normalizePath(d.target);
    const sameTarget = byTarget.get(path);
    if (sameTarget !== undefined && (d.access === "rw" || disks[sameTarget]!.access === "rw"))
      throw new DiskSpecError(
        `disks "${specs[sameTarget]}" and "${specs[i]}" open one image, ${d.target}, and not both read-only`,
      );
    byTarget.set(path, i);
  });
  return disks;
}

/**
 * Writes a DiskSpec back as a specification that parses to it: keys first and `target=`
 * last, so any target survives (a caller that rewrites the target, e.g. to make it absolute,
 * uses this). `target=` drops one trailing comma, so a target ending in one gets another.
 */
export function formatDiskSpec(disk: DiskSpec): string {
  const comma = disk.target.endsWith(",") ? "," : "";
  return `format=${disk.format}, vdev=${disk.vdev}, access=${disk.access}, target=${disk.target}${comma}`;
}

/** A POSIX path without `.`, resolvable `..` or repeated slashes (no file system involved). */
function normalizePath(path: string): string {
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (part !== ".." || !absolute) parts.push(part);
  }
  return (absolute ? "/" : "") + parts.join("/");
}
