/**
 * Watch registrations and event delivery (docs/misc/xenstore.txt, WATCH / WATCH_EVENT).
 *
 * A watch on path W fires when a node at or below W changes (write, mkdir, rm, permissions),
 * delivering the changed path and the watch's token; when a node above W is removed, W itself
 * is gone too, so the watch fires with W. A watch given as a relative path receives relative
 * paths. Special paths (`@introduceDomain`, `@releaseDomain`) match only their own events.
 *
 * A watch never fires for a node its domain cannot read: each event carries the permissions
 * that decide it (the node's after a write, before a removal, before *and* after a permission
 * change — either one granting read is enough, so a domain learns it just lost access).
 *
 * Delivery is queued and drained in order: callbacks run after the operation that raised the
 * events has finished, and a callback that changes the store enqueues behind the current
 * events instead of recursing. A throwing callback does not stop the others; the first error
 * is rethrown once the queue is empty.
 */
import { StoreError } from "./store-error.js";
import { domainHome, isAtOrBelow, isSpecialPath, resolvePath } from "./store-path.js";
import { canRead, type StorePerms } from "./store-permissions.js";

export type WatchCallback = (path: string, token: string) => void;

export interface WatchEvent {
  /** Canonical absolute path of the changed node, or a special path. */
  readonly path: string;
  /** Permissions of which at least one must let the watcher read. Empty for special paths. */
  readonly perms: readonly StorePerms[];
  /** The node and everything below it were removed. */
  readonly removed: boolean;
}

interface Watch {
  readonly domid: number;
  /** The path as registered, delivered back unchanged or used to relativise. */
  readonly given: string;
  readonly absolute: string;
  readonly token: string;
  readonly callback: WatchCallback;
}

export class StoreWatches {
  private readonly watches: Watch[] = [];
  private readonly queue: { callback: WatchCallback; path: string; token: string }[] = [];
  private draining = false;

  count(domid: number): number {
    return this.watches.filter((w) => w.domid === domid).length;
  }

  /** Registers a watch and queues its initial firing; the caller checks quotas first. */
  add(domid: number, path: string, token: string, callback: WatchCallback): void {
    const absolute = isSpecialPath(path) ? path : resolvePath(domid, path);
    if (this.watches.some((w) => w.domid === domid && w.absolute === absolute && w.token === token)) {
      throw new StoreError("EEXIST", `domain ${domid} already watches ${path} with that token`);
    }
    const watch = { domid, given: path, absolute, token, callback };
    this.watches.push(watch);
    this.queue.push({ callback, path, token });
  }

  remove(domid: number, path: string, token: string): void {
    const absolute = isSpecialPath(path) ? path : resolvePath(domid, path);
    const i = this.watches.findIndex(
      (w) => w.domid === domid && w.absolute === absolute && w.token === token,
    );
    if (i < 0) throw new StoreError("ENOENT", `domain ${domid} has no watch on ${path} with that token`);
    this.watches.splice(i, 1);
  }

  removeDomain(domid: number): void {
    for (let i = this.watches.length - 1; i >= 0; i--) {
      if (this.watches[i]?.domid === domid) this.watches.splice(i, 1);
    }
  }

  /** Queues the deliveries for `events` and drains the queue unless a drain is under way. */
  fire(events: readonly WatchEvent[]): void {
    for (const event of events) {
      for (const watch of this.watches) {
        const path = this.match(watch, event);
        if (path !== undefined) this.queue.push({ callback: watch.callback, path, token: watch.token });
      }
    }
    this.drain();
  }

  /** Delivers queued events (also the initial firing of a new watch). */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    let failure: { error: unknown } | undefined;
    try {
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
        try {
          item.callback(item.path, item.token);
        } catch (error) {
          failure ??= { error };
        }
      }
    } finally {
      this.draining = false;
    }
    if (failure !== undefined) throw failure.error;
  }

  /** The path to deliver for `event` to `watch`, or undefined if it does not fire. */
  private match(watch: Watch, event: WatchEvent): string | undefined {
    if (isSpecialPath(event.path) || isSpecialPath(watch.absolute)) {
      return event.path === watch.absolute ? watch.given : undefined;
    }
    let path: string;
    if (isAtOrBelow(event.path, watch.absolute)) path = event.path;
    else if (event.removed && isAtOrBelow(watch.absolute, event.path)) path = watch.absolute;
    else return undefined;
    if (watch.domid !== 0 && !event.perms.some((p) => canRead(watch.domid, p))) return undefined;
    if (watch.given.startsWith("/")) return path;
    return path.slice(domainHome(watch.domid).length + 1);
  }
}
