/**
 * One virtual disk of a domain as the host knows it: which image, as which device, how. With
 * the ring's position it is also the backend's saved state (the image's `devices` record, one
 * entry per disk), so a restore or a migration opens the same image again;
 * `checkBlockDeviceStates` is the loader's check of that record (strict: an image that names
 * something impossible is refused).
 *
 * `ring` is saved only by a transparent capture, whose guest never learns it moved: the new
 * backend goes on serving the same ring from the same indices. A cooperative guest reconnects
 * instead (docs/block-device.md), so its image has no ring.
 */

export interface BlockDeviceSpec {
  readonly kind: "vbd";
  /** Xen's device id: (202 << 8) | (disk index << 4); xvda is 51712. */
  readonly devid: number;
  /** xvda … xvdz. */
  readonly vdev: string;
  /** The image file on the host (shared storage after a migration). */
  readonly target: string;
  readonly format: "raw";
  readonly access: "ro" | "rw";
}

export interface BlockRingPosition {
  /** The ring page's guest frame number and the frontend's port. */
  readonly gfn: number;
  readonly port: number;
  /** Requests consumed and responses produced (free-running u32); equal once quiesced. */
  readonly reqCons: number;
  readonly rspProd: number;
}

export interface BlockDeviceState extends BlockDeviceSpec {
  readonly ring?: BlockRingPosition;
}

const XVD_MAJOR = 202;

/** The device id of `xvdX`, or undefined for a name that is not xvda … xvdz. */
export function devidOf(vdev: string): number | undefined {
  const m = /^xvd([a-z])$/.exec(vdev);
  if (m === null) return undefined;
  return (XVD_MAJOR << 8) | ((m[1]!.charCodeAt(0) - 97) << 4);
}

/** `xvdX` for a device id devidOf made (the index in bits 4–8), or undefined. */
export function vdevOf(devid: number): string | undefined {
  const index = (devid - (XVD_MAJOR << 8)) >> 4;
  const vdev = index >= 0 && index < 26 ? `xvd${String.fromCharCode(97 + index)}` : undefined;
  return vdev !== undefined && devidOf(vdev) === devid ? vdev : undefined;
}

/** Checks a `devices` record's list; returns it typed, or throws an Error saying what is wrong. */
export function checkBlockDeviceStates(list: unknown): BlockDeviceState[] {
  if (!Array.isArray(list)) throw new Error("the device list is not a list");
  const seen = new Set<number>();
  return list.map((d: Partial<BlockDeviceState> | null, i): BlockDeviceState => {
    const where = `device ${i}`;
    if (typeof d !== "object" || d === null) throw new Error(`${where} is not an object`);
    if (d.kind !== "vbd") throw new Error(`${where}: unknown device kind ${String(d.kind)}`);
    const devid = typeof d.vdev === "string" ? devidOf(d.vdev) : undefined;
    if (devid === undefined || devid !== d.devid) {
      throw new Error(
        `${where}: vdev ${String(d.vdev)} with device id ${String(d.devid)} is not a disk name`,
      );
    }
    if (seen.has(devid)) throw new Error(`${where}: ${d.vdev} appears twice`);
    seen.add(devid);
    if (typeof d.target !== "string" || d.target.length === 0)
      throw new Error(`${where}: no image file (target)`);
    if (d.format !== "raw") throw new Error(`${where}: format ${String(d.format)} is not raw`);
    if (d.access !== "ro" && d.access !== "rw") throw new Error(`${where}: access ${String(d.access)}`);
    const spec: BlockDeviceSpec = {
      kind: "vbd",
      devid,
      vdev: d.vdev as string,
      target: d.target,
      format: "raw",
      access: d.access,
    };
    if (d.ring === undefined) return spec;
    const r = d.ring as Partial<BlockRingPosition> | null;
    const u32 = (v: unknown): v is number =>
      Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;
    if (
      typeof r !== "object" ||
      r === null ||
      !u32(r.gfn) ||
      !u32(r.port) ||
      !u32(r.reqCons) ||
      !u32(r.rspProd)
    ) {
      throw new Error(`${where}: impossible ring position`);
    }
    return { ...spec, ring: { gfn: r.gfn, port: r.port, reqCons: r.reqCons, rspProd: r.rspProd } };
  });
}
