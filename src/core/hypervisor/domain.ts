/**
 * A domain: guest memory, N virtual CPUs and the state they share, booted as DESIGN.md §3
 * says — the kernel ELF loaded at its physical addresses (0x8020_0000 by convention), a
 * device tree near the top of RAM, and vCPU 0 alone started in S-mode at the entry with
 * a0 = 0 and a1 = the tree's address. The other vCPUs wait, STOPPED, for SBI hart_start.
 *
 * A Domain is the host's handle; it never runs code. A runner (deterministic or parallel)
 * builds the vCPUs from `descriptor()` — plain data and SharedArrayBuffers, so it crosses
 * to worker threads — and runs them. Everything a vCPU changes that the host must see (run
 * state, reset reason, console output) is in shared memory, so a Domain looks the same
 * whichever runner drives it.
 */
import { writeDeviceTree } from "../machine/device-tree-writer.js";
import { ElfError, loadElf, parseElf } from "../machine/elf-loader.js";
import { GuestMemory, type GuestMemoryShare, PAGE_SIZE } from "../memory/guest-memory.js";
import { ConsoleRing } from "./console-ring.js";
import { domainDeviceTree } from "./domain-device-tree.js";
import {
  DomainRunState,
  DomainSharedState,
  MAX_VCPUS,
  ResumeKind,
  RunRequest,
  Slot,
} from "./domain-shared-state.js";
import { STORE_PORT } from "./pv-numbers.js";
import { HartState } from "./sbi-numbers.js";

export const DOMAIN_RAM_BASE = 0x8000_0000;
/** Domain ids run 1..MAX_DOMAIN_ID; 0 is the toolstack, as Xen's domain 0 (store, event channels). */
export const MAX_DOMAIN_ID = 0x7fef;
export const MIN_DOMAIN_MEMORY = 4 * 1024 * 1024;
export const MAX_DOMAIN_MEMORY = 2048 * 1024 * 1024;
const DTB_ALIGNMENT = 2 * 1024 * 1024;

export class DomainConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DomainConfigError";
  }
}

export interface DomainConfig {
  readonly name: string;
  readonly vcpus: number;
  /** RAM size in bytes. */
  readonly memorySize: number;
  /** The kernel: an RV32 or RV64 ELF executable linked to run in S-mode. */
  readonly kernel: Uint8Array;
  readonly bootargs?: string;
}

/** Everything a runner needs to build a domain's vCPUs, on this thread or another. */
export interface DomainDescriptor {
  readonly id: number;
  readonly name: string;
  readonly xlen: 32 | 64;
  readonly vcpus: number;
  readonly memory: GuestMemoryShare;
  readonly dirty: { bits: SharedArrayBuffer; control: SharedArrayBuffer };
  readonly shared: SharedArrayBuffer;
  readonly consoleOut: SharedArrayBuffer;
  readonly consoleIn: SharedArrayBuffer;
}

/** Where a restored domain's boot-time pieces are (they are in its memory already). */
export interface RestoredDomainLayout {
  readonly xlen: 32 | 64;
  readonly entry: number;
  readonly dtbAddress: number;
  readonly storeRingGpa: number;
}

export type DomainEnd = "shutdown" | "reboot" | "crashed" | "destroyed";

export interface DomainExit {
  readonly end: DomainEnd;
  readonly resetType: number;
  readonly resetReason: number;
}

export class Domain {
  readonly xlen: 32 | 64;
  readonly memory: GuestMemory;
  readonly shared: DomainSharedState;
  readonly consoleOut = new ConsoleRing();
  readonly consoleIn = new ConsoleRing(4096);
  readonly entry: number;
  readonly dtbAddress: number;

  /** Guest-physical address of the store's ring page (the page below the device tree). */
  readonly storeRingGpa: number;

  /**
   * A new domain from `config` (its kernel loaded, its device tree written), or, with
   * `restored`, the shell of a restored one: memory of the right size filled by the restorer,
   * nothing loaded.
   */
  constructor(
    readonly id: number,
    readonly config: DomainConfig,
    restored?: RestoredDomainLayout,
  ) {
    checkConfig(config);
    if (!Number.isInteger(id) || id < 1 || id > MAX_DOMAIN_ID) {
      throw new DomainConfigError(`domain id ${id} must be 1 to ${MAX_DOMAIN_ID} (0 is the toolstack's)`);
    }
    if (restored !== undefined) {
      this.xlen = restored.xlen;
      this.entry = restored.entry;
      this.dtbAddress = restored.dtbAddress;
      this.storeRingGpa = restored.storeRingGpa;
      this.memory = GuestMemory.allocate(DOMAIN_RAM_BASE, config.memorySize, config.vcpus);
      const ring = this.storeRingGpa;
      if (ring % PAGE_SIZE !== 0 || !this.memory.contains(ring, PAGE_SIZE)) {
        throw new DomainConfigError(`the store ring page 0x${ring.toString(16)} is not a page of RAM`);
      }
      this.shared = new DomainSharedState(config.vcpus);
      return;
    }
    let program: ReturnType<typeof parseElf>;
    try {
      program = parseElf(config.kernel);
    } catch (e) {
      throw new DomainConfigError((e as Error).message, { cause: e });
    }
    this.xlen = program.xlen;
    if (this.xlen === 32 && DOMAIN_RAM_BASE + config.memorySize > 2 ** 32) {
      throw new DomainConfigError("an RV32 domain's memory must end below 4 GiB");
    }
    this.memory = GuestMemory.allocate(DOMAIN_RAM_BASE, config.memorySize, config.vcpus);
    try {
      this.entry = loadElf(program, this.memory).entry;
    } catch (e) {
      if (e instanceof ElfError) throw new DomainConfigError(e.message, { cause: e });
      throw e;
    }
    const ramEnd = DOMAIN_RAM_BASE + config.memorySize;
    const treeFor = (ring: number) =>
      domainDeviceTree({
        name: config.name,
        vcpus: config.vcpus,
        xlen: this.xlen,
        ramBase: DOMAIN_RAM_BASE,
        ramSize: config.memorySize,
        bootargs: config.bootargs ?? "",
        storeRing: ring,
        storePort: STORE_PORT,
      });
    const size = writeDeviceTree(treeFor(0)).length;
    this.dtbAddress = Math.floor((ramEnd - size) / DTB_ALIGNMENT) * DTB_ALIGNMENT;
    this.storeRingGpa = this.dtbAddress - PAGE_SIZE;
    const tree = treeFor(this.storeRingGpa);
    tree.reservations.push({ address: BigInt(this.storeRingGpa), size: BigInt(PAGE_SIZE + size) });
    const dtb = writeDeviceTree(tree);
    for (const s of program.segments) {
      if (s.paddr < this.dtbAddress + dtb.length && this.storeRingGpa < s.paddr + s.memsz) {
        throw new DomainConfigError("the kernel overlaps the device tree: give the domain more memory");
      }
    }
    this.memory.write(this.dtbAddress, dtb);
    this.shared = new DomainSharedState(config.vcpus);
  }

  get name(): string {
    return this.config.name;
  }

  get vcpus(): number {
    return this.config.vcpus;
  }

  /**
   * Makes vCPU 0 START_PENDING at the kernel entry (a0 = 0, a1 = DTB), with guest time
   * starting at zero at `hostNow` (10 MHz ticks of the runner's clock).
   */
  boot(hostNow: number): void {
    const s = this.shared;
    s.timeBase = hostNow;
    s.store(0, Slot.START_ADDR_LO, (this.entry % 2 ** 32) | 0);
    s.store(0, Slot.START_ADDR_HI, Math.floor(this.entry / 2 ** 32));
    s.store(0, Slot.OPAQUE_LO, this.dtbAddress | 0);
    s.store(0, Slot.OPAQUE_HI, 0);
    s.store(0, Slot.RESUME_KIND, ResumeKind.START);
    s.store(0, Slot.HSM, HartState.START_PENDING);
  }

  descriptor(): DomainDescriptor {
    return {
      id: this.id,
      name: this.name,
      xlen: this.xlen,
      vcpus: this.vcpus,
      memory: this.memory.share(),
      dirty: this.memory.dirty.shared,
      shared: this.shared.buffer,
      consoleOut: this.consoleOut.buffer,
      consoleIn: this.consoleIn.buffer,
    };
  }

  /**
   * Asks every vCPU to pause at its next slice boundary (or to run again, or to stop). A
   * sleeping vCPU is woken to run or stop, not to pause: it runs nothing either way, and on
   * a thread of its own the wake would take a core from the host just when it restores or
   * migrates a domain.
   */
  setRunRequest(request: number): void {
    for (let v = 0; v < this.vcpus; v++) {
      this.shared.store(v, Slot.RUN, request);
      if (request !== RunRequest.PAUSE) this.shared.wake(v);
    }
  }

  pushInput(bytes: Uint8Array): void {
    this.consoleIn.write(bytes);
    for (let v = 0; v < this.vcpus; v++) this.shared.wake(v);
  }

  /** Ends the domain from the host side; its vCPUs stop at their next slice boundary. */
  destroy(): void {
    this.shared.end(DomainRunState.DESTROYED);
    this.setRunRequest(RunRequest.STOP);
  }

  get running(): boolean {
    return this.shared.runState === DomainRunState.RUNNING;
  }

  /** True while vCPU 0's PV suspend holds the domain (until it is resumed or ended). */
  get suspended(): boolean {
    return this.shared.runState === DomainRunState.SUSPENDED;
  }

  /** True once the domain has ended (shut down, rebooted, crashed or destroyed). */
  get ended(): boolean {
    return this.exit !== undefined;
  }

  /** How the domain ended, once it has. */
  get exit(): DomainExit | undefined {
    const end = END_OF_STATE[this.shared.runState];
    if (end === undefined) return undefined;
    return { end, resetType: this.shared.resetType, resetReason: this.shared.resetReason };
  }
}

const END_OF_STATE: Readonly<Record<number, DomainEnd>> = {
  [DomainRunState.SHUTDOWN]: "shutdown",
  [DomainRunState.REBOOT]: "reboot",
  [DomainRunState.CRASHED]: "crashed",
  [DomainRunState.DESTROYED]: "destroyed",
};

function checkConfig(c: DomainConfig): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(c.name)) {
    throw new DomainConfigError(`domain name "${c.name}" must be 1-64 letters, digits, '_', '.' or '-'`);
  }
  if (!Number.isInteger(c.vcpus) || c.vcpus < 1 || c.vcpus > MAX_VCPUS) {
    throw new DomainConfigError(`vcpus must be 1 to ${MAX_VCPUS}, not ${c.vcpus}`);
  }
  if (
    !Number.isInteger(c.memorySize) ||
    c.memorySize < MIN_DOMAIN_MEMORY ||
    c.memorySize > MAX_DOMAIN_MEMORY
  ) {
    throw new DomainConfigError("memory must be between 4 MiB and 2 GiB");
  }
  if (c.memorySize % PAGE_SIZE !== 0)
    throw new DomainConfigError("memory must be a whole number of 4 KiB pages");
}
