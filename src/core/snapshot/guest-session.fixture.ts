/**
 * A reference-guest domain driven through save/restore cycles on any runner, for the tests of
 * both execution modes: it keeps the guest's console (one stream across every restore: it is
 * the same guest), and after each cycle waits for the guest's own verdict for that resume.
 *
 * The guest prints, after resume N, `suspend: resumed N new-domain|cancelled cpus=K` and then
 * `CHECK ok work=… resume=N` (or `CHECK FAIL … (resume=N)`); see guest/kernel/README.md.
 */
import type { BlockDeviceState } from "../devices/block/block-device-spec.js";
import type { DiskImage } from "../devices/block/disk-image.js";
import { Domain } from "../hypervisor/domain.js";
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import { captureDomain } from "./capture-domain.js";
import type { DomainImage, SaveMode } from "./domain-image.js";
import { restoreDomain } from "./restore-domain.js";
import { announcesSuspend, resumeDomain, suspendDomain } from "./suspend-domain.js";

export interface SessionOptions {
  readonly kernel: Uint8Array;
  readonly vcpus: number;
  readonly bootargs: string;
  readonly memorySize?: number;
  /** First domain id; each restore takes the next one. */
  readonly firstId?: number;
  /** Guest-visible timeout for each wait (guest ms in deterministic mode, wall ms in parallel). */
  readonly timeoutMs?: number;
  /** Disks: each opened (again) by `open`, at boot and by every restore. */
  readonly disks?: readonly BlockDeviceState[];
  readonly openDisk?: (state: BlockDeviceState) => Promise<DiskImage>;
}

export class GuestSession {
  output = "";
  domain: Domain;
  resumes = 0;
  protected nextId: number;
  private readonly timeoutMs: number;
  private readonly decoder = new TextDecoder();
  private readonly home: DomainRunner;
  private readonly openDisk: SessionOptions["openDisk"];

  /** A session whose disks are open before the guest boots. */
  static async withDisks(runner: DomainRunner, options: SessionOptions): Promise<GuestSession> {
    const open = options.openDisk;
    const states = options.disks ?? [];
    if (open === undefined && states.length > 0) throw new Error("disks need openDisk");
    const images = await Promise.all(states.map((st) => open!(st)));
    return new GuestSession(runner, options, images);
  }

  constructor(runner: DomainRunner, options: SessionOptions, images: readonly DiskImage[] = []) {
    this.home = runner;
    this.nextId = options.firstId ?? 1;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.domain = new Domain(this.nextId++, {
      name: "guest",
      vcpus: options.vcpus,
      memorySize: options.memorySize ?? 32 << 20,
      kernel: options.kernel,
      bootargs: options.bootargs,
    });
    this.openDisk = options.openDisk;
    runner.add(this.domain);
    for (const [i, image] of images.entries()) runner.pv.attachDisk(this.domain, options.disks![i]!, image);
  }

  /** The runner that holds the domain (a subclass may move it). */
  get runner(): DomainRunner {
    return this.home;
  }

  /** The runner's console sink for this session. */
  readonly append = (_domain: Domain, bytes: Uint8Array): void => {
    this.output += this.decoder.decode(bytes, { stream: true });
  };

  /** Waits until the guest printed something matching `pattern` after `from`; throws on timeout. */
  async waitFor(pattern: RegExp, from = 0, what = pattern.source): Promise<string> {
    let found: RegExpExecArray | null = null;
    const ok = await this.runner.waitFor(() => {
      found = pattern.exec(this.output.slice(from));
      return found !== null || this.domain.ended;
    }, this.timeoutMs);
    if (!ok || found === null) {
      throw new Error(
        `guest never printed ${what} (domain ${this.domain.exit?.end ?? "running"}):\n${this.tail()}`,
      );
    }
    return (found as RegExpExecArray)[0];
  }

  /** Waits until the guest's workloads started and it announced the protocol; false on timeout. */
  async announced(): Promise<boolean> {
    await this.waitFor(/^work started: .*$/m);
    return this.runner.waitFor(() => announcesSuspend(this.runner, this.domain), this.timeoutMs);
  }

  tail(lines = 40): string {
    return this.output.split("\n").slice(-lines).join("\n");
  }

  /**
   * One cycle: suspend, capture, then either restore as a new domain (the old one released) or
   * cancel; then the guest's verdict for this resume. Returns the image and the verdict line.
   */
  async cycle(kind: "restore" | "cancel"): Promise<{ image: DomainImage; mode: SaveMode; verdict: string }> {
    const mark = this.output.length;
    const mode = await suspendDomain(this.runner, this.domain, { timeoutMs: this.timeoutMs });
    const image = await captureDomain(this.runner, this.domain, mode);
    if (kind === "cancel") {
      await resumeDomain(this.runner, this.domain, mode);
    } else {
      // The new domain first, then the old one goes: as a migration does it.
      const old = this.domain;
      this.domain = await restoreDomain(this.runner, image, {
        id: this.nextId++,
        ...(this.openDisk === undefined ? {} : { openDisk: this.openDisk }),
      });
      await this.runner.release(old);
    }
    if (mode === "transparent") return { image, mode, verdict: "" };
    const verdict = await this.verdict(kind === "cancel" ? "cancelled" : "new-domain", mark);
    return { image, mode, verdict };
  }

  /** Counts a cooperative resume and waits, after `mark`, for its line and the guest's verdict line. */
  protected async verdict(how: "new-domain" | "cancelled", mark: number): Promise<string> {
    this.resumes++;
    const n = this.resumes;
    await this.waitFor(new RegExp(`^suspend: resumed ${n} ${how} cpus=\\d+$`, "m"), mark);
    return this.waitFor(new RegExp(`^CHECK .*resume=${n}\\)?$`, "m"), mark, `a verdict for resume ${n}`);
  }
}
