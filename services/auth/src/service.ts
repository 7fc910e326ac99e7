import { randomBytes } from "node:crypto";
import type { Db } from "@sealroom/db";
import {
  createMetrics,
  InFlight,
  KeyedTokenBucket,
  serveCommands,
  type Drainable,
  type Logger,
  type Metrics,
  type NatsConnection,
  type Runnable,
} from "@sealroom/runtime";
import { createAccounts } from "./accounts.js";
import { createBackupHandlers } from "./backup-handlers.js";
import { systemClock, type Clock } from "./clock.js";
import { resolveAuthConfig, type AuthConfig, type AuthConfigInput } from "./config.js";
import { createDevices } from "./devices.js";
import { createHandlers } from "./handlers.js";
import { createHasher } from "./hasher.js";
import { createKeyHandlers } from "./key-handlers.js";
import { createKeyPackages } from "./key-packages.js";
import { createAuthMetrics, type AuthMetrics } from "./metrics.js";
import { backupEventPublisher, devicesChangedPublisher, revocationPublisher } from "./revocations.js";
import { createSessions } from "./sessions.js";
import { loadNameKey } from "./namekey.js";
import { createStore } from "./store.js";
import { createThrottle, type Throttle } from "./throttle.js";

export interface AuthServiceDeps {
  nc: NatsConnection;
  /** This instance's own client: all its queries run through one queue (see store.ts). */
  db: Db;
  /** The url `db` was opened with; required on PostgreSQL, where the resume path has its own pool (store.ts). */
  databaseUrl: string;
  log: Logger;
  clock?: Clock;
  config?: AuthConfigInput;
  /** The process's metrics; a fresh registry when absent. */
  metrics?: Metrics;
  /** Reported by the health request. */
  instance?: string;
}

export interface AuthService extends Runnable {
  readonly config: AuthConfig;
  readonly metrics: AuthMetrics;
  readonly instance: string;
}

/**
 * The auth service: answers `cmd.auth.*` in the "auth" queue group. `start()` computes the dummy
 * hash and subscribes; `stop()` drains the subscriptions and waits for requests in progress. The
 * NATS connection and the database client belong to the caller.
 */
export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { nc, log } = deps;
  const config = resolveAuthConfig(deps.config);
  const clock = deps.clock ?? systemClock;
  const metrics = createAuthMetrics(deps.metrics ?? createMetrics("auth"));
  const instance = deps.instance ?? `auth-${randomBytes(4).toString("hex")}`;
  const store = createStore(deps.db, deps.databaseUrl);
  const publish = revocationPublisher(nc);
  const accounts = createAccounts({ store, clock });
  const sessions = createSessions({ store, clock, config, publish, log, metrics });
  const devices = createDevices({ store, clock });
  const keyPackages = createKeyPackages({ store, clock });
  const claims = new KeyedTokenBucket<string>(config.keyClaims, clock);
  const devicesChanged = devicesChangedPublisher(nc, log);
  const deviceMessages = new KeyedTokenBucket<number>(config.deviceMessages, clock);
  const publishBackup = backupEventPublisher(nc, log);

  // Sweeps in flight; commands are waited for by the subscriptions' drain().
  const inflight = new InFlight();
  let subscriptions: Drainable[] = [];
  let sweeper: NodeJS.Timeout | undefined;
  /** Made in start(): it needs the deployment's name key from the database. */
  let throttle: Throttle | undefined;

  const sweep = async () => {
    try {
      const throttles = (await throttle?.sweep()) ?? 0;
      const tickets = await sessions.sweep();
      const signedOutDevices = await devices.sweep();
      log.debug({ throttles, tickets, signedOutDevices }, "swept expired rows");
    } catch (err) {
      log.error({ err }, "sweep failed");
    }
  };

  return {
    config,
    metrics,
    instance,
    async start() {
      // Rows from before migration 0003 reserve their skeleton before any registration is served.
      const clashes: number[] = [];
      const filled = await accounts.backfillSkeletons((userId) => clashes.push(userId));
      if (filled > 0) log.info({ filled }, "reserved the confusable skeletons of existing usernames");
      if (clashes.length > 0) {
        log.warn(
          { userIds: clashes.slice(0, 100), count: clashes.length },
          "existing usernames that look like another's keep no skeleton",
        );
      }
      // Shared by every instance and kept across restarts (AuthSecret), like the throttle rows it keys.
      throttle = createThrottle({
        store,
        clock,
        config: config.throttle,
        nameKey: await loadNameKey(store),
        log,
        metrics,
      });
      const hasher = await createHasher({
        params: config.argon2,
        concurrency: config.hashConcurrency,
        queue: config.hashQueue,
        limits: config.signInConcurrency,
        metrics,
        log,
      });
      const handlers = {
        ...createHandlers({ hasher, throttle, accounts, sessions, publish, config, log, metrics }),
        ...createKeyHandlers({ store, sessions, devices, keyPackages, claims, devicesChanged, log }),
        ...createBackupHandlers({ store, devices, deviceMessages, publish: publishBackup, log }),
      };
      subscriptions = serveCommands({ nc, service: "auth", handlers, log, metrics, instance });
      await nc.flush();
      sweeper = setInterval(() => void inflight.track(sweep()), config.sweepIntervalMs);
      sweeper.unref();
      const { argon2, hashConcurrency, hashQueue } = config;
      log.info({ instance, argon2, hashConcurrency, hashQueue }, "auth service started");
    },
    async stop() {
      clearInterval(sweeper);
      await Promise.all(subscriptions.map((s) => s.drain()));
      subscriptions = [];
      await inflight.settled();
      await store.close();
    },
  };
}
