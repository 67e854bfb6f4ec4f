/**
 * A saved domain as a value: a header and a sequence of typed records (DESIGN.md §5). This is
 * the state object of an in-memory save; the file format and the migration stream encode the
 * same records, each with a length and a checksum (image-codec.ts, docs/image-format.md).
 *
 * | record          | count          | holds                                                  |
 * |-----------------|----------------|--------------------------------------------------------|
 * | domain-config   | 1, first       | name, vCPUs (and maximum), memory size, bootargs, boot |
 * |                 |                | layout, what a poweroff does (the last two: version 2) |
 * | memory          | 0 or more      | a batch of (page number, 4 KiB data); zero pages absent |
 * | vcpu            | 1 (cooperative: vCPU 0) or one per vCPU (transparent) | VcpuState |
 * | event-channels  | 1              | the domain's event channel table                       |
 * | shared-info     | 1              | the registered shared-info address (or null)           |
 * | store           | 1              | the domain's store subtree                             |
 * | timers          | 1              | each kept vCPU's SBI timer deadline (guest ticks)      |
 * | time            | 1              | guest time at the suspend (the new domain goes on from it) |
 * | devices         | 1              | each disk's backend state (block-device-spec.ts)       |
 * | end             | 1, last        |                                                        |
 * | disk-data       | 0 or more      | a batch of one disk's contents: migration with copied  |
 * |                 | (before end)   | disks only (disk-data-record.ts)                       |
 *
 * Records are plain data (numbers, strings, Uint8Arrays, arrays, objects), so they survive
 * `structuredClone` and cross threads. The loader (restore-domain.ts) checks every field.
 *
 * Versions: the record structure has a version of its own, independent of the package's.
 * A reader accepts the current version and the previous one (a file format that strands its
 * users on upgrade is worse than none). In memory, records always have the current shape —
 * the decoder upgrades older ones — and `ImageHeader.version` says which version the image
 * was read from (IMAGE_VERSION for a fresh capture).
 */
import type { VcpuState } from "../hypervisor/vcpu-state.js";

export const IMAGE_MAGIC = "FERRY-DOMAIN";
/**
 * The record structure's version, independent of the package version. 2 added `maxVcpus`
 * and `onPoweroff` to domain-config.
 */
export const IMAGE_VERSION = 2;
/** The previous version, still read, and written on request (to save for an older Ferry). */
export const PREVIOUS_IMAGE_VERSION = 1;
export type ImageVersion = typeof PREVIOUS_IMAGE_VERSION | typeof IMAGE_VERSION;

/** True for a version this Ferry reads. */
export function isSupportedVersion(version: unknown): version is ImageVersion {
  return version === IMAGE_VERSION || version === PREVIOUS_IMAGE_VERSION;
}

/** The one message for a version this Ferry cannot read (the decoder's and the loader's). */
export function unsupportedVersionMessage(version: unknown): string {
  return `image format version ${String(version)} is not supported (this Ferry reads ${PREVIOUS_IMAGE_VERSION} and ${IMAGE_VERSION})`;
}

/** Pages per memory record. */
export const PAGES_PER_BATCH = 1024;

export type SaveMode = "cooperative" | "transparent";

/** What a guest poweroff does to the domain: it goes away, or it stays for inspection. */
export type OnPoweroff = "destroy" | "preserve";
export const ON_POWEROFF_VALUES: readonly OnPoweroff[] = ["destroy", "preserve"];

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
  /**
   * crc32c(data), when whoever built the record has it (the migration sender hashes every
   * page it sends): the record's checksum is then derived from it, not read from the page
   * again. Never decoded: a reader checks the record's own checksum.
   */
  readonly crc?: number;
}

export type DomainRecord =
  | {
      readonly type: "domain-config";
      readonly name: string;
      readonly vcpus: number;
      /** The most vCPUs the domain may have (version 2; equal to `vcpus` for now). */
      readonly maxVcpus: number;
      readonly memorySize: number;
      readonly bootargs: string;
      readonly entry: number;
      readonly dtbAddress: number;
      readonly storeRingGpa: number;
      /** Version 2; a version 1 image loads with "destroy". */
      readonly onPoweroff: OnPoweroff;
    }
  | { readonly type: "memory"; readonly pages: readonly MemoryPage[] }
  | { readonly type: "vcpu"; readonly state: VcpuState }
  | { readonly type: "event-channels"; readonly state: unknown }
  | { readonly type: "shared-info"; readonly gpa: number | null }
  | { readonly type: "store"; readonly state: unknown }
  | { readonly type: "timers"; readonly deadlines: readonly { vcpu: number; deadline: number | null }[] }
  | { readonly type: "time"; readonly guestTime: number }
  | { readonly type: "devices"; readonly devices: readonly unknown[] }
  | { readonly type: "end" }
  | {
      readonly type: "disk-data";
      readonly devid: number;
      /** The disk's size in bytes. */
      readonly size: number;
      readonly chunks: readonly { readonly index: number; readonly data: Uint8Array }[];
    };

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
