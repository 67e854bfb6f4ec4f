import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { GuestMemory } from "../memory/guest-memory.js";
import { buildElf } from "./elf-builder.fixture.js";
import { ElfError, loadElf, loadElfImage, parseElf } from "./elf-loader.js";

const root = new URL("../../../../", import.meta.url);
const rv64 = new Uint8Array(readFileSync(new URL("guest/images/isa/rv64/smoke.elf", root)));
const rv32 = new Uint8Array(readFileSync(new URL("guest/images/isa/rv32/smoke.elf", root)));
const RAM_BASE = 0x8000_0000;

function ram(size = 0x10_0000): GuestMemory {
  return GuestMemory.allocate(RAM_BASE, size);
}

function patched(image: Uint8Array, edit: (v: DataView, bytes: Uint8Array) => void): Uint8Array {
  const copy = image.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
}

test("parseElf() describes the RV64 smoke test", () => {
  const program = parseElf(rv64);
  assert.equal(program.xlen, 64);
  assert.equal(program.entry, 0x8000_0000);
  assert.ok(program.segments.length >= 1);
  assert.equal(program.symbols.get("_start"), 0x8000_0000);
  assert.ok(program.symbols.has("main"));
  assert.ok(program.symbols.has("exit"));
});

test("parseElf() describes the RV32 smoke test", () => {
  const program = parseElf(rv32);
  assert.equal(program.xlen, 32);
  assert.equal(program.entry, 0x8000_0000);
  assert.equal(program.symbols.get("_start"), 0x8000_0000);
});

test("loadElfImage() copies every segment's file bytes to its physical address", () => {
  for (const image of [rv64, rv32]) {
    const memory = ram();
    const loaded = loadElfImage(image, memory);
    assert.equal(loaded.entry, 0x8000_0000);
    for (const s of parseElf(image).segments) {
      assert.deepEqual(memory.read(s.paddr, s.data.length), s.data);
    }
    // The first instructions of _start are `csrr t0, mhartid` (0xf14022f3).
    assert.deepEqual(Array.from(memory.read(0x8000_0000, 4)), [0xf3, 0x22, 0x40, 0xf1]);
  }
});

test("loadElf() zeroes the part of a segment beyond its file bytes", () => {
  for (const xlen of [32, 64] as const) {
    const memory = ram();
    memory.u8.fill(0xee);
    loadElfImage(
      buildElf({
        xlen,
        entry: RAM_BASE,
        segments: [{ paddr: RAM_BASE + 0x100, data: [1, 2, 3], memsz: 16 }],
      }),
      memory,
    );
    assert.deepEqual(Array.from(memory.read(RAM_BASE + 0x100, 17)), [1, 2, 3, ...Array(13).fill(0), 0xee]);
    assert.equal(memory.u8[0xff], 0xee);
  }
});

test("loadElf() rejects a segment outside RAM and leaves RAM untouched", () => {
  const memory = ram();
  const image = buildElf({
    xlen: 64,
    entry: RAM_BASE,
    segments: [
      { paddr: RAM_BASE, data: [9, 9, 9, 9], memsz: 4 },
      { paddr: RAM_BASE + 0x10_0000 - 2, data: [1, 2, 3, 4], memsz: 4 },
    ],
  });
  assert.throws(
    () => loadElfImage(image, memory),
    (err: unknown) => {
      assert.ok(err instanceof ElfError);
      assert.match(err.message, /segment at 0x800ffffe.*outside RAM/);
      return true;
    },
  );
  assert.equal(memory.u8[0], 0, "nothing was written");
  assert.throws(
    () =>
      loadElf(
        parseElf(buildElf({ xlen: 32, entry: 0x1000, segments: [{ paddr: 0x1000, data: [1], memsz: 1 }] })),
        memory,
      ),
    ElfError,
  );
});

function assertElfError(image: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => loadElfImage(image, ram()),
    (err: unknown) => {
      assert.ok(err instanceof ElfError, `expected ElfError, got ${(err as Error).stack}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

test("parseElf() rejects files that are not RISC-V executables, each with one clear message", () => {
  assertElfError(new Uint8Array(0), /not an ELF file/);
  assertElfError(rv64.slice(0, 3), /truncated/);
  assertElfError(new TextEncoder().encode("hi\n"), /not an ELF file/);
  assertElfError(new TextEncoder().encode("#!/bin/sh\necho not an elf\n"), /not an ELF file/);
  assertElfError(
    patched(rv64, (v) => v.setUint8(4, 3)),
    /unknown ELF class 3/,
  );
  assertElfError(
    patched(rv64, (v) => v.setUint8(5, 2)),
    /not little-endian/,
  );
  assertElfError(
    patched(rv64, (v) => v.setUint16(18, 62, true)),
    /not for RISC-V \(machine 62/,
  );
  assertElfError(
    patched(rv32, (v) => v.setUint16(16, 3, true)),
    /not an executable/,
  );
});

test("parseElf() reports a class that does not match the layout as truncation, not a crash", () => {
  // An ELF64 file relabelled ELF32 reads nonsense offsets; whatever it finds must be an ElfError.
  assert.throws(() => parseElf(patched(rv64, (v) => v.setUint8(4, 1))), ElfError);
});

test("parseElf() rejects truncated headers, program headers and segments", () => {
  assertElfError(rv64.slice(0, 40), /truncated/);
  assertElfError(rv64.slice(0, 100), /truncated.*program header/);
  assertElfError(rv32.slice(0, 0x1010), /truncated.*segment/);
  assertElfError(
    patched(rv64, (v) => v.setBigUint64(32, 1n << 40n, true)),
    /truncated/,
  );
});

test("parseElf() rejects a segment whose file size exceeds its memory size", () => {
  const image = buildElf({
    xlen: 64,
    entry: RAM_BASE,
    segments: [{ paddr: RAM_BASE, data: [1, 2, 3, 4], memsz: 2 }],
  });
  assertElfError(image, /more file bytes/);
});

test("parseElf() rejects an executable with nothing to load", () => {
  assertElfError(buildElf({ xlen: 64, entry: RAM_BASE, segments: [] }), /no loadable segments/);
});

test("parseElf() throws only ElfError for every truncation and random corruption", () => {
  for (const image of [rv64, rv32]) {
    for (let n = 0; n < image.length; n += 7) {
      try {
        parseElf(image.subarray(0, n));
      } catch (err) {
        assert.ok(err instanceof ElfError, `truncated to ${n}: ${(err as Error).stack}`);
      }
    }
    let seed = 99;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const bad = image.slice();
      // Corrupt the headers, where the structure lives.
      for (let k = 0; k < 1 + (i % 3); k++) bad[random() % 128] = random() & 0xff;
      if (i % 2) bad[image.length - 1 - (random() % 1500)] = random() & 0xff;
      try {
        loadElfImage(bad, ram(0x20_0000));
      } catch (err) {
        assert.ok(err instanceof ElfError, `mutation ${i}: ${(err as Error).stack}`);
      }
    }
  }
});

test("parseElf() reads symbols from .symtab in both classes", () => {
  for (const xlen of [32, 64] as const) {
    const image = buildElf({
      xlen,
      entry: RAM_BASE,
      segments: [{ paddr: RAM_BASE, data: [0x6f, 0, 0, 0] }],
      symbols: { tohost: 0x8000_1000, fromhost: 0x8000_1040, bench_scale: 0x8000_2000 },
    });
    const { symbols } = parseElf(image);
    assert.equal(symbols.get("tohost"), 0x8000_1000);
    assert.equal(symbols.get("fromhost"), 0x8000_1040);
    assert.equal(symbols.get("bench_scale"), 0x8000_2000);
  }
});
