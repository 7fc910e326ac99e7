/**
 * The gateway process: the shared shell (packages/runtime) around createGateway. Its /metrics (and
 * a second /healthz) are on the ops port like the services': never on the public port, where anyone
 * who can open the app could read them.
 */
import { runService } from "@sealroom/runtime";
import { formatFingerprint } from "@sealroom/proto/session";
import { createGateway, gatewayConfigFromEnv, loadOrCreateServerKey, readGatewayEnv } from "./index.js";
import { RsaPool, pooledServerKey } from "./rsa-pool.js";

await runService({
  name: "gateway",
  env: readGatewayEnv,
  natsName: (env) => `gateway ${env.GATEWAY_ID ?? process.pid}`,
  async start({ env, log, metrics, nc, onClosed }) {
    const { key, created, pem } = loadOrCreateServerKey(env.GATEWAY_KEY_FILE, env.GATEWAY_KEY_BITS);
    const fingerprint = formatFingerprint(key.keyId);
    log.info(
      { file: env.GATEWAY_KEY_FILE, fingerprint, created },
      created ? "generated a new server key" : "loaded the server key",
    );
    const threads = env.GATEWAY_RSA_THREADS;
    const pool = threads > 0 ? new RsaPool({ privatePem: pem, threads, inline: key.decrypt, log }) : undefined;
    if (pool) onClosed(() => pool.close());
    const gateway = createGateway({
      nc,
      log,
      serverKey: pool ? pooledServerKey(key, pool) : key,
      config: gatewayConfigFromEnv(env),
      host: env.HOST,
      port: env.PORT,
      webDir: env.WEB_DIR,
      metrics,
      // The pool already takes the costly part off the loop, and the queue would wait for it.
      sliceHellos: !pool,
      ...(env.GATEWAY_ID ? { gatewayId: env.GATEWAY_ID } : {}),
    });
    await gateway.start();
    log.info({ url: gateway.url, fingerprint, gatewayId: gateway.gatewayId, rsaThreads: threads }, "gateway listening");
    return gateway;
  },
});
