/** The auth service process: validated env, NATS, database, service, signals. */
import { createDb, type Db } from "@sealroom/db";
import {
  connectNats,
  createLogger,
  createMetrics,
  runUntilSignal,
  startOpsServer,
  type NatsConnection,
} from "@sealroom/runtime";
import { authConfigFromEnv, readAuthEnv } from "./env.js";
import { createAuthService, type AuthService } from "./service.js";

const env = readAuthEnv();
const log = createLogger({ service: "auth", level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
const metrics = createMetrics("auth");

let db: Db | undefined;
let nc: NatsConnection | undefined;
let auth: AuthService | undefined;
let ops: { close(): Promise<void> } | undefined;
let stopping = false;

await runUntilSignal(
  {
    async start() {
      db = await createDb({ url: env.DATABASE_URL, observe: (s, kind) => metrics.dbLatency.observe({ kind }, s) });
      nc = await connectNats({
        url: env.NATS_URL,
        name: env.INSTANCE_ID ?? "auth",
        token: env.NATS_TOKEN,
        user: env.NATS_USER,
        password: env.NATS_PASSWORD,
        log,
        metrics,
      });
      auth = createAuthService({ nc, db, log, metrics, config: authConfigFromEnv(env), instance: env.INSTANCE_ID });
      await auth.start();
      if (env.HTTP_PORT !== undefined) {
        const conn = nc;
        const server = await startOpsServer({ port: env.HTTP_PORT, host: env.HTTP_HOST, registry: metrics.registry, healthy: () => !stopping && !conn.isClosed() });
        ops = server;
        log.info({ port: server.port }, "ops server listening");
      }
    },
    async stop() {
      // Unhealthy at once; /metrics stays up until the in-flight commands are answered.
      stopping = true;
      await auth?.stop();
      await ops?.close();
      await nc?.drain();
      await db?.$disconnect();
    },
  },
  log,
);
