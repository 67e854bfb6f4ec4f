/**
 * `npm run bench -- cpu`: the CPU benchmark programs of guest/bench on one hart, RV64 and
 * RV32, on Ferry with its JIT (cpu/jit), on Ferry's interpreter alone, and — in the same run,
 * where installed — on QEMU's TCG. For the JIT it also reports what compiling cost: units and
 * blocks compiled, milliseconds per block, and bytes of WebAssembly generated.
 *
 * Each program times its own work with the CLINT's mtime (10 MHz) and prints
 * `bench NAME ticks=T instret=I checksum=C`. Time is measured inside the guest so process
 * start-up and image loading count for neither emulator. The instruction count is Ferry's
 * exact minstret; QEMU runs the identical ELF (same work, same instructions), so its MIPS
 * are Ferry's count over QEMU's time and the ratio is the ratio of times. The checksums of
 * the two runs must agree, or the figure is reported as an error.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JitStats } from "../src/core/cpu/jit/code-cache.js";
import { BareMachine } from "../src/core/machine/bare-machine.js";
import { parseElf } from "../src/core/machine/elf-loader.js";
import { qemuBinary, qemuVersion, runOnQemu } from "./qemu.js";

const IMAGES = "guest/images/bench";
const LINE = /bench (\S+) ticks=(\d+) instret=(\d+) checksum=(\S+)/;

interface Measurement {
  ticks: number;
  instret: number;
  checksum: string;
}

function parse(output: string): Measurement {
  const m = LINE.exec(output);
  if (m === null) throw new Error(`no result line in output: ${JSON.stringify(output.slice(-200))}`);
  return { ticks: Number(m[2]), instret: Number(m[3]), checksum: m[4]! };
}

/** A copy of the ELF with its `bench_scale` variable set, so both emulators do more work. */
export function withScale(image: Uint8Array, scale: number): Uint8Array {
  const copy = image.slice();
  const program = parseElf(copy);
  const address = program.symbols.get("bench_scale");
  if (address === undefined) throw new Error("benchmark has no bench_scale symbol");
  for (const seg of program.segments) {
    if (address >= seg.paddr && address + 4 <= seg.paddr + seg.data.length) {
      new DataView(copy.buffer).setUint32(seg.data.byteOffset + (address - seg.paddr), scale, true);
      return copy;
    }
  }
  throw new Error("bench_scale is not in a loaded segment");
}

type JitCost = Pick<JitStats, "units" | "blocks" | "compileMs" | "bytes">;

async function runOnFerry(image: Uint8Array, jit: boolean): Promise<Measurement & { cost?: JitCost }> {
  let output = "";
  const machine = new BareMachine({
    image,
    jit,
    onConsole: (bytes) => {
      output += new TextDecoder().decode(bytes);
    },
  });
  const outcome = await machine.run();
  if (outcome.reason !== "exit" || outcome.status !== 0) {
    throw new Error(`ferry run ended with ${JSON.stringify(outcome)}: ${output}`);
  }
  const stats = machine.harts[0]?.jit?.stats;
  const cost =
    stats === undefined
      ? {}
      : {
          cost: { units: stats.units, blocks: stats.blocks, compileMs: stats.compileMs, bytes: stats.bytes },
        };
  return { ...parse(output), ...cost };
}

const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;
const mips = (instret: number, ticks: number): number => instret / (ticks / 10_000_000) / 1e6;

export async function benchCpu(options: { scale: number; only?: string }): Promise<object> {
  const results: object[] = [];
  const ratios: Record<string, number[]> = { "64": [], "32": [] };
  const interpreterRatios: Record<string, number[]> = { "64": [], "32": [] };
  const ferryMips: Record<string, number[]> = { "64": [], "32": [] };
  const interpreterMips: Record<string, number[]> = { "64": [], "32": [] };
  const speedups: Record<string, number[]> = { "64": [], "32": [] };
  const totals = { units: 0, blocks: 0, compileMs: 0, bytes: 0 };
  const tmp = mkdtempSync(join(tmpdir(), "ferry-bench-"));
  try {
    for (const xlen of [64, 32] as const) {
      const dir = join(IMAGES, `rv${xlen}`);
      const names = readdirSync(dir)
        .filter((f) => f.endsWith(".elf"))
        .map((f) => f.replace(/\.elf$/, ""))
        .filter((n) => options.only === undefined || n === options.only)
        .sort();
      for (const name of names) {
        const image = withScale(readFileSync(join(dir, `${name}.elf`)), options.scale);
        const ferry = await runOnFerry(image, true);
        const interpreter = await runOnFerry(image, false);
        const entry: Record<string, unknown> = {
          program: name,
          xlen,
          scale: options.scale,
          instructions: ferry.instret,
          ferry: { mips: round(mips(ferry.instret, ferry.ticks)), seconds: round(ferry.ticks / 1e7, 3) },
          ferryInterpreter: {
            mips: round(mips(interpreter.instret, interpreter.ticks)),
            seconds: round(interpreter.ticks / 1e7, 3),
          },
          jitSpeedup: round(interpreter.ticks / ferry.ticks, 2),
          ...(ferry.cost === undefined
            ? {}
            : {
                jit: {
                  ...ferry.cost,
                  compileMs: round(ferry.cost.compileMs, 1),
                  msPerBlock: round(ferry.cost.compileMs / Math.max(1, ferry.cost.blocks), 3),
                },
              }),
        };
        if (interpreter.checksum !== ferry.checksum || interpreter.instret !== ferry.instret) {
          entry.error = `the interpreter's run differs: checksum ${interpreter.checksum}, ${interpreter.instret} instructions`;
        }
        if (ferry.cost !== undefined) {
          totals.units += ferry.cost.units;
          totals.blocks += ferry.cost.blocks;
          totals.compileMs += ferry.cost.compileMs;
          totals.bytes += ferry.cost.bytes;
        }
        ferryMips[xlen]!.push(mips(ferry.instret, ferry.ticks));
        interpreterMips[xlen]!.push(mips(interpreter.instret, interpreter.ticks));
        speedups[xlen]!.push(interpreter.ticks / ferry.ticks);
        if (qemuBinary(xlen) !== undefined) {
          const path = join(tmp, `${name}-rv${xlen}.elf`);
          writeFileSync(path, image);
          const q = await runOnQemu(xlen, path);
          const qemu = parse(q.output);
          if (qemu.checksum !== ferry.checksum) {
            entry.error = `checksum differs: ferry ${ferry.checksum}, qemu ${qemu.checksum}`;
          }
          const ratio = qemu.ticks / ferry.ticks;
          entry.qemu = { mips: round(mips(ferry.instret, qemu.ticks)), seconds: round(qemu.ticks / 1e7, 4) };
          entry.ferryOverQemu = round(ratio, 4);
          entry.interpreterOverQemu = round(qemu.ticks / interpreter.ticks, 4);
          ratios[xlen]!.push(ratio);
          interpreterRatios[xlen]!.push(qemu.ticks / interpreter.ticks);
        }
        results.push(entry);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const geomean = (xs: number[]): number | null =>
    xs.length === 0 ? null : Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
  const summary: Record<string, unknown> = {};
  const g = (xs: number[], digits: number): number | null => {
    const v = geomean(xs);
    return v === null ? null : round(v, digits);
  };
  for (const xlen of ["64", "32"]) {
    summary[`rv${xlen}`] = {
      ferryMipsGeomean: g(ferryMips[xlen]!, 1),
      ferryOverQemuGeomean: g(ratios[xlen]!, 4),
      interpreterMipsGeomean: g(interpreterMips[xlen]!, 1),
      interpreterOverQemuGeomean: g(interpreterRatios[xlen]!, 4),
      jitSpeedupGeomean: g(speedups[xlen]!, 2),
    };
  }
  summary.jit = {
    ...totals,
    compileMs: round(totals.compileMs, 1),
    msPerBlock: round(totals.compileMs / Math.max(1, totals.blocks), 3),
    bytesPerBlock: Math.round(totals.bytes / Math.max(1, totals.blocks)),
  };
  return {
    benchmark: "cpu",
    harts: 1,
    engine: "jit and interpreter",
    qemu: qemuVersion(64) ?? null,
    node: process.version,
    results,
    summary,
  };
}
