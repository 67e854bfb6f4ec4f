/** The engine's node operations and permissions: toolstack allowed, guests confined. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Store } from "./store.js";

const err = (code: string) => ({ name: "StoreError", code });

function storeWith(...domids: number[]): Store {
  const store = new Store();
  for (const d of domids) store.introduceDomain(d);
  return store;
}

test("write() creates missing parents and read() returns the bytes", () => {
  const store = storeWith();
  store.write(0, "/a/b/c", "hello");
  assert.equal(store.readString(0, "/a/b/c"), "hello");
  assert.deepEqual(store.read(0, "/a/b"), new Uint8Array());
  store.write(0, "/a/b/c", new Uint8Array([1, 2, 3]));
  assert.deepEqual(store.read(0, "/a/b/c"), new Uint8Array([1, 2, 3]));
});

test("read() returns a copy, and write() copies its input", () => {
  const store = storeWith();
  const value = new Uint8Array([1]);
  store.write(0, "/v", value);
  value[0] = 9;
  const out = store.read(0, "/v");
  out[0] = 7;
  assert.deepEqual(store.read(0, "/v"), new Uint8Array([1]));
});

test("directory() lists children sorted; rm() removes recursively", () => {
  const store = storeWith();
  for (const name of ["b", "a", "c", "a-1"]) store.write(0, `/d/${name}/x`, "1");
  assert.deepEqual(store.directory(0, "/d"), ["a", "a-1", "b", "c"]);
  store.rm(0, "/d/a");
  assert.deepEqual(store.directory(0, "/d"), ["a-1", "b", "c"]);
  assert.throws(() => store.read(0, "/d/a/x"), err("ENOENT"));
  store.write(0, "/d/a", "again");
  assert.deepEqual(store.directory(0, "/d/a"), []);
});

test("mkdir() creates an empty node and leaves an existing one alone", () => {
  const store = storeWith();
  store.mkdir(0, "/m/n");
  assert.equal(store.readString(0, "/m/n"), "");
  store.write(0, "/m/n", "v");
  store.mkdir(0, "/m/n");
  assert.equal(store.readString(0, "/m/n"), "v");
});

test("operations fail with ENOENT, EINVAL as xenstore does", () => {
  const store = storeWith(1);
  assert.throws(() => store.read(0, "/nope"), err("ENOENT"));
  assert.throws(() => store.rm(0, "/nope"), err("ENOENT"));
  assert.throws(() => store.directory(0, "/nope"), err("ENOENT"));
  assert.throws(() => store.rm(0, "/"), err("EINVAL"));
  assert.throws(() => store.write(0, "/a//b", "x"), err("EINVAL"));
  assert.throws(() => store.write(0, "@introduceDomain", "x"), err("EINVAL"));
  assert.throws(() => store.read(9, "/local"), err("EINVAL"), "unknown domain");
  assert.throws(() => store.read(-1, "/local"), err("EINVAL"));
});

test("introduceDomain() gives each domain a home it owns; relative paths land there", () => {
  const store = storeWith(5);
  assert.deepEqual(store.getPerms(0, "/local/domain/5"), { owner: 5, access: "none", acl: [] });
  store.write(5, "data/x", "1");
  assert.equal(store.readString(0, "/local/domain/5/data/x"), "1");
  assert.deepEqual(store.directory(5, "data"), ["x"]);
  assert.throws(() => store.introduceDomain(5), err("EEXIST"));
});

test("a guest may not read or write outside what its permissions allow", () => {
  const store = storeWith(1, 2);
  store.write(0, "/tool/secret", "s");
  assert.throws(() => store.read(1, "/tool/secret"), err("EACCES"));
  assert.throws(() => store.write(1, "/tool/secret", "x"), err("EACCES"));
  assert.throws(() => store.write(1, "/tool/new", "x"), err("EACCES"));
  assert.throws(() => store.rm(1, "/tool"), err("EACCES"));
  assert.throws(() => store.read(1, "/local/domain/2"), err("EACCES"));
  assert.throws(() => store.write(1, "/local/domain/2/x", "x"), err("EACCES"));
  assert.throws(() => store.directory(1, "/local/domain"), err("EACCES"));
  assert.equal(store.readString(0, "/tool/secret"), "s", "the toolstack may do anything");
});

test("default access and per-domain entries decide what other domains may do", () => {
  const store = storeWith(1, 2, 3);
  store.write(1, "shared", "v");
  store.setPerms(1, "shared", { owner: 1, access: "read", acl: [{ domid: 2, access: "both" }] });
  assert.equal(store.readString(3, "/local/domain/1/shared"), "v");
  assert.throws(() => store.write(3, "/local/domain/1/shared", "x"), err("EACCES"));
  store.write(2, "/local/domain/1/shared", "from 2");
  assert.equal(store.readString(1, "shared"), "from 2");
  store.setPerms(1, "shared", { owner: 1, access: "write", acl: [] });
  assert.throws(() => store.read(3, "/local/domain/1/shared"), err("EACCES"));
  store.write(3, "/local/domain/1/shared", "write-only");
});

test("new nodes inherit the parent's permissions, with a guest creator as owner", () => {
  const store = storeWith(1, 2);
  store.write(0, "/pub", "");
  store.setPerms(0, "/pub", { owner: 0, access: "both", acl: [{ domid: 2, access: "read" }] });
  store.write(1, "/pub/a/b", "x");
  assert.deepEqual(store.getPerms(0, "/pub/a"), {
    owner: 1,
    access: "both",
    acl: [{ domid: 2, access: "read" }],
  });
  assert.deepEqual(store.getPerms(0, "/pub/a/b"), store.getPerms(0, "/pub/a"));
  // The toolstack writing into a guest's home keeps the guest as owner (control/shutdown).
  store.write(0, "/local/domain/1/control/shutdown", "suspend");
  assert.equal(store.getPerms(0, "/local/domain/1/control/shutdown").owner, 1);
  store.write(1, "control/shutdown", "");
});

test("setPerms() is for the owner only, and only the toolstack may change the owner", () => {
  const store = storeWith(1, 2);
  store.write(1, "n", "");
  store.setPerms(1, "n", { owner: 1, access: "both", acl: [] });
  assert.throws(
    () => store.setPerms(2, "/local/domain/1/n", { owner: 2, access: "both", acl: [] }),
    err("EACCES"),
  );
  assert.throws(() => store.setPerms(1, "n", { owner: 2, access: "none", acl: [] }), err("EACCES"));
  store.setPerms(0, "/local/domain/1/n", { owner: 2, access: "none", acl: [] });
  assert.throws(() => store.read(1, "n"), err("EACCES"));
  assert.throws(
    () =>
      store.setPerms(0, "/local/domain/1/n", {
        owner: 2,
        access: "none",
        acl: [{ domid: 2, access: "read" }],
      }),
    err("EINVAL"),
  );
  assert.throws(
    () => store.setPerms(0, "/local/domain/1/n", { owner: 2, access: "all" as never, acl: [] }),
    err("EINVAL"),
  );
});

test("releaseDomain() removes the home and hands the domain's other nodes to domain 0", () => {
  const store = storeWith(1, 2);
  store.write(0, "/pub", "");
  store.setPerms(0, "/pub", { owner: 0, access: "both", acl: [] });
  store.write(1, "/pub/mine", "x");
  store.setPerms(1, "/pub/mine", { owner: 1, access: "none", acl: [] });
  store.write(0, "/acl", "");
  store.setPerms(0, "/acl", { owner: 0, access: "none", acl: [{ domid: 1, access: "read" }] });
  store.releaseDomain(1);
  assert.throws(() => store.read(0, "/local/domain/1"), err("ENOENT"));
  assert.equal(store.getPerms(0, "/pub/mine").owner, 0);
  assert.deepEqual(store.getPerms(0, "/acl").acl, []);
  assert.throws(() => store.read(1, "/pub/mine"), err("EINVAL"), "a released domain is unknown");
  assert.throws(() => store.releaseDomain(1), err("ENOENT"));
  store.introduceDomain(1);
  assert.deepEqual(store.directory(0, "/local/domain"), ["0", "1", "2"]);
  assert.throws(() => store.write(1, "/pub/mine", "y"), err("EACCES"), "a reused id inherits nothing");
});
