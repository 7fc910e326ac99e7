/** Process shell: validated env, NATS, database, ops HTTP, signals. The logic is in service.ts. */
import os from "node:os";
import { createDb, type Db } from "@sealroom/db";
import {
  connectNats,
  createLogger,
  createMetrics,
  runUntilSignal,
  startOpsServer,
  type NatsConnection,
} from "@sealroom/runtime";
import { loadEnv } from "./env.js";
import { createChatService, type ChatService } from "./service.js";

const env = (() => {
  try {
    return loadEnv();
  } catch (err) {
    // No logger yet: its level comes from this very environment.
    console.error(`chat: ${err instanceof Error ? err.message : String(err)}`);
    return process.exit(1);
  }
})();

const log = createLogger({
  service: "chat",
  level: env.LOG_LEVEL,
  ...(env.LOG_PRETTY === undefined ? {} : { pretty: env.LOG_PRETTY }),
});
const instance = `${os.hostname()}:${process.pid}`;
const metrics = createMetrics("chat");

let nc: NatsConnection | undefined;
let db: Db | undefined;
let service: ChatService | undefined;
let ops: { close(): Promise<void> } | undefined;
let stopping = false;

await runUntilSignal(
  {
    async start() {
      nc = await connectNats({
        url: env.NATS_URL,
        name: `chat ${instance}`,
        token: env.NATS_TOKEN,
        user: env.NATS_USER,
        password: env.NATS_PASSWORD,
        log,
        metrics,
      });
      db = await createDb({ url: env.DATABASE_URL, observe: (s, kind) => metrics.dbLatency.observe({ kind }, s) });
      const sendRate = { perSec: env.CHAT_SEND_RATE_PER_SEC, burst: env.CHAT_SEND_BURST };
      service = createChatService({ nc, db, log, metrics, instance, config: { sendRate } });
      await service.start();
      if (env.HTTP_PORT !== undefined) {
        const conn = nc;
        const server = await startOpsServer({
          port: env.HTTP_PORT,
          host: env.HTTP_HOST,
          registry: metrics.registry,
          healthy: () => !stopping && !conn.isClosed(),
        });
        ops = server;
        log.info({ port: server.port }, "ops server listening");
      }
    },
    async stop() {
      // Unhealthy at once; /metrics stays up until the in-flight commands are answered.
      stopping = true;
      await service?.stop();
      await ops?.close();
      if (nc && !nc.isClosed()) await nc.drain();
      await db?.$disconnect();
    },
  },
  log,
);
