/**
 * `ferry demo`: the whole product in one command, on a machine with nothing else running. It
 * boots the reference guest with 4 vCPUs running every workload (work=all), waits for the
 * guest's first passing verdict, saves the domain to an image file, restores it from that
 * file, waits for the guest's own post-resume check, and prints a summary with the figures.
 *
 * It uses the daemon's DomainManager in this process — the same code ferryd runs for `ferry
 * save` and `ferry restore` — so it needs no daemon and no port. Exit status 0 when the guest's
 * checks pass after the restore, 1 otherwise.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ParallelRunner } from "../../host/node/parallel-runner.js";
import { DomainManager, ToolstackError } from "../daemon/domain-manager.js";
import { formatBytes, formatRate, printJson, withProgressBar } from "./output.js";

export interface DemoOptions {
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly xlen: 32 | 64;
  /** Keep the image here instead of a temporary file. */
  readonly image?: string;
  readonly json: boolean;
  readonly timeoutMs: number;
}

const NAME = "demo";

export async function demoCommand(o: DemoOptions): Promise<number> {
  const kernel = fileURLToPath(new URL(`../../../../guest/images/kernel-rv${o.xlen}.elf`, import.meta.url));
  const dir = o.image === undefined ? await mkdtemp(join(tmpdir(), "ferry-demo-")) : undefined;
  const file = o.image ?? join(dir!, "demo.ferry");
  const runner = new ParallelRunner({ spareWorkers: o.vcpus });
  const manager = new DomainManager(runner, { ferryVersion: "demo", api: "-", migration: "-" });
  const stop = new AbortController();
  const running = runner.run({ keepAlive: true, onConsole: manager.onConsole, signal: stop.signal });
  const say = (line: string): void => {
    if (!o.json) process.stdout.write(`${line}\n`);
  };
  let output = "";
  const show = (bytes: Uint8Array): void => {
    const text = new TextDecoder().decode(bytes);
    output += text;
    if (!o.json) process.stdout.write(text.replace(/^(?=.)/gm, "  guest | "));
  };
  /** The domain's console so far (its log keeps what it printed before we looked), then live. */
  const follow = (): void => {
    const log = manager.consoleOf(NAME);
    show(log.history());
    log.follow((bytes) => bytes !== null && show(bytes));
  };
  const waitFor = async (what: string, re: RegExp, from: number): Promise<RegExpExecArray> => {
    await runner.waitFor(() => re.test(output.slice(from)), o.timeoutMs);
    const m = re.exec(output.slice(from));
    if (m === null) throw new DemoError(`the guest did not ${what} within ${o.timeoutMs / 1000} s`);
    return m;
  };
  try {
    say(
      `ferry demo: booting the reference guest (RV${o.xlen}, ${o.vcpus} vCPUs, ${o.memoryMiB} MiB) with every workload`,
    );
    const t0 = performance.now();
    await manager.create({ name: NAME, vcpus: o.vcpus, memory: o.memoryMiB, kernel, cmdline: "work=all" });
    follow();
    await waitFor("pass its first round of checks", /^CHECK ok work=\S+ round=1$/m, 0);
    const bootMs = performance.now() - t0;
    const before = manager.info(NAME).instructions;

    say(`ferry demo: saving the running domain to ${file}`);
    const saved = await withProgressBar("save", !o.json, (p) => manager.save(NAME, { file }, p));
    say(
      `ferry demo: saved ${formatBytes(saved.bytes)} (${saved.pages} non-zero pages of ${(o.memoryMiB * 256).toLocaleString("en")}) ` +
        `in ${saved.suspendMs + saved.writeMs} ms; the domain is gone from this host`,
    );

    say(`ferry demo: restoring it from ${file}`);
    const mark = output.length;
    const restored = await withProgressBar("restore", !o.json, (p) => manager.restore({ file }, p));
    const tResumed = performance.now();
    follow();
    const resumed = await waitFor(
      "report its resume",
      /^suspend: resumed (\d+) (new-domain|cancelled) cpus=(\d+)$/m,
      mark,
    );
    const verdict = await waitFor(
      "check itself after the resume",
      /^CHECK (ok|FAIL) .*resume=\d+\)?$/m,
      mark,
    );
    const checkMs = performance.now() - tResumed;
    const passed = verdict[1] === "ok";
    const summary = {
      passed,
      verdict: verdict[0],
      guest: { xlen: o.xlen, vcpus: o.vcpus, memoryMiB: o.memoryMiB, workloads: "work=all" },
      bootMs: Math.round(bootMs),
      instructionsBeforeSave: before,
      save: {
        mode: saved.mode,
        bytes: saved.bytes,
        pages: saved.pages,
        suspendMs: saved.suspendMs,
        writeMs: saved.writeMs,
        writeMiBps: Math.round(saved.bytes / 2 ** 20 / (saved.writeMs / 1000)),
      },
      restore: {
        readMs: restored.readMs,
        readMiBps: Math.round(restored.bytes / 2 ** 20 / (restored.readMs / 1000)),
        cpusBack: Number(resumed[3]),
        checkMs: Math.round(checkMs),
      },
      image: o.image ?? null,
    };
    if (o.json) {
      printJson(summary);
    } else {
      say("");
      say("ferry demo: summary");
      say(
        `  guest           RV${o.xlen}, ${o.vcpus} vCPUs, ${o.memoryMiB} MiB, work=all; booted and checked in ${summary.bootMs} ms`,
      );
      say(
        `  suspend         ${saved.suspendMs} ms (${saved.mode}: the guest parked its CPUs at the barrier; the image keeps vCPU 0's context)`,
      );
      say(
        `  save            ${formatBytes(saved.bytes)} in ${saved.writeMs} ms (${formatRate(saved.bytes, saved.writeMs)})`,
      );
      say(
        `  restore         ${restored.readMs} ms (${formatRate(restored.bytes, restored.readMs)}); ${summary.restore.cpusBack} CPUs running again (CPU 0 from the image, ${summary.restore.cpusBack - 1} rebuilt from their jump buffers)`,
      );
      say(`  guest's check   ${verdict[0]}   (${passed ? "nothing was lost" : "FAILED"})`);
    }
    return passed ? 0 : 1;
  } catch (e) {
    if (e instanceof DemoError || e instanceof ToolstackError) {
      process.stderr.write(`ferry demo: ${e.message}\n${tail(output)}`);
      return 1;
    }
    throw e;
  } finally {
    await manager.close();
    stop.abort();
    await running;
    await runner.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

class DemoError extends Error {}

function tail(text: string): string {
  return text
    .split("\n")
    .slice(-15)
    .map((l) => `  guest | ${l}\n`)
    .join("");
}
