/**
 * The toolstack's side of a save (DESIGN.md §1 steps 1 and 5): asking a domain to suspend,
 * and resuming it in place when the save is cancelled or was a checkpoint.
 *
 * A guest that announced the cooperative protocol (`control/feature-suspend` = "1" in its
 * store home) is asked through `control/shutdown` = "suspend"; it must acknowledge by
 * clearing the key and then make the PV suspend call, each within the timeout (60 s by
 * default). A guest that never acknowledges gets the request withdrawn and one clear error,
 * and keeps running. A guest that did not announce the protocol is saved transparently: the
 * runner pauses every vCPU and the image keeps every context.
 */
import type { Domain } from "../hypervisor/domain.js";
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import { TICKS_PER_MS } from "../hypervisor/host-clock.js";
import { StoreError } from "../hypervisor/store/store-error.js";
import type { SaveMode } from "./domain-image.js";

export const DEFAULT_SUSPEND_TIMEOUT_MS = 60_000;

export class SuspendError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SuspendError";
  }
}

export interface SuspendOptions {
  /** How long the guest has to acknowledge, and then to suspend (guest time in deterministic mode). */
  readonly timeoutMs?: number;
}

function read(runner: DomainRunner, path: string): string | undefined {
  try {
    return runner.pv.store.readString(0, path);
  } catch (e) {
    if (e instanceof StoreError) return undefined;
    throw e;
  }
}

/** True when the guest announced the cooperative suspend protocol. */
export function announcesSuspend(runner: DomainRunner, domain: Domain): boolean {
  return read(runner, `/local/domain/${domain.id}/control/feature-suspend`) === "1";
}

/**
 * Brings a running domain to a state it can be captured in; returns how it was done. On a
 * SuspendError the domain is running as before.
 */
export async function suspendDomain(
  runner: DomainRunner,
  domain: Domain,
  options: SuspendOptions = {},
): Promise<SaveMode> {
  if (!domain.running) throw new SuspendError(`domain ${domain.name} is not running`);
  if (!announcesSuspend(runner, domain)) {
    await runner.pause(domain);
    return "transparent";
  }
  const timeout = options.timeoutMs ?? DEFAULT_SUSPEND_TIMEOUT_MS;
  const key = `/local/domain/${domain.id}/control/shutdown`;
  runner.pv.store.write(0, key, "suspend");
  const acknowledged = await runner.waitFor(
    () => read(runner, key) !== "suspend" || !domain.running,
    timeout,
  );
  if (!acknowledged) {
    runner.pv.store.write(0, key, "");
    throw new SuspendError(
      `domain ${domain.name} did not acknowledge the suspend request within ${timeout} ms; it keeps running`,
    );
  }
  const suspended = await runner.waitFor(() => !domain.running, timeout);
  if (domain.ended)
    throw new SuspendError(`domain ${domain.name} ended (${domain.exit?.end}) instead of suspending`);
  if (!suspended) {
    throw new SuspendError(
      `domain ${domain.name} acknowledged the suspend request but did not suspend within ${timeout} ms`,
    );
  }
  return "cooperative";
}

/**
 * Lets a suspended (or transparently paused) domain go on in place: its suspend call returns
 * 1 (cancelled or checkpointed) and nothing is lost.
 */
/**
 * How long ago, in ms, the suspended domain's PV suspend call was made: its guest time dates
 * it, and guest time runs with the host clock, so the moments before the host noticed count.
 */
export function msSinceSuspendCall(runner: DomainRunner, domain: Domain): number {
  return (runner.guestTime(domain) - domain.shared.suspendTime) / TICKS_PER_MS;
}

export async function resumeDomain(runner: DomainRunner, domain: Domain, mode: SaveMode): Promise<void> {
  if (mode === "transparent") {
    runner.pv.resumeDisks(domain.id);
    await runner.unpause(domain);
    return;
  }
  if (!domain.shared.resume()) throw new SuspendError(`domain ${domain.name} is not suspended`);
  runner.pv.resumeDisks(domain.id); // quiesced by a capture, if it got that far
}
