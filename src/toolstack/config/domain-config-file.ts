/**
 * Reads a domain configuration file: TOML with xl.cfg's key names (see DomainConfig in
 * api/schemas.ts), e.g.
 *
 *     name = "demo"
 *     vcpus = 4
 *     memory = 256            # MiB
 *     kernel = "kernel-rv64.elf"
 *     cmdline = "work=all"
 *
 * Unknown keys, missing keys and bad values are refused with one message that names the file
 * and every problem. Relative `kernel` and disk `target` paths are taken from the configuration
 * file's folder (as xl does) and made absolute, since the daemon that loads them runs elsewhere.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import { DomainConfig, describeIssues } from "../api/schemas.js";
import { formatDiskSpec, parseDiskSpec } from "./disk-spec.js";

export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
  }
}

/** Parses TOML text; `source` names it in messages and anchors a relative kernel path. */
export function parseDomainConfig(text: string, source: string): DomainConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    if (e instanceof TomlError) {
      throw new ConfigError(`${source}: line ${e.line}, column ${e.column}: ${firstLine(e.message)}`, {
        cause: e,
      });
    }
    throw e;
  }
  const checked = DomainConfig.safeParse(raw);
  if (!checked.success) throw new ConfigError(`${source}: ${describeIssues(checked.error, raw)}`);
  const folder = dirname(resolve(source));
  const config = { ...checked.data, kernel: resolve(folder, checked.data.kernel) };
  if (config.disk === undefined) return config;
  return {
    ...config,
    disk: config.disk.map((spec) => {
      const disk = parseDiskSpec(spec); // checked by the schema already
      return formatDiskSpec({ ...disk, target: resolve(folder, disk.target) });
    }),
  };
}

export async function readDomainConfig(path: string): Promise<DomainConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new ConfigError(`${path}: ${why}`, { cause: e });
  }
  return parseDomainConfig(text, path);
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}
