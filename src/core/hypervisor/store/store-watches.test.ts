/** Watches: initial firing, subtree changes, permissions, unwatch, special paths, ordering. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Store } from "./store.js";

const err = (code: string) => ({ name: "StoreError", code });

function recorder(): { events: string[]; cb: (path: string, token: string) => void } {
  const events: string[] = [];
  return { events, cb: (path, token) => events.push(`${path} ${token}`) };
}

test("watch() fires once at registration, then for changes at or below the path", () => {
  const store = new Store();
  const r = recorder();
  store.watch(0, "/a", "t", r.cb);
  assert.deepEqual(r.events, ["/a t"], "fires even though /a does not exist yet");
  store.write(0, "/a/b/c", "1");
  store.write(0, "/a", "2");
  store.mkdir(0, "/a/d");
  store.setPerms(0, "/a/d", { owner: 0, access: "read", acl: [] });
  store.rm(0, "/a/b");
  store.write(0, "/other", "x");
  store.write(0, "/ab", "x");
  assert.deepEqual(r.events, ["/a t", "/a/b/c t", "/a t", "/a/d t", "/a/d t", "/a/b t"]);
});

test("removing an ancestor fires a watch below it with the watch's own path", () => {
  const store = new Store();
  store.write(0, "/x/y/z", "1");
  const r = recorder();
  store.watch(0, "/x/y/z", "deep", r.cb);
  store.rm(0, "/x");
  assert.deepEqual(r.events, ["/x/y/z deep", "/x/y/z deep"]);
});

test("a watch never fires for a node the watcher cannot read", () => {
  const store = new Store();
  store.introduceDomain(1);
  store.write(0, "/pub", "");
  store.setPerms(0, "/pub", { owner: 0, access: "read", acl: [] });
  const r = recorder();
  store.watch(1, "/", "root", r.cb);
  store.write(0, "/secret", "s");
  store.write(0, "/pub/seen", "1");
  store.write(0, "/local/domain/1/mine", "1");
  assert.deepEqual(r.events, ["/ root", "/pub/seen root", "/local/domain/1/mine root"]);
  // Losing read access is still announced (either old or new permissions grant read).
  store.setPerms(0, "/pub/seen", { owner: 0, access: "none", acl: [] });
  store.write(0, "/pub/seen", "2");
  assert.deepEqual(r.events.slice(3), ["/pub/seen root"]);
});

test("relative watches get relative paths; watches are per domain", () => {
  const store = new Store();
  store.introduceDomain(4);
  const guest = recorder();
  const tool = recorder();
  store.watch(4, "control/shutdown", "ctl", guest.cb);
  store.watch(0, "/local/domain/4/control/shutdown", "ctl", tool.cb);
  store.write(0, "/local/domain/4/control/shutdown", "suspend");
  assert.deepEqual(guest.events, ["control/shutdown ctl", "control/shutdown ctl"]);
  assert.deepEqual(tool.events, [
    "/local/domain/4/control/shutdown ctl",
    "/local/domain/4/control/shutdown ctl",
  ]);
  store.unwatch(4, "control/shutdown", "ctl");
  store.write(4, "control/shutdown", "");
  assert.equal(guest.events.length, 2);
  assert.equal(tool.events.length, 3, "the toolstack's watch with the same token is separate");
});

test("unwatch() and duplicate watch() fail as xenstore does", () => {
  const store = new Store();
  const r = recorder();
  store.watch(0, "/a", "t", r.cb);
  assert.throws(() => store.watch(0, "/a", "t", r.cb), err("EEXIST"));
  store.watch(0, "/a", "t2", r.cb);
  store.unwatch(0, "/a", "t");
  assert.throws(() => store.unwatch(0, "/a", "t"), err("ENOENT"));
  assert.throws(() => store.watch(0, "/a//", "t", r.cb), err("EINVAL"));
});

test("@introduceDomain and @releaseDomain fire when the host adds and removes domains", () => {
  const store = new Store();
  const r = recorder();
  store.watch(0, "@introduceDomain", "in", r.cb);
  store.watch(0, "@releaseDomain", "out", r.cb);
  store.introduceDomain(3);
  store.write(0, "/x", "no special event for this");
  store.releaseDomain(3);
  assert.deepEqual(r.events, [
    "@introduceDomain in",
    "@releaseDomain out",
    "@introduceDomain in",
    "@releaseDomain out",
  ]);
});

test("releaseDomain() drops the domain's watches", () => {
  const store = new Store();
  store.introduceDomain(2);
  const r = recorder();
  store.watch(2, "x", "t", r.cb);
  store.releaseDomain(2);
  store.introduceDomain(2);
  store.write(0, "/local/domain/2/x", "1");
  assert.deepEqual(r.events, ["x t"]);
});

test("a callback that changes the store is delivered after the current events, in order", () => {
  const store = new Store();
  const seen: string[] = [];
  store.watch(0, "/q", "t", (path) => {
    seen.push(path);
    if (path === "/q/first") store.write(0, "/q/second", "2");
  });
  store.write(0, "/q/first", "1");
  assert.deepEqual(seen, ["/q", "/q/first", "/q/second"]);
});

test("a throwing callback does not stop other watches and its error surfaces", () => {
  const store = new Store();
  const r = recorder();
  store.watch(0, "/t", "boom", (path) => {
    if (path !== "/t") throw new Error("callback failed");
  });
  store.watch(0, "/t", "ok", r.cb);
  assert.throws(() => store.write(0, "/t/x", "1"), /callback failed/);
  assert.deepEqual(r.events, ["/t ok", "/t/x ok"]);
  assert.equal(store.readString(0, "/t/x"), "1", "the change itself stands");
  store.write(0, "/t", "2");
  assert.deepEqual(r.events.slice(2), ["/t ok"], "delivery keeps working after a failure");
});
