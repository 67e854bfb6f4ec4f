/**
 * The committed node tree: a map from canonical absolute path to node, plus what the engine
 * needs around it — a generation stamp per node (bumped on every change, never reused, so a
 * transaction can tell that a node changed even if it was deleted and recreated) and a count
 * of nodes per owner (for the node quota).
 *
 * Invariants: nodes are immutable values (a change puts a new one); every node but the root
 * has its parent in the map, and the parent's `children` lists exactly its children, sorted.
 * The engine keeps the second invariant; this class only stores.
 */
import type { StorePerms } from "./store-permissions.js";

export interface StoreNode {
  readonly value: Uint8Array;
  readonly perms: StorePerms;
  /** Child names, sorted by code unit so `directory` is deterministic. */
  readonly children: readonly string[];
}

/** What the engine's operations run against: the committed tree or a transaction over it. */
export interface NodeView {
  get(path: string): StoreNode | undefined;
  put(path: string, node: StoreNode): void;
  remove(path: string): void;
  /** Nodes owned by `domid` as this view sees them. */
  ownedCount(domid: number): number;
}

/** Generation reported for a path with no node. */
export const ABSENT = -1;

export class StoreTree implements NodeView {
  private readonly nodes = new Map<string, { node: StoreNode; generation: number }>();
  private readonly owned = new Map<number, number>();
  private generation = 0;

  get(path: string): StoreNode | undefined {
    return this.nodes.get(path)?.node;
  }

  generationOf(path: string): number {
    return this.nodes.get(path)?.generation ?? ABSENT;
  }

  put(path: string, node: StoreNode): void {
    const old = this.nodes.get(path);
    if (old !== undefined) this.count(old.node.perms.owner, -1);
    this.nodes.set(path, { node, generation: ++this.generation });
    this.count(node.perms.owner, 1);
  }

  remove(path: string): void {
    const old = this.nodes.get(path);
    if (old === undefined) return;
    this.count(old.node.perms.owner, -1);
    this.nodes.delete(path);
  }

  ownedCount(domid: number): number {
    return this.owned.get(domid) ?? 0;
  }

  paths(): string[] {
    return [...this.nodes.keys()];
  }

  private count(domid: number, delta: number): void {
    const n = (this.owned.get(domid) ?? 0) + delta;
    if (n === 0) this.owned.delete(domid);
    else this.owned.set(domid, n);
  }
}
