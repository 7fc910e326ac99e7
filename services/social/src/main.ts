/** Process shell: validated env, NATS, database, ops HTTP, signals. The logic is in index.ts. */
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
import { configFromEnv, loadEnv } from "./env.js";
import { createSocialService, type SocialService } from "./index.js";

const env = (() => {
  try {
    return loadEnv();
  } catch (err) {
    // No logger yet: its level comes from this very environment.
    console.error(`social: ${err instanceof Error ? err.message : String(err)}`);
    return process.exit(1);
  }
})();

const log = createLogger({
  service: "social",
  level: env.LOG_LEVEL,
  ...(env.LOG_PRETTY === undefined ? {} : { pretty: env.LOG_PRETTY }),
});
const instance = `${os.hostname()}:${process.pid}`;
const metrics = createMetrics("social");

let nc: NatsConnection | undefined;
let db: Db | undefined;
let service: SocialService | undefined;
let ops: { close(): Promise<void> } | undefined;
let stopping = false;

await runUntilSignal(
  {
    async start() {
      nc = await connectNats({
        url: env.NATS_URL,
        name: `social ${instance}`,
        token: env.NATS_TOKEN,
        user: env.NATS_USER,
        password: env.NATS_PASSWORD,
        log,
        metrics,
      });
      db = await createDb({ url: env.DATABASE_URL, observe: (s, kind) => metrics.dbLatency.observe({ kind }, s) });
      service = createSocialService({ nc, db, log, metrics, instance, config: configFromEnv(env) });
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
