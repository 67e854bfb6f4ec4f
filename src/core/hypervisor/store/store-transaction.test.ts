/** Transactions: isolation, commit, EAGAIN on conflict, abort, watches on commit only. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Store } from "./store.js";

const err = (code: string) => ({ name: "StoreError", code });

test("a transaction sees its own changes; others see them only after commit", () => {
  const store = new Store();
  store.introduceDomain(1);
  store.write(1, "a", "old");
  const tx = store.transactionStart(1);
  store.write(1, "a", "new", tx);
  store.write(1, "b/c", "made", tx);
  store.rm(1, "a", tx);
  store.write(1, "a", "newer", tx);
  assert.equal(store.readString(1, "a", tx), "newer");
  assert.deepEqual(store.directory(1, "/local/domain/1", tx), ["a", "b"]);
  assert.equal(store.readString(1, "a"), "old");
  assert.throws(() => store.read(1, "b"), err("ENOENT"));
  store.transactionEnd(1, tx, true);
  assert.equal(store.readString(1, "a"), "newer");
  assert.equal(store.readString(1, "b/c"), "made");
  assert.deepEqual(store.directory(1, "/local/domain/1"), ["a", "b"]);
});

test("abort discards every change", () => {
  const store = new Store();
  store.write(0, "/k", "v");
  const tx = store.transactionStart(0);
  store.rm(0, "/k", tx);
  store.write(0, "/n", "x", tx);
  store.transactionEnd(0, tx, false);
  assert.equal(store.readString(0, "/k"), "v");
  assert.throws(() => store.read(0, "/n"), err("ENOENT"));
  assert.throws(() => store.transactionEnd(0, tx, true), err("ENOENT"), "ended transactions are gone");
});

test("commit fails with EAGAIN when something the transaction read changed meanwhile", () => {
  const store = new Store();
  store.write(0, "/x", "1");
  const tx = store.transactionStart(0);
  assert.equal(store.readString(0, "/x", tx), "1");
  store.write(0, "/y", "1", tx);
  store.write(0, "/x", "2");
  assert.throws(() => store.transactionEnd(0, tx, true), err("EAGAIN"));
  assert.throws(() => store.read(0, "/y"), err("ENOENT"), "nothing of a failed commit lands");
  // The retry succeeds.
  const retry = store.transactionStart(0);
  store.write(0, "/y", store.readString(0, "/x", retry), retry);
  store.transactionEnd(0, retry, true);
  assert.equal(store.readString(0, "/y"), "2");
});

test("commit fails when a node the transaction saw absent was created meanwhile", () => {
  const store = new Store();
  const tx = store.transactionStart(0);
  assert.throws(() => store.read(0, "/late", tx), err("ENOENT"));
  store.write(0, "/late", "x");
  assert.throws(() => store.transactionEnd(0, tx, true), err("EAGAIN"));
});

test("commit fails when a node was deleted and recreated with the same value", () => {
  const store = new Store();
  store.write(0, "/r", "same");
  const tx = store.transactionStart(0);
  store.readString(0, "/r", tx);
  store.rm(0, "/r");
  store.write(0, "/r", "same");
  assert.throws(() => store.transactionEnd(0, tx, true), err("EAGAIN"));
});

test("two transactions writing the same node: the first commit wins", () => {
  const store = new Store();
  store.write(0, "/c", "0");
  const a = store.transactionStart(0);
  const b = store.transactionStart(0);
  store.write(0, "/c", "a", a);
  store.write(0, "/c", "b", b);
  store.transactionEnd(0, a, true);
  assert.throws(() => store.transactionEnd(0, b, true), err("EAGAIN"));
  assert.equal(store.readString(0, "/c"), "a");
});

test("unrelated changes do not conflict", () => {
  const store = new Store();
  store.write(0, "/p/a", "1");
  store.write(0, "/q", "1");
  const tx = store.transactionStart(0);
  store.write(0, "/p/a", "2", tx);
  store.write(0, "/q", "2");
  store.transactionEnd(0, tx, true);
  assert.equal(store.readString(0, "/p/a"), "2");
});

test("watches fire only on commit, not on abort or a failed commit", () => {
  const store = new Store();
  const events: string[] = [];
  store.watch(0, "/w", "t", (path) => events.push(path));
  events.length = 0;
  const tx = store.transactionStart(0);
  store.write(0, "/w/a", "1", tx);
  assert.deepEqual(events, []);
  store.transactionEnd(0, tx, true);
  assert.deepEqual(events, ["/w/a"]);
  const aborted = store.transactionStart(0);
  store.write(0, "/w/b", "1", aborted);
  store.transactionEnd(0, aborted, false);
  const failed = store.transactionStart(0);
  store.write(0, "/w/a", "2", failed);
  store.write(0, "/w/a", "3");
  assert.throws(() => store.transactionEnd(0, failed, true), err("EAGAIN"));
  assert.deepEqual(events, ["/w/a", "/w/a"]);
});

test("a transaction belongs to its domain, and permissions apply inside it", () => {
  const store = new Store();
  store.introduceDomain(1);
  store.introduceDomain(2);
  const tx = store.transactionStart(1);
  assert.throws(() => store.read(2, "/local/domain/1", tx), err("ENOENT"));
  assert.throws(() => store.transactionEnd(2, tx, false), err("ENOENT"));
  assert.throws(() => store.write(1, "/local/domain/2/x", "x", tx), err("EACCES"));
  assert.throws(() => store.read(1, "x", 12345), err("ENOENT"));
  store.releaseDomain(1);
  store.introduceDomain(1);
  assert.throws(() => store.transactionEnd(1, tx, true), err("ENOENT"), "released with its domain");
});
