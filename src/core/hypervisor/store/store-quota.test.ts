/** Quotas: nodes, value size, watches, transactions, permission entries; domain 0 exempt. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Store } from "./store.js";
import { VALUE_MAX } from "./store-quota.js";

const err = (code: string) => ({ name: "StoreError", code });
const quota = { maxNodes: 4, maxValueSize: 8, maxWatches: 2, maxTransactions: 1, maxAclEntries: 1 };

test("a guest may own only maxNodes nodes (its home counts), checked before any change", () => {
  const store = new Store({ quota });
  store.introduceDomain(1);
  store.write(1, "a", "");
  store.write(1, "b", "");
  assert.throws(() => store.write(1, "c/d", ""), err("EQUOTA"));
  assert.deepEqual(store.directory(1, "/local/domain/1"), ["a", "b"], "nothing was half-created");
  store.write(1, "c", "");
  assert.throws(() => store.mkdir(1, "d"), err("EQUOTA"));
  store.rm(1, "a");
  store.mkdir(1, "d");
  for (let i = 0; i < 20; i++) store.write(0, `/local/domain/1/tool-${i}`, "");
});

test("node quota also holds across a transaction and at commit", () => {
  const store = new Store({ quota: { ...quota, maxTransactions: 2 } });
  store.introduceDomain(1);
  const a = store.transactionStart(1);
  const b = store.transactionStart(1);
  store.write(1, "x/y", "", a);
  assert.throws(() => store.write(1, "z/w/v", "", a), err("EQUOTA"));
  store.write(1, "p", "", b);
  store.transactionEnd(1, b, true);
  assert.throws(() => store.transactionEnd(1, a, true), err("EAGAIN"), "b changed the home's children");
});

test("values larger than the quota fail with E2BIG; domain 0 is capped by the payload size", () => {
  const store = new Store({ quota });
  store.introduceDomain(1);
  store.write(1, "ok", "12345678");
  assert.throws(() => store.write(1, "big", "123456789"), err("E2BIG"));
  store.write(0, "/big", new Uint8Array(VALUE_MAX));
  assert.throws(() => store.write(0, "/bigger", new Uint8Array(VALUE_MAX + 1)), err("E2BIG"));
});

test("watches, open transactions and permission entries are limited per guest", () => {
  const store = new Store({ quota });
  store.introduceDomain(1);
  store.introduceDomain(2);
  const noop = () => {};
  store.watch(1, "a", "1", noop);
  store.watch(1, "a", "2", noop);
  assert.throws(() => store.watch(1, "a", "3", noop), err("EQUOTA"));
  store.watch(2, "a", "1", noop);
  store.unwatch(1, "a", "1");
  store.watch(1, "a", "3", noop);
  const tx = store.transactionStart(1);
  assert.throws(() => store.transactionStart(1), err("EQUOTA"));
  store.transactionEnd(1, tx, false);
  store.transactionStart(1);
  store.write(1, "n", "");
  store.setPerms(1, "n", { owner: 1, access: "none", acl: [{ domid: 2, access: "read" }] });
  const two = [
    { domid: 2, access: "read" as const },
    { domid: 3, access: "read" as const },
  ];
  assert.throws(() => store.setPerms(1, "n", { owner: 1, access: "none", acl: two }), err("EQUOTA"));
  for (let i = 0; i < 5; i++) store.transactionStart(0);
});

test("bad quota settings are rejected", () => {
  assert.throws(() => new Store({ quota: { maxNodes: -1 } }), err("EINVAL"));
  assert.throws(() => new Store({ quota: { maxValueSize: VALUE_MAX + 1 } }), err("EINVAL"));
});
