import { randomBytes } from "node:crypto";
import type { Db } from "@sealroom/db";
import type { RequestContext } from "@sealroom/proto/envelope";
import {
  createMetrics,
  serveCommands,
  type Handlers,
  type Logger,
  type Metrics,
  type NatsConnection,
  type Runnable,
  type Subscription,
} from "@sealroom/runtime";
import { createAccounts } from "./accounts.js";
import { systemClock, type Clock } from "./clock.js";
import { resolveAuthConfig, type AuthConfig, type AuthConfigInput } from "./config.js";
import { createHandlers } from "./handlers.js";
import { createHasher } from "./hasher.js";
import { createAuthMetrics, type AuthMetrics } from "./metrics.js";
import { revocationPublisher } from "./revocations.js";
import { createSessions } from "./sessions.js";
import { createStore } from "./store.js";
import { createThrottle } from "./throttle.js";

export interface AuthServiceDeps {
  nc: NatsConnection;
  /** This instance's own client: all its queries run through one queue (see store.ts). */
  db: Db;
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
  const store = createStore(deps.db);
  const publish = revocationPublisher(nc);
  const throttle = createThrottle({ store, clock, config: config.throttle, log, metrics });
  const accounts = createAccounts({ store, clock });
  const sessions = createSessions({ store, clock, config, publish, log, metrics });

  const inflight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inflight.add(work);
    const done = () => inflight.delete(work);
    work.then(done, done);
    return work;
  };
  let subscriptions: Subscription[] = [];
  let sweeper: NodeJS.Timeout | undefined;

  const sweep = async () => {
    try {
      const throttles = await throttle.sweep();
      const tickets = await sessions.sweep();
      log.debug({ throttles, tickets }, "swept expired rows");
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
        log.warn({ userIds: clashes.slice(0, 100), count: clashes.length }, "existing usernames that look like another's keep no skeleton");
      }
      const hasher = await createHasher({
        params: config.argon2,
        concurrency: config.hashConcurrency,
        queue: config.hashQueue,
        limits: config.signInConcurrency,
        metrics,
        log,
      });
      const handlers = createHandlers({ hasher, throttle, accounts, sessions, publish, config, log, metrics });
      // Each request is tracked so stop() can wait for it before the caller closes the database.
      type AnyHandler = (ctx: RequestContext, body: never) => Promise<unknown>;
      const tracked = Object.fromEntries(
        Object.entries(handlers as Record<string, AnyHandler>).map(([type, handler]) => [
          type,
          (ctx: RequestContext, body: never) => track(handler(ctx, body)),
        ]),
      ) as unknown as Handlers<"auth">;
      subscriptions = serveCommands({ nc, service: "auth", handlers: tracked, log, metrics, instance });
      await nc.flush();
      sweeper = setInterval(() => void track(sweep()), config.sweepIntervalMs);
      sweeper.unref();
      const { argon2, hashConcurrency, hashQueue } = config;
      log.info({ instance, argon2, hashConcurrency, hashQueue }, "auth service started");
    },
    async stop() {
      clearInterval(sweeper);
      await Promise.all(subscriptions.map((s) => s.drain()));
      subscriptions = [];
      await Promise.allSettled([...inflight]);
    },
  };
}
