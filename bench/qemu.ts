/**
 * Runs a bare-metal ELF under QEMU's virt board (the reference we measure against) and
 * returns its console output. Raw serial bytes: no terminal emulation in between.
 */
import { spawn, spawnSync } from "node:child_process";

export function qemuBinary(xlen: 32 | 64): string | undefined {
  const name = `qemu-system-riscv${xlen}`;
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

export function qemuVersion(xlen: 32 | 64): string | undefined {
  const bin = qemuBinary(xlen);
  if (bin === undefined) return undefined;
  const out = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return out.stdout.split("\n")[0]?.trim();
}

export function runOnQemu(
  xlen: 32 | 64,
  elfPath: string,
  harts = 1,
  timeoutMs = 120_000,
): Promise<{ status: number; output: string }> {
  const bin = qemuBinary(xlen);
  if (bin === undefined) return Promise.reject(new Error(`qemu-system-riscv${xlen} is not installed`));
  const args = ["-M", "virt", "-bios", "none", "-smp", String(harts), "-display", "none", "-serial", "stdio"];
  args.push("-monitor", "none", "-kernel", elfPath);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString("latin1");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, output });
    });
  });
}
