/**
 * `@sealroom/db/sql`: the hand-written SQL of hot paths, on SQLite or PostgreSQL alike. Prisma
 * owns the schema and the migrations; this layer only opens the same database (chosen by its
 * URL) and runs statements written once, with `?` parameters and double-quoted identifiers.
 *
 *   const db = openSql("file:/data/sealroom.db");        // or "postgresql://..."
 *   const user = sql<[number], { id: number }>(`SELECT "id" FROM "User" WHERE "id" = ?`);
 *   await db.get(user, [7]);
 *   await db.transaction(async (tx) => tx.savepoint(async (sp) => sp.run(...)));
 *
 * What differs between the engines and is NOT rewritten: SQLite's `INSERT OR IGNORE` (write
 * `ON CONFLICT DO NOTHING`, which both accept), scalar `MAX(a, b)` (PostgreSQL's `GREATEST`;
 * prefer a WHERE clause), a subquery in FROM without an alias (PostgreSQL < 16 needs one), the new
 * row's id (write `RETURNING "id"` and `get` it), row locks (`FOR UPDATE`: give both texts to `sql`).
 */
import { engineOf } from "../engine.js";
import { openPostgres } from "./postgres.js";
import { openSqlite } from "./sqlite.js";
import type { Dialect } from "./statement.js";
import type { OpenSqlOptions, SqlDb } from "./types.js";

export { sql, toDollarParams, type AnyStatement, type Dialect, type SqlParam, type Statement } from "./statement.js";
export type { OpenSqlOptions, RunResult, SqlDb, SqlExec, SqlTx, TxOptions } from "./types.js";
export {
  CommitOutcomeUnknown,
  isConnectionError,
  isTransactionConflict,
  isUniqueViolation,
  sqlErrorCode,
} from "./errors.js";
export { SQLITE_BUSY_TIMEOUT_MS, sqliteDateMs, sqliteFile } from "./sqlite.js";

/** The engine of a database URL: `file:` SQLite, `postgresql://` or `postgres://` PostgreSQL (engine.ts). */
export const dialectOf: (url: string) => Dialect = engineOf;

export function openSql(url: string, opts: OpenSqlOptions = {}): SqlDb {
  return dialectOf(url) === "sqlite" ? openSqlite(url, opts) : openPostgres(url, opts);
}
