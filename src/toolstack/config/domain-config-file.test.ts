/** parseDomainConfig(): xl.cfg keys in TOML, and one clear message for each kind of mistake. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDiskSpec } from "./disk-spec.js";
import { ConfigError, parseDomainConfig } from "./domain-config-file.js";

const good = `name = "web"\nvcpus = 2\nmaxvcpus = 4\nmemory = 64\nkernel = "k.elf"\ncmdline = "work=all"\non_poweroff = "preserve"\n`;

test("parseDomainConfig() reads xl.cfg keys and anchors the kernel at the file's folder", () => {
  const c = parseDomainConfig(good, "/etc/ferry/web.toml");
  assert.deepEqual(c, {
    name: "web",
    vcpus: 2,
    maxvcpus: 4,
    memory: 64,
    kernel: "/etc/ferry/k.elf",
    cmdline: "work=all",
    on_poweroff: "preserve",
  });
  assert.equal(
    parseDomainConfig(`${good}`.replace('"k.elf"', '"/abs/k.elf"'), "x.toml").kernel,
    "/abs/k.elf",
  );
});

const bad: [string, string, RegExp][] = [
  ["an unknown key", `${good}colour = "red"\n`, /^w\.toml: unknown key "colour"$/],
  ["a missing key", good.replace(/kernel = .*\n/, ""), /^w\.toml: missing key "kernel"$/],
  ["a wrong type", good.replace("vcpus = 2", 'vcpus = "two"'), /^w\.toml: vcpus: /],
  ["too many vCPUs", good.replace("maxvcpus = 4", "maxvcpus = 65"), /^w\.toml: maxvcpus: .*64/],
  ["maxvcpus below vcpus", good.replace("maxvcpus = 4", "maxvcpus = 1"), /maxvcpus must be at least vcpus/],
  ["a bad name", good.replace('"web"', '"a b"'), /^w\.toml: name: a name is 1-64/],
  ["an unknown on_poweroff", good.replace('"preserve"', '"explode"'), /^w\.toml: on_poweroff: /],
  [
    "a bad disk",
    `${good}disk = ["/x.img,raw,xvda", "/y.img,qcow2,xvdb"]\n`,
    /^w\.toml: disk\.1: disk "\/y\.img,qcow2,xvdb": format qcow2 is not supported \(raw only\)$/,
  ],
  [
    "two disks on one vdev",
    `${good}disk = ["/x.img,,xvda", "/y.img,,xvda"]\n`,
    /^w\.toml: disk: disks "\/x\.img,,xvda" and "\/y\.img,,xvda" are both xvda$/,
  ],
  ["broken TOML", `${good}vcpus =\n`, /^w\.toml: line 8, column/],
];
for (const [what, text, message] of bad) {
  test(`parseDomainConfig() refuses ${what} with one clear message`, () => {
    assert.throws(
      () => parseDomainConfig(text, "w.toml"),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, message);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      },
    );
  });
}

test("parseDomainConfig() reads disks in xl's syntax, a relative target from the file's folder", () => {
  const disk = [
    "/srv/a.img,raw,xvda,rw",
    "format=raw, vdev=xvdb, access=ro, target=/srv/b.img",
    "file:/c.img,xvdc,w",
    "d.img,,xvdd",
  ];
  const text = `${good}disk = ${JSON.stringify(disk)}\n`;
  const parsed = (parseDomainConfig(text, "/etc/ferry/w.toml").disk ?? []).map(parseDiskSpec);
  assert.deepEqual(
    parsed.map((d) => [d.target, d.vdev, d.access]),
    [
      ["/srv/a.img", "xvda", "rw"],
      ["/srv/b.img", "xvdb", "ro"],
      ["/c.img", "xvdc", "rw"],
      ["/etc/ferry/d.img", "xvdd", "rw"],
    ],
  );
  assert.deepEqual(parseDomainConfig(`${good}disk = []\n`, "w.toml").disk, []);
});

test("parseDomainConfig() lists every problem at once", () => {
  const text = 'name = "x"\nmemory = 0\ncolour = 1\n';
  assert.throws(
    () => parseDomainConfig(text, "w.toml"),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      for (const part of ['unknown key "colour"', 'missing key "vcpus"', 'missing key "kernel"', "memory:"])
        assert.ok(e.message.includes(part), `${part} in ${e.message}`);
      return true;
    },
  );
});
