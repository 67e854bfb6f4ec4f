/**
 * A virtual CPU: a hart running a guest in S-mode whose M-mode is the host. Traps that
 * would enter M-mode — only `ecall` from S, since everything delegable is delegated — come
 * to `handleTrap`, which serves them as SBI calls (sbi.ts).
 *
 * The same class runs under both execution modes; the runner decides which thread calls
 * `runSlice` and how to sleep while the vCPU is idle. Everything other vCPUs or the host
 * may touch (HSM state, posted interrupts, remote fences, the run request) is in the
 * domain's shared state and is applied at the start of each slice, so a vCPU never sees a
 * change in the middle of an instruction.
 *
 * Guest time is `host.now()` (10 MHz ticks, monotonic for the domain's life); the SBI timer
 * sets STIP when it passes the deadline, as OpenSBI does for a supervisor.
 */
import { Csr, Mstatus } from "../cpu/csr-numbers.js";
import type { Firmware, Hart } from "../cpu/hart.js";
import { Exception, Irq, Priv } from "../cpu/interrupts.js";
import type { DomainSharedState } from "./domain-shared-state.js";
import { DomainRunState, ResumeKind, RunRequest, Slot, SuspendKind } from "./domain-shared-state.js";
import { VCPU_INFO_SIZE, VcpuInfoOffset } from "./evtchn/shared-info.js";
import { handleSbiCall } from "./sbi.js";
import type { SbiResult } from "./sbi-call.js";
import { HartState } from "./sbi-numbers.js";
import { loadContext } from "./vcpu-context.js";

/** What a vCPU needs from the host that runs it. */
export interface VcpuHost {
  /** Guest time, in 10 MHz ticks. */
  now(): number;
  consoleWrite(bytes: Uint8Array): void;
  /** Takes up to `max` bytes of console input (none when nothing is waiting). */
  consoleRead(max: number): Uint8Array;
  /**
   * Waits until every target vCPU has performed the remote fences asked of it, or is not
   * running. A single-threaded host returns at once: the targets cannot run before they
   * apply the fence at the start of their next slice.
   */
  awaitFences(targets: readonly number[], wanted: readonly number[]): void;
  /**
   * Serves a PV call that needs the domain's hypervisor-side state (shared info, event
   * channels), which lives on the thread that owns the domain (pv-backend.ts). A threaded
   * host forwards it there and waits for the answer.
   */
  pvCall(vcpu: number, fid: number, args: readonly number[]): SbiResult;
  /**
   * Called on this vCPU's thread once its PV suspend call has suspended the domain (the
   * slice ends right after). A host whose toolstack runs on another thread tells it at once:
   * a migration waits for this, and the wait's lag is downtime.
   */
  domainSuspended?(): void;
}

export type SliceOutcome =
  /** Instructions ran; call again. */
  | "ran"
  /** Nothing to do until an interrupt, a timer or another vCPU wakes it. */
  | "idle"
  /** Stopped by HSM (hart_stop, or never started). */
  | "stopped"
  /** The host asked this vCPU to pause, or the domain has ended. */
  | "halted";

/** Exceptions a domain's guest handles itself: everything but ecalls from S and M. */
const DELEGATED_EXCEPTIONS =
  (1 << Exception.InstructionAddressMisaligned) |
  (1 << Exception.InstructionAccessFault) |
  (1 << Exception.IllegalInstruction) |
  (1 << Exception.Breakpoint) |
  (1 << Exception.LoadAddressMisaligned) |
  (1 << Exception.LoadAccessFault) |
  (1 << Exception.StoreAddressMisaligned) |
  (1 << Exception.StoreAccessFault) |
  (1 << Exception.EcallFromU) |
  (1 << Exception.InstructionPageFault) |
  (1 << Exception.LoadPageFault) |
  (1 << Exception.StorePageFault);

export class Vcpu implements Firmware {
  /** SBI timer deadline in guest ticks (Infinity when none is set). */
  timerDeadline = Number.POSITIVE_INFINITY;
  private fencesDone = 0;

  constructor(
    readonly id: number,
    readonly hart: Hart,
    readonly shared: DomainSharedState,
    readonly host: VcpuHost,
  ) {
    hart.firmware = this;
    // Event channels raise SEIP as a level: the vCPU's upcall_pending byte in shared info.
    const mem = hart.mem;
    const upcall = id * VCPU_INFO_SIZE + VcpuInfoOffset.UPCALL_PENDING;
    hart.externalLevel = () => {
      const gpa = shared.sharedInfoGpa;
      return gpa >= 0 && Atomics.load(mem.u8, gpa - mem.base + upcall) !== 0;
    };
  }

  get vcpus(): number {
    return this.shared.vcpus;
  }

  get state(): number {
    return this.shared.load(this.id, Slot.HSM);
  }

  /** Puts the hart in the state an SBI hart_start (or a resume) leaves it in. */
  enterSupervisor(pc: number, a0: number, a1: number): void {
    const h = this.hart;
    h.priv = Priv.S;
    h.setPc(pc);
    h.setX(10, a0);
    h.setX(11, a1);
    h.csrLo[Csr.satp] = 0;
    h.csrHi[Csr.satp] = 0;
    h.csrLo[Csr.mstatus] = h.csrLo[Csr.mstatus]! & ~(Mstatus.SIE | Mstatus.MPRV);
    h.csrLo[Csr.medeleg] = DELEGATED_EXCEPTIONS;
    h.csrLo[Csr.mideleg] = Irq.SSIP | Irq.STIP | Irq.SEIP;
    h.csrLo[Csr.mcounteren] = 7; // cycle, time and instret readable from S
    h.tlb.flush();
    h.privilegeChanged();
    h.waitingForInterrupt = false;
  }

  /** Sets or clears the SBI timer; a deadline already passed raises STIP at once. */
  setTimer(deadline: number): void {
    this.timerDeadline = deadline;
    this.hart.setInterruptPending(Irq.STIP, this.host.now() >= deadline);
  }

  /**
   * Runs up to `budget` instructions after applying whatever others posted. Called by the
   * runner that owns this vCPU's thread.
   */
  runSlice(budget: number): SliceOutcome {
    const shared = this.shared;
    const h = this.hart;
    if (shared.runState !== DomainRunState.RUNNING) return "halted";
    if (shared.load(this.id, Slot.RUN) !== RunRequest.RUN) return "halted";

    this.applyPendingFences();
    const posted = shared.takeInterrupts(this.id);
    if (posted !== 0) h.setInterruptPending(posted, true);
    if (this.timerDeadline !== Number.POSITIVE_INFINITY && this.host.now() >= this.timerDeadline) {
      h.setInterruptPending(Irq.STIP, true);
    }

    switch (shared.load(this.id, Slot.HSM)) {
      case HartState.START_PENDING: {
        const kind = shared.load(this.id, Slot.RESUME_KIND);
        h.reservation = -1;
        if (kind !== ResumeKind.KEEP) {
          if (kind === ResumeKind.START || kind === ResumeKind.CONTEXT) {
            // A fresh start: no interrupt, timer or reservation survives from before.
            h.setInterruptPending(Irq.SSIP | Irq.STIP | Irq.SEIP, false);
            h.csrLo[Csr.mie] = 0;
            this.timerDeadline = Number.POSITIVE_INFINITY;
          }
          this.enterSupervisor(this.loadPair(Slot.START_ADDR_LO), this.id, this.loadPair(Slot.OPAQUE_LO));
          if (kind === ResumeKind.CONTEXT) loadContext(shared, this.id, h);
        }
        // KEEP: vcpu_up after vcpu_down in the same domain; the registers are still here.
        shared.store(this.id, Slot.INITIALISED, 1);
        shared.store(this.id, Slot.HSM, HartState.STARTED);
        break;
      }
      case HartState.STOP_PENDING:
        // Downed by another vCPU (PV vcpu_down): park with every register kept.
        shared.store(this.id, Slot.HSM, HartState.STOPPED);
        return "stopped";
      case HartState.STOPPED:
        return "stopped";
      case HartState.RESUME_PENDING:
        // Claimed by a hart_start or vcpu_up on another thread, which sets START_PENDING and
        // then wakes this one: still stopped. (Run now, it would go on after its hart_stop.)
        return "stopped";
      case HartState.SUSPENDED:
        if (!this.wakeFromSuspend()) return "idle";
        break;
      default:
        break;
    }

    h.stopRequested = false;
    const ran = h.run(budget);
    shared.store(this.id, Slot.EPOCH, h.dirtyEpoch);
    if (h.wedged) {
      // The guest's trap handler cannot be fetched: it can never run again.
      shared.crash();
      return "halted";
    }
    if (ran === 0 && h.waitingForInterrupt) return "idle";
    const state = shared.load(this.id, Slot.HSM);
    if (state === HartState.STOPPED) return "stopped";
    // A hart that suspended with its wake-up already pending (a timer that fired while it
    // got there) resumes now: the runner sleeps an idle vCPU with STIP raised until something
    // else wakes it, which for a suspended hart may be never.
    if (state === HartState.SUSPENDED) return this.wakeFromSuspend() ? "ran" : "idle";
    return "ran";
  }

  /**
   * Performs the remote fences other vCPUs asked of this one, and publishes how many are done
   * (waking a vCPU waiting for them). Called at the start of each slice, and by a threaded
   * host while this vCPU itself waits in `awaitFences`: two vCPUs fencing each other at once
   * would otherwise wait for each other forever. Safe between slices and inside an SBI call
   * (the run loop re-reads the TLB and the fetch page after every trap).
   */
  applyPendingFences(): void {
    const shared = this.shared;
    const fenceReq = shared.load(this.id, Slot.FENCE_REQ);
    if (fenceReq === this.fencesDone) return;
    this.hart.tlb.flush();
    this.hart.privilegeChanged();
    this.fencesDone = fenceReq;
    shared.store(this.id, Slot.FENCE_DONE, fenceReq);
    Atomics.notify(shared.words, shared.at(this.id, Slot.FENCE_DONE));
  }

  /** Resumes a suspended hart when its wake-up condition holds; returns false to stay asleep. */
  private wakeFromSuspend(): boolean {
    const h = this.hart;
    const kind = this.shared.load(this.id, Slot.SUSPEND);
    // A hart suspend resumes on any pending interrupt that mie enables (like wfi); a system
    // suspend to RAM resumes on the timer, the platform's wake-up source.
    const awake = kind === SuspendKind.SYSTEM ? h.isInterruptPending(Irq.STIP) : h.hasWakeupPending();
    if (!awake) return false;
    if (kind !== SuspendKind.RETENTIVE) {
      this.enterSupervisor(this.loadPair(Slot.START_ADDR_LO), this.id, this.loadPair(Slot.OPAQUE_LO));
    }
    // A retentive suspend continues after its ecall, which already returned SUCCESS.
    this.shared.store(this.id, Slot.HSM, HartState.STARTED);
    return true;
  }

  /** The earliest guest time at which this vCPU has something to do (Infinity: none). */
  nextWakeTime(): number {
    return this.timerDeadline;
  }

  /** Reads a (lo, hi) pair of slot words as an unsigned number. */
  loadPair(loField: number): number {
    const lo = this.shared.load(this.id, loField) >>> 0;
    const hi = this.shared.load(this.id, loField + 1) >>> 0;
    return hi * 4294967296 + lo;
  }

  handleTrap(h: Hart, cause: number, interrupt: boolean, tval: number): void {
    if (!interrupt && cause === Exception.EcallFromS) {
      handleSbiCall(this);
      return;
    }
    // Nothing else is routed to M-mode; reaching here means the guest broke the machine
    // model (e.g. an ecall from M, which a guest cannot be in). End the domain.
    void tval;
    this.shared.crash();
    h.stopRequested = true;
  }
}
