/**
 * Works around a connection leak in Prisma 6.19.3 with @prisma/adapter-pg: the client ends an
 * interactive transaction with `await tx.executeRaw("COMMIT"); await tx.commit()`, and only
 * `tx.commit()` / `tx.rollback()` give the pooled connection back. When the COMMIT itself fails
 * (a SERIALIZABLE transaction's serialization_failure is typically reported at COMMIT), the client
 * rethrows and never calls either: the connection stays checked out for good. A few of those and
 * the pool is exhausted (every transaction waits maxWait and fails), and `$disconnect()` hangs
 * waiting for them. Reproduced in pg-release.test.ts.
 *
 * The fix: every transaction the adapter hands out is wrapped so that a failed COMMIT or ROLLBACK
 * releases its connection at once (PostgreSQL has ended the transaction either way), and a later
 * commit()/rollback() call is a no-op instead of a second release (which pg refuses).
 */
interface TxLike {
  executeRaw(query: { sql: string }): Promise<number>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

function guardTransaction<T extends object>(tx: T): T {
  const target = tx as unknown as TxLike;
  let released = false;
  const releaseOnce = async (how: "commit" | "rollback") => {
    if (released) return;
    released = true;
    await target[how].call(target);
  };
  return new Proxy(tx, {
    get(t, prop) {
      if (prop === "commit") return () => releaseOnce("commit");
      if (prop === "rollback") return () => releaseOnce("rollback");
      const value: unknown = Reflect.get(t, prop);
      if (prop !== "executeRaw" || typeof value !== "function") {
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      }
      return async (query: { sql: string }) => {
        try {
          return (await (value as TxLike["executeRaw"]).call(t, query)) as unknown;
        } catch (err) {
          if (query.sql === "COMMIT" || query.sql === "ROLLBACK") await releaseOnce("rollback").catch(() => {});
          throw err;
        }
      };
    },
  });
}

/** The adapter factory, with every transaction of every adapter it makes guarded. */
export function releaseFailedTransactions<F extends object>(factory: F): F {
  const wrapAdapter = (adapter: object) =>
    new Proxy(adapter, {
      get(t, prop) {
        const value: unknown = Reflect.get(t, prop);
        if (typeof value !== "function") return value;
        if (prop !== "startTransaction") return (value as (...a: unknown[]) => unknown).bind(t);
        return async (...args: unknown[]) =>
          guardTransaction(await (value as (...a: unknown[]) => Promise<object>).apply(t, args));
      },
    });
  return new Proxy(factory, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop);
      if (typeof value !== "function") return value;
      if (prop !== "connect" && prop !== "connectToShadowDb") return (value as (...a: unknown[]) => unknown).bind(t);
      return async (...args: unknown[]) =>
        wrapAdapter(await (value as (...a: unknown[]) => Promise<object>).apply(t, args));
    },
  });
}
