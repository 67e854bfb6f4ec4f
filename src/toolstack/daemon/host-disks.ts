/**
 * The disk images of one host's domains, as ferryd opens and makes them: a new domain's from
 * its config (xl's syntax), a restored or migrated domain's from its image's devices record,
 * and the copies a migration with `--copy-disks` brings in (made in the `--disk-dir`).
 *
 * Invariants: an image is written by at most one domain of the host, and never read by one
 * while another writes it (the guest's filesystem would be torn; across hosts that is the
 * operator's job, as with Xen and QEMU); a copy is never made over an existing file, and a
 * copy of a failed migration is deleted — no other image ever is.
 */
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { type BlockDeviceState, vdevOf } from "../../core/devices/block/block-device-spec.js";
import type { DiskImage } from "../../core/devices/block/disk-image.js";
import type { Domain } from "../../core/hypervisor/domain.js";
import type { PvHost } from "../../core/hypervisor/pv-host.js";
import type { ReceivedDisk } from "../../core/snapshot/restore-domain.js";
import { DiskImageError, openFileDiskImage } from "../../host/node/file-disk-image.js";
import { parseDiskList } from "../config/disk-spec.js";

export class HostDisks {
  constructor(
    private readonly pv: PvHost,
    /** The host's domains whose disks count as open. */
    private readonly domains: () => Iterable<Domain>,
    /** Where copies are made; none: copies are refused. */
    private readonly diskDir: string | undefined,
  ) {}

  /**
   * Opens a new domain's disks, all or none. Throws DiskSpecError for a bad spec (the API may
   * be called without the CLI's checks) and DiskImageError for an image that cannot be opened.
   */
  async openAll(specs: readonly string[]): Promise<{ state: BlockDeviceState; image: DiskImage }[]> {
    const parsed = parseDiskList(specs);
    const opened: { state: BlockDeviceState; image: DiskImage }[] = [];
    try {
      for (const d of parsed) opened.push({ state: { kind: "vbd", ...d }, image: await this.open(d) });
      return opened;
    } catch (e) {
      await Promise.allSettled(opened.map((d) => d.image.close()));
      throw e;
    }
  }

  /** Opens one image (a new domain's, or one a restore or an incoming migration names). */
  readonly open = async (state: Pick<BlockDeviceState, "target" | "access">): Promise<DiskImage> => {
    const user = this.user(state.target, state.access);
    if (user !== undefined)
      throw new DiskImageError(`disk image ${state.target} is in use by domain ${user}`);
    return openFileDiskImage(state.target, state.access);
  };

  /** A new sparse image of `size` bytes, `DIR/NAME-xvdX.img`, for a disk a migration copies in. */
  async make(name: string, devid: number, size: number): Promise<ReceivedDisk> {
    const dir = this.diskDir;
    if (dir === undefined) throw new Error("this ferryd takes no copied disks (start it with --disk-dir)");
    const vdev = vdevOf(devid);
    if (vdev === undefined) throw new Error(`device id ${devid} is not a disk`);
    const target = join(dir, `${name}-${vdev}.img`);
    try {
      const file = await open(target, "wx");
      try {
        await file.truncate(size);
      } finally {
        await file.close();
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === "EEXIST" ? `${target} exists already` : `cannot make ${target}: ${(e as Error).message}`;
      throw new Error(why, { cause: e });
    }
    const image = await openFileDiskImage(target, "rw");
    return {
      image,
      target,
      discard: async () => {
        await image.close();
        await rm(target, { force: true });
      },
    };
  }

  /** The domain that has `target` open in a way that excludes opening it with `access`. */
  private user(target: string, access: "ro" | "rw"): string | undefined {
    for (const domain of this.domains()) {
      for (const d of this.pv.disksOf(domain.id)) {
        if (d.spec.target === target && (access === "rw" || d.spec.access === "rw")) return domain.name;
      }
    }
    return undefined;
  }
}
