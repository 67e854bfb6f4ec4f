/**
 * A hart's compiled code: finds hot pages, compiles them (plan-unit.ts, emit-unit.ts), keeps
 * the units, and runs one when the interpreter reaches a block start it holds.
 *
 * The interpreter (hart.ts) offers `enter` the address after every control transfer — the
 * only places a block can start — with its current fetch page. A page is keyed by its host
 * page in RAM and its virtual base (the code computes pc values, so two mappings of one
 * physical page are two units). Until a page is hot, `enter` counts the offers and remembers
 * the offsets; at HOT offers it compiles a unit from those entry points. Offsets the unit
 * lacks count towards compiling it again with them added.
 *
 * Staleness: compiling from a page sets bit 0 of its code-version word (guest-memory.ts).
 * From then on no hart caches the page for writes (this hart's entries go now, the others'
 * at their next slice, through a new dirty-log epoch), so every store to it takes the slow
 * path, which bumps the version. A unit remembers the version it was compiled from, and
 * `enter` drops a unit whose version moved: another hart's rewrite is seen at this hart's
 * next entry, a slice at the latest (RISC-V asks for a `fence.i` before it must be seen at
 * all). A store by compiled code into a code page leaves the unit at once (Exit.STALE). A page
 * rewritten MAX_REWRITES times stays interpreted. `fence.i` drops everything (`flush`), which
 * also covers code written by DMA or by the host.
 *
 * Modules are kept per thread by what they were compiled from (`moduleFor`), so other harts
 * of the thread and restored domains instantiate them instead of compiling again.
 *
 * Everything here is deterministic: what is compiled depends only on the instruction stream,
 * so deterministic mode stays reproducible, and units retire exactly what the interpreter
 * would, so runs with and without compiled code are the same run. (The thread's module cache
 * changes only how long compiling takes.)
 */

import { WASM_PAGE_SIZE, type WasmApi, type WasmModule, webAssembly } from "../../memory/webassembly.js";
import { executeAtomic } from "../atomics.js";
import type { Hart } from "../hart.js";
import { loadSlow, storeSlow, TLB_ENTRY_WORDS } from "../mmu.js";
import { compressedTable } from "../rvc.js";
import { TRAP } from "../trap-signal.js";
import { emitUnit } from "./emit-unit.js";
import { BUDGET, DBASE, FAULT, LOAD_HI } from "./jit-abi.js";
import { planUnit } from "./plan-unit.js";

/** Offers of a page before it is compiled, unless the hart's options say otherwise. */
export const HOT = 32;
/** Offers of offsets a unit lacks before it is compiled again with them. */
const MISSES_TO_RECOMPILE = 32;
/** Times a page's code may change under its units; after that the page stays interpreted. */
const MAX_REWRITES = 8;
/** A unit's entry for an offset whose first instruction the interpreter runs. */
const INTERPRETED = -2;

interface Unit {
  readonly vbase: number;
  readonly version: number;
  /** Block index by half-word offset in the page; -1 none yet, INTERPRETED for an offset
   * whose first instruction compiled code does not run. */
  readonly entries: Int16Array;
  /** The entry points it was compiled from, and offsets offered since that it lacks. */
  readonly wanted: Set<number>;
  /** Runs from the block at a half-word offset of the page. */
  readonly run: (entry: number) => number;
  misses: number;
  /** Times this page's code changed under earlier units. */
  readonly rewrites: number;
}

/** A compiled page: what it was compiled from, the module, and its blocks by offset. */
interface CompiledUnit {
  readonly code: Int32Array;
  readonly module: WasmModule | undefined;
  readonly index: ReadonlyMap<number, number>;
  /** The entry points it was compiled from. */
  readonly wanted: ReadonlySet<number>;
}

/** Modules compiled on this thread, by what they were compiled from (`moduleFor`). */
const modules = new Map<string, CompiledUnit>();
/** Modules kept at most; the oldest go first. */
const MAX_MODULES = 1024;

interface Heat {
  readonly vbase: number;
  readonly offsets: Set<number>;
  offers: number;
  readonly rewrites: number;
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
  /**
   * The hart area's words (jit-abi.ts offsets). After `enter` the dispatcher reads BUDGET
   * (instructions left) and EXIT_PC here itself: a getter returning the 64-bit pc as a
   * number boxed it on every exit, which made a vCPU's thread collect garbage tens of times a second.
   */
  readonly words: Int32Array;
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

  /**
   * Runs compiled code from `offset` in the hart's fetch page (virtual base
   * `h.fetchVBase`, host offset `host`), for at most `budget` instructions, with data
   * accesses in TLB set `dBase`. Returns the Exit reason, or -1 when there is no code there
   * (yet). Only small integers cross this call: a 64-bit address as an argument is boxed on
   * every entry, and a vCPU's thread then collects garbage many times a second.
   */
  enter(offset: number, host: number, budget: number, dBase: number): number {
    const page = host >>> 12;
    const vbase = this.h.fetchVBase;
    let unit = this.unitAt(page, vbase);
    if (unit === undefined) {
      unit = this.warm(page, vbase, host, offset);
      if (unit === undefined) return -1;
    }
    let block = unit.entries[offset >> 1]!;
    if (block < 0) {
      if (block === INTERPRETED) return -1;
      unit.wanted.add(offset);
      if (++unit.misses < Math.min(this.hot, MISSES_TO_RECOMPILE)) return -1;
      this.remove(page, unit);
      unit = this.compile(page, vbase, host, unit.wanted, unit.rewrites);
      block = unit.entries[offset >> 1]!;
      if (block < 0) return -1;
    }
    const words = this.words;
    words[BUDGET >> 2] = budget;
    words[DBASE >> 2] = dBase * TLB_ENTRY_WORDS * 4;
    words[FAULT >> 2] = 0;
    const exit = unit.run(offset >> 1);
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
      // Its page was written: warm it again, and give up on a page rewritten again and again
      // (or one holding data written often), which ends up interpreted.
      this.remove(page, u);
      listOf(this.heat, page).push({
        vbase,
        offsets: new Set(u.wanted),
        offers: 0,
        rewrites: u.rewrites + 1,
      });
      return undefined;
    }
    return undefined;
  }

  /** Counts an offer of a page without a unit; returns the unit when that made it hot. */
  private warm(page: number, vbase: number, host: number, offset: number): Unit | undefined {
    const list = listOf(this.heat, page);
    let heat = list.find((w) => w.vbase === vbase);
    if (heat === undefined) {
      heat = { vbase, offsets: new Set(), offers: 0, rewrites: 0 };
      list.push(heat);
    }
    heat.offsets.add(offset);
    if (++heat.offers < this.hot || heat.rewrites >= MAX_REWRITES) return undefined;
    list.splice(list.indexOf(heat), 1);
    return this.compile(page, vbase, host, heat.offsets, heat.rewrites);
  }

  private remove(page: number, unit: Unit): void {
    const list = this.units.get(page);
    if (list === undefined) return;
    list.splice(list.indexOf(unit), 1);
    if (list.length === 0) this.units.delete(page);
  }

  private compile(page: number, vbase: number, host: number, wanted: Set<number>, rewrites: number): Unit {
    const started = performance.now();
    const h = this.h;
    const versions = this.versions;
    if ((versions[page]! & 1) === 0) {
      // From now on every store to this page takes the slow path: ours at once, the other
      // harts' from their next slice.
      Atomics.or(versions, page, 1);
      h.tlb.dropWritesTo(host);
      h.mem.dirty.newEpoch();
    }
    const version = Atomics.load(versions, page);
    const compiled = this.moduleFor(vbase, host, wanted);
    const entries = new Int16Array(2048).fill(-1);
    for (const offset of compiled.wanted) entries[offset >> 1] = INTERPRETED;
    for (const [offset, index] of compiled.index) entries[offset >> 1] = index;
    let run: (entry: number) => number = () => -1;
    if (compiled.module !== undefined) {
      const imports = { m: { ...this.imports.m, area: h.area } };
      run = new this.api.Instance(compiled.module, imports).exports.run as (entry: number) => number;
    }
    const unit: Unit = {
      vbase,
      version,
      entries,
      wanted: new Set(compiled.wanted),
      run,
      misses: 0,
      rewrites,
    };
    listOf(this.units, page).push(unit);
    this.stats.units++;
    this.stats.compileMs += performance.now() - started;
    return unit;
  }

  /**
   * The module for a unit of (at least) `wanted` entries in the page at `host`: from the thread's cache
   * when this page's bytes were compiled at this virtual base before (by any hart, for any
   * domain with memory of this size: a restored domain does not compile again), else new.
   */
  private moduleFor(vbase: number, host: number, wanted: Set<number>): CompiledUnit {
    const h = this.h;
    const code = h.mem.i32.subarray(host >> 2, (host >> 2) + 1024);
    const key = `${h.xlen} ${this.memoryPages} ${vbase} ${hashWords(code)}`;
    const known = modules.get(key);
    const same = known !== undefined && equalWords(known.code, code);
    if (same && isSubset(wanted, known.wanted)) return known;
    // Every entry this page was ever wanted at: harts warm up differently, and one module
    // should serve them all.
    const all = same ? new Set([...known.wanted, ...wanted]) : new Set(wanted);
    const plan = planUnit(h.mem.u16, host >> 1, all, h.xlen, this.rvc);
    let module: WasmModule | undefined;
    if (plan.blocks.length > 0) {
      const bytes = emitUnit(plan, { xlen: h.xlen, vbase, memoryPages: this.memoryPages });
      module = new this.api.Module(bytes);
      this.stats.bytes += bytes.length;
      this.stats.blocks += plan.blocks.length;
    }
    const compiled: CompiledUnit = { code: code.slice(), module, index: plan.index, wanted: all };
    modules.delete(key); // (re)inserted last: the oldest go first
    if (modules.size >= MAX_MODULES) modules.delete(modules.keys().next().value!);
    modules.set(key, compiled);
    return compiled;
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

/** A 32-bit FNV-1a hash of words (a cache key; hits are compared in full). */
function hashWords(w: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w[i]!, 0x01000193);
  return h >>> 0;
}

function isSubset(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function equalWords(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
