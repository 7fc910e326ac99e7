/**
 * The one configuration shape of the services: each has a `config.ts` with its fully resolved
 * `XConfig` (plain numbers in ms and counts), `defaultXConfig`, and `resolveXConfig(partial)`, which
 * merges a partial over the defaults with `mergeConfig` and checks the result. Its factory takes the
 * partial (`config?: XConfigInput`) and resolves it once; its env module maps the environment onto a
 * partial.
 */

/** A configuration with any field, at any depth, left out (absent or undefined: the default). */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `partial` over `defaults`, deeply: plain objects merge field by field, anything else (a number, an
 * array, null) replaces the default, and an undefined field keeps it. Returns new objects all the way
 * down, so changing the result never changes the defaults.
 */
export function mergeConfig<T extends object>(defaults: T, partial?: DeepPartial<NoInfer<T>>): T {
  const base = defaults as Record<string, unknown>;
  const over = (partial ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(over)])) {
    const d = base[key];
    const v = over[key];
    if (isPlainObject(d) && (v === undefined || isPlainObject(v))) out[key] = mergeConfig(d, v);
    else out[key] = v === undefined ? d : v;
  }
  return out as T;
}
