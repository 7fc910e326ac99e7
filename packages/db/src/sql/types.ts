import type { Dialect, SqlParam, Statement } from "./statement.js";

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
  /**
   * The id of the row an INSERT made: SQLite's last insert rowid; on PostgreSQL the `"id"` of the
   * statement's first returned row, so its PostgreSQL text ends in `RETURNING "id"` (give `sql`
   * both texts: RETURNING costs SQLite ~3 us per row, lastInsertRowid nothing).
   */
  lastId?: number;
}

/**
 * Statements on a database or inside a transaction. Rows have the same JavaScript types on both
 * engines: integers (also COUNT and other 64-bit results, while they are safe integers) and floats
 * are numbers, DateTime columns are Unix milliseconds (numbers), text is a string, bytes a Buffer,
 * NULL is null.
 * An INSERT that needs the new id reads `lastId` from `run` (see RunResult), or says
 * `RETURNING "id"` on both engines and is read with `get`.
 */
export interface SqlExec {
  readonly dialect: Dialect;
  get<P extends readonly SqlParam[], R>(stmt: Statement<P, R>, params: P): Promise<R | undefined>;
  get<R = Record<string, unknown>>(text: string, params?: readonly SqlParam[]): Promise<R | undefined>;
  all<P extends readonly SqlParam[], R>(stmt: Statement<P, R>, params: P): Promise<R[]>;
  all<R = Record<string, unknown>>(text: string, params?: readonly SqlParam[]): Promise<R[]>;
  run<P extends readonly SqlParam[], R>(stmt: Statement<P, R>, params: P): Promise<RunResult>;
  run(text: string, params?: readonly SqlParam[]): Promise<RunResult>;
}

export interface SqlTx extends SqlExec {
  /**
   * Runs `fn` in a savepoint: if it throws, what it wrote is rolled back (the transaction goes on
   * and, on PostgreSQL, is usable again) and the error rethrown.
   */
  savepoint<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
}

export interface TxOptions {
  /**
   * A read-only snapshot: PostgreSQL `REPEATABLE READ READ ONLY` on its own pooled connection;
   * SQLite a deferred transaction. Default: a read-write transaction (SQLite `BEGIN IMMEDIATE`,
   * which takes the write lock at once; PostgreSQL `READ COMMITTED`, where the caller takes row
   * locks it needs).
   */
  readOnly?: boolean;
  /**
   * SQLite: `BEGIN IMMEDIATE` fails at once (SQLITE_BUSY, a transaction conflict) when another
   * process holds the write lock, instead of waiting out the busy timeout, which blocks the event
   * loop; for a caller that retries asynchronously (chat's writer). PostgreSQL: no effect.
   */
  noWait?: boolean;
}

export interface SqlDb extends SqlExec {
  /** The URL it was opened with. */
  readonly url: string;
  /**
   * One transaction: BEGIN, `fn`, COMMIT (ROLLBACK and rethrow if `fn` or COMMIT throws). Not
   * retried here: `isTransactionConflict(err)` says whether the caller may run it again. On SQLite,
   * transactions and statements outside them are serialized within the process (one connection):
   * a statement outside the transaction waits until it ends, so `fn` must use `tx`, never the db.
   */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts?: TxOptions): Promise<T>;
  /** `transaction(fn, { readOnly: true })`. */
  snapshot<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** Several statements without parameters (schema changes, test fixtures). */
  exec(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface OpenSqlOptions {
  /** PostgreSQL: pooled connections (default 10). */
  poolSize?: number;
  /** SQLite: how long one statement waits, synchronously, for another connection's write lock (default 50 ms). */
  busyTimeoutMs?: number;
  /**
   * PostgreSQL: how long one statement waits for a row or table lock before failing with 55P03
   * (a transaction conflict, retried by the caller). Default 2000 ms; 0 waits forever.
   */
  lockTimeoutMs?: number;
  /**
   * SQLite: open the file read-only (a reader beside another connection's writes, WAL letting both
   * go on at once): every write fails (SQLITE_READONLY), and the connection never checkpoints.
   * The database must already be in WAL mode (the writers' connections set it). PostgreSQL: no effect.
   */
  readOnly?: boolean;
  /** SQLite: the file must exist (default true: migrations create it). */
  fileMustExist?: boolean;
  /** PostgreSQL: `application_name` of the connections. */
  applicationName?: string;
  /** PostgreSQL: an idle pooled connection failed (the pool replaces it). */
  onError?: (err: Error) => void;
}
