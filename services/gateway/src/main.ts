import { createLogger, createMetrics, connectNats, runUntilSignal, startOpsServer } from "@sealroom/runtime";
import { formatFingerprint } from "@sealroom/proto/session";
import { createGateway, loadOrCreateServerKey, readGatewayEnv } from "./index.js";

const env = readGatewayEnv();
const log = createLogger({ service: "gateway", level: env.LOG_LEVEL, pretty: env.LOG_PRETTY });
const metrics = createMetrics("gateway");

const { key, created } = loadOrCreateServerKey(env.GATEWAY_KEY_FILE, env.GATEWAY_KEY_BITS);
const fingerprint = formatFingerprint(key.keyId);
log.info({ file: env.GATEWAY_KEY_FILE, fingerprint, created }, created ? "generated a new server key" : "loaded the server key");

const nc = await connectNats({
  url: env.NATS_URL,
  name: `gateway ${env.GATEWAY_ID ?? process.pid}`,
  token: env.NATS_TOKEN,
  user: env.NATS_USER,
  password: env.NATS_PASSWORD,
  log,
  metrics,
});
const gateway = createGateway({
  nc,
  log,
  serverKey: key,
  config: env,
  host: env.HOST,
  port: env.PORT,
  webDir: env.WEB_DIR,
  metrics,
  ...(env.GATEWAY_ID ? { gatewayId: env.GATEWAY_ID } : {}),
});

// /metrics (and a second /healthz) for operators, on their own port like the services': never on
// the public port, where anyone who can open the app could read them.
let ops: { close(): Promise<void> } | undefined;
let stopping = false;

await runUntilSignal(
  {
    async start() {
      await gateway.start();
      log.info({ url: gateway.url, fingerprint, gatewayId: gateway.gatewayId }, "gateway listening");
      if (env.HTTP_PORT !== undefined) {
        const server = await startOpsServer({
          port: env.HTTP_PORT,
          host: env.HTTP_HOST,
          registry: metrics.registry,
          healthy: () => !stopping && !nc.isClosed(),
        });
        ops = server;
        log.info({ port: server.port }, "ops server listening");
      }
    },
    async stop() {
      stopping = true;
      await gateway.stop();
      await ops?.close();
      await nc.drain();
    },
  },
  log,
);
