/**
 * Failed sign-in counters in the AuthThrottle table, so every auth instance shares them. One row per
 * key: failures in the current window, the window start and an optional lockout end. A key fails
 * closed: past `maxFailures` it is locked until the window ends, and from `lockoutAfter` failures on
 * each failure locks it for base * 2^(n - lockoutAfter), capped. The counter restarts with the window
 * (and, for accounts, after a successful sign-in).
 */
import { AppError } from "@sealroom/proto/errors";
import type { Logger } from "@sealroom/runtime";
import { addressKey } from "./address.js";
import type { Clock } from "./clock.js";
import type { ThrottleConfig, ThrottlePolicy } from "./config.js";
import type { AuthMetrics } from "./metrics.js";
import { accountLabel, accountThrottleKey } from "./namekey.js";
import type { Store } from "./store.js";

export type ThrottleScope = "account" | "address";

/** The keys one sign-in attempt is counted under (`Throttle.keys`). */
export interface ThrottleKeys {
  /** `u:` and the keyed hash of the typed name (namekey.ts), never the name itself. */
  account: string;
  address: string;
}

interface Row {
  key: string;
  failures: number;
  windowStart: Date;
  lockedUntil: Date | null;
}

export interface Throttle {
  /** The keys of an attempt on the (case-folded) account name `usernameKey` from `ip`. */
  keys(usernameKey: string, ip: string): ThrottleKeys;
  /** Throws AUTH_THROTTLED (with retryAfterMs) while either key is locked. */
  check(keys: ThrottleKeys): Promise<void>;
  /** Counts one failure against both keys and starts a lockout where the budget says so. */
  recordFailure(keys: ThrottleKeys): Promise<void>;
  /**
   * Counts this attempt as a failure *before* its password is checked, atomically, and throws
   * AUTH_THROTTLED when that takes a key past its hard budget. A check made before any of several
   * concurrent attempts had counted let them all through (101 guesses were evaluated in an hour).
   * Follow it with `failed` or `succeeded`.
   */
  reserve(keys: ThrottleKeys): Promise<Reservation>;
  /** The reserved attempt failed: start a lockout where the budget says so (it is already counted). */
  failed(reservation: Reservation): Promise<void>;
  /** The reserved attempt succeeded: clear the account's counter, give the address its attempt back. */
  succeeded(reservation: Reservation): Promise<void>;
  /** A successful sign-in clears the account's counter (not the address's). */
  recordSuccess(keys: ThrottleKeys): Promise<void>;
  /** Counts one registration from `ip`; throws AUTH_THROTTLED beyond the budget. */
  takeRegistration(ip: string): Promise<void>;
  /** Deletes rows whose window and lockout are over. */
  sweep(): Promise<number>;
}

export interface Reservation {
  keys: ThrottleKeys;
  rows: Row[];
  at: number;
}

export function createThrottle(deps: {
  store: Store;
  clock: Clock;
  config: ThrottleConfig;
  /** The deployment's key for typed names (namekey.ts). */
  nameKey: Buffer;
  log: Logger;
  metrics: AuthMetrics;
}): Throttle {
  const { store, clock, config, nameKey, log, metrics } = deps;
  const policy = (scope: ThrottleScope): ThrottlePolicy => (scope === "account" ? config.account : config.address);
  const scopes = (keys: ThrottleKeys) =>
    [
      ["account", keys.account],
      ["address", keys.address],
    ] as const;

  const retryAfterMs = (row: Row, p: ThrottlePolicy, now: number): number => {
    let until = row.lockedUntil?.getTime() ?? 0;
    const windowEnd = row.windowStart.getTime() + config.windowMs;
    if (windowEnd > now && row.failures >= p.maxFailures) until = Math.max(until, windowEnd);
    return Math.max(0, until - now);
  };

  const lockUntil = (row: Row, p: ThrottlePolicy, now: number): number | undefined => {
    if (row.failures >= p.maxFailures) return row.windowStart.getTime() + config.windowMs;
    if (row.failures < p.lockoutAfter) return undefined;
    const exp = Math.min(row.failures - p.lockoutAfter, 40);
    return now + Math.min(config.lockoutBaseMs * 2 ** exp, config.lockoutMaxMs);
  };

  /** Restarts a stale window and counts one more, atomically per key. */
  const bump = (keys: readonly string[], now: Date) =>
    store.run((db) =>
      db.$transaction(
        keys.flatMap((key) => [
          db.authThrottle.updateMany({
            where: { key, windowStart: { lte: new Date(now.getTime() - config.windowMs) } },
            data: { failures: 0, windowStart: now },
          }),
          db.authThrottle.upsert({
            where: { key },
            create: { key, failures: 1, windowStart: now },
            update: { failures: { increment: 1 } },
          }),
        ]),
      ),
    ) as Promise<Array<Row | { count: number }>>;

  /** Starts the lockouts that the counted failures (`rows`, after counting) call for. */
  async function lockAfter(keys: ThrottleKeys, rows: Row[], nowMs: number): Promise<void> {
    const locks: Array<{ key: string; until: Date }> = [];
    for (const [scope, key] of scopes(keys)) {
      const row = rows.find((r) => r.key === key);
      const until = row && lockUntil(row, policy(scope), nowMs);
      if (!row || until === undefined) continue;
      locks.push({ key, until: new Date(until) });
      metrics.lockouts.inc({ scope });
      log.warn(
        { scope, account: accountLabel(keys.account), failures: row.failures, lockMs: until - nowMs },
        "sign-in throttle tripped",
      );
    }
    if (locks.length === 0) return;
    // Only ever extends a lockout, so concurrent failures cannot shorten one.
    await store.run((db) =>
      db.$transaction(
        locks.map(({ key, until }) =>
          db.authThrottle.updateMany({
            where: { key, OR: [{ lockedUntil: null }, { lockedUntil: { lt: until } }] },
            data: { lockedUntil: until },
          }),
        ),
      ),
    );
  }

  return {
    keys: (usernameKey, ip) => ({ account: accountThrottleKey(nameKey, usernameKey), address: `ip:${addressKey(ip)}` }),

    async check(keys) {
      const now = clock();
      const rows = await store.run((db) =>
        db.authThrottle.findMany({ where: { key: { in: [keys.account, keys.address] } } }),
      );
      let wait = 0;
      let tripped: ThrottleScope = "account";
      for (const [scope, key] of scopes(keys)) {
        const row = rows.find((r) => r.key === key);
        const ms = row ? retryAfterMs(row, policy(scope), now) : 0;
        if (ms > wait) [wait, tripped] = [ms, scope];
      }
      if (wait === 0) return;
      metrics.throttled.inc({ scope: tripped });
      log.debug({ scope: tripped, account: accountLabel(keys.account), retryAfterMs: wait }, "throttled");
      throw new AppError("AUTH_THROTTLED", undefined, wait);
    },

    async recordFailure(keys) {
      const nowMs = clock();
      const results = await bump([keys.account, keys.address], new Date(nowMs));
      await lockAfter(
        keys,
        results.filter((r): r is Row => "key" in r),
        nowMs,
      );
    },

    async reserve(keys) {
      const at = clock();
      const rows = (await bump([keys.account, keys.address], new Date(at))).filter((r): r is Row => "key" in r);
      for (const [scope, key] of scopes(keys)) {
        const row = rows.find((r) => r.key === key);
        if (!row || row.failures <= policy(scope).maxFailures) continue;
        metrics.throttled.inc({ scope });
        throw new AppError("AUTH_THROTTLED", undefined, Math.max(1, retryAfterMs(row, policy(scope), at)));
      }
      return { keys, rows, at };
    },

    async failed({ keys, rows, at }) {
      await lockAfter(keys, rows, at);
    },

    async succeeded({ keys }) {
      await store.run((db) =>
        db.$transaction([
          db.authThrottle.deleteMany({ where: { key: keys.account } }),
          db.authThrottle.updateMany({
            where: { key: keys.address, failures: { gt: 0 } },
            data: { failures: { decrement: 1 } },
          }),
        ]),
      );
    },

    async recordSuccess(keys) {
      await store.run((db) => db.authThrottle.deleteMany({ where: { key: keys.account } }));
    },

    async takeRegistration(ip) {
      const key = `reg:${addressKey(ip)}`;
      const now = clock();
      const [row] = (await bump([key], new Date(now))).filter((r): r is Row => "key" in r);
      if (!row || row.failures <= config.registrationsPerAddress) return;
      const wait = Math.max(1, row.windowStart.getTime() + config.windowMs - now);
      metrics.throttled.inc({ scope: "registration" });
      log.warn({ ip: addressKey(ip), retryAfterMs: wait }, "registration throttled");
      throw new AppError("AUTH_THROTTLED", "Too many new accounts from this address. Try again later.", wait);
    },

    async sweep() {
      const now = new Date(clock());
      const { count } = await store.run((db) =>
        db.authThrottle.deleteMany({
          where: {
            windowStart: { lte: new Date(now.getTime() - config.windowMs) },
            OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }],
          },
        }),
      );
      return count;
    },
  };
}
