import { SerialQueue, type Db } from "@sealroom/db";

/**
 * Every database access of one service instance, one at a time. The driver adapter has a single
 * connection and a query issued while a transaction is open joins it (docs/DEVELOPMENT.md, hazard 1);
 * batch transactions are transactions too, so nothing may run beside them. better-sqlite3 is
 * synchronous anyway, so the queue costs almost no throughput.
 */
export interface Store {
  run<T>(op: (db: Db) => PromiseLike<T>): Promise<T>;
}

export function createStore(db: Db): Store {
  const queue = new SerialQueue();
  return { run: (op) => queue.run(async () => op(db)) };
}
