/**
 * The bodies of the small records — every type but memory and end — in the image format:
 * UTF-8 JSON of the record without its `type` (image-codec.ts frames them).
 *
 * The conversion is type-directed. Values JSON cannot carry live at places the record's type
 * fixes, and only there are they converted, both ways:
 *
 * | record | where                                   | in memory  | in JSON                          |
 * |--------|-----------------------------------------|------------|----------------------------------|
 * | vcpu   | state.hart.pc, .x[i], .csrs[name]       | bigint     | "0x…", lowercase hex, no padding |
 * | store  | state.nodes[i].value                    | Uint8Array | base64 (RFC 4648 §4, padded)     |
 *
 * Decoding is strict: a string that is not canonical hex or base64 where one belongs, or a
 * structure in which those places cannot be found, is an ImageError. There is deliberately no
 * generic reviver keyed on the shape of values: store paths and values come from the guest, so
 * a guest could otherwise plant strings that a shape-keyed reviver would turn into bigints or
 * bytes. A bigint or typed array anywhere else makes encoding fail rather than write something
 * that would not read back.
 *
 * Versions: version 1's domain-config has neither `maxVcpus` nor `onPoweroff`; it reads back
 * with maxVcpus = vcpus and onPoweroff = "destroy", and writing version 1 refuses a record
 * whose values version 1 cannot express. Everything else is the same in both versions.
 *
 * Field values are otherwise not checked here: the loader (restore-domain.ts) checks them.
 */
import { SAVED_CSRS } from "../cpu/hart-state.js";
import { type DomainRecord, ImageError, type ImageVersion, PREVIOUS_IMAGE_VERSION } from "./domain-image.js";

export type JsonRecord = Exclude<DomainRecord, { type: "memory" } | { type: "end" } | { type: "disk-data" }>;
export type JsonRecordType = JsonRecord["type"];

type Json = Record<string, unknown>;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The record's body: UTF-8 JSON of everything but `type`, in the given version's shape. */
export function encodeJsonBody(record: JsonRecord, version: ImageVersion): Uint8Array {
  const { type: _type, ...payload } = record as JsonRecord & Json;
  let text: string;
  try {
    text = JSON.stringify(toJson(record.type, payload, version), rejectUnconverted);
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(`${record.type} record cannot be encoded: ${(e as Error).message}`, { cause: e });
  }
  return encoder.encode(text);
}

/** The record of `type` whose body is `body`; throws ImageError (without a location) if it is bad. */
export function decodeJsonBody(type: JsonRecordType, body: Uint8Array, version: ImageVersion): JsonRecord {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch (e) {
    throw new ImageError("the body is not valid UTF-8", { cause: e });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (e) {
    throw new ImageError(`the body is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (!isObject(payload)) throw new ImageError("the body is not a JSON object");
  if (Object.hasOwn(payload, "type")) throw new ImageError('the body has a field "type"');
  return { ...fromJson(type, payload, version), type } as JsonRecord;
}

function toJson(type: JsonRecordType, p: Json, version: ImageVersion): Json {
  switch (type) {
    case "domain-config": {
      if (version !== PREVIOUS_IMAGE_VERSION) return p;
      const { maxVcpus, onPoweroff, ...v1 } = p;
      if (maxVcpus !== p.vcpus || onPoweroff !== "destroy") {
        throw new ImageError(
          `version ${PREVIOUS_IMAGE_VERSION} cannot hold maxVcpus ${String(maxVcpus)} with ${String(p.vcpus)} vCPUs ` +
            `or onPoweroff "${String(onPoweroff)}": save it as the current version`,
        );
      }
      return v1;
    }
    case "vcpu": {
      const state = objectAt(p, "state");
      const hart = objectAt(state, "hart", "state.");
      const x = hart.x;
      if (!Array.isArray(x))
        throw new ImageError("vcpu record cannot be encoded: state.hart.x is not an array");
      const csrs = objectAt(hart, "csrs", "state.hart.");
      return {
        ...p,
        state: {
          ...state,
          hart: {
            ...hart,
            pc: toHex("state.hart.pc", hart.pc),
            x: x.map((v, i) => toHex(`state.hart.x[${i}]`, v)),
            csrs: Object.fromEntries(
              Object.entries(csrs).map(([k, v]) => [k, toHex(`state.hart.csrs.${k}`, v)]),
            ),
          },
        },
      };
    }
    case "store": {
      const state = objectAt(p, "state");
      const nodes = state.nodes;
      if (!Array.isArray(nodes))
        throw new ImageError("store record cannot be encoded: state.nodes is not an array");
      return {
        ...p,
        state: {
          ...state,
          nodes: nodes.map((n: unknown, i) => {
            if (!isObject(n) || !(n.value instanceof Uint8Array)) {
              throw new ImageError(`store record cannot be encoded: state.nodes[${i}].value is not bytes`);
            }
            return { ...n, value: toBase64(n.value) };
          }),
        },
      };
    }
    default:
      return p;
  }
}

function fromJson(type: JsonRecordType, p: Json, version: ImageVersion): Json {
  switch (type) {
    case "domain-config": {
      if (version !== PREVIOUS_IMAGE_VERSION) return p;
      for (const field of ["maxVcpus", "onPoweroff"]) {
        if (Object.hasOwn(p, field)) {
          throw new ImageError(`field "${field}" does not exist in version ${PREVIOUS_IMAGE_VERSION}`);
        }
      }
      return { ...p, maxVcpus: p.vcpus, onPoweroff: "destroy" };
    }
    case "vcpu": {
      const state = objectAt(p, "state");
      const hart = objectAt(state, "hart", "state.");
      const x = hart.x;
      if (!Array.isArray(x)) throw new ImageError("state.hart.x is not an array");
      const csrs = objectAt(hart, "csrs", "state.hart.");
      const known: ReadonlySet<string> = new Set(SAVED_CSRS);
      const decoded = Object.entries(csrs).map(([k, v]) => {
        if (!known.has(k)) throw new ImageError(`state.hart.csrs has an unknown CSR ${JSON.stringify(k)}`);
        return [k, fromHex(`state.hart.csrs.${k}`, v)] as const;
      });
      return {
        ...p,
        state: {
          ...state,
          hart: {
            ...hart,
            pc: fromHex("state.hart.pc", hart.pc),
            x: x.map((v: unknown, i) => fromHex(`state.hart.x[${i}]`, v)),
            csrs: Object.fromEntries(decoded),
          },
        },
      };
    }
    case "store": {
      const state = objectAt(p, "state");
      const nodes = state.nodes;
      if (!Array.isArray(nodes)) throw new ImageError("state.nodes is not an array");
      return {
        ...p,
        state: {
          ...state,
          nodes: nodes.map((n: unknown, i) => {
            if (!isObject(n)) throw new ImageError(`state.nodes[${i}] is not an object`);
            return { ...n, value: fromBase64(`state.nodes[${i}].value`, n.value) };
          }),
        },
      };
    }
    default:
      return p;
  }
}

/** JSON.stringify's replacer: anything type-directed conversion missed is an error, not garbage. */
function rejectUnconverted(key: string, value: unknown): unknown {
  if (typeof value === "bigint" || ArrayBuffer.isView(value)) {
    throw new ImageError(
      `field "${key}" holds a ${typeof value === "bigint" ? "bigint" : "typed array"} where the format has none`,
    );
  }
  return value;
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function objectAt(o: Json, key: string, prefix = ""): Json {
  const v = o[key];
  if (!isObject(v)) throw new ImageError(`${prefix}${key} is not an object`);
  return v;
}

// --- bigints as hex -------------------------------------------------------------------------

/** Canonical: lowercase, no leading zeros, at most 64 bits. */
const HEX = /^0x(?:0|[1-9a-f][0-9a-f]{0,15})$/;

function toHex(where: string, v: unknown): string {
  if (typeof v !== "bigint" || v < 0n || v >= 1n << 64n) {
    throw new ImageError(`vcpu record cannot be encoded: ${where} is not an unsigned 64-bit bigint`);
  }
  return `0x${v.toString(16)}`;
}

function fromHex(where: string, v: unknown): bigint {
  if (typeof v !== "string" || !HEX.test(v)) {
    throw new ImageError(`${where} is not a hex number ("0x…", lowercase, at most 64 bits)`);
  }
  return BigInt(v);
}

// --- bytes as base64 ------------------------------------------------------------------------

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

function toBase64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${ALPHABET[n >>> 18]!}${ALPHABET[(n >>> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${ALPHABET[n >>> 18]!}${ALPHABET[(n >>> 12) & 63]!}${ALPHABET[(n >>> 6) & 63]!}=`;
  }
  return out;
}

/** Strict: padded, no whitespace, no other alphabet, and unused trailing bits zero (canonical). */
function fromBase64(where: string, v: unknown): Uint8Array {
  const bad = (): never => {
    throw new ImageError(`${where} is not canonical base64`);
  };
  if (typeof v !== "string" || v.length % 4 !== 0) return bad();
  const pad = v.endsWith("==") ? 2 : v.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((v.length / 4) * 3 - pad);
  const digit = (k: number): number => {
    const c = v.charCodeAt(k);
    const d = c < 128 ? INDEX[c]! : -1;
    return d < 0 ? bad() : d;
  };
  let o = 0;
  for (let k = 0; k < v.length; k += 4) {
    const last = k + 4 === v.length;
    const n =
      (digit(k) << 18) |
      (digit(k + 1) << 12) |
      (last && pad === 2 ? 0 : digit(k + 2) << 6) |
      (last && pad >= 1 ? 0 : digit(k + 3));
    if (last && pad === 2) {
      if ((n & 0xffff) !== 0) bad();
      out[o++] = n >>> 16;
    } else if (last && pad === 1) {
      if ((n & 0xff) !== 0) bad();
      out[o++] = n >>> 16;
      out[o++] = (n >>> 8) & 0xff;
    } else {
      out[o++] = n >>> 16;
      out[o++] = (n >>> 8) & 0xff;
      out[o++] = n & 0xff;
    }
  }
  return out;
}
