/**
 * A hart's compiled code: finds hot pages, compiles them (plan-unit.ts, emit-unit.ts), keeps
 * the units, and runs one when the interpreter reaches a block start it holds.
 *
 * The interpreter (hart.ts) offers `enter` the address after every control transfer — the
 * only places a block can start — with its current fetch page. A page is keyed by its host
 * page in RAM and its virtual base (the code computes pc values, so two mappings of one
 * physical page are two units). Until a page is hot, `enter` counts the offers and remembers
 * the offsets; at HOT offers it compiles a unit from those entry points. An offset the unit
 * lacks counts towards recompiling it with that entry added (a few times at most).
 *
 * Staleness: compiling from a page sets bit 0 of its code-version word (guest-memory.ts).
 * From then on no hart caches the page for writes (this hart's entries go now, the others'
 * at their next slice, through a new dirty-log epoch), so every store to it takes the slow
 * path, which bumps the version. A unit remembers the version it was compiled from and each
 * of its blocks checks it on entry; `enter` drops a unit whose version moved. A store by
 * compiled code into a code page leaves the unit at once (Exit.STALE). `fence.i` drops
 * everything (`flush`), which also covers code written by DMA or by the host.
 *
 * Everything here is deterministic: what is compiled depends only on the instruction stream,
 * so deterministic mode stays reproducible, and units retire exactly what the interpreter
 * would, so runs with and without compiled code are the same run.
 */

import { WASM_PAGE_SIZE, type WasmApi, webAssembly } from "../../memory/webassembly.js";
import { executeAtomic } from "../atomics.js";
import type { Hart } from "../hart.js";
import { loadSlow, storeSlow } from "../mmu.js";
import { compressedTable } from "../rvc.js";
import { TRAP } from "../trap-signal.js";
import { emitUnit } from "./emit-unit.js";
import { BUDGET, DBASE, EXIT_PC, FAULT, LOAD_HI } from "./jit-abi.js";
import { planUnit } from "./plan-unit.js";

/** Offers of a page before it is compiled, unless the hart's options say otherwise. */
export const HOT = 32;
/** Offers of offsets a unit lacks before it is compiled again with them. */
const MISSES_TO_RECOMPILE = 32;
/** Compilations of one page at most (later misses stay interpreted). */
const MAX_COMPILES = 8;

interface Unit {
  readonly vbase: number;
  readonly version: number;
  /** Block index by half-word offset in the page, or -1. */
  readonly entries: Int16Array;
  /** The entry points it was compiled from, and offsets offered since that it lacks. */
  readonly wanted: Set<number>;
  readonly run: (entry: number) => number;
  misses: number;
  compiles: number;
}

interface Heat {
  readonly vbase: number;
  readonly offsets: Set<number>;
  offers: number;
  compiles: number;
}

/** Totals for benchmarks. */
export interface JitStats {
  units: number;
  blocks: number;
  /** Bytes of WebAssembly generated. */
  bytes: number;
  /** Milliseconds spent planning, emitting and compiling. */
  compileMs: number;
  /** Instructions retired by compiled code. */
  instructions: number;
}

export class CodeCache {
  private readonly api: WasmApi;
  private readonly words: Int32Array;
  private readonly versions: Int32Array;
  private readonly rvc: Int32Array;
  private readonly memoryPages: number;
  private readonly imports: Record<string, Record<string, unknown>>;
  /** Units and warming pages by host page number; a page has one per virtual base. */
  private readonly units = new Map<number, Unit[]>();
  private readonly heat = new Map<number, Heat[]>();
  readonly stats: JitStats = { units: 0, blocks: 0, bytes: 0, compileMs: 0, instructions: 0 };

  private constructor(
    private readonly h: Hart,
    api: WasmApi,
    /** Offers before a page is compiled (tests use 1 to compile everything at once). */
    private readonly hot: number,
  ) {
    const mem = h.mem;
    this.api = api;
    this.words = new Int32Array(mem.buffer, h.area, 4096);
    this.versions = mem.codeVersions!;
    this.rvc = compressedTable(h.xlen);
    this.memoryPages = mem.buffer.byteLength / WASM_PAGE_SIZE;
    const words = this.words;
    this.imports = {
      m: {
        mem: mem.wasm,
        load: (lo: number, hi: number, size: number): number => {
          try {
            const v = loadSlow(h, lo, hi, size);
            if (size === 8) words[LOAD_HI >> 2] = h.scratch.hi;
            return v;
          } catch (e) {
            if (e !== TRAP) throw e;
            words[FAULT >> 2] = 1;
            return 0;
          }
        },
        store: (lo: number, hi: number, size: number, vlo: number, vhi: number): number => {
          h.codeWritten = false;
          try {
            storeSlow(h, lo, hi, size, vlo, vhi);
          } catch (e) {
            if (e !== TRAP) throw e;
            words[FAULT >> 2] = 1;
            return 1;
          }
          if (h.yieldRequested) return 2;
          return h.codeWritten ? 3 : 0;
        },
        amo: (insn: number): number => {
          h.codeWritten = false;
          h.currentInsn = insn;
          try {
            executeAtomic(h, insn);
          } catch (e) {
            if (e !== TRAP) throw e;
            words[FAULT >> 2] = 1;
            return 1;
          }
          return h.codeWritten ? 3 : 0;
        },
      },
    };
  }

  /** A cache for `h`, or undefined when its memory cannot run compiled code. */
  static for(h: Hart, hot = HOT): CodeCache | undefined {
    const api = webAssembly();
    if (api === undefined || h.area < 0 || h.mem.wasm === undefined || h.mem.codeVersions === undefined) {
      return undefined;
    }
    return new CodeCache(h, api, hot);
  }

  /** Instructions compiled code may still retire, after `enter` ran some. */
  get budgetLeft(): number {
    return this.words[BUDGET >> 2]!;
  }

  /** The next instruction's address after `enter` ran some code. */
  get exitPc(): number {
    const lo = this.words[EXIT_PC >> 2]!;
    return this.h.xlen === 32 ? lo >>> 0 : this.words[(EXIT_PC >> 2) + 1]! * 4294967296 + (lo >>> 0);
  }

  /**
   * Runs compiled code from `pc`, in the fetch page at virtual `vbase` and host offset
   * `host`, for at most `budget` instructions, with data accesses in TLB set `dBase`.
   * Returns the Exit reason, or -1 when there is no code for `pc` (yet).
   */
  enter(pc: number, vbase: number, host: number, budget: number, dBase: number): number {
    const page = host >>> 12;
    const offset = pc - vbase;
    let unit = this.unitAt(page, vbase);
    if (unit === undefined) {
      unit = this.warm(page, vbase, host, offset);
      if (unit === undefined) return -1;
    }
    let block = unit.entries[offset >> 1]!;
    if (block < 0) {
      unit.wanted.add(offset);
      if (++unit.misses < Math.min(this.hot, MISSES_TO_RECOMPILE) || unit.compiles >= MAX_COMPILES) return -1;
      this.drop(page, unit);
      unit = this.compile(page, vbase, host, unit.wanted, unit.compiles);
      block = unit.entries[offset >> 1]!;
      if (block < 0) return -1;
    }
    const words = this.words;
    words[BUDGET >> 2] = budget;
    words[DBASE >> 2] = dBase * 4;
    words[FAULT >> 2] = 0;
    const exit = unit.run(block);
    this.stats.instructions += budget - words[BUDGET >> 2]!;
    return exit;
  }

  /** Drops every unit (fence.i). */
  flush(): void {
    this.units.clear();
    this.heat.clear();
  }

  private unitAt(page: number, vbase: number): Unit | undefined {
    const list = this.units.get(page);
    if (list === undefined) return undefined;
    for (const u of list) {
      if (u.vbase !== vbase) continue;
      if (u.version === this.versions[page]) return u;
      this.drop(page, u); // its page was written: warm it again
      return undefined;
    }
    return undefined;
  }

  /** Counts an offer of a page without a unit; returns the unit when that made it hot. */
  private warm(page: number, vbase: number, host: number, offset: number): Unit | undefined {
    const list = listOf(this.heat, page);
    let heat = list.find((w) => w.vbase === vbase);
    if (heat === undefined) {
      heat = { vbase, offsets: new Set(), offers: 0, compiles: 0 };
      list.push(heat);
    }
    heat.offsets.add(offset);
    if (++heat.offers < this.hot || heat.compiles >= MAX_COMPILES) return undefined;
    list.splice(list.indexOf(heat), 1);
    return this.compile(page, vbase, host, heat.offsets, heat.compiles);
  }

  private drop(page: number, unit: Unit): void {
    const list = this.units.get(page);
    if (list === undefined) return;
    list.splice(list.indexOf(unit), 1);
    if (list.length === 0) this.units.delete(page);
    // Remember how often this page was compiled: a page rewritten again and again (or one
    // holding data written often) ends up interpreted.
    listOf(this.heat, page).push({
      vbase: unit.vbase,
      offsets: new Set(unit.wanted),
      offers: 0,
      compiles: unit.compiles,
    });
  }

  private compile(page: number, vbase: number, host: number, wanted: Set<number>, compiles: number): Unit {
    const started = performance.now();
    const h = this.h;
    const versions = this.versions;
    if ((versions[page]! & 1) === 0) {
      // From now on every store to this page takes the slow path: ours at once, the other
      // harts' from their next slice.
      Atomics.or(versions, page, 1);
      const t = h.tlb;
      for (let i = 0; i < t.wHost.length; i++) if (t.wHost[i] === host) t.wTagLo[i] = 1;
      h.mem.dirty.newEpoch();
    }
    const version = Atomics.load(versions, page);
    const plan = planUnit(h.mem.u16, host >> 1, wanted, h.xlen, this.rvc);
    const entries = new Int16Array(2048).fill(-1);
    for (const [offset, index] of plan.index) entries[offset >> 1] = index;
    let run: (entry: number) => number = () => -1;
    if (plan.blocks.length > 0) {
      const bytes = emitUnit(plan, {
        xlen: h.xlen,
        vbase,
        area: h.area,
        versionAddress: h.mem.codeVersionsOffset + page * 4,
        version,
        memoryPages: this.memoryPages,
      });
      const instance = new this.api.Instance(new this.api.Module(bytes), this.imports);
      run = instance.exports.run as (entry: number) => number;
      this.stats.bytes += bytes.length;
    }
    const unit: Unit = {
      vbase,
      version,
      entries,
      wanted: new Set(wanted),
      run,
      misses: 0,
      compiles: compiles + 1,
    };
    listOf(this.units, page).push(unit);
    this.stats.units++;
    this.stats.blocks += plan.blocks.length;
    this.stats.compileMs += performance.now() - started;
    return unit;
  }
}

/** The list kept for `page`, made empty when there is none. */
function listOf<T>(map: Map<number, T[]>, page: number): T[] {
  let list = map.get(page);
  if (list === undefined) {
    list = [];
    map.set(page, list);
  }
  return list;
}
