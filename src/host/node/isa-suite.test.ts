/**
 * The ISA conformance suite: every prebuilt `guest/images/isa/{rv32,rv64}/NAME.elf` runs on
 * Ferry's bare machine and, where QEMU is installed, on `qemu-system-riscv{32,64} -M virt`,
 * and the two must agree byte for byte on console output and on exit status.
 *
 * Directives come from comment lines of the source `guest/isa/NAME.S`:
 *   //! harts: N            run with N harts (default 1)
 *   //! qemu: none          do not compare with QEMU (behaviour QEMU does not share)
 *   //! expect-status: S    the exit status that means success (default 0)
 * A program expected to exit 0 must also print "PASS".
 *
 * Each program also runs with the JIT compiling every page at once (cpu/jit), which must give
 * the interpreter's run exactly: output, status and instruction count.
 *
 * Ferry runs on a virtual clock, so its result does not depend on the host's load. QEMU runs
 * with its serial port on stdio and no monitor or display, which gives the guest's bytes
 * unchanged (no terminal escapes); at most two QEMU runs are in flight at once.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { BareMachine } from "../../core/machine/bare-machine.js";
import { VirtualClock } from "../../core/machine/clock.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const MAX_INSTRUCTIONS = 2_000_000_000;
const QEMU_TIMEOUT_MS = 120_000;

interface Directives {
  readonly harts: number;
  readonly qemu: boolean;
  readonly expectStatus: number;
}

interface RunResult {
  readonly output: Buffer;
  readonly status: number;
  readonly instructions?: number;
}

/** Reads "//! key: value" lines of a test source. */
function readDirectives(source: string): Directives {
  const values = new Map<string, string>();
  for (const line of source.split("\n")) {
    const m = /^\/\/!\s*([\w-]+)\s*:\s*(.*?)\s*$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) values.set(m[1], m[2]);
  }
  return {
    harts: Number(values.get("harts") ?? 1),
    qemu: values.get("qemu") !== "none",
    expectStatus: Number(values.get("expect-status") ?? 0),
  };
}

function onPath(command: string): boolean {
  return spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0;
}

async function runFerry(image: Uint8Array, harts: number, jit: boolean): Promise<RunResult> {
  const chunks: Uint8Array[] = [];
  const machine = new BareMachine({
    image,
    harts,
    jit: jit ? { hot: 1 } : false,
    clock: new VirtualClock(),
    onConsole: (bytes) => chunks.push(bytes),
  });
  const outcome = await machine.run({ maxInstructions: MAX_INSTRUCTIONS });
  const output = Buffer.concat(chunks);
  if (outcome.reason !== "exit") {
    assert.fail(
      `the run ended by ${outcome.reason} after ${outcome.instructions} instructions; output:\n${output}`,
    );
  }
  if (jit) {
    const compiled = machine.harts.reduce((sum, h) => sum + (h.jit?.stats.instructions ?? 0), 0);
    assert.ok(compiled > 0, "compiled code ran");
  }
  return { output, status: outcome.status & 0xff, instructions: outcome.instructions };
}

function runQemu(qemu: string, elf: string, harts: number): Promise<RunResult> {
  const args = ["-M", "virt", "-bios", "none", "-display", "none", "-serial", "stdio", "-monitor", "none"];
  args.push("-smp", String(harts), "-kernel", elf);
  return new Promise((resolve, reject) => {
    const child = spawn(qemu, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), QEMU_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === null) {
        reject(
          new Error(
            `${qemu} was killed (${signal}) after ${QEMU_TIMEOUT_MS} ms; stderr: ${Buffer.concat(err)}`,
          ),
        );
      } else {
        resolve({ output: Buffer.concat(out), status: code });
      }
    });
  });
}

/** A semaphore so at most `limit` QEMU processes run at once (the CI machine has 2 cores). */
function limiter(limit: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    while (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const qemuSlot = limiter(2);

for (const xlen of [32, 64] as const) {
  const dir = join(ROOT, "guest/images/isa", `rv${xlen}`);
  const images = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".elf")) : [];
  const qemu = `qemu-system-riscv${xlen}`;
  const haveQemu = onPath(qemu);

  describe(`ISA suite rv${xlen}`, { concurrency: 2 }, () => {
    for (const file of images.sort()) {
      const name = file.replace(/\.elf$/, "");
      const elf = join(dir, file);
      const sourcePath = join(ROOT, "guest/isa", `${name}.S`);
      const directives = readDirectives(existsSync(sourcePath) ? readFileSync(sourcePath, "utf8") : "");

      it(`BareMachine runs rv${xlen}/${name} to its expected status and agrees with QEMU`, async (t) => {
        const image = new Uint8Array(readFileSync(elf));
        const ferry = await runFerry(image, directives.harts, false);
        assert.equal(ferry.status, directives.expectStatus, `exit status; output:\n${ferry.output}`);
        const compiled = await runFerry(image, directives.harts, true);
        assert.deepEqual(compiled, ferry, "the run with compiled code differs from the interpreter's");
        if (directives.expectStatus === 0) {
          assert.ok(ferry.output.includes("PASS"), `no PASS in the output:\n${ferry.output}`);
        }
        if (!directives.qemu) {
          t.diagnostic("QEMU comparison disabled by //! qemu: none");
          return;
        }
        if (!haveQemu) {
          t.diagnostic(`${qemu} is not on PATH; QEMU comparison skipped`);
          return;
        }
        const reference = await qemuSlot(() => runQemu(qemu, elf, directives.harts));
        assert.equal(
          ferry.output.toString("latin1"),
          reference.output.toString("latin1"),
          "console output differs from QEMU's",
        );
        assert.deepEqual(ferry.output, reference.output, "console bytes differ from QEMU's");
        assert.equal(ferry.status, reference.status, "exit status differs from QEMU's");
      });
    }
  });
}
