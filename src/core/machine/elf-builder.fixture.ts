/**
 * Builds small RISC-V ELF executables in memory for tests: an ELF header, PT_LOAD program
 * headers and, when symbols are given, a .symtab/.strtab pair — nothing else. Lets tests
 * boot hand-assembled programs and exercise loader edge cases without binary fixtures.
 */

export interface TestSegment {
  readonly paddr: number;
  readonly data: ArrayLike<number>;
  /** Defaults to the data length. */
  readonly memsz?: number;
}

export interface TestElf {
  readonly xlen: 32 | 64;
  readonly entry: number;
  readonly segments: readonly TestSegment[];
  readonly symbols?: Readonly<Record<string, number>>;
}

/** Bytes from a string of hex pairs ("b7 02 00 02 …"), as objdump or od print them. */
export function hexBytes(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .map((h) => Number.parseInt(h, 16));
}

export function buildElf(spec: TestElf): Uint8Array {
  const wide = spec.xlen === 64;
  const ehsize = wide ? 64 : 52;
  const phentsize = wide ? 56 : 32;
  const shentsize = wide ? 64 : 40;
  const symentsize = wide ? 24 : 16;
  const symbols = Object.entries(spec.symbols ?? {});

  // Layout: header, program headers, segment data, strtab, symtab, section headers.
  let at = ehsize + phentsize * spec.segments.length;
  const dataOffsets = spec.segments.map((s) => {
    const offset = at;
    at += s.data.length;
    return offset;
  });
  const names = symbols.map(([name]) => new TextEncoder().encode(`${name}\0`));
  const strtabOffset = at;
  const strtabSize = 1 + names.reduce((n, b) => n + b.length, 0);
  at = align8(strtabOffset + strtabSize);
  const symtabOffset = at;
  const symtabSize = (symbols.length + 1) * symentsize;
  at = align8(symtabOffset + symtabSize);
  const shoff = symbols.length > 0 ? at : 0;
  const total = symbols.length > 0 ? shoff + 3 * shentsize : strtabOffset;

  const bytes = new Uint8Array(total);
  const v = new DataView(bytes.buffer);
  const word = (offset: number, value: number) =>
    wide ? v.setBigUint64(offset, BigInt(value), true) : v.setUint32(offset, value, true);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, wide ? 2 : 1, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true); // EM_RISCV
  v.setUint32(20, 1, true);
  word(24, spec.entry);
  word(wide ? 32 : 28, ehsize);
  word(wide ? 40 : 32, shoff);
  v.setUint16(wide ? 52 : 40, ehsize, true);
  v.setUint16(wide ? 54 : 42, phentsize, true);
  v.setUint16(wide ? 56 : 44, spec.segments.length, true);
  v.setUint16(wide ? 58 : 46, shentsize, true);
  v.setUint16(wide ? 60 : 48, shoff === 0 ? 0 : 3, true);

  spec.segments.forEach((s, i) => {
    const ph = ehsize + i * phentsize;
    const offset = dataOffsets[i] ?? 0;
    const memsz = s.memsz ?? s.data.length;
    v.setUint32(ph, 1, true); // PT_LOAD
    if (wide) {
      word(ph + 8, offset);
      word(ph + 16, s.paddr);
      word(ph + 24, s.paddr);
      word(ph + 32, s.data.length);
      word(ph + 40, memsz);
    } else {
      word(ph + 4, offset);
      word(ph + 8, s.paddr);
      word(ph + 12, s.paddr);
      word(ph + 16, s.data.length);
      word(ph + 20, memsz);
    }
    bytes.set(Array.from(s.data), offset);
  });
  if (shoff === 0) return bytes;

  let nameAt = 1;
  symbols.forEach(([, value], i) => {
    const name = names[i] ?? new Uint8Array(1);
    bytes.set(name, strtabOffset + nameAt);
    const sym = symtabOffset + (i + 1) * symentsize;
    v.setUint32(sym, nameAt, true);
    if (wide) {
      v.setUint8(sym + 4, 0x11); // STB_GLOBAL, STT_OBJECT
      v.setUint16(sym + 6, 0xfff1, true); // SHN_ABS
      word(sym + 8, value);
    } else {
      word(sym + 4, value);
      v.setUint8(sym + 12, 0x11);
      v.setUint16(sym + 14, 0xfff1, true);
    }
    nameAt += name.length;
  });
  const section = (i: number, type: number, offset: number, size: number, link: number, entsize: number) => {
    const sh = shoff + i * shentsize;
    v.setUint32(sh + 4, type, true);
    word(sh + (wide ? 24 : 16), offset);
    word(sh + (wide ? 32 : 20), size);
    v.setUint32(sh + (wide ? 40 : 24), link, true);
    word(sh + (wide ? 56 : 36), entsize);
  };
  section(1, 2, symtabOffset, symtabSize, 2, symentsize); // SHT_SYMTAB, strings in section 2
  section(2, 3, strtabOffset, strtabSize, 0, 0); // SHT_STRTAB
  return bytes;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
