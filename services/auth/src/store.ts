import { engineOfDb, SerialQueue, withRetry, type Db, type Engine } from "@sealroom/db";
import { openSql, type SqlDb } from "@sealroom/db/sql";

/** PostgreSQL connections of `sql` (the resume path). */
export const SQL_POOL_SIZE = 4;

/**
 * Every database access of one service instance. Each `run` is ONE statement or ONE batch
 * transaction (`$transaction([...])`): correctness across instances rests on conditional statements
 * (a ticket is consumed by `UPDATE ... WHERE usedAt IS NULL`, which fails the batch when it matches
 * no row; throttle rows are `INSERT ... ON CONFLICT DO UPDATE`), never on a read followed by a
 * write. So a run that lost a race (SQLite busy, PostgreSQL serialization failure or deadlock) is
 * rolled back whole and simply run again (@sealroom/db's retry policy).
 *
 * The hot path (a resume: a storm of them follows a gateway's death) goes through `sql`, its own
 * connection with hand-written statements (@sealroom/db/sql): Prisma costs ~300 us of CPU per
 * statement (docs/DEVELOPMENT.md "Measured costs"). Same rules: one statement or one transaction.
 *
 * SQLite: one at a time, `sql` included. The driver adapter has a single connection and a query
 * issued while a transaction is open joins it (docs/DEVELOPMENT.md, hazard 1); batch transactions
 * are transactions too, so nothing may run beside them, and `sql`'s connection would only wait
 * (synchronously) for the lock a Prisma batch of this process holds. better-sqlite3 is synchronous
 * anyway, so the queue costs almost no throughput.
 * PostgreSQL: concurrently; every transaction has a pooled connection of its own.
 */
export interface Store {
  /** Raw SQL that differs between the engines (row locks) branches on it. */
  readonly engine: Engine;
  run<T>(op: (db: Db) => PromiseLike<T>): Promise<T>;
  /** One statement or one transaction of hand-written SQL, retried like `run`. */
  sql<T>(op: (db: SqlDb) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * `databaseUrl`: the database `db` was opened on. Needed on PostgreSQL (a Prisma client cannot tell
 * its url); on SQLite the file is asked of the database when absent.
 */
export function createStore(db: Db, databaseUrl?: string): Store {
  const once = <T>(op: (db: Db) => PromiseLike<T>) => Promise.resolve(op(db));
  const engine = engineOfDb(db);
  // Opened on first use: most instances of the tests never resume.
  let raw: Promise<SqlDb> | undefined;
  const open = async (): Promise<SqlDb> => {
    if (databaseUrl === undefined && engine !== "sqlite") {
      throw new Error("createStore: pass databaseUrl (the client cannot tell its PostgreSQL url)");
    }
    const url = databaseUrl ?? `file:${await databaseFile(db)}`;
    return openSql(url, { applicationName: "sealroom-auth", poolSize: SQL_POOL_SIZE });
  };
  const sqlDb = () => (raw ??= open());
  const close = async () => {
    const opened = raw;
    raw = undefined;
    await (await opened?.catch(() => undefined))?.close();
  };
  if (engine === "postgresql") {
    return {
      engine,
      run: (op) => withRetry(() => once(op)),
      sql: (op) => withRetry(async () => op(await sqlDb())),
      close,
    };
  }
  const queue = new SerialQueue();
  return {
    engine,
    run: (op) => withRetry(() => queue.run(() => once(op))),
    sql: (op) => withRetry(() => queue.run(async () => op(await sqlDb()))),
    close,
  };
}

async function databaseFile(db: Db): Promise<string> {
  const rows = await db.$queryRawUnsafe<Array<{ name: string; file: string }>>("PRAGMA database_list");
  const main = rows.find((r) => r.name === "main");
  if (!main?.file) throw new Error("the database has no file (in-memory databases cannot be shared)");
  return main.file;
}
