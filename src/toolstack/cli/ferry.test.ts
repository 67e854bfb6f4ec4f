import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildElf, hexBytes } from "../../core/machine/elf-builder.fixture.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const FERRY = fileURLToPath(new URL("./ferry.js", import.meta.url));
const SMOKE64 = join(ROOT, "guest/images/isa/rv64/smoke.elf");
const SMOKE32 = join(ROOT, "guest/images/isa/rv32/smoke.elf");
const TMP = mkdtempSync(join(tmpdir(), "ferry-cli-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** Writes a hand-assembled RV64 program at 0x8000_0000 as an ELF file and returns its path. */
function programFile(name: string, code: string): string {
  const path = join(TMP, name);
  const image = buildElf({
    xlen: 64,
    entry: 0x8000_0000,
    segments: [{ paddr: 0x8000_0000, data: hexBytes(code) }],
  });
  writeFileSync(path, image);
  return path;
}

/** Echoes UART input until 'q', then exits through the finisher with status 0. */
const ECHO = programFile(
  "echo.elf",
  `b7 02 00 10 03 c3 52 00 13 73 13 00 e3 0c 03 fe 83 c3 02 00 13 0e 10 07 63 85 c3 01 23 80
   72 00 d5 b7 b7 02 10 00 15 63 1b 03 53 55 23 a0 62 00 01 a0`,
);

function ferry(...args: string[]) {
  const r = spawnSync(process.execPath, [FERRY, ...args], { input: "", encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user error: exit status 2 and exactly one line on stderr, no stack trace. */
function assertUsageError(r: ReturnType<typeof ferry>, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.match(r.stderr, /^ferry: [^\n]*\n$/, `one line: ${JSON.stringify(r.stderr)}`);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
}

test("ferry run boots a bare-metal program and exits with its status", () => {
  for (const elf of [SMOKE64, SMOKE32]) {
    const r = ferry("run", "--machine", "bare", elf);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "PASS\n");
    assert.equal(r.stderr, "");
  }
  const r = ferry("run", "--machine", "bare", "--harts", "4", "--memory", "64M", "--xlen", "64", SMOKE64);
  assert.deepEqual([r.status, r.stdout], [0, "PASS\n"]);
  const interpreted = ferry("run", "--machine", "bare", "--no-jit", SMOKE32);
  assert.deepEqual([interpreted.status, interpreted.stdout], [0, "PASS\n"]);
});

test("ferry run feeds stdin to the guest's UART", () => {
  const r = spawnSync(process.execPath, [FERRY, "run", "--machine", "bare", ECHO], {
    input: "echo me\nq",
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "echo me\n");
});

test("ferry run stops on SIGTERM with status 143", async () => {
  const child = spawn(process.execPath, [FERRY, "run", "--machine", "bare", ECHO], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  // Once the guest echoes a line, ferry is running it (its signal handlers are installed):
  // no guess about how long Node takes to start on a loaded machine.
  const echoed = new Promise<void>((resolve) => {
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
      if (stdout.includes("ready")) resolve();
    });
  });
  child.stdin.write("ready\n");
  await echoed;
  child.kill("SIGTERM");
  const status = await new Promise((r) => child.on("close", r));
  assert.equal(status, 143);
  assert.equal(stderr, "ferry: stopped by SIGTERM\n");
});

test("ferry run exits 124 at the instruction limit", () => {
  const r = ferry("run", "--machine", "bare", "--max-instructions", "10", SMOKE64);
  assert.equal(r.status, 124);
  assert.match(r.stderr, /stopped after 10 instructions/);
});

test("ferry run reports bad arguments in one line with status 2", () => {
  assertUsageError(ferry("run"), /missing required argument 'program'/);
  assertUsageError(ferry("run", "--machine", "bare", "--harts", "17", SMOKE64), /--harts.*from 1 to 16/);
  assertUsageError(ferry("run", "--machine", "bare", "--xlen", "48", SMOKE64), /expected 32 or 64/);
  assertUsageError(ferry("run", "--memory", "lots", SMOKE64), /--memory/);
  assertUsageError(
    ferry("run", "--machine", "bare", "--memory", "1M", SMOKE64),
    /memory size must be .* not 1M/,
  );
  assertUsageError(ferry("run", "--machine", "xen", SMOKE64), /Allowed choices are domain, bare/);
  assertUsageError(ferry("run", "--max-instructions", "-3", SMOKE64), /positive integer/);
  assertUsageError(ferry("run", "--frobnicate", SMOKE64), /unknown option '--frobnicate'/);
  assertUsageError(ferry("launch", SMOKE64), /unknown command 'launch'/);
});

test("ferry run reports an unusable program in one line with status 2", () => {
  const notElf = join(TMP, "notes.txt");
  writeFileSync(notElf, "hello\n");
  const truncated = join(TMP, "short.elf");
  writeFileSync(truncated, readFileSync(SMOKE64).subarray(0, 100));
  assertUsageError(ferry("run", join(TMP, "missing.elf")), /cannot read .*missing\.elf: no such file/);
  assertUsageError(ferry("run", TMP), /is a directory/);
  assertUsageError(ferry("run", notElf), /notes\.txt: not an ELF file/);
  assertUsageError(ferry("run", truncated), /short\.elf: truncated ELF file/);
  assertUsageError(
    ferry("run", "--machine", "bare", "--xlen", "32", SMOKE64),
    /the program is 64-bit but 32-bit was requested/,
  );
});

test("ferry --help describes the run command and exits 0", () => {
  const r = ferry("run", "--help");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--max-instructions/);
});

test("ferry run boots a domain by default and reports a kernel that crashes it with status 3", () => {
  // A bare-metal program is no kernel: in S-mode its first M-mode CSR access traps to an
  // unset stvec, which cannot be fetched, and the domain crashes at once.
  for (const mode of ["parallel", "deterministic"]) {
    const r = ferry("run", "--mode", mode, "--vcpus", "2", SMOKE64);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /^ferry: the domain crashed/m);
  }
});

test("ferry run reports bad domain options in one line with status 2", () => {
  assertUsageError(ferry("run", "--vcpus", "0", SMOKE64), /--vcpus.*from 1 to 64/);
  assertUsageError(ferry("run", "--mode", "turbo", SMOKE64), /Allowed choices are parallel, deterministic/);
  assertUsageError(ferry("run", "--seed", "-1", SMOKE64), /--seed/);
  assertUsageError(ferry("run", "--memory", "1M", SMOKE64), /memory must be between 4 MiB and 2 GiB/);
});

test("ferry run boots the test kernel in a domain and exits 0 when it powers off", () => {
  const kernel = join(ROOT, "guest/images/kernel-rv64.elf");
  for (const mode of ["parallel", "deterministic"]) {
    const r = ferry(
      "run",
      kernel,
      "--vcpus",
      "4",
      "--memory",
      "64M",
      "--mode",
      mode,
      "--bootargs",
      "test=smp",
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^CHECK ok smp harts=4 /m);
  }
});

test("ferry run exits 1 when the guest powers off reporting a failure", () => {
  const kernel = join(ROOT, "guest/images/kernel-rv32.elf");
  const r = ferry("run", kernel, "--vcpus", "2", "--bootargs", "test=no-such-test");
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^CHECK FAIL bootargs/m);
});

test("ferry daemon runs ferryd in the foreground and stops on SIGTERM with status 0", async () => {
  const child = spawn(
    process.execPath,
    [FERRY, "daemon", "--api", "127.0.0.1:0", "--migration", "127.0.0.1:0"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 20_000;
  while (!/API on http:\/\/127\.0\.0\.1:\d+, migration 127\.0\.0\.1:\d+/.test(out) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.match(out, /API on http:/);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  assert.equal(await exited, 0, out);
});
