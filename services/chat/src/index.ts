/**
 * The chat service. A skeleton for now: it joins the `chat` queue group and answers `health.chat`;
 * conversations and messages arrive with their commands in `@sealroom/proto`.
 */
import type { Db } from "@sealroom/db";
import { serveCommands, type Logger, type Metrics, type NatsConnection, type Subscription } from "@sealroom/runtime";

export interface ChatServiceDeps {
  nc: NatsConnection;
  db: Db;
  log: Logger;
  metrics?: Metrics;
  /** Identifies this process in health replies (several instances share the queue group). */
  instance: string;
}

export interface ChatService {
  start(): Promise<void>;
  /** Stops taking requests and lets in-flight ones finish; the caller owns `nc` and `db`. */
  stop(): Promise<void>;
}

export function createChatService({ nc, log, metrics, instance }: ChatServiceDeps): ChatService {
  let subs: Subscription[] = [];
  return {
    async start() {
      const opts = { nc, service: "chat" as const, handlers: {}, log, instance };
      subs = serveCommands(metrics ? { ...opts, metrics } : opts);
      // The subscriptions only count once the server has them: flush before reporting ready.
      await nc.flush();
      log.info({ instance }, "chat service ready");
    },
    async stop() {
      const draining = subs;
      subs = [];
      if (nc.isClosed()) return;
      await Promise.all(draining.map((s) => s.drain()));
    },
  };
}
