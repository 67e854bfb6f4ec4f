/**
 * The destination side of a migration (docs/migration.md): takes a domain from the source at
 * the other end of a ByteChannel, driven by the receiver state machine (receiver-state.ts).
 *
 * The domain is built as the records arrive — by the same loader as a restore from a file
 * (restoreDomainFrom: every record checked, memory written straight into the new domain, a
 * page sent in several rounds simply written again) — and added to the runner *paused*
 * once the stream is complete and valid. Only then does READY go out, and only a COMMIT
 * starts the domain; RESUMED answers it. Guest time is set back to the time of the suspend
 * just before the start, so the wait for the commit is as invisible to the guest as the
 * transfer.
 *
 * Any failure before COMMIT — the connection closed or broken, the source silent for
 * `timeoutMs`, an ABORT, a bad frame or record, a name the host refuses — discards
 * everything: the domain is released from the runner, the claimed name given back
 * (`release`), the source told why (ABORT), and one MigrationError thrown. After COMMIT the
 * domain runs here whatever happens to the connection: the source may be in doubt, but
 * this side is not.
 */
import type { Domain } from "../hypervisor/domain.js";
import type { DomainRunner } from "../hypervisor/domain-runner.js";
import { type DomainRecord, ImageError, type OnPoweroff, type SaveMode } from "../snapshot/domain-image.js";
import { ImageDecoder, RECORD_NAMES } from "../snapshot/image-codec.js";
import { type RestoreOptions, restoreDomainFrom } from "../snapshot/restore-domain.js";
import type { ByteChannel } from "./byte-channel.js";
import { FrameReader, FrameWriter, PeerAbortError } from "./message-stream.js";
import { MigrationError, reasonOf } from "./migration-error.js";
import type { MigrationProgress } from "./migration-report.js";
import { ReceiverMachine, ReceiverState } from "./receiver-state.js";
import {
  Command,
  type ControlFrame,
  chooseVersion,
  encodeControl,
  type Frame,
  parseText,
  parseU32s,
  parseU64,
  ROUND_FINAL,
  STREAM_MAGIC,
  textBody,
  u32Body,
} from "./wire-format.js";

export const DEFAULT_RECEIVE_TIMEOUT_MS = 150_000;
/** How long the destination waits, after RESUMED, for the source to close the connection. */
const CLOSE_WAIT_MS = 5_000;

/** What the destination is told of an incoming domain before it claims it. */
export interface IncomingDomain {
  readonly name: string;
  readonly vcpus: number;
  readonly memorySize: number;
  readonly xlen: 32 | 64;
  readonly mode: SaveMode;
  readonly onPoweroff: OnPoweroff;
}

export interface MigrateInOptions {
  /**
   * Reserves the incoming domain's name and chooses its id (and name) on this host; throws
   * to refuse it (the message goes back to the source), e.g. when the name is taken.
   */
  claim(name: string, domain: IncomingDomain): { id: number; name: string };
  /** Gives back a claimed name when the migration fails. */
  release?(name: string): void;
  /**
   * Called when COMMIT arrives, just before the domain starts and RESUMED goes out: from then
   * on the domain is this host's (a toolstack lists it), even while migrateIn waits for the
   * source to close.
   */
  onCommit?(domain: Domain): void;
  /**
   * How long the source may send nothing (default 150 s: longer than a source waits for a
   * guest to acknowledge and then to suspend, 2 × 60 s by default).
   */
  readonly timeoutMs?: number;
  onProgress?(p: MigrationProgress): void;
  /** Opens the incoming domain's disks (restore-domain.ts `RestoreOptions.openDisk`). */
  readonly openDisk?: RestoreOptions["openDisk"];
  /** Makes the images of disks the source copies (`RestoreOptions.receiveDisk`). */
  readonly receiveDisk?: RestoreOptions["receiveDisk"];
}

/**
 * Receives a domain over `channel` (which it closes when it returns) and returns it running
 * on `runner`, after the commit. On failure nothing is left on the runner and it throws
 * MigrationError.
 */
export async function migrateIn(
  runner: DomainRunner,
  channel: ByteChannel,
  options: MigrateInOptions,
): Promise<Domain> {
  try {
    return await new Receiver(runner, channel, options).run();
  } finally {
    channel.close();
  }
}

const PEER = "the source";

/** The message read next: a control frame, or a record decoded (undefined: an optional one skipped). */
type Message =
  | { kind: "control"; frame: ControlFrame }
  | { kind: "record"; record: DomainRecord | undefined };

class Receiver {
  private readonly machine = new ReceiverMachine();
  private readonly reader: FrameReader;
  private readonly out: FrameWriter;
  private readonly timeoutMs: number;
  private decoder: ImageDecoder | undefined;
  private claimed: { id: number; name: string } | undefined;
  private domain: Domain | undefined;
  private guestTime: number | undefined;
  /** The protocol version agreed with the source. */
  private version = 0;
  /** When COMMIT was read: RESUMED tells the source how long the start took from there. */
  private committedAt = 0;
  /** The source has said its last word (ABORT) or reading failed: nothing to tell it (nor after `out.failed`). */
  private silent = false;

  constructor(
    private readonly runner: DomainRunner,
    channel: ByteChannel,
    private readonly options: MigrateInOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RECEIVE_TIMEOUT_MS;
    this.reader = new FrameReader(channel, PEER);
    this.out = new FrameWriter(channel, PEER, this.timeoutMs);
  }

  async run(): Promise<Domain> {
    let domain: Domain;
    try {
      domain = await this.receive();
    } catch (e) {
      throw await this.fail(e);
    }
    await this.start(domain);
    return domain;
  }

  /** Everything before the commit: the handshake, the records, READY, and COMMIT itself. */
  private async receive(): Promise<Domain> {
    const hello = await this.control("HELLO");
    const [oldest, newest] = parseU32s(hello, 2, PEER);
    const version = chooseVersion(oldest!, newest!);
    if (typeof version === "string") {
      await this.refuse(version, true);
      throw new MigrationError(`refused the connection: ${version}`);
    }
    this.version = version;
    await this.out.write([STREAM_MAGIC, encodeControl(Command.VERSION, u32Body(version))]);

    const header = await this.control("IMAGE_HEADER");
    const decoder = new ImageDecoder();
    this.decoder = decoder;
    const item = this.decode(() => {
      decoder.push(header.body);
      return decoder.next();
    });
    if (item?.kind !== "header") {
      throw new MigrationError(
        `${PEER} sent an IMAGE_HEADER of ${header.body.length} bytes: not an image header`,
      );
    }
    const config = await this.next("the domain-config record");
    if (config.kind !== "record" || config.record?.type !== "domain-config") {
      throw new MigrationError(`${PEER} sent no domain-config record`); // the machine let nothing else through
    }
    const c = config.record;
    if (typeof c.name !== "string" || c.name === "") {
      throw new MigrationError(`${PEER} sent a domain-config record without a name`);
    }
    try {
      this.claimed = this.options.claim(c.name, {
        name: c.name,
        vcpus: c.vcpus,
        memorySize: c.memorySize,
        xlen: item.header.xlen,
        mode: item.header.mode,
        onPoweroff: c.onPoweroff,
      });
    } catch (e) {
      await this.refuse(reasonOf(e), false);
      throw new MigrationError(`refused domain ${c.name}: ${reasonOf(e)}`, { cause: e });
    }
    await this.out.write([encodeControl(Command.ACCEPT)]);
    this.machine.claimed();
    this.progress("handshake");

    this.domain = await restoreDomainFrom(this.runner, item.header, this.records(c), {
      ...this.claimed,
      paused: true,
      ...(this.options.openDisk === undefined ? {} : { openDisk: this.options.openDisk }),
      ...(this.options.receiveDisk === undefined ? {} : { receiveDisk: this.options.receiveDisk }),
    });
    await this.out.write([encodeControl(Command.READY)]);
    this.machine.ready();
    await this.next("COMMIT");
    this.committedAt = performance.now();
    this.progress("commit");
    return this.domain;
  }

  /** The records for restoreDomainFrom: the config, then each as it comes, until STATE_COMPLETE. */
  private async *records(config: DomainRecord): AsyncGenerator<DomainRecord> {
    yield config;
    for (;;) {
      const m = await this.next("the domain's records");
      if (m.kind === "record") {
        if (m.record?.type === "time") this.guestTime = m.record.guestTime;
        if (m.record !== undefined) yield m.record;
        continue;
      }
      const { frame } = m;
      if (frame.command === Command.ROUND) {
        this.progress(this.machine.state === ReceiverState.FINAL_MEMORY ? "final" : "round");
      } else if (frame.command === Command.STATE_COMPLETE) {
        const sent = parseU64(frame, PEER);
        if (sent !== frame.offset) {
          throw new MigrationError(
            `${PEER} sent ${sent} bytes before STATE_COMPLETE, but ${frame.offset} arrived`,
          );
        }
        return;
      }
    }
  }

  /**
   * The next message, checked by the state machine before anything acts on it: a control
   * frame, or a record frame decoded by the image decoder (its CRC and body checked there).
   */
  private async next(waitingFor: string): Promise<Message> {
    const frame = await this.frame(waitingFor);
    if (frame.kind === "control") {
      if (frame.command === Command.ROUND) {
        const [round, flags] = parseU32s(frame, 2, PEER);
        if ((flags! & ~ROUND_FINAL) !== 0) {
          throw new MigrationError(`${PEER} sent ROUND ${round} with unknown flags 0x${flags!.toString(16)}`);
        }
        this.machine.receive({
          kind: "control",
          command: frame.command,
          round: round!,
          final: flags === ROUND_FINAL,
        });
      } else {
        this.machine.receive({ kind: "control", command: frame.command });
      }
      if (frame.command === Command.ABORT) {
        this.silent = true;
        throw new PeerAbortError(`${PEER} aborted the migration: ${parseText(frame)}`);
      }
      return { kind: "control", frame };
    }
    this.machine.receive({ kind: "record", record: RECORD_NAMES.get(frame.type) ?? "optional" });
    const decoder = this.decoder!;
    const item = this.decode(() => {
      for (const b of frame.bytes) decoder.push(b);
      return decoder.next();
    });
    return { kind: "record", record: item?.kind === "record" ? item.record : undefined };
  }

  /** The next control frame, which the machine must accept (the handshake's messages). */
  private async control(waitingFor: string): Promise<ControlFrame> {
    const m = await this.next(waitingFor);
    if (m.kind !== "control") throw new MigrationError(`${PEER} sent a record instead of ${waitingFor}`);
    return m.frame;
  }

  private async frame(waitingFor: string): Promise<Frame> {
    let frame: Frame | undefined;
    try {
      frame = await this.reader.next(this.timeoutMs, waitingFor);
    } catch (e) {
      this.silent = true;
      throw e;
    }
    if (frame === undefined) {
      this.silent = true;
      throw new MigrationError(`${PEER} closed the connection (in state ${this.machine.state})`);
    }
    return frame;
  }

  /** Runs a step of the image decoder: its ImageError becomes a bad record from the source. */
  private decode<T>(step: () => T): T {
    try {
      return step();
    } catch (e) {
      if (e instanceof ImageError)
        throw new MigrationError(`${PEER} sent a bad record: ${e.message}`, { cause: e });
      throw e;
    }
  }

  /** The handshake's no (after the magic, if nothing was sent yet); best effort. */
  private async refuse(reason: string, first: boolean): Promise<void> {
    const frame = encodeControl(Command.REFUSE, textBody(reason));
    await this.out.write(first ? [STREAM_MAGIC, frame] : [frame]).catch(() => undefined);
    this.silent = true;
  }

  /** After COMMIT: the guest's clock back to its suspend, the domain started, RESUMED sent. */
  private async start(domain: Domain): Promise<void> {
    if (this.guestTime !== undefined) {
      const drift = this.runner.guestTime(domain) - this.guestTime;
      if (drift > 0) domain.shared.timeBase += drift;
    }
    // The vCPUs run from the moment unpause() is called (it sets their RUN words before it
    // awaits the threads' acknowledgements): RESUMED need not wait for those.
    this.options.onCommit?.(domain);
    const started = this.runner.unpause(domain);
    started.catch(() => undefined); // awaited below, after RESUMED
    const startUs = Math.min(Math.round((performance.now() - this.committedAt) * 1000), 0xffff_ffff);
    try {
      await this.out.write([
        this.version >= 2 ? encodeControl(Command.RESUMED, u32Body(startUs)) : encodeControl(Command.RESUMED),
      ]);
      // Wait for the source to close, so that RESUMED is read before this side closes.
      await this.reader.next(Math.min(this.timeoutMs, CLOSE_WAIT_MS), "the source to close the connection");
    } catch {
      // The domain runs here: the source, if it missed RESUMED, reports the doubt.
    }
    try {
      await started;
    } catch (e) {
      throw new MigrationError(
        `domain ${domain.name} was committed here but could not start: ${reasonOf(e)}`,
        {
          cause: e,
        },
      );
    }
  }

  /** Discards everything and returns the one error to throw. */
  private async fail(e: unknown): Promise<MigrationError> {
    const error = e instanceof MigrationError ? e : new MigrationError(reasonOf(e), { cause: e });
    if (this.machine.state !== ReceiverState.ABORTED) this.machine.abort();
    if (!this.silent && !this.out.failed) await this.out.abort(error.message);
    if (this.domain !== undefined) await this.runner.release(this.domain);
    // The source may be mid-round: let it read the ABORT (or REFUSE) before the connection goes.
    await this.reader.discardUntilClosed(CLOSE_WAIT_MS);
    const name = this.claimed?.name;
    if (name !== undefined) this.options.release?.(name);
    const what = name === undefined ? "an incoming migration" : `the incoming migration of domain ${name}`;
    return new MigrationError(`${what} failed: ${error.message}; nothing was kept`, { cause: error });
  }

  private progress(phase: MigrationProgress["phase"]): void {
    this.options.onProgress?.({ phase, bytes: this.reader.bytesRead });
  }
}
