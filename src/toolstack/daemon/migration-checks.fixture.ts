/**
 * What the daemon migration tests ask of a domain after a move, through a daemon's API: is
 * it listed there, did the guest's own check after resume N pass, does a periodic verdict
 * printed from now on pass.
 */
import assert from "node:assert/strict";
import { Console, type Ferryd } from "./ferryd.fixture.js";

export async function listed(d: Ferryd, name: string): Promise<boolean> {
  return (await d.client.call("listDomains")).some((x) => x.name === name);
}

/**
 * The domain's console on `d` shows resume `n` as `how` and a passing verdict after it.
 * Returns how many CPUs the guest brought back up.
 */
export async function checksPass(
  d: Ferryd,
  name: string,
  n: number,
  how: "new-domain" | "cancelled",
): Promise<number> {
  const con = await Console.open(d.client, name);
  try {
    const resumed = await con.until(new RegExp(`^suspend: resumed ${n} ${how} cpus=(\\d+)$`, "m"));
    const v = await con.until(new RegExp(`^CHECK (ok|FAIL) .*resume=${n}\\)?$`, "m"));
    assert.equal(v[1], "ok", con.text.slice(-2000));
    return Number(resumed[1]);
  } catch (e) {
    // What the daemon knows of the domain, for whoever reads the failure.
    const info = await d.client.call("domainInfo", { name }).catch((x: Error) => x.message);
    const vcpus = await d.client.call("vcpuList", { name }).catch((x: Error) => x.message);
    throw new Error(
      `${e instanceof Error ? e.message : e}\ndomain: ${JSON.stringify(info)}\nvcpus: ${JSON.stringify(vcpus)}\n` +
        `daemon log:\n${d.log.slice(-3000)}`,
      { cause: e },
    );
  } finally {
    con.close();
  }
}

/** A periodic verdict printed after now must pass: the guest runs on, whole. */
export async function freshVerdict(d: Ferryd, name: string): Promise<void> {
  const con = await Console.open(d.client, name);
  try {
    await new Promise((r) => setTimeout(r, 300)); // the history arrives first
    const v = await con.until(/^CHECK (ok|FAIL) .*(round|resume)=\d+\)?$/m, con.text.length);
    assert.equal(v[1], "ok", con.text.slice(-1500));
  } finally {
    con.close();
  }
}
