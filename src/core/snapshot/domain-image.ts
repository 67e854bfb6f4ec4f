/**
 * A saved domain as a value: a header and a sequence of typed records (DESIGN.md §5). This is
 * the state object of an in-memory save; the file format and the migration stream encode the
 * same records, each with a length and a checksum (issue 6).
 *
 * | record          | count          | holds                                                  |
 * |-----------------|----------------|--------------------------------------------------------|
 * | domain-config   | 1, first       | name, vCPUs, memory size, bootargs, boot layout        |
 * | memory          | 0 or more      | a batch of (page number, 4 KiB data); zero pages absent |
 * | vcpu            | 1 (cooperative: vCPU 0) or one per vCPU (transparent) | VcpuState |
 * | event-channels  | 1              | the domain's event channel table                       |
 * | shared-info     | 1              | the registered shared-info address (or null)           |
 * | store           | 1              | the domain's store subtree                             |
 * | timers          | 1              | each kept vCPU's SBI timer deadline (guest ticks)      |
 * | time            | 1              | guest time at the suspend (the new domain goes on from it) |
 * | devices         | 1              | device backend state (none yet)                        |
 * | end             | 1, last        |                                                        |
 *
 * Records are plain data (numbers, strings, Uint8Arrays, arrays, objects), so they survive
 * `structuredClone` and cross threads. The loader (restore-domain.ts) checks every field.
 */
import type { VcpuState } from "../hypervisor/vcpu-state.js";

export const IMAGE_MAGIC = "FERRY-DOMAIN";
/** The record structure's version, independent of the package version. */
export const IMAGE_VERSION = 1;
/** Pages per memory record. */
export const PAGES_PER_BATCH = 1024;

export type SaveMode = "cooperative" | "transparent";

export interface ImageHeader {
  readonly magic: typeof IMAGE_MAGIC;
  readonly version: number;
  readonly xlen: 32 | 64;
  readonly pageSize: number;
  readonly vcpus: number;
  readonly mode: SaveMode;
}

export interface MemoryPage {
  /** Page number from the start of the domain's RAM. */
  readonly pfn: number;
  readonly data: Uint8Array;
}

export type DomainRecord =
  | {
      readonly type: "domain-config";
      readonly name: string;
      readonly vcpus: number;
      readonly memorySize: number;
      readonly bootargs: string;
      readonly entry: number;
      readonly dtbAddress: number;
      readonly storeRingGpa: number;
    }
  | { readonly type: "memory"; readonly pages: readonly MemoryPage[] }
  | { readonly type: "vcpu"; readonly state: VcpuState }
  | { readonly type: "event-channels"; readonly state: unknown }
  | { readonly type: "shared-info"; readonly gpa: number | null }
  | { readonly type: "store"; readonly state: unknown }
  | { readonly type: "timers"; readonly deadlines: readonly { vcpu: number; deadline: number | null }[] }
  | { readonly type: "time"; readonly guestTime: number }
  | { readonly type: "devices"; readonly devices: readonly unknown[] }
  | { readonly type: "end" };

export interface DomainImage {
  readonly header: ImageHeader;
  readonly records: readonly DomainRecord[];
}

/** Thrown for an image that cannot be restored; nothing has been created when it is. */
export class ImageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ImageError";
  }
}
