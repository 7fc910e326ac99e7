/**
 * The social service. A skeleton for now: it joins the `social` queue group and answers `health.social`;
 * contacts and presence arrive with their commands in `@sealroom/proto`.
 */
import type { Db } from "@sealroom/db";
import { serveCommands, type Logger, type Metrics, type NatsConnection, type Subscription } from "@sealroom/runtime";

export interface SocialServiceDeps {
  nc: NatsConnection;
  db: Db;
  log: Logger;
  metrics?: Metrics;
  /** Identifies this process in health replies (several instances share the queue group). */
  instance: string;
}

export interface SocialService {
  start(): Promise<void>;
  /** Stops taking requests and lets in-flight ones finish; the caller owns `nc` and `db`. */
  stop(): Promise<void>;
}

export function createSocialService({ nc, log, metrics, instance }: SocialServiceDeps): SocialService {
  let subs: Subscription[] = [];
  return {
    async start() {
      const opts = { nc, service: "social" as const, handlers: {}, log, instance };
      subs = serveCommands(metrics ? { ...opts, metrics } : opts);
      // The subscriptions only count once the server has them: flush before reporting ready.
      await nc.flush();
      log.info({ instance }, "social service ready");
    },
    async stop() {
      const draining = subs;
      subs = [];
      if (nc.isClosed()) return;
      await Promise.all(draining.map((s) => s.drain()));
    },
  };
}
