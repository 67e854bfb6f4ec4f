/**
 * One RISC-V hart: RV32IMAC or RV64IMAC with Zicsr and Zifencei, M/S/U privilege, Sv32/Sv39.
 *
 * Representation (chosen by measurement — see docs/cpu.md): each x register is two signed
 * 32-bit halves in `xlo`/`xhi`. On RV32 `xhi` always holds the sign extension of `xlo`, so
 * comparisons, branches and logic work unchanged, and the ADD/SUB/shift/M forms that differ
 * use their 32-bit ("W") arithmetic. `pc` is a plain number: unsigned on RV32; on RV64 the
 * signed value, exact for every canonical Sv39 address (|pc| < 2^53).
 *
 * The run loop follows TinyEMU: fetch within the current page through a cached host offset,
 * expand compressed parcels by table, switch once on the major opcode, then on funct3.
 * Loads and stores hit a direct-mapped TLB (mmu.ts) inline; everything rare — misses, MMIO,
 * CSRs, atomics, privileged instructions — is a call. Exceptions are thrown (`TRAP`) from the
 * slow paths and caught once per slice. Interrupts are checked when a slice starts and after
 * any instruction that can enable one (CSR writes, xRET, wfi, device stores), which is when
 * the specification requires them to be seen on a single hart.
 */
import type { AddressSpace } from "../memory/address-space.js";
import type { GuestMemory } from "../memory/guest-memory.js";
import { executeAtomic } from "./atomics.js";
import { executeCsrInstruction } from "./csr.js";
import { Csr } from "./csr-numbers.js";
import { TLB, X_HI, X_LO } from "./hart-area.js";
import { div32, div64, lt64, ltu64, mul64, mulh32, mulh64, type Pair, sar64, shl64, shr64 } from "./int64.js";
import { Exception, Irq, Priv, type PrivLevel } from "./interrupts.js";
import { CodeCache } from "./jit/code-cache.js";
import { BUDGET, EXIT_PC, Exit } from "./jit/jit-abi.js";
import {
  dataPriv,
  fetchSlow,
  loadSlow,
  raise,
  storeSlow,
  TLB_ADDEND,
  TLB_ENTRY_WORDS,
  TLB_MASK,
  Tlb,
  tlbSet,
} from "./mmu.js";
import { enterTrap, executePrivileged, pendingInterrupt } from "./privileged.js";
import { compressedTable } from "./rvc.js";
import { TRAP } from "./trap-signal.js";

export interface Firmware {
  /** Handles a trap aimed at M-mode; `h.pc` is the trapping instruction. */
  handleTrap(h: Hart, cause: number, interrupt: boolean, tval: number): void;
}

export interface HartOptions {
  hartId: number;
  xlen: 32 | 64;
  bus: AddressSpace;
  /** The `time` CSR: ticks of the platform timer (10 MHz). */
  readTime: () => number;
  /**
   * Compile hot guest code to WebAssembly (cpu/jit) where the memory allows it; the
   * interpreter stays the reference and runs everything else. `hot`: how often a page is
   * entered before it is compiled (code-cache.ts HOT by default).
   */
  jit?: boolean | { hot: number };
}

const TWO32 = 4294967296;

export class Hart {
  readonly hartId: number;
  readonly xlen: 32 | 64;
  readonly bus: AddressSpace;
  readonly mem: GuestMemory;
  readonly readTime: () => number;

  readonly xlo: Int32Array;
  readonly xhi: Int32Array;
  pc = 0;
  priv: PrivLevel = Priv.M;
  /** CSR storage by address, as (low, high) halves; see csr.ts for the derived ones. */
  readonly csrLo = new Int32Array(4096);
  readonly csrHi = new Int32Array(4096);
  /** minstret; mcycle is instret + cycleOffset. */
  instret = 0;
  cycleOffset = 0;
  /** Set by wfi until an enabled interrupt is pending. */
  waitingForInterrupt = false;
  /**
   * Set when the trap handler itself cannot be fetched: the fault would re-enter the same
   * handler forever without running an instruction. The hart then runs no more; its owner
   * decides (a domain crashes, a bare machine halts).
   */
  wedged = false;

  /** LR/SC reservation: physical address (or -1) and the value LR read. */
  reservation = -1;
  reservedLo = 0;
  reservedWide = 0n;

  readonly tlb: Tlb;
  /** Byte offset of this hart's area in RAM's buffer (hart-area.ts), or -1 when it has none. */
  readonly area: number;
  /** Compiled code, when the JIT is on and the memory allows it. */
  readonly jit: CodeCache | undefined;
  /** Current fetch page: its virtual base (NaN when none) and host byte offset in RAM. */
  fetchVBase = Number.NaN;
  fetchHost = 0;

  /** The pending exception, recorded by `raise` before it throws `TRAP`. */
  trapCause = 0;
  trapTval = 0;
  /** Raw bits of the instruction being executed by a slow path (the tval of illegal ones). */
  currentInsn = 0;
  /** Set by a slow path when the run loop must look at machine state before going on. */
  yieldRequested = false;
  /** Set by a store into a page holding compiled code (mmu.ts writePhys). */
  codeWritten = false;
  /** Set by the host (firmware, runner) to make `run` return before its next instruction. */
  stopRequested = false;
  /** The dirty-log epoch this hart's write TLB has caught up with (see dirty-log.ts). */
  dirtyEpoch = 0;
  /**
   * Machine-mode firmware implemented by the host. When set, a trap that would enter M-mode
   * calls it instead: that is how a hypervisor serves SBI calls from an S-mode guest.
   */
  firmware: Firmware | undefined = undefined;
  /**
   * A level-triggered supervisor external interrupt line whose level lives outside mip (a
   * hypervisor's event-channel upcall flag in guest memory). When set, SEIP is re-read from
   * it wherever pending interrupts are evaluated, so the line drops as soon as its source
   * clears — the guest's handler cannot be re-entered by a stale SEIP.
   */
  externalLevel: (() => boolean) | undefined = undefined;

  readonly scratch: Pair = { lo: 0, hi: 0 };
  /** Target of the atomic operation that implements `fence` (see the MISC-MEM case). */
  private readonly barrier = new Int32Array(new SharedArrayBuffer(4));
  /** -1 on RV64 and 0 on RV32: masks the high word of computed addresses. */
  readonly hiMask: number;
  private readonly rvc: Int32Array;

  constructor(options: HartOptions) {
    if (options.xlen !== 32 && options.xlen !== 64) throw new RangeError("xlen must be 32 or 64");
    this.hartId = options.hartId;
    this.xlen = options.xlen;
    this.bus = options.bus;
    this.mem = options.bus.ram;
    this.readTime = options.readTime;
    this.area = this.mem.hartArea(options.hartId);
    if (this.area >= 0) {
      const buffer = this.mem.buffer;
      this.xlo = new Int32Array(buffer, this.area + X_LO, 32);
      this.xhi = new Int32Array(buffer, this.area + X_HI, 32);
      this.tlb = new Tlb(buffer, this.area + TLB);
    } else {
      this.xlo = new Int32Array(32);
      this.xhi = new Int32Array(32);
      this.tlb = new Tlb();
    }
    this.hiMask = options.xlen === 64 ? -1 : 0;
    this.rvc = compressedTable(options.xlen);
    const jit = options.jit;
    this.jit =
      jit === true ? CodeCache.for(this) : typeof jit === "object" ? CodeCache.for(this, jit.hot) : undefined;
  }

  setPc(value: number): void {
    this.pc = this.xlen === 32 ? value >>> 0 : value;
    this.fetchVBase = Number.NaN;
  }

  /** Writes an x register (x0 stays zero). */
  setX(index: number, value: number | bigint): void {
    if (index === 0) return;
    const v = BigInt.asUintN(64, BigInt(value));
    const lo = Number(v & 0xffffffffn) | 0;
    this.xlo[index] = lo;
    this.xhi[index] = this.xlen === 32 ? lo >> 31 : Number(v >> 32n) | 0;
  }

  /** Reads an x register as an unsigned XLEN-bit value. */
  getX(index: number): bigint {
    const lo = BigInt(this.xlo[index]! >>> 0);
    if (this.xlen === 32) return lo;
    return (BigInt(this.xhi[index]! >>> 0) << 32n) | lo;
  }

  /** Raises or lowers interrupt lines in mip (devices: CLINT, and later the hypervisor). */
  setInterruptPending(mask: number, level: boolean): void {
    const mip = this.csrLo[Csr.mip]!;
    this.csrLo[Csr.mip] = level ? mip | mask : mip & ~mask;
  }

  /** True when every bit of `mask` is pending in mip. */
  isInterruptPending(mask: number): boolean {
    return (this.csrLo[Csr.mip]! & mask) === mask;
  }

  /** True when an interrupt enabled in mie is pending: what wakes a hart from wfi. */
  hasWakeupPending(): boolean {
    this.syncExternalLevel();
    return (this.csrLo[Csr.mip]! & this.csrLo[Csr.mie]!) !== 0;
  }

  /** Copies the external level source, if any, into mip.SEIP. */
  syncExternalLevel(): void {
    if (this.externalLevel !== undefined) this.setInterruptPending(Irq.SEIP, this.externalLevel());
  }

  /** Forgets the cached fetch page; called whenever privilege or translation changes. */
  privilegeChanged(): void {
    this.fetchVBase = Number.NaN;
  }

  /**
   * Executes up to `budget` instructions and returns how many ran (traps count against the
   * budget but not instret). Returns early when a device asks the machine to stop, or when
   * the hart waits in wfi with no enabled interrupt pending.
   */
  run(budget: number): number {
    if (this.wedged) return 0;
    const bus = this.bus;
    const xlo = this.xlo;
    const xhi = this.xhi;
    const mem = this.mem;
    const m32 = mem.i32;
    const m16 = mem.i16;
    const mu16 = mem.u16;
    const m8 = mem.i8;
    const mu8 = mem.u8;
    const rvc = this.rvc;
    const rv32 = this.xlen === 32;
    const hiMask = this.hiMask;
    const tlb = this.tlb;
    const tr = tlb.r;
    const tw = tlb.w;
    const addend = TLB_ADDEND;
    const r = this.scratch;
    const jit = this.jit;
    const jitOn = jit !== undefined;
    const jitWords = jit?.words;
    // Set after each control transfer: the next instruction may start compiled code.
    let entry = false;

    let n = 0;
    let base = this.instret; // instret = base + n
    let pc = this.pc;
    outer: while (n < budget) {
      if (bus.stopRequested || this.stopRequested) break;
      const epoch = mem.dirty.epoch;
      if (epoch !== this.dirtyEpoch) {
        // A harvest happened: drop cached write entries so every page is marked again.
        tlb.flushWrites();
        this.dirtyEpoch = epoch;
      }
      if (this.waitingForInterrupt) {
        if (!this.hasWakeupPending()) break;
        this.waitingForInterrupt = false;
      }
      const irq = pendingInterrupt(this);
      if (irq >= 0) {
        this.pc = pc;
        this.instret = base + n;
        enterTrap(this, irq, true, 0);
        pc = this.pc;
      }
      const dBase = tlbSet(dataPriv(this));
      entry = jitOn; // a slice, a trap handler or an interrupt handler starts a block
      let fvBase = this.fetchVBase;
      let fHost = this.fetchHost;
      try {
        while (n < budget) {
          xlo[0] = 0;
          xhi[0] = 0;
          // Fetch: within the current page through the cached host offset, else the slow way.
          let insn: number;
          const off = pc - fvBase;
          if (off >= 0 && off <= 4092) {
            const h = (fHost + off) >> 1;
            insn = mu16[h]! | (mu16[h + 1]! << 16);
          } else {
            if (rv32) pc >>>= 0;
            insn = fetchSlow(this, pc);
            fvBase = this.fetchVBase;
            fHost = this.fetchHost;
          }
          if (entry) {
            entry = false;
            // fvBase is the hart's fetchVBase here: whatever changes that leaves for `outer`.
            const exit = jit!.enter(pc - fvBase, fHost, budget - n, dBase);
            if (exit >= 0) {
              n = budget - jitWords![BUDGET >> 2]!;
              const exitLo = jitWords![EXIT_PC >> 2]! >>> 0;
              pc = rv32 ? exitLo : jitWords![(EXIT_PC >> 2) + 1]! * 4294967296 + exitLo;
              if (exit === Exit.TRAP) throw TRAP;
              if (exit === Exit.YIELD) {
                this.yieldRequested = false;
                continue outer;
              }
              entry = exit === Exit.JUMP || exit === Exit.STALE;
              continue;
            }
          }
          let raw = insn;
          let npc = pc + 4;
          if ((insn & 3) !== 3) {
            raw = insn & 0xffff;
            insn = rvc[raw]!;
            npc = pc + 2;
            if (insn === 0) raise(this, Exception.IllegalInstruction, raw >>> 0);
          }
          const rd = (insn >> 7) & 31;
          const rs1 = (insn >> 15) & 31;
          const f3 = (insn >> 12) & 7;
          switch ((insn >>> 2) & 31) {
            case 0x00: {
              // LOAD
              const imm = insn >> 20;
              const s = (xlo[rs1]! >>> 0) + (imm >>> 0);
              const alo = s | 0;
              const ahi = (xhi[rs1]! + (imm >> 31) + (s > 0xffffffff ? 1 : 0)) & hiMask;
              const ti = (dBase + ((alo >>> 12) & TLB_MASK)) * TLB_ENTRY_WORDS;
              const hit = tr[ti] === (alo & -4096) && tr[ti + 1] === ahi;
              const h = (tr[ti + addend]! + alo) | 0;
              let vlo: number;
              let vhi: number;
              switch (f3) {
                case 0: // lb
                  vlo = hit ? m8[h]! : (loadSlow(this, alo, ahi, 1) << 24) >> 24;
                  vhi = vlo >> 31;
                  break;
                case 1: // lh
                  vlo = hit && (alo & 1) === 0 ? m16[h >> 1]! : (loadSlow(this, alo, ahi, 2) << 16) >> 16;
                  vhi = vlo >> 31;
                  break;
                case 2: // lw
                  vlo = hit && (alo & 3) === 0 ? m32[h >> 2]! : loadSlow(this, alo, ahi, 4);
                  vhi = vlo >> 31;
                  break;
                case 3: // ld
                  if (rv32) raise(this, Exception.IllegalInstruction, raw >>> 0);
                  if (hit && (alo & 7) === 0) {
                    vlo = m32[h >> 2]!;
                    vhi = m32[(h >> 2) + 1]!;
                  } else {
                    vlo = loadSlow(this, alo, ahi, 8);
                    vhi = r.hi;
                  }
                  break;
                case 4: // lbu
                  vlo = hit ? mu8[h]! : loadSlow(this, alo, ahi, 1) & 0xff;
                  vhi = 0;
                  break;
                case 5: // lhu
                  vlo = hit && (alo & 1) === 0 ? mu16[h >> 1]! : loadSlow(this, alo, ahi, 2) & 0xffff;
                  vhi = 0;
                  break;
                case 6: // lwu
                  if (rv32) raise(this, Exception.IllegalInstruction, raw >>> 0);
                  vlo = hit && (alo & 3) === 0 ? m32[h >> 2]! : loadSlow(this, alo, ahi, 4);
                  vhi = 0;
                  break;
                default:
                  raise(this, Exception.IllegalInstruction, raw >>> 0);
              }
              xlo[rd] = vlo;
              xhi[rd] = vhi;
              break;
            }
            case 0x08: {
              // STORE
              const imm = ((insn >> 25) << 5) | rd;
              const s = (xlo[rs1]! >>> 0) + (imm >>> 0);
              const alo = s | 0;
              const ahi = (xhi[rs1]! + (imm >> 31) + (s > 0xffffffff ? 1 : 0)) & hiMask;
              const rs2 = (insn >> 20) & 31;
              const vlo = xlo[rs2]!;
              const ti = (dBase + ((alo >>> 12) & TLB_MASK)) * TLB_ENTRY_WORDS;
              const hit = tw[ti] === (alo & -4096) && tw[ti + 1] === ahi;
              const h = (tw[ti + addend]! + alo) | 0;
              switch (f3) {
                case 0: // sb
                  if (hit) mu8[h] = vlo;
                  else storeSlow(this, alo, ahi, 1, vlo, 0);
                  break;
                case 1: // sh
                  if (hit && (alo & 1) === 0) mu16[h >> 1] = vlo;
                  else storeSlow(this, alo, ahi, 2, vlo, 0);
                  break;
                case 2: // sw
                  if (hit && (alo & 3) === 0) m32[h >> 2] = vlo;
                  else storeSlow(this, alo, ahi, 4, vlo, 0);
                  break;
                case 3: // sd
                  if (rv32) raise(this, Exception.IllegalInstruction, raw >>> 0);
                  if (hit && (alo & 7) === 0) {
                    m32[h >> 2] = vlo;
                    m32[(h >> 2) + 1] = xhi[rs2]!;
                  } else {
                    storeSlow(this, alo, ahi, 8, vlo, xhi[rs2]!);
                  }
                  break;
                default:
                  raise(this, Exception.IllegalInstruction, raw >>> 0);
              }
              if (this.yieldRequested) {
                // A device was written (finisher, CLINT, HTIF): let the machine react.
                this.yieldRequested = false;
                pc = npc;
                n++;
                continue outer;
              }
              break;
            }
            case 0x04: {
              // OP-IMM
              const imm = insn >> 20;
              const alo = xlo[rs1]!;
              const ahi = xhi[rs1]!;
              switch (f3) {
                case 0: // addi
                  if (rv32) {
                    const v = (alo + imm) | 0;
                    xlo[rd] = v;
                    xhi[rd] = v >> 31;
                  } else {
                    const s = (alo >>> 0) + (imm >>> 0);
                    xlo[rd] = s | 0;
                    xhi[rd] = ahi + (imm >> 31) + (s > 0xffffffff ? 1 : 0);
                  }
                  break;
                case 2: // slti
                  xlo[rd] = lt64(alo, ahi, imm, imm >> 31) ? 1 : 0;
                  xhi[rd] = 0;
                  break;
                case 3: // sltiu
                  xlo[rd] = ltu64(alo, ahi, imm, imm >> 31) ? 1 : 0;
                  xhi[rd] = 0;
                  break;
                case 4: // xori
                  xlo[rd] = alo ^ imm;
                  xhi[rd] = ahi ^ (imm >> 31);
                  break;
                case 6: // ori
                  xlo[rd] = alo | imm;
                  xhi[rd] = ahi | (imm >> 31);
                  break;
                case 7: // andi
                  xlo[rd] = alo & imm;
                  xhi[rd] = ahi & (imm >> 31);
                  break;
                case 1: // slli
                  if (rv32) {
                    if (insn >>> 25 !== 0) raise(this, Exception.IllegalInstruction, raw >>> 0);
                    const v = alo << (imm & 31);
                    xlo[rd] = v;
                    xhi[rd] = v >> 31;
                  } else {
                    if (insn >>> 26 !== 0) raise(this, Exception.IllegalInstruction, raw >>> 0);
                    shl64(alo, ahi, imm & 63, r);
                    xlo[rd] = r.lo;
                    xhi[rd] = r.hi;
                  }
                  break;
                default: {
                  // srli, srai
                  const arithmetic = insn >>> 30 === 1;
                  if (rv32) {
                    if ((insn >>> 25) & 0x5f) raise(this, Exception.IllegalInstruction, raw >>> 0);
                    const v = arithmetic ? alo >> (imm & 31) : (alo >>> (imm & 31)) | 0;
                    xlo[rd] = v;
                    xhi[rd] = v >> 31;
                  } else {
                    if ((insn >>> 26) & 0x2f) raise(this, Exception.IllegalInstruction, raw >>> 0);
                    if (arithmetic) sar64(alo, ahi, imm & 63, r);
                    else shr64(alo, ahi, imm & 63, r);
                    xlo[rd] = r.lo;
                    xhi[rd] = r.hi;
                  }
                }
              }
              break;
            }
            case 0x0c: {
              // OP
              const rs2 = (insn >> 20) & 31;
              const alo = xlo[rs1]!;
              const ahi = xhi[rs1]!;
              const blo = xlo[rs2]!;
              const bhi = xhi[rs2]!;
              let vlo: number;
              let vhi: number;
              switch (((insn >>> 25) << 3) | f3) {
                case 0x000: // add
                  if (rv32) {
                    vlo = (alo + blo) | 0;
                    vhi = vlo >> 31;
                  } else {
                    const s = (alo >>> 0) + (blo >>> 0);
                    vlo = s | 0;
                    vhi = (ahi + bhi + (s > 0xffffffff ? 1 : 0)) | 0;
                  }
                  break;
                case 0x100: // sub
                  if (rv32) {
                    vlo = (alo - blo) | 0;
                    vhi = vlo >> 31;
                  } else {
                    vlo = (alo - blo) | 0;
                    vhi = (ahi - bhi - (alo >>> 0 < blo >>> 0 ? 1 : 0)) | 0;
                  }
                  break;
                case 0x001: // sll
                  if (rv32) {
                    vlo = alo << (blo & 31);
                    vhi = vlo >> 31;
                  } else {
                    shl64(alo, ahi, blo & 63, r);
                    vlo = r.lo;
                    vhi = r.hi;
                  }
                  break;
                case 0x002: // slt
                  vlo = lt64(alo, ahi, blo, bhi) ? 1 : 0;
                  vhi = 0;
                  break;
                case 0x003: // sltu
                  vlo = ltu64(alo, ahi, blo, bhi) ? 1 : 0;
                  vhi = 0;
                  break;
                case 0x004: // xor
                  vlo = alo ^ blo;
                  vhi = ahi ^ bhi;
                  break;
                case 0x005: // srl
                  if (rv32) {
                    vlo = (alo >>> (blo & 31)) | 0;
                    vhi = vlo >> 31;
                  } else {
                    shr64(alo, ahi, blo & 63, r);
                    vlo = r.lo;
                    vhi = r.hi;
                  }
                  break;
                case 0x105: // sra
                  if (rv32) {
                    vlo = alo >> (blo & 31);
                    vhi = vlo >> 31;
                  } else {
                    sar64(alo, ahi, blo & 63, r);
                    vlo = r.lo;
                    vhi = r.hi;
                  }
                  break;
                case 0x006: // or
                  vlo = alo | blo;
                  vhi = ahi | bhi;
                  break;
                case 0x007: // and
                  vlo = alo & blo;
                  vhi = ahi & bhi;
                  break;
                case 0x008: // mul
                  if (rv32) {
                    vlo = Math.imul(alo, blo);
                    vhi = vlo >> 31;
                  } else {
                    mul64(alo, ahi, blo, bhi, r);
                    vlo = r.lo;
                    vhi = r.hi;
                  }
                  break;
                case 0x009: // mulh
                case 0x00a: // mulhsu
                case 0x00b: {
                  // mulhu
                  const aSigned = f3 !== 3;
                  const bSigned = f3 === 1;
                  if (rv32) {
                    vlo = mulh32(alo, blo, aSigned, bSigned, r);
                    vhi = vlo >> 31;
                  } else {
                    mulh64(alo, ahi, blo, bhi, aSigned, bSigned, r);
                    vlo = r.lo;
                    vhi = r.hi;
                  }
                  break;
                }
                case 0x00c: // div
                case 0x00d: // divu
                case 0x00e: // rem
                case 0x00f: // remu
                  if (rv32) {
                    vlo = div32(alo, blo, (f3 & 1) === 0, f3 >= 6);
                    vhi = vlo >> 31;
                  } else {
                    div64(alo, ahi, blo, bhi, (f3 & 1) === 0, f3 >= 6, r);
                    vlo = r.lo;
                    vhi = r.hi;
                  }
                  break;
                default:
                  raise(this, Exception.IllegalInstruction, raw >>> 0);
              }
              xlo[rd] = vlo;
              xhi[rd] = vhi;
              break;
            }
            case 0x18: {
              // BRANCH
              const rs2 = (insn >> 20) & 31;
              const alo = xlo[rs1]!;
              const ahi = xhi[rs1]!;
              const blo = xlo[rs2]!;
              const bhi = xhi[rs2]!;
              let taken: boolean;
              switch (f3) {
                case 0:
                  taken = alo === blo && ahi === bhi;
                  break;
                case 1:
                  taken = alo !== blo || ahi !== bhi;
                  break;
                case 4:
                  taken = lt64(alo, ahi, blo, bhi);
                  break;
                case 5:
                  taken = !lt64(alo, ahi, blo, bhi);
                  break;
                case 6:
                  taken = ltu64(alo, ahi, blo, bhi);
                  break;
                case 7:
                  taken = !ltu64(alo, ahi, blo, bhi);
                  break;
                default:
                  raise(this, Exception.IllegalInstruction, raw >>> 0);
              }
              entry = jitOn;
              if (taken) {
                npc =
                  pc +
                  (((insn >> 31) << 12) |
                    (((insn >> 7) & 1) << 11) |
                    (((insn >> 25) & 0x3f) << 5) |
                    (((insn >> 8) & 0xf) << 1));
              }
              break;
            }
            case 0x1b: {
              // JAL
              entry = jitOn;
              const link = npc;
              npc =
                pc +
                (((insn >> 31) << 20) |
                  (((insn >> 12) & 0xff) << 12) |
                  (((insn >> 20) & 1) << 11) |
                  (((insn >> 21) & 0x3ff) << 1));
              xlo[rd] = link | 0;
              xhi[rd] = rv32 ? link >> 31 : Math.floor(link / TWO32) | 0;
              break;
            }
            case 0x19: {
              // JALR
              if (f3 !== 0) raise(this, Exception.IllegalInstruction, raw >>> 0);
              entry = jitOn;
              const imm = insn >> 20;
              const s = (xlo[rs1]! >>> 0) + (imm >>> 0);
              const tlo = s & -2;
              const link = npc;
              npc = rv32
                ? tlo >>> 0
                : ((xhi[rs1]! + (imm >> 31) + (s > 0xffffffff ? 1 : 0)) | 0) * TWO32 + (tlo >>> 0);
              xlo[rd] = link | 0;
              xhi[rd] = rv32 ? link >> 31 : Math.floor(link / TWO32) | 0;
              break;
            }
            case 0x0d: {
              // LUI
              const v = insn & -4096;
              xlo[rd] = v;
              xhi[rd] = v >> 31;
              break;
            }
            case 0x05: {
              // AUIPC
              const v = pc + (insn & -4096);
              const lo = v | 0;
              xlo[rd] = lo;
              xhi[rd] = rv32 ? lo >> 31 : Math.floor(v / TWO32) | 0;
              break;
            }
            case 0x06: {
              // OP-IMM-32 (RV64 only)
              if (rv32) raise(this, Exception.IllegalInstruction, raw >>> 0);
              const imm = insn >> 20;
              const a = xlo[rs1]!;
              let v: number;
              if (f3 === 0) v = (a + imm) | 0;
              else if (f3 === 1 && insn >>> 25 === 0) v = a << (imm & 31);
              else if (f3 === 5 && insn >>> 25 === 0) v = (a >>> (imm & 31)) | 0;
              else if (f3 === 5 && insn >>> 25 === 0x20) v = a >> (imm & 31);
              else raise(this, Exception.IllegalInstruction, raw >>> 0);
              xlo[rd] = v;
              xhi[rd] = v >> 31;
              break;
            }
            case 0x0e: {
              // OP-32 (RV64 only)
              if (rv32) raise(this, Exception.IllegalInstruction, raw >>> 0);
              const a = xlo[rs1]!;
              const b = xlo[(insn >> 20) & 31]!;
              let v: number;
              switch (((insn >>> 25) << 3) | f3) {
                case 0x000:
                  v = (a + b) | 0;
                  break;
                case 0x100:
                  v = (a - b) | 0;
                  break;
                case 0x001:
                  v = a << (b & 31);
                  break;
                case 0x005:
                  v = (a >>> (b & 31)) | 0;
                  break;
                case 0x105:
                  v = a >> (b & 31);
                  break;
                case 0x008:
                  v = Math.imul(a, b);
                  break;
                case 0x00c:
                case 0x00d:
                case 0x00e:
                case 0x00f:
                  v = div32(a, b, (f3 & 1) === 0, f3 >= 6);
                  break;
                default:
                  raise(this, Exception.IllegalInstruction, raw >>> 0);
              }
              xlo[rd] = v;
              xhi[rd] = v >> 31;
              break;
            }
            case 0x03:
              // MISC-MEM. fence.i: the interpreter reads memory afresh on every fetch; compiled
              // copies of code are dropped. fence: plain typed-array accesses are ordered like
              // the host's memory model, and x86's lets a store pass a later load; an Atomics
              // read-modify-write is a full barrier on every host, so it gives fence rw,rw its
              // meaning across threads.
              if (f3 > 1) raise(this, Exception.IllegalInstruction, raw >>> 0);
              if (f3 === 0) Atomics.add(this.barrier, 0, 1);
              else jit?.flush();
              entry = jitOn;
              break;
            case 0x0b:
              // AMO
              this.currentInsn = raw;
              executeAtomic(this, insn);
              entry = jitOn;
              break;
            case 0x1c: {
              // SYSTEM
              this.currentInsn = raw;
              this.instret = base + n;
              if (f3 === 0) {
                this.pc = pc;
                executePrivileged(this, insn, npc - pc);
                n++;
                base = this.instret + 1 - n;
                pc = this.pc;
                continue outer;
              }
              if (f3 === 4) raise(this, Exception.IllegalInstruction, raw >>> 0);
              const recheck = executeCsrInstruction(this, insn);
              n++;
              base = this.instret + 1 - n;
              pc = npc;
              entry = jitOn;
              if (recheck) {
                this.privilegeChanged();
                continue outer;
              }
              continue;
            }
            default:
              raise(this, Exception.IllegalInstruction, raw >>> 0);
          }
          pc = npc;
          n++;
        }
      } catch (e) {
        if (e !== TRAP) throw e;
        // The faulting instruction did not retire, but it counts against the budget so
        // a hart stuck in a fault loop still returns.
        n++;
        base--;
        if (rv32) pc >>>= 0;
        this.pc = pc;
        this.instret = base + n;
        const cause = this.trapCause;
        enterTrap(this, cause, false, this.trapTval);
        if (
          this.pc === pc &&
          (cause === Exception.InstructionAccessFault || cause === Exception.InstructionPageFault)
        ) {
          this.wedged = true;
          break;
        }
        pc = this.pc;
      }
    }
    this.pc = pc;
    this.instret = base + n;
    return n;
  }
}
