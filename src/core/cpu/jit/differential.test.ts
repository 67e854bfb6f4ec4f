/**
 * Differential fuzzing: random programs (random-program.ts) run on the reference interpreter
 * and on the engine under test (`underTest`), whose final architectural states must agree.
 * Until the JIT exists the engine under test is the interpreter itself, given its
 * instructions in slices of varying size, which still checks that `run` resumes exactly;
 * to test the JIT, make `underTest` build a hart with it on.
 *
 * The other tests keep the harness honest: it must notice a disturbed hart (sabotage), the
 * generator's encoders must agree with the interpreter's compressed-instruction table, and
 * the programs must actually do what they are meant to (coverage), or equal states would
 * prove nothing.
 *
 * Environment: FERRY_FUZZ_SEEDS (programs per XLEN, default 300) and FERRY_FUZZ_SEED (the
 * first seed, default 1) — a failure names its seed, so FERRY_FUZZ_SEED=<seed>
 * FERRY_FUZZ_SEEDS=1 replays it alone.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hart, type HartOptions } from "../hart.js";
import { Exception } from "../interrupts.js";
import { expandCompressed } from "../rvc.js";
import {
  type ArchState,
  type Coverage,
  diffStates,
  emptyCoverage,
  type HartFactory,
  interpreter,
  type Mode,
  runProgram,
  traceProgram,
} from "./differential.fixture.js";
import { cenc, DATA_BASE, enc, HANDLER_BASE, randomProgram } from "./random-program.js";

/**
 * The engine under test: the JIT, compiling every page at its first entry so that as much as
 * possible runs compiled. What its harts ran compiled is summed to prove it ran at all.
 */
const compiled = { units: 0, instructions: 0 };
const underTest: HartFactory = (options: HartOptions) => {
  const hart = new Hart({ ...options, jit: { hot: 1 } });
  const stats = hart.jit?.stats;
  assert.ok(stats !== undefined, "the hart under test compiles code");
  const run = hart.run.bind(hart);
  hart.run = (budget: number): number => {
    const before = { units: stats.units, instructions: stats.instructions };
    const n = run(budget);
    compiled.units += stats.units - before.units;
    compiled.instructions += stats.instructions - before.instructions;
    return n;
  };
  return hart;
};

const SEEDS = Number(process.env.FERRY_FUZZ_SEEDS ?? 300);
const FIRST_SEED = Number(process.env.FERRY_FUZZ_SEED ?? 1);
const MODES: readonly Mode[] = ["machine", "supervisor"];
const XLENS: readonly (32 | 64)[] = [32, 64];

/** Slice sizes for the engine under test: all at once, single steps, and odd sizes between. */
const sliceFor = (seed: number): number | undefined => [undefined, 1, 2, 3, 7, 64, 1000][seed % 7];

for (const xlen of XLENS) {
  test(`RV${xlen}: the engine under test agrees with the interpreter on ${SEEDS} random programs`, () => {
    const failures: string[] = [];
    const compare = (what: string, reference: ArchState, candidate: ArchState): void => {
      const diff = diffStates(reference, candidate);
      if (diff.length > 0) failures.push(`${what}:\n    ${diff.join("\n    ")}`);
    };
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      const program = randomProgram(seed, xlen);
      const slice = sliceFor(seed);
      const sliced = slice === undefined ? {} : { slice };
      for (const mode of MODES) {
        const what = `seed ${seed}, RV${xlen}, ${mode}, slice ${slice ?? "all"}`;
        compare(
          what,
          runProgram(interpreter, program, xlen, mode),
          runProgram(underTest, program, xlen, mode, sliced),
        );
        // Stopped mid-program (in a loop, in the handler...): `run` may return early but must
        // never overshoot, so both reach exactly `budget` and must agree there too.
        const budget = 1 + (seed % 150);
        compare(
          `${what}, budget ${budget}`,
          runProgram(interpreter, program, xlen, mode, { budget }),
          runProgram(underTest, program, xlen, mode, { ...sliced, budget }),
        );
      }
    }
    assert.equal(
      failures.length,
      0,
      `${failures.length} programs differ:\n  ${failures.slice(0, 5).join("\n  ")}`,
    );
    assert.ok(compiled.units > SEEDS, `units were compiled (${compiled.units})`);
    assert.ok(
      compiled.instructions > 20 * SEEDS,
      `compiled code ran (${compiled.instructions} instructions)`,
    );
    console.log(
      `RV${xlen}: ${compiled.units} units compiled, ${compiled.instructions} instructions run compiled`,
    );
  });
}

test("random programs are deterministic per seed and differ between seeds", () => {
  for (const xlen of XLENS) {
    const a = randomProgram(42, xlen);
    const b = randomProgram(42, xlen);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.code, randomProgram(43, xlen).code);
    assert.equal(a.regs.length, 32);
    assert.equal(a.regs[0], 0n);
    for (const v of a.regs) assert.ok(v >= 0n && v < 1n << BigInt(xlen));
  }
  assert.notDeepEqual(randomProgram(42, 32).code, randomProgram(42, 64).code);
  assert.ok(
    randomProgram(7, 64, { length: 400 }).code.length > randomProgram(7, 64, { length: 20 }).code.length,
  );
});

test("the compressed encoders agree with the interpreter's expansion table", () => {
  // Every operand combination the generator can produce, checked against rvc.ts.
  const check = (xlen: 32 | 64, c: number, want: number): void => {
    assert.equal(expandCompressed(c, xlen) >>> 0, want >>> 0, `parcel 0x${c.toString(16)}`);
  };
  for (let r = 1; r < 32; r++) {
    for (let imm = -32; imm < 32; imm++) {
      check(64, cenc.addi(r, imm), enc.addi(r, r, imm));
      check(64, cenc.addiw(r, imm), enc.i(imm, r, 0, r, 0x1b));
      check(32, cenc.li(r, imm), enc.addi(r, 0, imm));
      if (r !== 2 && imm !== 0) check(64, cenc.lui(r, imm), enc.lui(r, imm & 0xfffff));
    }
    for (let s = 1; s < 64; s++) check(64, cenc.slli(r, s), enc.i(s, r, 1, r, 0x13));
    for (let s = 1; s < 32; s++) check(32, cenc.mv(r, s), enc.r(0, s, 0, 0, r, 0x33));
    for (let s = 1; s < 32; s++) check(32, cenc.add(r, s), enc.r(0, s, r, 0, r, 0x33));
    check(64, cenc.jr(r), enc.i(0, r, 0, 0, 0x67));
    check(64, cenc.jalr(r), enc.i(0, r, 0, 1, 0x67));
    for (let off = 0; off < 512; off += 8) {
      check(64, cenc.ldsp(r, off), enc.load(3, r, 2, off));
      check(64, cenc.sdsp(r, off), enc.store(3, r, 2, off));
    }
    for (let off = 0; off < 256; off += 4) {
      check(32, cenc.lwsp(r, off), enc.load(2, r, 2, off));
      check(32, cenc.swsp(r, off), enc.store(2, r, 2, off));
    }
  }
  for (let r = 8; r < 16; r++) {
    for (let s = 8; s < 16; s++) {
      for (let f2 = 0; f2 < 4; f2++) {
        check(32, cenc.ca(0, f2, r, s), enc.r(f2 === 0 ? 0x20 : 0, s, r, [0, 4, 6, 7][f2]!, r, 0x33));
      }
      check(64, cenc.ca(1, 0, r, s), enc.r(0x20, s, r, 0, r, 0x3b));
      check(64, cenc.ca(1, 1, r, s), enc.r(0, s, r, 0, r, 0x3b));
      for (let off = 0; off < 128; off += 4) {
        check(32, cenc.lsw(2, r, s, off), enc.load(2, r, s, off));
        check(32, cenc.lsw(6, r, s, off), enc.store(2, r, s, off));
      }
      for (let off = 0; off < 256; off += 8) {
        check(64, cenc.lsd(3, r, s, off), enc.load(3, r, s, off));
        check(64, cenc.lsd(7, r, s, off), enc.store(3, r, s, off));
      }
    }
    for (let s = 1; s < 64; s++) {
      check(64, cenc.cb2(0, r, s), enc.i(s, r, 5, r, 0x13));
      check(64, cenc.cb2(1, r, s), enc.i(0x400 | s, r, 5, r, 0x13));
    }
    for (let imm = -32; imm < 32; imm++) check(32, cenc.cb2(2, r, imm), enc.i(imm, r, 7, r, 0x13));
    for (let off = -256; off < 256; off += 2) {
      check(64, cenc.cbranch(6, r, off), enc.b(off, 0, r, 0));
      check(64, cenc.cbranch(7, r, off), enc.b(off, 0, r, 1));
    }
    for (let u = 4; u < 1024; u += 4) check(64, cenc.addi4spn(r, u), enc.addi(r, 2, u));
  }
  for (let off = -2048; off < 2048; off += 2) {
    check(64, cenc.cj(5, off), enc.j(off, 0));
    check(32, cenc.cj(1, off), enc.j(off, 1));
  }
  for (let imm = -512; imm < 512; imm += 16)
    if (imm !== 0) check(64, cenc.addi16sp(imm), enc.addi(2, 2, imm));
});

/** A hart whose `run` corrupts t0 on the way out: what a JIT forgetting to write back would do. */
class LeakyHart extends Hart {
  override run(budget: number): number {
    const n = super.run(budget);
    this.xlo[5] = this.xlo[5]! ^ 0x10;
    return n;
  }
}

test("sabotage: the harness reports a disturbed hart or RAM", () => {
  for (const xlen of XLENS) {
    for (let seed = 1; seed <= 20; seed++) {
      const program = randomProgram(seed, xlen);
      const mode = MODES[seed % 2]!;
      const reference = runProgram(interpreter, program, xlen, mode);
      const where = `seed ${seed}, RV${xlen}, ${mode}`;

      // A faulty engine, through the factory: t0 is flipped whenever run returns.
      const leaky = runProgram((o) => new LeakyHart(o), program, xlen, mode);
      assert.ok(
        diffStates(reference, leaky).some((d) => d.startsWith("x5:")),
        where,
      );

      // A byte of RAM changed after the first slice, where no program writes.
      const ram = runProgram(interpreter, program, xlen, mode, {
        slice: 5,
        afterSlice: (_h, mem, i) => {
          const at = HANDLER_BASE + 0x800 - mem.base;
          if (i === 0) mem.u8[at] = mem.u8[at]! ^ 1;
        },
      });
      const ramDiff = diffStates(reference, ram);
      assert.ok(
        ramDiff.some((d) => d.startsWith("RAM handler: 1 bytes differ")),
        `${where}: ${ramDiff}`,
      );
      assert.ok(
        ramDiff.some((d) => d.startsWith("RAM hash")),
        where,
      );

      // Registers disturbed after the first instruction: the program cannot mask all of them.
      const regs = runProgram(interpreter, program, xlen, mode, {
        slice: 1,
        afterSlice: (h, _mem, i) => {
          if (i === 0) for (let r = 1; r < 30; r++) h.setX(r, h.getX(r) ^ 0x100n);
        },
      });
      assert.ok(
        diffStates(reference, regs).some((d) => /^x\d+:/.test(d)),
        where,
      );

      // A miscounted instruction.
      const count = runProgram(interpreter, program, xlen, mode, {
        afterSlice: (h) => {
          h.instret++;
        },
      });
      assert.ok(
        diffStates(reference, count).some((d) => d.startsWith("instret:")),
        where,
      );
    }
  }
});

test("sabotage: diffStates names every field of the state", () => {
  const program = randomProgram(5, 64);
  const base = runProgram(interpreter, program, 64, "supervisor");
  assert.deepEqual(diffStates(base, runProgram(interpreter, program, 64, "supervisor")), []);
  const variants: [string, (s: ArchState) => ArchState][] = [
    ["pc:", (s) => ({ ...s, hart: { ...s.hart, pc: s.hart.pc + 2n } })],
    ["priv:", (s) => ({ ...s, hart: { ...s.hart, priv: 3 } })],
    ["instret:", (s) => ({ ...s, hart: { ...s.hart, instret: s.hart.instret + 1 } })],
    ["cycle:", (s) => ({ ...s, hart: { ...s.hart, cycle: s.hart.cycle + 1 } })],
    [
      "waitingForInterrupt:",
      (s) => ({ ...s, hart: { ...s.hart, waitingForInterrupt: !s.hart.waitingForInterrupt } }),
    ],
    ["wedged:", (s) => ({ ...s, wedged: true })],
    ["executed", (s) => ({ ...s, executed: s.executed + 1 })],
    ["traps:", (s) => ({ ...s, traps: s.traps + 1 })],
    ["RAM hash:", (s) => ({ ...s, ramHash: "0" })],
  ];
  for (let i = 1; i < 32; i++) {
    variants.push([
      `x${i}:`,
      (s) => ({ ...s, hart: { ...s.hart, x: s.hart.x.map((v, j) => (j === i ? v ^ 1n : v)) } }),
    ]);
  }
  for (const name of Object.keys(base.hart.csrs) as (keyof typeof base.hart.csrs)[]) {
    variants.push([
      `${name}:`,
      (s) => ({ ...s, hart: { ...s.hart, csrs: { ...s.hart.csrs, [name]: s.hart.csrs[name] ^ 4n } } }),
    ]);
  }
  variants.push([
    "RAM data: 1 bytes differ (0x80080010:",
    (s) => ({
      ...s,
      regions: s.regions.map((r) => {
        if (r.name !== "data") return r;
        const bytes = r.bytes.slice();
        bytes[0x10] = bytes[0x10]! ^ 0x80;
        return { ...r, bytes };
      }),
    }),
  ]);
  for (const [prefix, change] of variants) {
    const diff = diffStates(base, change(base));
    assert.equal(diff.length, 1, `${prefix} ${diff}`);
    assert.ok(diff[0]!.startsWith(prefix), `${prefix} ${diff[0]}`);
  }
  assert.equal(DATA_BASE + 0x10, 0x80080010);
});

test("the programs do what they are meant to: traps, memory, branches, loops, M edge cases", () => {
  for (const xlen of XLENS) {
    for (const mode of MODES) {
      const cov: Coverage = emptyCoverage();
      for (let seed = 1; seed <= 40; seed++) traceProgram(randomProgram(seed, xlen), mode, cov);
      const where = `RV${xlen} ${mode}: ${JSON.stringify({ ...cov, traps: Object.fromEntries(cov.traps) })}`;
      // Thresholds are about half of what seeds 1–40 give: they fail if the generator degenerates.
      // Nearly every program runs to its end; wild jumps end a few early, through the handler.
      assert.ok(cov.finished >= 38, where);
      assert.ok(cov.steps >= 40 * 50, where);
      // Memory: most accesses complete, including misaligned ones and ones across pages.
      assert.ok(cov.loads >= 70 && cov.stores >= 50, where);
      assert.ok(cov.misaligned >= 20 && cov.pageCrossing >= 4, where);
      assert.ok(cov.branchesTaken >= 60 && cov.branchesNotTaken >= 60 && cov.backward >= 30, where);
      assert.ok(cov.jumps >= 40 && cov.compressed >= 250, where);
      assert.ok(cov.divideByZero >= 25 && cov.divideOverflow >= 8, where);
      const traps = (cause: number): number => cov.traps.get(cause) ?? 0;
      assert.ok(traps(Exception.IllegalInstruction) >= 10, where);
      assert.ok(traps(Exception.Breakpoint) >= 2, where);
      assert.ok(traps(mode === "machine" ? Exception.EcallFromM : Exception.EcallFromS) >= 2, where);
      assert.ok(traps(Exception.LoadAccessFault) >= 4 && traps(Exception.StoreAccessFault) >= 4, where);
      const fetchFault =
        mode === "machine" ? Exception.InstructionAccessFault : Exception.InstructionPageFault;
      assert.ok(traps(fetchFault) >= 1, where);
      if (mode === "supervisor") {
        assert.ok(traps(Exception.LoadPageFault) >= 20 && traps(Exception.StorePageFault) >= 20, where);
      }
    }
  }
});
