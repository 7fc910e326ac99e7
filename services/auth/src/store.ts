import { engineOfDb, SerialQueue, withRetry, type Db, type Engine } from "@sealroom/db";

/**
 * Every database access of one service instance. Each `run` is ONE statement or ONE batch
 * transaction (`$transaction([...])`): correctness across instances rests on conditional statements
 * (a ticket is consumed by `UPDATE ... WHERE usedAt IS NULL`, which fails the batch when it matches
 * no row; throttle rows are `INSERT ... ON CONFLICT DO UPDATE`), never on a read followed by a
 * write. So a run that lost a race (SQLite busy, PostgreSQL serialization failure or deadlock) is
 * rolled back whole and simply run again (@sealroom/db's retry policy).
 *
 * SQLite: one at a time. The driver adapter has a single connection and a query issued while a
 * transaction is open joins it (docs/DEVELOPMENT.md, hazard 1); batch transactions are transactions
 * too, so nothing may run beside them. better-sqlite3 is synchronous anyway, so the queue costs
 * almost no throughput.
 * PostgreSQL: concurrently; every transaction has a pooled connection of its own.
 */
export interface Store {
  /** Raw SQL that differs between the engines (row locks) branches on it. */
  readonly engine: Engine;
  run<T>(op: (db: Db) => PromiseLike<T>): Promise<T>;
}

export function createStore(db: Db): Store {
  const once = <T>(op: (db: Db) => PromiseLike<T>) => Promise.resolve(op(db));
  const engine = engineOfDb(db);
  if (engine === "postgresql") return { engine, run: (op) => withRetry(() => once(op)) };
  const queue = new SerialQueue();
  return { engine, run: (op) => withRetry(() => queue.run(() => once(op))) };
}
