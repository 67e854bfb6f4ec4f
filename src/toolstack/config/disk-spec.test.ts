/**
 * parseDiskSpec() and parseDiskList(): xl's disk syntax (the equivalent forms of
 * xl-disk-configuration(5)), Ferry's limits refused by name, and one message quoting the
 * specification for each mistake.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DiskSpecError, formatDiskSpec, parseDiskList, parseDiskSpec } from "./disk-spec.js";

const XVDA = { target: "/srv/a.img", format: "raw", vdev: "xvda", devid: 51712, access: "rw" } as const;

test("parseDiskSpec() reads the positional, keyword and deprecated forms alike", () => {
  for (const spec of [
    "/srv/a.img,raw,xvda,rw",
    "/srv/a.img,,xvda",
    "/srv/a.img,raw,xvda,w",
    " /srv/a.img , raw , xvda , rw ",
    "format=raw, vdev=xvda, access=rw, target=/srv/a.img",
    "vdev=xvda,/srv/a.img",
    "format=raw,/srv/a.img,xvda",
    "devtype=disk,/srv/a.img,,xvda",
    ",raw,xvda,rw,target=/srv/a.img",
    "/srv/a.img,raw,xvda:disk,rw",
    "file:/srv/a.img,xvda,w",
    "phy:/srv/a.img,xvda,w",
    "tap:aio:/srv/a.img,xvda,w",
    "raw:/srv/a.img,xvda,w",
  ]) {
    assert.deepEqual(parseDiskSpec(spec), XVDA, spec);
  }
});

test("parseDiskSpec() reads access and the device id of each vdev", () => {
  assert.equal(parseDiskSpec("/a.img,raw,xvdb,ro").access, "ro");
  assert.equal(parseDiskSpec("/a.img,raw,xvdb,r").access, "ro");
  assert.equal(parseDiskSpec("access=r, vdev=xvdb, target=/a.img").access, "ro");
  assert.equal(parseDiskSpec("/a.img,raw,xvdb,").access, "rw");
  assert.equal(parseDiskSpec("/a.img,,xvdb").devid, (202 << 8) | (1 << 4));
  assert.equal(parseDiskSpec("/a.img,,xvdz").devid, (202 << 8) | (25 << 4));
});

test("parseDiskSpec() gives target= the rest of the specification verbatim", () => {
  assert.equal(parseDiskSpec("vdev=xvda, target=/srv/a,b:c.img").target, "/srv/a,b:c.img");
  assert.equal(parseDiskSpec("vdev=xvda,target=/srv/a.img,").target, "/srv/a.img");
});

const bad: [string, string, RegExp][] = [
  ["a qcow2 image", "/a.img,qcow2,xvda", /: format qcow2 is not supported \(raw only\)$/],
  ["a qcow2 prefix", "qcow2:/a.img,xvda,w", /: format qcow2 is not supported \(raw only\)$/],
  [
    "a vdev where the format goes",
    "/a.img,xvda,w",
    /format xvda is not supported \(raw only; for vdev xvda write "\/a\.img,,xvda"\)/,
  ],
  ["an hd vdev", "/a.img,raw,hda", /: vdev hda is not supported \(xvda … xvdz\)$/],
  ["a vdev past xvdz", "/a.img,raw,xvdaa", /: vdev xvdaa is not supported/],
  ["a bad access", "/a.img,raw,xvda,x", /: access x is not r, ro, w or rw$/],
  ["no target", "format=raw, vdev=xvda", /: no target \(the image file\)$/],
  ["an empty target", ",raw,xvda", /: no target/],
  ["an empty specification", "", /: no target/],
  ["no vdev", "/a.img", /: no vdev/],
  ["a cdrom", "/a.iso,raw,xvdc,cdrom", /: cdrom is not supported$/],
  ["devtype=cdrom", "devtype=cdrom,/a.iso,raw,xvdc", /: devtype=cdrom is not supported \(disks only\)$/],
  ["a vdev:cdrom", "/a.iso,raw,xvdc:cdrom", /devtype cdrom is not supported/],
  ["an unknown key", "/a.img,raw,xvda,colour=red", /: unknown parameter "colour=red"$/],
  ["an xl key Ferry lacks", "backend=dom1,/a.img,raw,xvda", /: backend= is not supported$/],
  ["a script prefix", "iscsi:/a,xvda,w", /iscsi: prefix \(script=block-iscsi\) is not supported/],
  ["an unknown prefix", "foo:/a.img,xvda,w", /unknown deprecated disk prefix "foo:"/],
  ["too many positional parameters", "/a.img,raw,xvda,rw,more", /too many positional parameters at "more"/],
  // vdev= takes the vdev out of the positional order, so a fourth one is the access.
  ["a vdev named and given", "vdev=xvda,/a.img,raw,xvdb", /: access xvdb is not r, ro, w or rw$/],
  ["a key given twice", "/a.img,raw,xvda,vdev=xvdb", /: vdev is given twice$/],
];
for (const [what, spec, message] of bad) {
  test(`parseDiskSpec() refuses ${what}, quoting the specification`, () => {
    assert.throws(
      () => parseDiskSpec(spec),
      (e: unknown) => {
        assert.ok(e instanceof DiskSpecError);
        assert.equal(e.name, "DiskSpecError");
        assert.ok(e.message.startsWith(`disk "${spec}": `), e.message);
        assert.match(e.message, message);
        return true;
      },
    );
  });
}

test("formatDiskSpec() writes a specification that parses back to the same disk", () => {
  for (const target of ["/srv/a, b.img", "/srv/a.img,", " /srv/a.img "]) {
    const odd = { ...XVDA, target, access: "ro" } as const;
    assert.deepEqual(parseDiskSpec(formatDiskSpec(odd)), odd, target);
  }
});

test("parseDiskList() parses every disk", () => {
  assert.deepEqual(
    parseDiskList(["/a.img,,xvda", "/b.img,,xvdb,ro"]).map((d) => [d.target, d.vdev, d.access]),
    [
      ["/a.img", "xvda", "rw"],
      ["/b.img", "xvdb", "ro"],
    ],
  );
  assert.deepEqual(parseDiskList([]), []);
  // One image read-only twice is safe: nothing changes under either disk.
  assert.equal(parseDiskList(["/a.img,,xvda,ro", "/a.img,,xvdb,ro"]).length, 2);
});

test("parseDiskList() refuses two disks on one vdev, or one image given twice writable", () => {
  assert.throws(
    () => parseDiskList(["/a.img,,xvda", "/b.img,,xvda"]),
    (e: unknown) =>
      e instanceof DiskSpecError && e.message === 'disks "/a.img,,xvda" and "/b.img,,xvda" are both xvda',
  );
  for (const [a, b] of [
    ["/a.img,,xvda", "/a.img,,xvdb"],
    ["/srv/a.img,,xvda,ro", "/srv//x/../a.img,,xvdb,rw"],
  ] as const) {
    assert.throws(
      () => parseDiskList([a, b]),
      (e: unknown) =>
        e instanceof DiskSpecError && /open one image, .*, and not both read-only$/.test(e.message),
      `${a} and ${b}`,
    );
  }
  assert.throws(() => parseDiskList(["/a.img,raw,xvda", "/b.img,qcow2,xvdb"]), /format qcow2/);
  assert.throws(
    () => parseDiskList(Array.from({ length: 27 }, (_, i) => `/d${i}.img,,xvda`)),
    /27 disks: at most 26/,
  );
});
