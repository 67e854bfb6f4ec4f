/**
 * The boundary a transport calls: one decoded request from a domain in, one response out.
 * Message type names are xenstore's (docs/misc/xenstore.txt, "Request types"); permissions
 * travel in xenstore's string form ("r0", "b5"). The ring-page codec that turns bytes into
 * these requests comes later and stays out of the engine.
 *
 * Contract: a StoreError becomes an ERROR response carrying the xenstore error name; any other
 * exception is a bug in the store and propagates. Watch events for the domain go to the sink
 * given at creation, which a transport turns into WATCH_EVENT messages.
 */
import type { Store } from "./store.js";
import { StoreError, type StoreErrorCode } from "./store-error.js";
import { formatPerms, parsePerms } from "./store-permissions.js";

export type StoreRequest =
  | {
      readonly type: "READ" | "MKDIR" | "RM" | "DIRECTORY" | "GET_PERMS";
      readonly tx: number;
      readonly path: string;
    }
  | { readonly type: "WRITE"; readonly tx: number; readonly path: string; readonly value: Uint8Array }
  | {
      readonly type: "SET_PERMS";
      readonly tx: number;
      readonly path: string;
      readonly perms: readonly string[];
    }
  | { readonly type: "WATCH" | "UNWATCH"; readonly path: string; readonly token: string }
  | { readonly type: "TRANSACTION_START" }
  | { readonly type: "TRANSACTION_END"; readonly tx: number; readonly commit: boolean };

export type StoreResponse =
  | { readonly type: "OK" }
  | { readonly type: "VALUE"; readonly value: Uint8Array }
  | { readonly type: "NAMES"; readonly names: string[] }
  | { readonly type: "PERMS"; readonly perms: string[] }
  | { readonly type: "TRANSACTION"; readonly tx: number }
  | { readonly type: "ERROR"; readonly error: StoreErrorCode; readonly message: string };

export type WatchEventSink = (domid: number, path: string, token: string) => void;

export type StoreRequestHandler = (domid: number, request: StoreRequest) => StoreResponse;

const OK: StoreResponse = { type: "OK" };

export function createStoreRequestHandler(store: Store, sink: WatchEventSink): StoreRequestHandler {
  const perform = (domid: number, r: StoreRequest): StoreResponse => {
    switch (r.type) {
      case "READ":
        return { type: "VALUE", value: store.read(domid, r.path, r.tx) };
      case "WRITE":
        store.write(domid, r.path, r.value, r.tx);
        return OK;
      case "MKDIR":
        store.mkdir(domid, r.path, r.tx);
        return OK;
      case "RM":
        store.rm(domid, r.path, r.tx);
        return OK;
      case "DIRECTORY":
        return { type: "NAMES", names: store.directory(domid, r.path, r.tx) };
      case "GET_PERMS":
        return { type: "PERMS", perms: formatPerms(store.getPerms(domid, r.path, r.tx)) };
      case "SET_PERMS":
        store.setPerms(domid, r.path, parsePerms(r.perms), r.tx);
        return OK;
      case "WATCH":
        store.watch(domid, r.path, r.token, (path, token) => sink(domid, path, token));
        return OK;
      case "UNWATCH":
        store.unwatch(domid, r.path, r.token);
        return OK;
      case "TRANSACTION_START":
        return { type: "TRANSACTION", tx: store.transactionStart(domid) };
      case "TRANSACTION_END":
        store.transactionEnd(domid, r.tx, r.commit);
        return OK;
    }
  };
  return (domid, request) => {
    try {
      return perform(domid, request);
    } catch (error) {
      if (error instanceof StoreError) return { type: "ERROR", error: error.code, message: error.message };
      throw error;
    }
  };
}
