/**
 * What an error from either engine means for the caller: better-sqlite3 reports `SQLITE_*` codes,
 * node-postgres the five-character SQLSTATE in `code`.
 */

function codeOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  return typeof err.code === "string" ? err.code : undefined;
}

/** The engine's error code (SQLITE_* or a SQLSTATE), if any. */
export const sqlErrorCode = codeOf;

/** A unique or primary key was violated: on PostgreSQL, possibly by another transaction that just committed. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/**
 * The transaction lost to another one and may be run again from the start: SQLite's busy or
 * locked file; PostgreSQL's serialization failure (40001), deadlock (40P01) or lock timeout (55P03).
 */
export function isTransactionConflict(err: unknown): boolean {
  const code = codeOf(err);
  if (code === undefined) return false;
  return (
    code.startsWith("SQLITE_BUSY") ||
    code.startsWith("SQLITE_LOCKED") ||
    code === "40001" ||
    code === "40P01" ||
    code === "55P03"
  );
}

/**
 * COMMIT was sent and no answer came back (the connection failed): the transaction may or may not
 * have committed. Never retried blindly; what it wrote must be idempotent to be written again.
 */
export class CommitOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super("the connection failed during COMMIT: the transaction may or may not have committed", { cause });
    this.name = "CommitOutcomeUnknown";
  }
}

/**
 * A connection-level failure: a Node socket error (ECONNRESET, EPIPE...), SQLSTATE class 08
 * (connection exception) or 57P0x (the server shutting down), or node-postgres saying the
 * connection ended. Anything else (an application error with a `code` of its own) is not.
 */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined) return /^E[A-Z]+$/.test(code) || code.startsWith("08") || code.startsWith("57P");
  return (
    err instanceof Error && /connection terminated|connection (is )?(closed|ended)|not queryable/i.test(err.message)
  );
}
