// Typed storage errors with stable codes. Driver errors that callers can act on (a row that refers to
// a device that does not exist, a duplicate key) are wrapped so that callers need not know the backend.

export type StoreErrorCode =
  /** The store URL names no backend we know, or is malformed. */
  | "STORE_BAD_URL"
  /** The database holds migrations newer than this code knows: refuse rather than misread it. */
  | "STORE_SCHEMA_TOO_NEW"
  /** A row refers to a device (or other row) that does not exist. */
  | "STORE_UNKNOWN_REFERENCE"
  /** A unique key is already taken (e.g. a session id used for another device). */
  | "STORE_DUPLICATE"
  /** `store.x` (not `tx.x`) or `store.transaction` was awaited inside a transaction of the same store: it would wait for itself. */
  | "STORE_TX_MISUSE"
  /** `tx` was used after its transaction ended. */
  | "STORE_TX_CLOSED"
  /** A statement failed inside a transaction and the callback went on: the transaction was rolled back. */
  | "STORE_TX_ABORTED"
  /** A statement that had to return a row (QueryOptions.required) returned none: its transaction fails. */
  | "STORE_NO_ROW"
  /**
   * The transaction shared one database transaction with others (TransactionOptions.group) and another of
   * them failed: nothing of it was committed; run it again on its own.
   */
  | "STORE_GROUP_ABORTED"
  /** The store was closed. */
  | "STORE_CLOSED"
  /**
   * The database cannot be reached or cannot write now (PostgreSQL down or failing over, SQLite's disk
   * full or file read-only): nothing of the call was committed, and the same call may succeed later.
   */
  | "STORE_UNAVAILABLE"
  /** A list query whose options do not fit together or are out of range (filter errors are FilterErrors). */
  | "STORE_BAD_QUERY";

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "StoreError";
  }
}

/** `err` or the first error down its chain of causes (a few deep) that `test` accepts, or undefined. */
export function findCause(err: unknown, test: (e: unknown) => boolean): unknown {
  for (let e = err, depth = 0; e !== null && e !== undefined && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (test(e)) return e;
  }
  return undefined;
}

/** Whether `err`, or an error it was caused by, says the database is unavailable (worth retrying later). */
export function isStoreUnavailable(err: unknown): boolean {
  return findCause(err, (e) => e instanceof StoreError && e.code === "STORE_UNAVAILABLE") !== undefined;
}

/** Whether `err` says a grouped transaction failed for another's sake (TransactionOptions.group): worth running again alone. */
export function isGroupAborted(err: unknown): boolean {
  return err instanceof StoreError && err.code === "STORE_GROUP_ABORTED";
}
