/**
 * The event channel tables of every domain on one host, so interdomain channels can find
 * their peers. Adding a domain gives its table this registry as its resolver; removing one
 * closes all its ports first, so every peer goes back to unbound (naming the removed domain)
 * and no table keeps a reference to a domain that is gone.
 *
 * Invariant: each domain id appears at most once, and every interdomain port of a registered
 * table points at a port of a registered table that points back.
 */
import { EventChannelTable, type EventChannelTableOptions } from "./event-channel-table.js";
import { EventChannelError } from "./evtchn-numbers.js";

export class EventChannelHost {
  private readonly tables = new Map<number, EventChannelTable>();

  /** Creates and registers a fresh table for a new domain. */
  createDomain(options: EventChannelTableOptions): EventChannelTable {
    return this.addDomain(new EventChannelTable(options));
  }

  /**
   * Registers a table (fresh or from `EventChannelTable.importState`). Interdomain ports of a
   * restored table whose peer is not here, or does not point back, become unbound.
   */
  addDomain(table: EventChannelTable): EventChannelTable {
    if (this.tables.has(table.domid)) {
      throw new EventChannelError(`domain ${table.domid} already has event channels on this host`);
    }
    this.tables.set(table.domid, table);
    table.resolve = (domid) => this.tables.get(domid);
    table.reconcilePeers();
    return table;
  }

  /** Closes every port of the domain and forgets it. Returns false if it was not registered. */
  removeDomain(domid: number): boolean {
    const table = this.tables.get(domid);
    if (table === undefined) return false;
    table.closeAll();
    this.tables.delete(domid);
    table.resolve = (d) => (d === table.domid ? table : undefined);
    return true;
  }

  get(domid: number): EventChannelTable | undefined {
    return this.tables.get(domid);
  }

  get domains(): number[] {
    return [...this.tables.keys()];
  }
}
