/**
 * Loads RISC-V ELF executables (ELF32 and ELF64, little-endian, EM_RISCV, ET_EXEC) into
 * guest RAM, as a boot loader would: PT_LOAD segments at their physical addresses (p_paddr),
 * file bytes copied and the rest of each segment zeroed.
 *
 * Two steps so nothing is half-done: `parseElf` checks the whole file and describes it
 * (XLEN, entry, segments, symbols) without touching RAM; `loadElf` checks every segment
 * against RAM and only then writes. Input comes from users, so any defect — truncation, wrong
 * class or byte order, another machine, a segment outside RAM — is one `ElfError` with a
 * clear message; no other exception escapes.
 *
 * Field offsets follow the System V ABI (ELF header, program header, section header and
 * symbol table entry, each in a 32- and a 64-bit layout). Symbols come from .symtab (the
 * machine wants `tohost`, `fromhost`; benchmarks read `bench_scale`); section and file
 * symbols are skipped and a global definition wins over a local one of the same name.
 */
import type { GuestMemory } from "../memory/guest-memory.js";

export class ElfError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ElfError";
  }
}

export interface ElfSegment {
  /** Guest-physical address of the segment's first byte. */
  readonly paddr: number;
  /** The bytes stored in the file (p_filesz of them). */
  readonly data: Uint8Array;
  /** The size in memory; bytes past `data.length` are zero. */
  readonly memsz: number;
}

export interface ElfProgram {
  readonly xlen: 32 | 64;
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
  readonly symbols: ReadonlyMap<string, number>;
}

export interface LoadedElf {
  readonly xlen: 32 | 64;
  readonly entry: number;
  readonly symbols: ReadonlyMap<string, number>;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ET_EXEC = 2;
const EM_RISCV = 243;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;
const SHN_UNDEF = 0;
const STT_SECTION = 3;
const STT_FILE = 4;
const STB_LOCAL = 0;

/** Where each field sits in the 32- and 64-bit layouts. */
interface Layout {
  readonly word: 4 | 8;
  readonly ehsize: number;
  readonly e: { entry: number; phoff: number; shoff: number; phentsize: number; phnum: number };
  readonly e2: { shentsize: number; shnum: number };
  readonly ph: { entry: number; offset: number; paddr: number; filesz: number; memsz: number };
  readonly sh: { entry: number; type: number; offset: number; size: number; link: number; entsize: number };
  readonly sym: { entry: number; name: number; value: number; info: number; shndx: number };
}

const LAYOUT32: Layout = {
  word: 4,
  ehsize: 52,
  e: { entry: 24, phoff: 28, shoff: 32, phentsize: 42, phnum: 44 },
  e2: { shentsize: 46, shnum: 48 },
  ph: { entry: 32, offset: 4, paddr: 12, filesz: 16, memsz: 20 },
  sh: { entry: 40, type: 4, offset: 16, size: 20, link: 24, entsize: 36 },
  sym: { entry: 16, name: 0, value: 4, info: 12, shndx: 14 },
};

const LAYOUT64: Layout = {
  word: 8,
  ehsize: 64,
  e: { entry: 24, phoff: 32, shoff: 40, phentsize: 54, phnum: 56 },
  e2: { shentsize: 58, shnum: 60 },
  ph: { entry: 56, offset: 8, paddr: 24, filesz: 32, memsz: 40 },
  sh: { entry: 64, type: 4, offset: 24, size: 32, link: 40, entsize: 56 },
  sym: { entry: 24, name: 0, value: 8, info: 4, shndx: 6 },
};

/** Bounds-checked little-endian reads; running off the end is a truncated file. */
class Reader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(offset: number, size: number, what: string): void {
    if (offset < 0 || offset + size > this.bytes.length) {
      throw new ElfError(
        `truncated ELF file: ${what} at offset ${offset} runs past the end (${this.bytes.length} bytes)`,
      );
    }
  }

  u8(offset: number, what: string): number {
    this.check(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, true);
  }

  /** An address-sized field as a number; undefined when it exceeds 2^53 (not loadable here). */
  word(offset: number, size: 4 | 8, what: string): number | undefined {
    if (size === 4) return this.u32(offset, what);
    this.check(offset, 8, what);
    const value = this.view.getBigUint64(offset, true);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }

  /** Like `word`, for fields whose size must be representable. */
  size(offset: number, width: 4 | 8, what: string): number {
    const value = this.word(offset, width, what);
    if (value === undefined) throw new ElfError(`ELF ${what} is impossibly large`);
    return value;
  }

  slice(offset: number, length: number, what: string): Uint8Array {
    this.check(offset, length, what);
    return this.bytes.subarray(offset, offset + length);
  }
}

/** Checks and describes an ELF image without loading it. */
export function parseElf(image: Uint8Array): ElfProgram {
  try {
    return parse(new Reader(image));
  } catch (err) {
    if (err instanceof ElfError) throw err;
    throw new ElfError(`malformed ELF file: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Copies a parsed program into RAM. Every segment is checked first, so on an error RAM is
 * untouched.
 */
export function loadElf(program: ElfProgram, ram: GuestMemory): LoadedElf {
  const end = ram.base + ram.size;
  for (const s of program.segments) {
    if (!ram.contains(s.paddr, s.memsz)) {
      throw new ElfError(
        `segment at 0x${s.paddr.toString(16)}–0x${(s.paddr + s.memsz).toString(16)} lies outside RAM ` +
          `(0x${ram.base.toString(16)}–0x${end.toString(16)})`,
      );
    }
  }
  for (const s of program.segments) {
    ram.write(s.paddr, s.data);
    const offset = s.paddr - ram.base;
    ram.u8.fill(0, offset + s.data.length, offset + s.memsz);
  }
  return { xlen: program.xlen, entry: program.entry, symbols: program.symbols };
}

/** `parseElf` then `loadElf`. */
export function loadElfImage(image: Uint8Array, ram: GuestMemory): LoadedElf {
  return loadElf(parseElf(image), ram);
}

function parse(r: Reader): ElfProgram {
  // Judge the magic on whatever prefix exists, so a short text file is "not an ELF file".
  const prefix = Math.min(r.bytes.length, ELF_MAGIC.length);
  if (prefix === 0 || ELF_MAGIC.some((b, i) => i < prefix && r.bytes[i] !== b)) {
    throw new ElfError("not an ELF file (bad magic number)");
  }
  if (r.bytes.length < 16) throw new ElfError(`truncated ELF file: ${r.bytes.length} bytes`);
  const cls = r.u8(4, "class");
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64)
    throw new ElfError(`unknown ELF class ${cls} (want 32- or 64-bit)`);
  if (r.u8(5, "data encoding") !== ELFDATA2LSB) throw new ElfError("ELF file is not little-endian");
  const xlen = cls === ELFCLASS64 ? 64 : 32;
  const L = cls === ELFCLASS64 ? LAYOUT64 : LAYOUT32;
  if (r.bytes.length < L.ehsize)
    throw new ElfError(`truncated ELF file: ${r.bytes.length} bytes, header needs ${L.ehsize}`);
  const machine = r.u16(18, "e_machine");
  if (machine !== EM_RISCV)
    throw new ElfError(`ELF file is not for RISC-V (machine ${machine}, want ${EM_RISCV})`);
  const type = r.u16(16, "e_type");
  if (type !== ET_EXEC) throw new ElfError(`ELF file is not an executable (type ${type}, want ET_EXEC)`);
  const entry = r.word(L.e.entry, L.word, "e_entry");
  if (entry === undefined) throw new ElfError("ELF entry point is beyond the 2^53 address range");

  const segments = readSegments(r, L);
  if (segments.length === 0) throw new ElfError("ELF file has no loadable segments");
  const symbols = readSymbols(r, L);
  return { xlen, entry, segments, symbols };
}

function readSegments(r: Reader, L: Layout): ElfSegment[] {
  const phoff = r.size(L.e.phoff, L.word, "e_phoff");
  const phentsize = r.u16(L.e.phentsize, "e_phentsize");
  const phnum = r.u16(L.e.phnum, "e_phnum");
  if (phnum > 0 && phentsize < L.ph.entry)
    throw new ElfError(`ELF program header size ${phentsize} is too small`);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const what = `program header ${i}`;
    if (r.u32(at, what) !== PT_LOAD) continue;
    const offset = r.size(at + L.ph.offset, L.word, `${what} p_offset`);
    const filesz = r.size(at + L.ph.filesz, L.word, `${what} p_filesz`);
    const memsz = r.size(at + L.ph.memsz, L.word, `${what} p_memsz`);
    const paddr = r.word(at + L.ph.paddr, L.word, `${what} p_paddr`);
    if (memsz === 0) continue;
    if (paddr === undefined) throw new ElfError(`segment ${i} address is beyond the 2^53 address range`);
    if (filesz > memsz)
      throw new ElfError(`segment ${i} has more file bytes (${filesz}) than memory (${memsz})`);
    segments.push({ paddr, memsz, data: r.slice(offset, filesz, `segment ${i} data`) });
  }
  return segments;
}

function readSymbols(r: Reader, L: Layout): Map<string, number> {
  const symbols = new Map<string, number>();
  const globals = new Set<string>();
  const shoff = r.size(L.e.shoff, L.word, "e_shoff");
  const shentsize = r.u16(L.e2.shentsize, "e_shentsize");
  const shnum = r.u16(L.e2.shnum, "e_shnum");
  if (shoff === 0 || shnum === 0) return symbols; // stripped: no section table
  if (shentsize < L.sh.entry) throw new ElfError(`ELF section header size ${shentsize} is too small`);
  const section = (i: number) => shoff + i * shentsize;
  for (let i = 0; i < shnum; i++) {
    const at = section(i);
    if (r.u32(at + L.sh.type, `section header ${i}`) !== SHT_SYMTAB) continue;
    const symOffset = r.size(at + L.sh.offset, L.word, "symbol table offset");
    const symSize = r.size(at + L.sh.size, L.word, "symbol table size");
    const entsize = r.size(at + L.sh.entsize, L.word, "symbol entry size") || L.sym.entry;
    const link = r.u32(at + L.sh.link, "symbol table link");
    if (entsize < L.sym.entry) throw new ElfError(`ELF symbol entry size ${entsize} is too small`);
    if (link >= shnum) throw new ElfError(`symbol table names string table ${link}, which does not exist`);
    const strOffset = r.size(section(link) + L.sh.offset, L.word, "string table offset");
    const strSize = r.size(section(link) + L.sh.size, L.word, "string table size");
    const strtab = r.slice(strOffset, strSize, "string table");
    r.slice(symOffset, symSize, "symbol table");
    for (let s = symOffset; s + L.sym.entry <= symOffset + symSize; s += entsize) {
      const info = r.u8(s + L.sym.info, "symbol");
      const kind = info & 0xf;
      if (kind === STT_SECTION || kind === STT_FILE) continue;
      if (r.u16(s + L.sym.shndx, "symbol") === SHN_UNDEF) continue;
      const name = symbolName(strtab, r.u32(s + L.sym.name, "symbol"));
      const value = r.word(s + L.sym.value, L.word, "symbol");
      if (name === "" || value === undefined) continue;
      const isGlobal = info >> 4 !== STB_LOCAL;
      if (symbols.has(name) && (globals.has(name) || !isGlobal)) continue;
      symbols.set(name, value);
      if (isGlobal) globals.add(name);
    }
  }
  return symbols;
}

function symbolName(strtab: Uint8Array, offset: number): string {
  if (offset >= strtab.length) throw new ElfError("symbol name lies outside the string table");
  let end = strtab.indexOf(0, offset);
  if (end < 0) end = strtab.length;
  let name = "";
  for (let i = offset; i < end; i++) name += String.fromCharCode(strtab[i] ?? 0);
  return name;
}
