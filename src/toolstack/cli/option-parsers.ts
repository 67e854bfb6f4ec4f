/**
 * Parsers for command-line option values. Each turns text into a checked value or throws
 * commander's `InvalidArgumentError` with a message that says what is accepted, so a bad
 * value ends in one clear line from the CLI.
 */
import { InvalidArgumentError } from "commander";
import { type HostPort, parseHostPort } from "../api/addresses.js";

const UNITS: Record<string, number> = { "": 1024 * 1024, K: 1024, M: 1024 * 1024, G: 1024 * 1024 * 1024 };

/**
 * A memory size as QEMU's `-m` takes it: a whole number with an optional K, M or G suffix
 * (case-insensitive, an optional trailing "B" or "iB" allowed); no suffix means MiB.
 */
export function parseMemorySize(text: string): number {
  const m = /^(\d+)\s*([KMG]?)(?:I?B)?$/i.exec(text.trim());
  const unit = m ? UNITS[(m[2] ?? "").toUpperCase()] : undefined;
  if (!m || unit === undefined) {
    throw new InvalidArgumentError("expected a size such as 128M, 1G or 65536K (no suffix means MiB).");
  }
  const bytes = Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes) || bytes === 0) throw new InvalidArgumentError("size out of range.");
  return bytes;
}

/** A positive whole number: decimal, hexadecimal (0x…) or with an exponent (1e9). */
export function parsePositiveInteger(text: string): number {
  const value = /^\s*$/.test(text) ? Number.NaN : Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError("expected a positive integer.");
  return value;
}

/** A whole number ≥ 0 below 2^32 (seeds). */
export function parseNonNegativeInteger(text: string): number {
  const value = /^\s*$/.test(text) ? Number.NaN : Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new InvalidArgumentError("expected an integer from 0 to 4294967295.");
  }
  return value;
}

/** An integer in [min, max]. */
export function integerInRange(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}.`);
    }
    return value;
  };
}

export function parseXlen(text: string): 32 | 64 {
  if (text === "32") return 32;
  if (text === "64") return 64;
  throw new InvalidArgumentError("expected 32 or 64.");
}

/** An ADDR:PORT option (see api/addresses.ts parseHostPort) with the port `defaultPort` if none is given. */
export function hostPortOption(defaultPort: number): (text: string) => HostPort {
  return (text) => {
    try {
      return parseHostPort(text, defaultPort);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}
