/**
 * Times every statement a Prisma client sends through its driver adapter, for the services'
 * database latency metric. Wrapping the adapter (not a Prisma extension) keeps the client's type
 * unchanged and also sees statements inside batch transactions.
 */
/** Seconds one statement took, by kind. */
export type DbObserver = (seconds: number, kind: "query" | "execute") => void;

const TIMED = { queryRaw: "query", executeRaw: "execute" } as const;

function timeMethods<T extends object>(
  target: T,
  observe: DbObserver,
  wrap: Partial<Record<string | symbol, (v: unknown) => unknown>> = {},
): T {
  return new Proxy(target, {
    get(t, prop) {
      // The target as receiver: the adapter's getters read its #private fields.
      const value: unknown = Reflect.get(t, prop);
      if (typeof value !== "function") return value;
      const kind = (TIMED as Record<string | symbol, "query" | "execute" | undefined>)[prop];
      const after = wrap[prop];
      return (...args: unknown[]) => {
        const result: unknown = value.apply(t, args);
        if (!(result instanceof Promise)) return result;
        if (kind) {
          const t0 = performance.now();
          const settle = () => observe((performance.now() - t0) / 1000, kind);
          result.then(settle, settle);
          return result;
        }
        return after ? result.then(after) : result;
      };
    },
  });
}

/** The adapter factory, with every adapter and transaction it hands out timed. */
export function timedAdapter<F extends object>(factory: F, observe: DbObserver): F {
  const wrapTx = (tx: unknown) => timeMethods(tx as object, observe);
  const wrapAdapter = (adapter: unknown) => timeMethods(adapter as object, observe, { startTransaction: wrapTx });
  return timeMethods(factory, observe, { connect: wrapAdapter, connectToShadowDb: wrapAdapter });
}
