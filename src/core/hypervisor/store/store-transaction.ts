/**
 * One open transaction: a copy-on-write overlay over the committed tree. Reads see the
 * overlay first, so a transaction sees its own changes and nobody else sees them until commit.
 *
 * Concurrency is optimistic (docs/misc/xenstore.txt, TRANSACTION_END): the first time the
 * transaction touches a path — read, list, write or remove, present or absent — it records the
 * committed generation of that path. Commit succeeds only if every recorded generation is
 * still current; otherwise the caller gets EAGAIN and retries the whole transaction.
 *
 * Invariant: `observed` holds every path in `overlay`, because `put` and `remove` read first.
 */

import type { NodeView, StoreNode, StoreTree } from "./store-tree.js";
import type { WatchEvent } from "./store-watches.js";

export class StoreTransaction implements NodeView {
  private readonly overlay = new Map<string, StoreNode | null>();
  private readonly observed = new Map<string, number>();
  private readonly ownedDelta = new Map<number, number>();
  /** Watch events the transaction's operations raised; fired only on commit. */
  readonly events: WatchEvent[] = [];

  constructor(
    readonly id: number,
    readonly domid: number,
    private readonly base: StoreTree,
  ) {}

  get(path: string): StoreNode | undefined {
    const mine = this.overlay.get(path);
    if (mine !== undefined) return mine ?? undefined;
    if (!this.observed.has(path)) this.observed.set(path, this.base.generationOf(path));
    return this.base.get(path);
  }

  put(path: string, node: StoreNode): void {
    const old = this.get(path);
    if (old !== undefined) this.count(old.perms.owner, -1);
    this.overlay.set(path, node);
    this.count(node.perms.owner, 1);
  }

  remove(path: string): void {
    const old = this.get(path);
    if (old === undefined) return;
    this.count(old.perms.owner, -1);
    this.overlay.set(path, null);
  }

  ownedCount(domid: number): number {
    return this.base.ownedCount(domid) + (this.ownedDelta.get(domid) ?? 0);
  }

  /** True when a node this transaction depends on changed since it looked. */
  conflicts(): boolean {
    for (const [path, generation] of this.observed) {
      if (this.base.generationOf(path) !== generation) return true;
    }
    return false;
  }

  /** Applies the overlay to the committed tree; call only after `conflicts()` said false. */
  applyTo(tree: StoreTree): void {
    for (const [path, node] of this.overlay) {
      if (node === null) tree.remove(path);
      else tree.put(path, node);
    }
  }

  private count(domid: number, delta: number): void {
    this.ownedDelta.set(domid, (this.ownedDelta.get(domid) ?? 0) + delta);
  }
}
