/** Persistence: export/import round trip, id remapping, strict rejection of bad state. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Store } from "./store.js";
import type { StoreDomainState } from "./store-state.js";

const err = (code: string) => ({ name: "StoreError", code });

function populated(): Store {
  const store = new Store();
  store.introduceDomain(3);
  store.introduceDomain(9);
  store.write(3, "control/shutdown", "");
  store.write(3, "data/bin", new Uint8Array([0, 255, 7]));
  store.write(3, "device/vbd/768/state", "4");
  store.setPerms(0, "/local/domain/3/device/vbd/768", {
    owner: 3,
    access: "read",
    acl: [{ domid: 0, access: "both" }],
  });
  store.setPerms(3, "data", { owner: 3, access: "none", acl: [{ domid: 9, access: "read" }] });
  return store;
}

test("exportDomainSubtree() is a plain structured-clonable value, parents first", () => {
  const state = populated().exportDomainSubtree(3);
  const clone = structuredClone(state);
  assert.deepEqual(clone, state);
  assert.equal(state.version, 1);
  assert.equal(state.domid, 3);
  assert.deepEqual(
    state.nodes.map((n) => n.path),
    [
      "",
      "control",
      "control/shutdown",
      "data",
      "data/bin",
      "device",
      "device/vbd",
      "device/vbd/768",
      "device/vbd/768/state",
    ],
  );
  assert.throws(() => new Store().exportDomainSubtree(4), err("ENOENT"));
});

test("importDomainSubtree() restores values and permissions under a new domain id", () => {
  const state = structuredClone(populated().exportDomainSubtree(3));
  const target = new Store();
  target.introduceDomain(7);
  target.write(7, "stale", "gone after import");
  target.importDomainSubtree(7, state);
  assert.deepEqual(target.read(7, "data/bin"), new Uint8Array([0, 255, 7]));
  assert.equal(target.readString(7, "device/vbd/768/state"), "4");
  assert.throws(() => target.read(7, "stale"), err("ENOENT"));
  assert.deepEqual(target.getPerms(0, "/local/domain/7"), { owner: 7, access: "none", acl: [] });
  assert.deepEqual(target.getPerms(0, "/local/domain/7/data"), {
    owner: 7,
    access: "none",
    acl: [{ domid: 9, access: "read" }],
  });
  assert.equal(target.getPerms(0, "/local/domain/7/device/vbd/768/state").owner, 7);
  assert.deepEqual(
    target.exportDomainSubtree(7).nodes,
    state.nodes.map((n) => ({ ...n, perms: remap(n.perms) })),
  );
  target.write(7, "control/shutdown", "after restore");
});

function remap(p: StoreDomainState["nodes"][number]["perms"]): typeof p {
  const id = (d: number) => (d === 3 ? 7 : d);
  return {
    owner: id(p.owner),
    access: p.access,
    acl: p.acl.map((e) => ({ domid: id(e.domid), access: e.access })),
  };
}

test("importDomainSubtree() fires watches in the domain's subtree", () => {
  const store = new Store();
  store.introduceDomain(2);
  const events: string[] = [];
  store.watch(0, "/local/domain/2/control/shutdown", "t", (p) => events.push(p));
  store.watch(0, "/local/domain", "all", (p) => events.push(p));
  events.length = 0;
  store.importDomainSubtree(2, populated().exportDomainSubtree(3));
  assert.deepEqual(events, ["/local/domain/2/control/shutdown", "/local/domain/2"]);
});

test("importDomainSubtree() rejects malformed state and changes nothing", () => {
  const good = populated().exportDomainSubtree(3);
  const node = good.nodes[1]!;
  const bad: [string, unknown][] = [
    ["not an object", 42],
    ["null", null],
    ["wrong version", { ...good, version: 2 }],
    ["bad domid", { ...good, domid: 0x8000 }],
    ["no nodes", { ...good, nodes: [] }],
    ["nodes not an array", { ...good, nodes: {} }],
    ["home not first", { ...good, nodes: good.nodes.slice(1) }],
    ["child before parent", { ...good, nodes: [good.nodes[0], good.nodes[2], good.nodes[1]] }],
    ["duplicate", { ...good, nodes: [...good.nodes, node] }],
    ["absolute path", { ...good, nodes: [good.nodes[0], { ...node, path: "/control" }] }],
    ["bad path", { ...good, nodes: [good.nodes[0], { ...node, path: "a b" }] }],
    ["string value", { ...good, nodes: [good.nodes[0], { ...node, value: "x" }] }],
    ["huge value", { ...good, nodes: [good.nodes[0], { ...node, value: new Uint8Array(5000) }] }],
    ["missing perms", { ...good, nodes: [good.nodes[0], { path: "x", value: new Uint8Array() }] }],
    ["bad access", { ...good, nodes: [good.nodes[0], { ...node, perms: { ...node.perms, access: "all" } }] }],
    ["bad owner", { ...good, nodes: [good.nodes[0], { ...node, perms: { ...node.perms, owner: -1 } }] }],
    ["acl not array", { ...good, nodes: [good.nodes[0], { ...node, perms: { ...node.perms, acl: "r0" } }] }],
    [
      "bad acl entry",
      { ...good, nodes: [good.nodes[0], { ...node, perms: { ...node.perms, acl: [null] } }] },
    ],
  ];
  const store = new Store();
  store.introduceDomain(5);
  store.write(5, "keep", "me");
  const before = store.exportDomainSubtree(5);
  for (const [why, state] of bad) {
    assert.throws(() => store.importDomainSubtree(5, state), err("EINVAL"), why);
  }
  assert.deepEqual(store.exportDomainSubtree(5), before);
  assert.throws(() => store.importDomainSubtree(6, good), err("EINVAL"), "domain not introduced");
  assert.throws(() => store.importDomainSubtree(0, good), err("EINVAL"), "not domain 0");
});

test("importDomainSubtree() respects the node quota", () => {
  const store = new Store({ quota: { maxNodes: 3 } });
  store.introduceDomain(5);
  assert.throws(() => store.importDomainSubtree(5, populated().exportDomainSubtree(3)), err("EQUOTA"));
  assert.deepEqual(store.directory(5, "/local/domain/5"), []);
});
