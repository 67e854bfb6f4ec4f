/**
 * The PV services one host gives all its domains, as xenstored and Xen's event-channel code
 * do: one store shared by every domain and the toolstack (domain 0), the registry of event
 * channel tables, and a PvBackend per attached domain. A runner attaches each domain it
 * adds (fresh or restored) and detaches it when the domain is gone.
 *
 * A fresh domain gets its store home (`/local/domain/<id>`, owned by it) with `name` and an
 * empty `control`, and an event channel table whose first port is the store's (STORE_PORT,
 * unbound to domain 0). A restored domain gets both back from its image instead.
 */
import type { Domain } from "./domain.js";
import { EventChannelHost } from "./evtchn/event-channel-host.js";
import { EventChannelTable } from "./evtchn/event-channel-table.js";
import { PvBackend } from "./pv-backend.js";
import { STORE_PORT } from "./pv-numbers.js";
import { Store } from "./store/store.js";
import { createStoreRequestHandler, type StoreRequestHandler } from "./store/store-requests.js";
import { StoreRingConnection } from "./store/store-ring.js";

/** What a restored domain brings instead of a fresh setup (validated by the importers). */
export interface PvRestore {
  readonly eventChannels: unknown;
  readonly store: unknown;
}

export class PvHost {
  readonly store: Store;
  readonly evtchn = new EventChannelHost();
  private readonly backends = new Map<number, PvBackend>();
  private readonly handler: StoreRequestHandler;

  constructor(store = new Store()) {
    this.store = store;
    this.handler = createStoreRequestHandler(store, (domid, path, token) =>
      this.backends.get(domid)?.storeRing.watchEvent(path, token),
    );
  }

  backend(domid: number): PvBackend | undefined {
    return this.backends.get(domid);
  }

  /** Sets up a domain's PV state; everything is checked before anything is registered. */
  attach(domain: Domain, restore?: PvRestore): PvBackend {
    const domid = domain.id;
    if (this.backends.has(domid)) throw new Error(`domain ${domid} is already attached to this host`);
    const options = { domid, memory: domain.memory, shared: domain.shared, xlen: domain.xlen };
    const table =
      restore === undefined
        ? new EventChannelTable(options)
        : EventChannelTable.importState(restore.eventChannels, options);
    if (restore === undefined) {
      const [error, port] = table.allocUnbound(0);
      if (error !== 0 || port !== STORE_PORT) throw new Error("the store's event channel is not port 1");
    }
    this.store.introduceDomain(domid);
    try {
      if (restore === undefined) {
        this.store.write(0, `/local/domain/${domid}/name`, domain.name);
        this.store.write(0, `/local/domain/${domid}/control/shutdown`, "");
      } else {
        this.store.importDomainSubtree(domid, restore.store);
      }
      this.evtchn.addDomain(table);
    } catch (e) {
      this.store.releaseDomain(domid);
      throw e;
    }
    const ring = new StoreRingConnection(domain.memory, domain.storeRingGpa, domid, this.handler, () =>
      table.setPending(STORE_PORT),
    );
    const backend = new PvBackend(domid, table, ring, domain.shared);
    this.backends.set(domid, backend);
    return backend;
  }

  /** Forgets a domain: its event channels close and its store home goes. */
  detach(domid: number): void {
    if (!this.backends.delete(domid)) return;
    this.evtchn.removeDomain(domid);
    if (this.store.isIntroduced(domid)) this.store.releaseDomain(domid);
  }
}
