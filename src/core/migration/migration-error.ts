/**
 * The one error type of a migration, on either side. Its message is the whole story for a
 * user: what failed, and what became of the domain ("…; domain web keeps running here").
 *
 * `inDoubt` is set on the source only, for the one window the protocol cannot close
 * (docs/migration.md): the commit was handed to the transport but no answer came back, so the
 * destination may or may not be running the domain. The source then keeps its copy
 * suspended — resuming it could run the domain on two hosts — and the operator decides.
 */
export class MigrationError extends Error {
  /** The commit was sent and not answered: the source's copy stays suspended. */
  readonly inDoubt: boolean;

  constructor(message: string, options?: ErrorOptions & { readonly inDoubt?: boolean }) {
    super(message, options);
    this.name = "MigrationError";
    this.inDoubt = options?.inDoubt ?? false;
  }
}

/** The message of anything thrown, for wrapping it in a MigrationError. */
export function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
