/**
 * What the daemon migration tests share: a pair of ferryds, and what they ask of a domain
 * after a move, through a daemon's API: is it listed there, did the guest's own check after
 * resume N pass, does a periodic verdict printed from now on pass.
 */
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { Console, Ferryd } from "./ferryd.fixture.js";

/** Two ferryds for the tests of a describe block: started before them, stopped after. */
export function twoDaemons(): () => [Ferryd, Ferryd] {
  let pair: [Ferryd, Ferryd] | undefined;
  before(async () => {
    pair = await Promise.all([Ferryd.start(), Ferryd.start()]);
  });
  after(async () => {
    await Promise.all((pair ?? []).map((d) => d.stop()));
  });
  return () => {
    if (pair === undefined) throw new Error("the daemons did not start");
    return pair;
  };
}

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
