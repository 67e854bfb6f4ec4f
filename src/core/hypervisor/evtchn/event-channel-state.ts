/**
 * The saved form of a domain's event channels (STYLE: plain named fields out, a component
 * back in) and its strict validation. Only bound ports are listed; a port not listed is free.
 * `pending` records an event raised before the guest registered its shared-info page; once a
 * page is registered the pending bits live in guest RAM (and travel with it), so a state with
 * both a page and a pending port is impossible.
 *
 * Validation rejects, with an `EventChannelError` naming the field: a wrong shape or type,
 * a port outside 1..maxPorts-1 or listed twice, a vCPU beyond the domain's count, a VIRQ out of
 * range or bound twice for the same (VIRQ, vCPU) (global VIRQs: once), a domain id outside
 * 0..DOMID_FIRST_RESERVED-1, a limit above what the 2-level ABI reaches at the width, and a
 * shared-info address that is misaligned or outside RAM.
 */
import type { GuestMemory } from "../../memory/guest-memory.js";
import { PAGE_SIZE } from "../../memory/page.js";
import { DOMID_FIRST_RESERVED, EventChannelError, NR_VIRQS, virqIsPerVcpu } from "./evtchn-numbers.js";
import { maxPortsFor, SHARED_INFO_SIZE } from "./shared-info.js";

interface PortCommon {
  port: number;
  /** The vCPU notified (Xen's notify_vcpu_id). */
  vcpu: number;
  pending: boolean;
}
export type EventChannelPortState =
  | (PortCommon & { state: "unbound"; remoteDomid: number })
  | (PortCommon & { state: "interdomain"; remoteDomid: number; remotePort: number })
  | (PortCommon & { state: "virq"; virq: number })
  | (PortCommon & { state: "ipi" });

export interface EventChannelTableState {
  domid: number;
  xlen: 32 | 64;
  vcpus: number;
  maxPorts: number;
  /** Guest-physical address of the registered shared-info page, or null before registration. */
  sharedInfoGpa: number | null;
  ports: EventChannelPortState[];
}

/** What the state must fit: the domain it is loaded into. */
export interface StateLimits {
  xlen: 32 | 64;
  vcpus: number;
  memory: GuestMemory;
}

function fail(message: string): never {
  throw new EventChannelError(`event channel state: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function int(obj: Record<string, unknown>, key: string, min: number, max: number, where: string): number {
  const v = obj[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    fail(`${where}.${key} must be an integer in ${min}..${max}, not ${JSON.stringify(v)}`);
  }
  return v;
}

function bool(obj: Record<string, unknown>, key: string, where: string): boolean {
  const v = obj[key];
  if (typeof v !== "boolean") fail(`${where}.${key} must be a boolean`);
  return v;
}

function onlyKeys(obj: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) if (!keys.includes(k)) fail(`${where} has an unknown field "${k}"`);
}

/** Checks `value` field by field and returns it typed; throws EventChannelError otherwise. */
export function validateEventChannelState(value: unknown, limits: StateLimits): EventChannelTableState {
  if (!isRecord(value)) fail("not an object");
  onlyKeys(value, ["domid", "xlen", "vcpus", "maxPorts", "sharedInfoGpa", "ports"], "state");
  const domid = int(value, "domid", 0, DOMID_FIRST_RESERVED - 1, "state");
  if (value.xlen !== limits.xlen)
    fail(`xlen ${String(value.xlen)} does not match the domain's ${limits.xlen}`);
  const vcpus = int(value, "vcpus", limits.vcpus, limits.vcpus, "state");
  const maxPorts = int(value, "maxPorts", 2, maxPortsFor(limits.xlen), "state");
  let sharedInfoGpa: number | null = null;
  if (value.sharedInfoGpa !== null) {
    const gpa = int(value, "sharedInfoGpa", 0, Number.MAX_SAFE_INTEGER, "state");
    if (gpa % PAGE_SIZE !== 0) fail(`sharedInfoGpa 0x${gpa.toString(16)} is not page-aligned`);
    if (!limits.memory.contains(gpa, SHARED_INFO_SIZE)) {
      fail(`sharedInfoGpa 0x${gpa.toString(16)} is outside RAM`);
    }
    sharedInfoGpa = gpa;
  }
  if (!Array.isArray(value.ports)) fail("ports must be an array");

  const seen = new Set<number>();
  const virqKeys = new Set<number>();
  const ports: EventChannelPortState[] = [];
  value.ports.forEach((raw: unknown, i: number) => {
    const where = `ports[${i}]`;
    if (!isRecord(raw)) fail(`${where} is not an object`);
    const port = int(raw, "port", 1, maxPorts - 1, where);
    if (seen.has(port)) fail(`port ${port} is listed twice`);
    seen.add(port);
    const vcpu = int(raw, "vcpu", 0, vcpus - 1, where);
    const pending = bool(raw, "pending", where);
    if (pending && sharedInfoGpa !== null)
      fail(`${where} is pending in the table although shared info is registered`);
    const common = ["port", "state", "vcpu", "pending"];
    switch (raw.state) {
      case "unbound":
        onlyKeys(raw, [...common, "remoteDomid"], where);
        ports.push({
          port,
          state: "unbound",
          vcpu,
          pending,
          remoteDomid: int(raw, "remoteDomid", 0, DOMID_FIRST_RESERVED - 1, where),
        });
        break;
      case "interdomain":
        onlyKeys(raw, [...common, "remoteDomid", "remotePort"], where);
        ports.push({
          port,
          state: "interdomain",
          vcpu,
          pending,
          remoteDomid: int(raw, "remoteDomid", 0, DOMID_FIRST_RESERVED - 1, where),
          // The peer's table may allow more ports than ours; the widest ABI bounds it.
          remotePort: int(raw, "remotePort", 1, maxPortsFor(64) - 1, where),
        });
        break;
      case "virq": {
        onlyKeys(raw, [...common, "virq"], where);
        const virq = int(raw, "virq", 0, NR_VIRQS - 1, where);
        // A per-vCPU VIRQ is keyed by the vCPU it serves; a global one exists once per domain.
        const key = virqIsPerVcpu(virq) ? virq * 1024 + vcpu : virq * 1024 + 1023;
        if (virqKeys.has(key))
          fail(`VIRQ ${virq} is bound twice${virqIsPerVcpu(virq) ? ` on vCPU ${vcpu}` : ""}`);
        virqKeys.add(key);
        ports.push({ port, state: "virq", vcpu, pending, virq });
        break;
      }
      case "ipi":
        onlyKeys(raw, common, where);
        ports.push({ port, state: "ipi", vcpu, pending });
        break;
      default:
        fail(`${where}.state ${JSON.stringify(raw.state)} is not unbound, interdomain, virq or ipi`);
    }
  });
  return { domid, xlen: limits.xlen, vcpus, maxPorts, sharedInfoGpa, ports };
}
