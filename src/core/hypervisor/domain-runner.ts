/**
 * What the save/restore code needs from a runner, whichever execution mode it implements
 * (DeterministicRunner here, ParallelRunner in host/node): PV services shared by its domains,
 * adding fresh and restored domains, vCPU state out, and a way to let guests run until
 * something holds.
 */
import type { Domain } from "./domain.js";
import type { PvHost, PvRestore } from "./pv-host.js";
import type { VcpuState } from "./vcpu-state.js";

export interface DomainRunner {
  readonly pv: PvHost;
  /** Boots a new domain (it runs when the runner runs). */
  add(domain: Domain): void;
  /**
   * Adds a restored domain: its memory is filled; the vCPUs named by `states` (by id) get
   * them and the others start down; its PV state comes from `pv`; guest time continues
   * from `guestTime`. On failure nothing of the domain is left on the runner.
   */
  addRestored(domain: Domain, states: readonly VcpuState[], pv: PvRestore, guestTime: number): Promise<void>;
  /** The domain's guest time now (10 MHz ticks). */
  guestTime(domain: Domain): number;
  /** Stops every vCPU at a slice boundary. */
  pause(domain: Domain): Promise<void>;
  unpause(domain: Domain): Promise<void>;
  /** Every vCPU's state; the domain must be paused or suspended. */
  vcpuStates(domain: Domain): Promise<VcpuState[]>;
  /** Ends a domain and stops its vCPUs; its PV state stays until `release`. */
  destroy(domain: Domain): Promise<void>;
  /** Destroys the domain if it still exists and forgets it, PV state included. */
  release(domain: Domain): Promise<void>;
  /**
   * Lets guests run until `done()` is true or `timeoutMs` pass (of guest time in
   * deterministic mode, of wall time in parallel mode); returns `done()`.
   */
  waitFor(done: () => boolean, timeoutMs: number): Promise<boolean>;
}

/** Throws RangeError unless every state names a distinct vCPU of `domain` (addRestored's check). */
export function checkRestoredStates(domain: Domain, states: readonly VcpuState[]): void {
  const ids = new Set<number>();
  for (const st of states) {
    if (!(Number.isInteger(st.id) && st.id >= 0 && st.id < domain.vcpus) || ids.has(st.id)) {
      throw new RangeError(`vCPU state ${st.id} does not name a distinct vCPU of domain ${domain.name}`);
    }
    ids.add(st.id);
  }
}
