/**
 * ferryd and the `ferry` verbs end to end, as a user runs them: a real daemon process on a
 * free port, real guests in parallel mode, real image files, and the guest's own checks as
 * the proof that a save and restore lost nothing. The failure cases each assert one clear
 * message, the exit status, and that nothing was lost (the domain still runs, an older image
 * is intact).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FerryClient } from "../client/ferry-client.js";
import { boot, Console, Ferryd, KERNEL32, KERNEL64, runFerry, writeConfig } from "./ferryd.fixture.js";

const dir = mkdtempSync(join(tmpdir(), "ferryd-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function names(list: readonly { name: string }[]): string[] {
  return list.map((d) => d.name).sort();
}

function json<T>(stdout: string): T {
  return JSON.parse(stdout) as T;
}

describe("ferryd with the ferry CLI", () => {
  let d: Ferryd;
  let client: FerryClient;
  before(async () => {
    d = await Ferryd.start();
    client = new FerryClient(d.host);
  });
  after(async () => {
    assert.equal(await d.stop(), 0, d.log);
  });

  /** A 2-vCPU, 16 MiB RV64 guest at work=counters, made with `ferry create`; its console once `ready` shows. */
  const counting = (name: string, ready: RegExp, keys: Record<string, number> = {}): Promise<Console> =>
    boot(d, { name, vcpus: 2, memory: 16, kernel: KERNEL64, cmdline: "work=counters", ...keys }, ready);

  for (const [xlen, kernel] of [
    [64, KERNEL64],
    [32, KERNEL32],
  ] as const) {
    test(`create, list, save, restore: a 4-vCPU RV${xlen} guest's checks pass after the restore`, async (t) => {
      const name = `work${xlen}`;
      t.after(() => client.call("destroy", { name }).catch(() => {}));
      const config = writeConfig(dir, name, { name, vcpus: 4, memory: 64, kernel, cmdline: "work=all" });
      const created = await d.ferry(["create", config]);
      assert.equal(created.status, 0, created.stderr);
      assert.match(created.stdout, new RegExp(`^created domain ${name} \\(id \\d+, 4 vCPUs, 64 MiB\\)`));
      const con = await Console.open(client, name);
      await con.until(/^CHECK ok work=\S+ round=1$/m);

      const list = await d.ferry(["list"]);
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)$/m);
      assert.match(list.stdout, new RegExp(`^${name}\\s+\\d+\\s+64\\s+4\\s+running\\s`, "m"));

      const image = join(dir, `${name}.ferry`);
      const saved = await d.ferry(["save", name, image, "--json"]);
      assert.equal(saved.status, 0, saved.stderr);
      const s = json<{ mode: string; bytes: number; domain: string }>(saved.stdout);
      assert.equal(s.mode, "cooperative");
      assert.equal(s.domain, "destroyed");
      assert.equal(statSync(image).size, s.bytes);
      con.close();
      assert.equal(
        (await client.call("listDomains")).some((x) => x.name === name),
        false,
        "gone after save",
      );

      const restored = await d.ferry(["restore", image]);
      assert.equal(restored.status, 0, restored.stderr);
      assert.match(restored.stdout, new RegExp(`^restored domain ${name} \\(id \\d+\\) from `));
      const con2 = await Console.open(client, name);
      await con2.until(/^suspend: resumed 1 new-domain cpus=[1-4]$/m); // mix may have a CPU powered off
      const verdict = await con2.until(/^CHECK (ok|FAIL) .*resume=1\)?$/m);
      assert.equal(verdict[1], "ok", con2.text.slice(-2000));
      con2.close();
    });
  }

  test("info, vcpu-list, pause, unpause, shutdown: each as xl does it", async () => {
    const con = await counting("small", /^work started/m);

    const info = await d.ferry(["info", "--json"]);
    assert.equal(info.status, 0, info.stderr);
    const h = json<{ domains: number; imageFormatVersion: number; api: string }>(info.stdout);
    assert.ok(h.domains >= 1);
    assert.equal(h.imageFormatVersion, 2);
    assert.match((await d.ferry(["info"])).stdout, /^nr_cpus\s+: \d+$/m);

    const vcpus = await d.ferry(["vcpu-list", "small"]);
    assert.equal(vcpus.status, 0, vcpus.stderr);
    assert.match(vcpus.stdout, /^small\s+0\s+started\s+online$/m);
    assert.match(vcpus.stdout, /^small\s+1\s+started\s+online$/m);

    const paused = await d.ferry(["pause", "small"]);
    assert.equal(paused.status, 0, paused.stderr);
    const at = (await client.call("domainInfo", { name: "small" })).instructions;
    await new Promise((r) => setTimeout(r, 300));
    const still = await client.call("domainInfo", { name: "small" });
    assert.equal(still.state, "paused");
    assert.equal(still.instructions, at, "a paused domain runs nothing");
    assert.equal((await d.ferry(["pause", "small"])).status, 0, "pausing twice is harmless");
    assert.equal((await d.ferry(["unpause", "small"])).status, 0);
    const again = await d.ferry(["unpause", "small"]);
    assert.equal(again.status, 5);
    assert.match(again.stderr, /^ferry: domain small is not paused\n$/);

    const down = await d.ferry(["shutdown", "--wait", "small"]);
    assert.equal(down.status, 0, down.stderr);
    assert.match(down.stdout, /has shut down/);
    // on_poweroff = destroy (the default): it leaves the list.
    const end = Date.now() + 5000;
    while ((await client.call("listDomains")).some((x) => x.name === "small") && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(
      (await client.call("listDomains")).some((x) => x.name === "small"),
      false,
    );
    con.close();
  });

  test("a paused domain is saved as it stands and restores running", async (t) => {
    t.after(() => client.call("destroy", { name: "still" }).catch(() => {}));
    const con = await counting("still", /^CHECK ok work=counters round=1$/m);
    con.close();
    assert.equal((await d.ferry(["pause", "still"])).status, 0);
    const image = join(dir, "still.ferry");
    const saved = await d.ferry(["save", "still", image, "--json"]);
    assert.equal(saved.status, 0, saved.stderr);
    assert.equal(json<{ mode: string }>(saved.stdout).mode, "transparent");
    // restore -p: added paused, it runs not one instruction until unpaused.
    assert.equal((await d.ferry(["restore", "-p", image])).status, 0);
    await new Promise((r) => setTimeout(r, 300));
    const held = await client.call("domainInfo", { name: "still" });
    assert.equal(held.state, "paused");
    assert.equal(held.instructions, 0);
    assert.equal((await d.ferry(["unpause", "still"])).status, 0);
    assert.equal((await client.call("domainInfo", { name: "still" })).state, "running");
    const after = await Console.open(client, "still");
    const v = await after.until(/^CHECK (ok|FAIL) .*round=\d+\)?$/m);
    assert.equal(v[1], "ok", after.text);
    after.close();
  });

  test("vcpus below maxvcpus boot powered off; vcpu-set brings them up and down through the store", async (t) => {
    t.after(() => client.call("destroy", { name: "hot" }).catch(() => {}));
    const con = await counting("hot", /^work started: counters cpus=2$/m, { maxvcpus: 4 });
    const states = async (): Promise<string> =>
      (await client.call("vcpuList", { name: "hot" })).map((v) => `${v.state}/${v.availability}`).join(" ");
    assert.equal(await states(), "started/online started/online stopped/offline stopped/offline");
    assert.match((await d.ferry(["list"])).stdout, /^hot\s+\d+\s+16\s+2\s+running/m);

    let mark = con.text.length;
    const up = await d.ferry(["vcpu-set", "hot", "4"]);
    assert.equal(up.status, 0, up.stderr);
    await con.until(/^vcpu-set: online=4$/m, mark);
    assert.equal(await states(), "started/online started/online started/online started/online");

    mark = con.text.length;
    assert.equal((await d.ferry(["vcpu-set", "hot", "1"])).status, 0);
    await con.until(/^vcpu-set: online=1$/m, mark);
    assert.equal(await states(), "started/online stopped/offline stopped/offline stopped/offline");
    const v = await con.until(/^CHECK (ok|FAIL) .*round=\d+\)?$/m, con.text.length);
    assert.equal(v[1], "ok", con.text.slice(-1500));

    const tooMany = await d.ferry(["vcpu-set", "hot", "5"]);
    assert.equal(tooMany.status, 2);
    assert.equal(tooMany.stderr, "ferry: domain hot has 4 vCPUs (maxvcpus), not 5\n");
    con.close();
  });

  test("ferry create -c shows the console until the domain powers off; console input goes to a listed domain only", async () => {
    const config = writeConfig(dir, "attach", { name: "attach", vcpus: 2, memory: 16, kernel: KERNEL64 });
    // test=smp (the default) checks its CPUs and powers off; on_poweroff = destroy ends the stream.
    const r = await d.ferry(["create", "-c", config], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^created domain attach /);
    assert.match(r.stdout, /^ferry test kernel: boot hart 0, 2 harts, rv64/m);
    const typed = writeConfig(dir, "typed", {
      name: "typed",
      vcpus: 1,
      memory: 16,
      kernel: KERNEL64,
      cmdline: "work=counters",
    });
    assert.equal((await d.ferry(["create", typed])).status, 0);
    assert.deepEqual(await client.call("consoleInput", { name: "typed", body: { data: "hello\n" } }), {});
    assert.equal((await d.ferry(["destroy", "typed"])).status, 0);
    await assert.rejects(client.call("consoleInput", { name: "typed", body: { data: "hello\n" } }), {
      code: "no-such-domain",
    });
  });

  test("a preserved domain stays listed as shutdown after it powers off", async () => {
    const config = writeConfig(dir, "keep", {
      name: "keep",
      vcpus: 1,
      memory: 16,
      kernel: KERNEL64,
      on_poweroff: "preserve",
    });
    assert.equal((await d.ferry(["create", config])).status, 0);
    // test=smp (the default) powers off by itself when its checks are done.
    const end = Date.now() + 30_000;
    let state = "";
    while (Date.now() < end && state !== "shutdown") {
      state = (await client.call("domainInfo", { name: "keep" })).state;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(state, "shutdown");
    const saved = await d.ferry(["save", "keep", join(dir, "keep.ferry")]);
    assert.equal(saved.status, 5);
    assert.match(saved.stderr, /^ferry: cannot save domain keep: it has shut down\n$/);
    assert.equal((await d.ferry(["destroy", "keep"])).status, 0);
  });

  test("mistakes get one line and their own exit status", async () => {
    const none = await d.ferry(["save", "nosuch", join(dir, "x.ferry")]);
    assert.equal(none.status, 4);
    assert.equal(none.stderr, "ferry: no domain named nosuch\n");

    const bad = writeConfig(dir, "bad", { name: "bad", vcpus: 2, memory: 16, colour: "red" });
    const refused = await d.ferry(["create", bad]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /^ferry: .*bad\.toml: .*\n$/);
    assert.match(refused.stderr, /unknown key "colour"/);
    assert.match(refused.stderr, /missing key "kernel"/);

    const noKernel = writeConfig(dir, "nokernel", {
      name: "nokernel",
      vcpus: 1,
      memory: 16,
      kernel: "missing.elf",
    });
    const missing = await d.ferry(["create", noKernel]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^ferry: .*missing\.elf.*\n$/);

    const twice = writeConfig(dir, "twice", {
      name: "twice",
      vcpus: 1,
      memory: 16,
      kernel: KERNEL64,
      cmdline: "work=counters",
    });
    assert.equal((await d.ferry(["create", twice])).status, 0);
    const dup = await d.ferry(["create", twice]);
    assert.equal(dup.status, 5);
    assert.equal(dup.stderr, "ferry: a domain named twice already exists\n");
    assert.equal((await d.ferry(["destroy", "twice"])).status, 0);

    const nobody = await freePort();
    const unreachable = await runFerry(["list"], { FERRY_HOST: `127.0.0.1:${nobody}` });
    assert.equal(unreachable.status, 69);
    assert.equal(
      unreachable.stderr,
      `ferry: cannot reach ferryd at 127.0.0.1:${nobody}: connection refused (is ferryd running?)\n`,
    );

    const api = await fetch(`http://${d.host}/v1/domains`, { method: "POST", body: '{"name": 5}' });
    assert.equal(api.status, 400);
    assert.match(
      ((await api.json()) as { error: { message: string } }).error.message,
      /^bad request: name: /,
    );
  });

  test("bad images are refused with one message and create nothing", async () => {
    const good = join(dir, "good.ferry");
    const con = await counting("img", /^CHECK ok/m);
    con.close();
    assert.equal((await d.ferry(["save", "img", good])).status, 0);
    const bytes = readFileSync(good);
    const before = names(await client.call("listDomains"));
    const variants: [string, Buffer, RegExp][] = [
      ["corrupt", Buffer.from(bytes).fill(0x55, 5000, 5008), /checksum|CRC/i],
      ["truncated", bytes.subarray(0, Math.floor(bytes.length / 2)), /truncated|ends/i],
      ["wrong-version", Buffer.from(bytes).fill(99, 16, 17), /version 99/],
      ["not an image", Buffer.from("hello world, not a ferry image at all........."), /magic|not a Ferry/i],
    ];
    for (const [what, data, message] of variants) {
      const path = join(dir, `${what}.ferry`);
      writeFileSync(path, data);
      const r = await d.ferry(["restore", path]);
      assert.equal(r.status, 1, `${what}: ${r.stderr}`);
      assert.match(r.stderr, message, what);
      assert.equal(r.stderr.split("\n").length, 2, `one line: ${r.stderr}`);
      assert.deepEqual(names(await client.call("listDomains")), before, `${what}: nothing created`);
    }
    const missing = await d.ferry(["restore", join(dir, "nope.ferry")]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.ferry/);
    // The good one still restores.
    assert.equal((await d.ferry(["restore", good])).status, 0);
    assert.equal((await d.ferry(["destroy", "img"])).status, 0);
  });
});

describe("saves that fail keep the domain running and older images intact", () => {
  let d: Ferryd;
  let client: FerryClient;
  before(async () => {
    d = await Ferryd.start();
    client = new FerryClient(d.host);
  });
  after(async () => {
    await d.stop();
  });

  async function runningGuest(
    name: string,
    memory = 32,
    cmdline = "work=counters,memwriter",
  ): Promise<Console> {
    return boot(d, { name, vcpus: 2, memory, kernel: KERNEL64, cmdline }, /^CHECK ok work=\S+ round=1$/m);
  }

  async function stillWorks(con: Console, name: string, from: number): Promise<void> {
    await con.until(/^suspend: resumed \d+ cancelled cpus=2$/m, from);
    const v = await con.until(/^CHECK (ok|FAIL) .*resume=\d+\)?$/m, from);
    assert.equal(v[1], "ok", con.text.slice(-1500));
    assert.equal((await client.call("domainInfo", { name })).state, "running");
  }

  test("a save into a folder that cannot be written", async () => {
    const con = await runningGuest("ro");
    const mark = con.text.length;
    const r = await d.ferry(["save", "ro", "/proc/ferry-test.ferry"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^ferry: .*\/proc\/ferry-test\.ferry.*; domain ro keeps running\n$/);
    await stillWorks(con, "ro", mark);
    con.close();
    assert.equal((await d.ferry(["destroy", "ro"])).status, 0);
  });

  test("a save onto a full disk", async (t) => {
    const mnt = join(dir, "full");
    mkdirSync(mnt);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt], { stdio: "ignore" });
    } catch {
      t.skip("cannot mount a small tmpfs here (needs root)");
      return;
    }
    try {
      const old = join(mnt, "full.ferry");
      writeFileSync(old, "an older image");
      const con = await runningGuest("full", 64, "work=counters,memwriter wset=4096 rate=64000");
      const mark = con.text.length;
      const r = await d.ferry(["save", "full", old]);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stderr, /no space left on device; domain full keeps running\n$/);
      assert.equal(readFileSync(old, "utf8"), "an older image");
      assert.deepEqual(readdirSync(mnt), ["full.ferry"], "no temporary file left behind");
      await stillWorks(con, "full", mark);
      con.close();
      assert.equal((await d.ferry(["destroy", "full"])).status, 0);
    } finally {
      execFileSync("umount", [mnt]);
    }
  });

  test("two operations on one domain at once: the second is refused", async () => {
    const con = await runningGuest("big", 512, "work=memwriter wset=65536 rate=400000");
    await new Promise((r) => setTimeout(r, 1500)); // let it touch most of its working set
    const image = join(dir, "big.ferry");
    let second: Promise<unknown> | undefined;
    const first = client.call("save", {
      name: "big",
      body: { file: image, checkpoint: true },
      onProgress: () => {
        second ??= client.call("save", { name: "big", body: { file: join(dir, "big2.ferry") } }).then(
          () => assert.fail("the second save was not refused"),
          (e: Error & { code?: string }) => e,
        );
      },
    });
    const result = await first;
    const refused = (await second) as Error & { code: string };
    assert.equal(refused.code, "busy");
    assert.equal(refused.message, "domain big is busy: save in progress");
    assert.equal(result.domain, "running");
    assert.ok(existsSync(image));
    assert.equal(existsSync(join(dir, "big2.ferry")), false);
    con.close();
    assert.equal((await d.ferry(["destroy", "big"])).status, 0);
  });
});

test("a daemon killed during a save leaves the older image as it was", async () => {
  const d = await Ferryd.start();
  const client = new FerryClient(d.host);
  const where = mkdtempSync(join(dir, "kill-"));
  const image = join(where, "victim.ferry");
  writeFileSync(image, "the older image");
  try {
    const config = writeConfig(dir, "victim", {
      name: "victim",
      vcpus: 2,
      memory: 512,
      kernel: KERNEL64,
      cmdline: "work=memwriter wset=65536 rate=400000",
    });
    assert.equal((await d.ferry(["create", config])).status, 0);
    await new Promise((r) => setTimeout(r, 1500));
    const saving = client.call("save", {
      name: "victim",
      body: { file: image },
      onProgress: (p) => {
        if (p.phase === "write" && p.bytes > 0) d.process.kill("SIGKILL");
      },
    });
    await assert.rejects(saving);
    if (d.process.exitCode === null && d.process.signalCode === null) await once(d.process, "exit");
    assert.equal(readFileSync(image, "utf8"), "the older image");
  } finally {
    await d.stop("SIGKILL");
  }
});
