/**
 * The store engine: Xen's xenstore semantics (docs/misc/xenstore.txt) over an in-memory tree,
 * shared by the toolstack, device backends and guests (DESIGN §4). Every operation is called
 * with the domain on whose behalf it runs, so a ring transport can pass a guest's requests
 * straight through and the toolstack calls the same methods as domain 0.
 *
 * Invariants:
 * - `/`, `/local`, `/local/domain` and `/local/domain/0` always exist; `/local/domain/<id>`
 *   exists, owned by <id>, from `introduceDomain` until `releaseDomain`.
 * - Only introduced domains (and domain 0) may call in; every path is resolved and every
 *   permission and quota is checked before the tree is touched, so a failing operation
 *   changes nothing.
 * - Outside a transaction, watches fire after the operation; inside one, only on commit.
 */
import { StoreError } from "./store-error.js";
import {
  baseName,
  checkDomid,
  childPath,
  domainHome,
  isAtOrBelow,
  isSpecialPath,
  parentPath,
  resolvePath,
} from "./store-path.js";
import { canRead, canWrite, inheritPerms, makePerms, type StorePerms } from "./store-permissions.js";
import { makeQuota, type StoreQuota, VALUE_MAX } from "./store-quota.js";
import { parseDomainState, permsToState, STORE_STATE_VERSION, type StoreDomainState } from "./store-state.js";
import { StoreTransaction } from "./store-transaction.js";
import { type NodeView, type StoreNode, StoreTree } from "./store-tree.js";
import { StoreWatches, type WatchCallback, type WatchEvent } from "./store-watches.js";

export interface StoreOptions {
  /** Quotas for every domain but 0. */
  readonly quota?: Partial<StoreQuota>;
}

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SYSTEM_PERMS = makePerms({ owner: 0, access: "none", acl: [] });

function sortedInsert(names: readonly string[], name: string): string[] {
  const out = [...names, name];
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export class Store {
  readonly quota: StoreQuota;
  private readonly tree = new StoreTree();
  private readonly watches = new StoreWatches();
  private readonly transactions = new Map<number, StoreTransaction>();
  private readonly domains = new Set<number>([0]);
  private lastTransactionId = 0;

  constructor(options: StoreOptions = {}) {
    this.quota = makeQuota(options.quota);
    this.tree.put("/", { value: EMPTY, perms: SYSTEM_PERMS, children: [] });
    for (const path of ["/local", "/local/domain", "/local/domain/0"])
      this.createNode(this.tree, path, SYSTEM_PERMS);
  }

  // ---- nodes ------------------------------------------------------------------------------

  read(domid: number, path: string, tx = 0): Uint8Array {
    const abs = this.resolve(domid, path);
    return this.run(domid, tx, (view) => this.readable(view, domid, abs).value.slice());
  }

  readString(domid: number, path: string, tx = 0): string {
    return decoder.decode(this.read(domid, path, tx));
  }

  /** Sets a node's value, creating it and any missing parents. */
  write(domid: number, path: string, value: Uint8Array | string, tx = 0): void {
    const abs = this.resolve(domid, path);
    const bytes = typeof value === "string" ? encoder.encode(value) : value.slice();
    const limit = domid === 0 ? VALUE_MAX : this.quota.maxValueSize;
    if (bytes.length > limit)
      throw new StoreError("E2BIG", `value of ${bytes.length} bytes exceeds ${limit}`);
    this.run(domid, tx, (view, events) => {
      const node = view.get(abs);
      if (node === undefined) {
        this.create(view, domid, abs, bytes, events);
        return;
      }
      this.requireWrite(domid, abs, node);
      view.put(abs, { ...node, value: bytes });
      events.push({ path: abs, perms: [node.perms], removed: false });
    });
  }

  /** Creates an empty node (and missing parents); an existing node is left as it is. */
  mkdir(domid: number, path: string, tx = 0): void {
    const abs = this.resolve(domid, path);
    this.run(domid, tx, (view, events) => {
      const node = view.get(abs);
      if (node === undefined) this.create(view, domid, abs, EMPTY, events);
      else this.requireWrite(domid, abs, node);
    });
  }

  /** Removes a node and everything below it. */
  rm(domid: number, path: string, tx = 0): void {
    const abs = this.resolve(domid, path);
    if (abs === "/") throw new StoreError("EINVAL", "cannot remove the root");
    this.run(domid, tx, (view, events) => {
      const node = view.get(abs);
      if (node === undefined) throw new StoreError("ENOENT", `${abs} does not exist`);
      this.requireWrite(domid, abs, node);
      this.removeSubtree(view, abs, events);
    });
  }

  /** Names of a node's children, sorted. */
  directory(domid: number, path: string, tx = 0): string[] {
    const abs = this.resolve(domid, path);
    return this.run(domid, tx, (view) => [...this.readable(view, domid, abs).children]);
  }

  getPerms(domid: number, path: string, tx = 0): StorePerms {
    const abs = this.resolve(domid, path);
    return this.run(domid, tx, (view) => this.readable(view, domid, abs).perms);
  }

  /** Only the owner (or domain 0) may change permissions, and only domain 0 may change the owner. */
  setPerms(domid: number, path: string, perms: StorePerms, tx = 0): void {
    const abs = this.resolve(domid, path);
    const next = makePerms(perms);
    if (domid !== 0 && next.acl.length > this.quota.maxAclEntries) {
      throw new StoreError("EQUOTA", `more than ${this.quota.maxAclEntries} permission entries`);
    }
    this.run(domid, tx, (view, events) => {
      const node = view.get(abs);
      if (node === undefined) throw new StoreError("ENOENT", `${abs} does not exist`);
      this.requireWrite(domid, abs, node);
      if (domid !== 0 && domid !== node.perms.owner) {
        throw new StoreError("EACCES", `domain ${domid} does not own ${abs}`);
      }
      if (domid !== 0 && next.owner !== node.perms.owner) {
        throw new StoreError("EACCES", `domain ${domid} may not give ${abs} away`);
      }
      view.put(abs, { ...node, perms: next });
      events.push({ path: abs, perms: [node.perms, next], removed: false });
    });
  }

  // ---- watches ----------------------------------------------------------------------------

  /** Registers a watch; it fires once now, then on every change at or below `path`. */
  watch(domid: number, path: string, token: string, callback: WatchCallback): void {
    this.requireDomain(domid);
    if (domid !== 0 && this.watches.count(domid) >= this.quota.maxWatches) {
      throw new StoreError("EQUOTA", `domain ${domid} has ${this.quota.maxWatches} watches already`);
    }
    this.watches.add(domid, path, token, callback);
    this.watches.drain();
  }

  unwatch(domid: number, path: string, token: string): void {
    this.requireDomain(domid);
    this.watches.remove(domid, path, token);
  }

  // ---- transactions -----------------------------------------------------------------------

  transactionStart(domid: number): number {
    this.requireDomain(domid);
    const open = [...this.transactions.values()].filter((t) => t.domid === domid).length;
    if (domid !== 0 && open >= this.quota.maxTransactions) {
      throw new StoreError("EQUOTA", `domain ${domid} has ${open} transactions open`);
    }
    // Ids stay below 2^32 for the wire; 0 means "no transaction", so it is skipped.
    do this.lastTransactionId = (this.lastTransactionId % 0xffff_ffff) + 1;
    while (this.transactions.has(this.lastTransactionId));
    this.transactions.set(
      this.lastTransactionId,
      new StoreTransaction(this.lastTransactionId, domid, this.tree),
    );
    return this.lastTransactionId;
  }

  /** Commits (or, with `commit` false, discards) a transaction; EAGAIN means "retry it". */
  transactionEnd(domid: number, tx: number, commit: boolean): void {
    const t = this.transaction(domid, tx);
    this.transactions.delete(tx);
    if (!commit) return;
    if (t.conflicts()) throw new StoreError("EAGAIN", `transaction ${tx} conflicts with a concurrent change`);
    if (domid !== 0 && t.ownedCount(domid) > this.quota.maxNodes) {
      throw new StoreError("EQUOTA", `domain ${domid} would own more than ${this.quota.maxNodes} nodes`);
    }
    t.applyTo(this.tree);
    this.watches.fire(t.events);
  }

  // ---- domains (host only) ----------------------------------------------------------------

  /** Creates `/local/domain/<domid>` owned by the domain and fires `@introduceDomain`. */
  introduceDomain(domid: number): void {
    checkDomid(domid);
    if (this.domains.has(domid)) throw new StoreError("EEXIST", `domain ${domid} is already introduced`);
    this.domains.add(domid);
    const home = domainHome(domid);
    const perms = makePerms({ owner: domid, access: "none", acl: [] });
    const node = this.tree.get(home);
    if (node === undefined) this.createNode(this.tree, home, perms);
    else this.tree.put(home, { ...node, perms });
    this.watches.fire([
      { path: home, perms: [perms], removed: false },
      { path: "@introduceDomain", perms: [], removed: false },
    ]);
  }

  /**
   * Forgets a domain: its watches and transactions, its home subtree, and its ownership and
   * permission entries elsewhere (they pass to domain 0, so a reused id inherits nothing).
   */
  releaseDomain(domid: number): void {
    checkDomid(domid);
    if (domid === 0 || !this.domains.has(domid))
      throw new StoreError("ENOENT", `domain ${domid} is not introduced`);
    this.domains.delete(domid);
    this.watches.removeDomain(domid);
    for (const [id, t] of this.transactions) if (t.domid === domid) this.transactions.delete(id);
    const events: WatchEvent[] = [];
    const home = domainHome(domid);
    if (this.tree.get(home) !== undefined) this.removeSubtree(this.tree, home, events);
    for (const path of this.tree.paths()) {
      const node = this.tree.get(path)!;
      const p = node.perms;
      if (p.owner !== domid && !p.acl.some((e) => e.domid === domid)) continue;
      const perms = makePerms({
        owner: p.owner === domid ? 0 : p.owner,
        access: p.access,
        acl: p.acl.filter((e) => e.domid !== domid && !(p.owner === domid && e.domid === 0)),
      });
      this.tree.put(path, { ...node, perms });
      events.push({ path, perms: [p, perms], removed: false });
    }
    events.push({ path: "@releaseDomain", perms: [], removed: false });
    this.watches.fire(events);
  }

  isIntroduced(domid: number): boolean {
    return this.domains.has(domid);
  }

  // ---- persistence (host only) ------------------------------------------------------------

  /** The domain's subtree under `/local/domain/<domid>`, parents before children. */
  exportDomainSubtree(domid: number): StoreDomainState {
    checkDomid(domid);
    const home = domainHome(domid);
    if (this.tree.get(home) === undefined) throw new StoreError("ENOENT", `${home} does not exist`);
    const nodes: StoreDomainState["nodes"] = [];
    const visit = (path: string): void => {
      const node = this.tree.get(path)!;
      nodes.push({
        path: path.slice(home.length + 1),
        value: node.value.slice(),
        perms: permsToState(node.perms),
      });
      for (const name of node.children) visit(childPath(path, name));
    };
    visit(home);
    return { version: STORE_STATE_VERSION, domid, nodes };
  }

  /**
   * Replaces the (introduced) domain's subtree with `state`. Domain ids in permissions equal
   * to the saved domain's id become `domid`, since a restored domain usually gets a new id.
   * Everything is checked before anything changes.
   */
  importDomainSubtree(domid: number, state: unknown): void {
    checkDomid(domid);
    const parsed = parseDomainState(state);
    if (domid === 0 || !this.domains.has(domid))
      throw new StoreError("EINVAL", `domain ${domid} is not introduced`);
    const remap = (id: number): number => (id === parsed.domid ? domid : id);
    const home = domainHome(domid);
    const incoming = parsed.nodes.map((n) => ({
      path: n.path === "" ? home : `${home}/${n.path}`,
      value: n.value,
      perms: makePerms({
        owner: remap(n.perms.owner),
        access: n.perms.access,
        acl: n.perms.acl.map((e) => ({ domid: remap(e.domid), access: e.access })),
      }),
    }));
    const ownedNow = this.tree
      .paths()
      .filter((p) => isAtOrBelow(p, home) && this.tree.get(p)!.perms.owner === domid).length;
    const ownedAfter =
      this.tree.ownedCount(domid) - ownedNow + incoming.filter((n) => n.perms.owner === domid).length;
    if (ownedAfter > this.quota.maxNodes) {
      throw new StoreError("EQUOTA", `domain ${domid} would own ${ownedAfter} nodes`);
    }
    const old = this.tree.get(home)!;
    for (const path of this.tree.paths())
      if (path !== home && isAtOrBelow(path, home)) this.tree.remove(path);
    const children = new Map<string, string[]>();
    for (const n of incoming) {
      if (n.path !== home) children.get(parentPath(n.path))!.push(baseName(n.path));
      children.set(n.path, []);
    }
    for (const n of incoming) {
      const names = children.get(n.path)!.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.tree.put(n.path, { value: n.value, perms: n.perms, children: names });
    }
    this.watches.fire([{ path: home, perms: [old.perms, incoming[0]!.perms], removed: true }]);
  }

  // ---- internals --------------------------------------------------------------------------

  private resolve(domid: number, path: string): string {
    this.requireDomain(domid);
    if (isSpecialPath(path)) throw new StoreError("EINVAL", `${path} is only a watch path`);
    return resolvePath(domid, path);
  }

  private requireDomain(domid: number): void {
    checkDomid(domid);
    if (!this.domains.has(domid)) throw new StoreError("EINVAL", `domain ${domid} is not introduced`);
  }

  private transaction(domid: number, tx: number): StoreTransaction {
    this.requireDomain(domid);
    const t = this.transactions.get(tx);
    if (t === undefined || t.domid !== domid) {
      throw new StoreError("ENOENT", `domain ${domid} has no transaction ${tx}`);
    }
    return t;
  }

  /** Runs `op` on the tree (firing its watch events after) or inside transaction `tx`. */
  private run<T>(domid: number, tx: number, op: (view: NodeView, events: WatchEvent[]) => T): T {
    if (tx !== 0) {
      const t = this.transaction(domid, tx);
      return op(t, t.events);
    }
    const events: WatchEvent[] = [];
    const result = op(this.tree, events);
    this.watches.fire(events);
    return result;
  }

  private readable(view: NodeView, domid: number, abs: string): StoreNode {
    const node = view.get(abs);
    if (node === undefined) throw new StoreError("ENOENT", `${abs} does not exist`);
    if (!canRead(domid, node.perms)) throw new StoreError("EACCES", `domain ${domid} may not read ${abs}`);
    return node;
  }

  private requireWrite(domid: number, abs: string, node: StoreNode): void {
    if (!canWrite(domid, node.perms)) throw new StoreError("EACCES", `domain ${domid} may not write ${abs}`);
  }

  /** Creates `abs` and its missing parents, checking write access on the nearest existing one. */
  private create(view: NodeView, domid: number, abs: string, value: Uint8Array, events: WatchEvent[]): void {
    const missing: string[] = [];
    let ancestor = abs;
    let existing: StoreNode | undefined;
    while (existing === undefined) {
      missing.push(ancestor);
      ancestor = parentPath(ancestor);
      existing = view.get(ancestor);
    }
    this.requireWrite(domid, ancestor, existing);
    if (domid !== 0 && view.ownedCount(domid) + missing.length > this.quota.maxNodes) {
      throw new StoreError("EQUOTA", `domain ${domid} may own at most ${this.quota.maxNodes} nodes`);
    }
    const perms = inheritPerms(existing.perms, domid);
    for (const path of missing.reverse()) this.createNode(view, path, perms, path === abs ? value : EMPTY);
    events.push({ path: abs, perms: [perms], removed: false });
  }

  /** Adds one node under an existing parent (no checks: callers have made them). */
  private createNode(view: NodeView, path: string, perms: StorePerms, value: Uint8Array = EMPTY): void {
    const parent = parentPath(path);
    const p = view.get(parent)!;
    view.put(parent, { ...p, children: sortedInsert(p.children, baseName(path)) });
    view.put(path, { value, perms, children: [] });
  }

  private removeSubtree(view: NodeView, abs: string, events: WatchEvent[]): void {
    const node = view.get(abs)!;
    const drop = (path: string): void => {
      for (const name of view.get(path)!.children) drop(childPath(path, name));
      view.remove(path);
    };
    drop(abs);
    const parent = parentPath(abs);
    const p = view.get(parent)!;
    const name = baseName(abs);
    view.put(parent, { ...p, children: p.children.filter((c) => c !== name) });
    events.push({ path: abs, perms: [node.perms], removed: true });
  }
}
