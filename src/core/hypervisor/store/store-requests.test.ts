/** The transport boundary: xenstore request names in, responses and error names out. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Store } from "./store.js";
import { createStoreRequestHandler } from "./store-requests.js";

test("requests map onto the engine and StoreErrors become ERROR responses", () => {
  const store = new Store();
  store.introduceDomain(1);
  const events: string[] = [];
  const handle = createStoreRequestHandler(store, (d, p, t) => events.push(`${d} ${p} ${t}`));
  const value = new TextEncoder().encode("v");
  assert.deepEqual(handle(1, { type: "WRITE", tx: 0, path: "a/b", value }), { type: "OK" });
  assert.deepEqual(handle(1, { type: "READ", tx: 0, path: "a/b" }), { type: "VALUE", value });
  assert.deepEqual(handle(1, { type: "DIRECTORY", tx: 0, path: "a" }), { type: "NAMES", names: ["b"] });
  assert.deepEqual(handle(1, { type: "GET_PERMS", tx: 0, path: "a" }), { type: "PERMS", perms: ["n1"] });
  assert.deepEqual(handle(1, { type: "SET_PERMS", tx: 0, path: "a", perms: ["r1", "b0"] }), { type: "OK" });
  assert.deepEqual(store.getPerms(0, "/local/domain/1/a"), {
    owner: 1,
    access: "read",
    acl: [{ domid: 0, access: "both" }],
  });
  assert.equal(handle(1, { type: "SET_PERMS", tx: 0, path: "a", perms: ["x1"] }).type, "ERROR");
  assert.deepEqual(handle(1, { type: "WATCH", path: "a", token: "tok" }), { type: "OK" });
  assert.deepEqual(events, ["1 a tok"]);
  const start = handle(1, { type: "TRANSACTION_START" });
  assert.equal(start.type, "TRANSACTION");
  const tx = start.type === "TRANSACTION" ? start.tx : 0;
  assert.ok(tx > 0);
  handle(1, { type: "MKDIR", tx, path: "a/c" });
  assert.deepEqual(events, ["1 a tok"]);
  assert.deepEqual(handle(1, { type: "TRANSACTION_END", tx, commit: true }), { type: "OK" });
  assert.deepEqual(events, ["1 a tok", "1 a/c tok"]);
  handle(1, { type: "RM", tx: 0, path: "a" });
  assert.deepEqual(handle(1, { type: "UNWATCH", path: "a", token: "tok" }), { type: "OK" });
  const missing = handle(1, { type: "READ", tx: 0, path: "a" });
  assert.equal(missing.type === "ERROR" && missing.error, "ENOENT");
  const denied = handle(1, { type: "READ", tx: 0, path: "/local/domain/0" });
  assert.equal(denied.type === "ERROR" && denied.error, "EACCES");
});
