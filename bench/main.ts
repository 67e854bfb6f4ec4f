/**
 * `npm run bench -- SUITE [options]`: runs a benchmark suite and prints its figures as JSON
 * on stdout (progress on stderr). Suites: cpu (guest MIPS on one hart, against QEMU where
 * installed), smp (aggregate MIPS of 1, 2 and 4 vCPUs in parallel mode), suspend (cooperative
 * suspend and resume latency), save (save and restore throughput of half-touched domains,
 * against QEMU where installed), migrate (live migration of a 4-vCPU guest at work over TCP,
 * against QEMU where installed), disk (guest disk throughput, and the migration downtime the
 * disk writers add) and registers (the register-representation measurement behind the
 * hart's design).
 */
import { Command, InvalidArgumentError } from "commander";
import { useBaselineWasmCompiler } from "../src/host/node/wasm-engine.js";
import { benchCpu } from "./cpu.js";
import { benchDisk } from "./disk.js";
import { benchMigrate, type Workload } from "./migrate.js";
import { measureRegisterRepresentations } from "./register-representation.js";
import { benchSave } from "./save.js";
import { benchSmp } from "./smp.js";
import { benchSuspend } from "./suspend.js";

const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
};

const atMost =
  (max: number) =>
  (v: string): number => {
    const n = positive(v);
    if (n > max) throw new InvalidArgumentError(`expected at most ${max}`);
    return n;
  };

const sizeList = (v: string): number[] =>
  v.split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 16 || n > 2048)
      throw new InvalidArgumentError("expected comma-separated sizes in MiB, each 16 to 2048");
    return n;
  });

const workloadList = (v: string): Workload[] =>
  v.split(",").map((s) => {
    const t = s.trim();
    if (t === "idle") return "idle";
    const n = Number(t);
    if (!(n <= 1000 && Math.round((n * 1024 * 1024) / 4096) >= 1))
      throw new InvalidArgumentError(
        "expected comma-separated workloads: idle, or a dirty rate in MiB/s (1/256 to 1000)",
      );
    return n;
  });

const program = new Command("bench").description("Ferry benchmarks; JSON on stdout");
program
  .command("cpu")
  .description("CPU benchmark programs on one hart, Ferry and QEMU")
  .option("--scale <n>", "multiply each program's work", positive, 1)
  .option("--only <name>", "run one program")
  .action(async (o: { scale: number; only?: string }) => {
    const result = await benchCpu(
      o.only === undefined ? { scale: o.scale } : { scale: o.scale, only: o.only },
    );
    console.log(JSON.stringify(result, null, 2));
  });
program
  .command("smp")
  .description("aggregate MIPS of a domain with 1, 2 and 4 vCPUs in parallel mode")
  .option("--window <ms>", "measurement window per configuration", positive, 2000)
  .action(async (o: { window: number }) => {
    console.log(JSON.stringify(await benchSmp({ windowMs: o.window }), null, 2));
  });
program
  .command("suspend")
  .description("cooperative suspend and resume latency for 1, 4, 16 and 64 vCPUs")
  .option("--rounds <n>", "save/restore cycles per configuration (the median is reported)", positive, 5)
  .action(async (o: { rounds: number }) => {
    console.log(JSON.stringify(await benchSuspend({ rounds: o.rounds }), null, 2));
  });
program
  .command("save")
  .description("save and restore throughput of domains with half their memory touched, Ferry and QEMU")
  .option("--sizes <MiB,...>", "domain memory sizes in MiB", sizeList, [64, 256, 1024])
  .option("--rounds <n>", "save/restore rounds per size (the median is reported)", positive, 3)
  .action(async (o: { sizes: number[]; rounds: number }) => {
    console.log(JSON.stringify(await benchSave({ sizesMiB: o.sizes, rounds: o.rounds }), null, 2));
  });
program
  .command("migrate")
  .description("live migration of a 4-vCPU 256 MiB guest at work over TCP, Ferry and QEMU")
  .option("--rates <list>", "workloads: idle, or the memory writer's dirty rate in MiB/s", workloadList, [
    "idle",
    1,
    10,
    100,
  ])
  .option("--rounds <n>", "migrations per workload (the median is reported)", positive, 3)
  .action(async (o: { rates: Workload[]; rounds: number }) => {
    console.log(JSON.stringify(await benchMigrate({ workloads: o.rates, rounds: o.rounds }), null, 2));
  });
program
  .command("disk")
  .description("guest disk throughput (MB/s, IOPS), and the migration downtime the disk writers add")
  .option("--mib <n>", "MiB of the disk the throughput phases cover (at most 64)", atMost(64), 32)
  .option("--qd <n>", "requests in flight (guest threads), 1 to 32", atMost(32), 4)
  .option("--rounds <n>", "throughput runs per vCPU count (the median is reported)", positive, 3)
  .option("--moves <n>", "live migrations per workload (the median is reported)", positive, 3)
  .action(async (o: { mib: number; qd: number; rounds: number; moves: number }) => {
    console.log(JSON.stringify(await benchDisk(o), null, 2));
  });
program
  .command("registers")
  .description("register-file representations for an RV64 interpreter")
  .action(() => {
    console.log(
      JSON.stringify({ benchmark: "registers", mopsPerSecond: measureRegisterRepresentations() }, null, 2),
    );
  });
useBaselineWasmCompiler();
await program.parseAsync(process.argv);
