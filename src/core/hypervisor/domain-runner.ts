/**
 * What the save/restore and migration code needs from a runner, whichever execution mode it
 * implements (DeterministicRunner here, ParallelRunner in host/node): PV services shared by
 * its domains, adding fresh and restored domains (a restored one optionally held paused until
 * a migration commits), vCPU state out, dirty-page harvests for pre-copy, and a way to let
 * guests run until something holds.
 */
import type { PageRun } from "../memory/dirty-log.js";
import type { Domain } from "./domain.js";
import type { PvHost, PvRestore } from "./pv-host.js";
import type { VcpuState } from "./vcpu-state.js";

export interface AddRestoredOptions {
  /**
   * Add the domain paused: none of its vCPUs runs until `unpause(domain)`. A migration's
   * receiver holds the whole domain this way until the source commits (core/migration).
   */
  readonly paused?: boolean;
}

export interface DomainRunner {
  readonly pv: PvHost;
  /** Boots a new domain (it runs when the runner runs). */
  add(domain: Domain): void;
  /**
   * Gets ready for `addRestored(domain, …)` while the domain's memory is still being filled:
   * whatever the runner needs per domain and can build early (the parallel runner: the vCPU
   * threads, attached and held) is built now, so that adding it later — inside a restore's
   * or a migration's downtime — does not wait for it. The domain does not run until it is
   * added. `release(domain)` undoes it.
   */
  prepare(domain: Domain): void;
  /**
   * Gives a prepared domain's vCPU its restored state as soon as the image has given it, so
   * that a runner that restores it elsewhere (the parallel runner: on the vCPU's thread) does
   * it while the rest of the image arrives. `addRestored` with this same state object then
   * uses that work instead of repeating it; a runner with nothing to gain does nothing here.
   */
  preloadVcpuState(domain: Domain, state: VcpuState): void;
  /**
   * Adds a restored domain (prepared or not): its memory is filled; the vCPUs named by
   * `states` (by id) get them and the others start down; its PV state comes from `pv`; guest
   * time continues from `guestTime`. On failure nothing of the domain is left on the runner.
   */
  addRestored(
    domain: Domain,
    states: readonly VcpuState[],
    pv: PvRestore,
    guestTime: number,
    options?: AddRestoredOptions,
  ): Promise<void>;
  /** The domain's guest time now (10 MHz ticks). */
  guestTime(domain: Domain): number;
  /** Stops every vCPU at a slice boundary. */
  pause(domain: Domain): Promise<void>;
  unpause(domain: Domain): Promise<void>;
  /**
   * Takes the domain's dirty pages and clears them (memory/dirty-log.ts; logging must have
   * been enabled with `domain.memory.dirty.enable()`), resolving once reading those pages
   * sees every store made before the call and every later store marks its page again. Call
   * it once right after enabling the log, before copying memory, for the same reason.
   */
  harvestDirty(domain: Domain): Promise<PageRun[]>;
  /** The states of the vCPUs `ids` (every vCPU by default), in that order; the domain must be paused or suspended. */
  vcpuStates(domain: Domain, ids?: readonly number[]): Promise<VcpuState[]>;
  /** Ends a domain and stops its vCPUs; its PV state stays until `release`. */
  destroy(domain: Domain): Promise<void>;
  /** Destroys the domain if it still exists and forgets it, PV state included (prepared ones too). */
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
