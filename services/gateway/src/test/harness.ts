import { createLogger, connectNats, type Metrics, type NatsConnection } from "@sealroom/runtime";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import type { ServerKey } from "@sealroom/proto/session";
import { createGateway, type Gateway, type GatewayConfigInput } from "../index.js";
import { RsaPool, pooledServerKey } from "../rsa-pool.js";

let shared: { pem: string; key: ServerKey } | undefined;
function sharedKeyPair(): { pem: string; key: ServerKey } {
  if (!shared) {
    const pem = generateServerKeyPem(2048);
    shared = { pem, key: nodeServerKey(pem) };
  }
  return shared;
}

/** One 2048-bit key per test process (generation costs ~100 ms). */
export function testServerKey(): ServerKey {
  return sharedKeyPair().key;
}

let pooledKey: ServerKey | undefined;
/** The same key decrypting on an RSA thread (GATEWAY_RSA_THREADS=1, an option); the thread does not keep the process up. */
export function pooledTestServerKey(): ServerKey {
  const { pem, key } = sharedKeyPair();
  pooledKey ??= pooledServerKey(key, new RsaPool({ privatePem: pem, threads: 1, inline: key.decrypt, log: silentLog }));
  return pooledKey;
}

export const silentLog = createLogger({
  service: "test",
  level: process.env.TEST_LOG_LEVEL ?? "silent",
  pretty: false,
});

export interface TestGateway {
  gateway: Gateway;
  nc: NatsConnection;
  wsUrl: string;
  stop(): Promise<void>;
}

export async function startGateway(
  natsUrl: string,
  config: GatewayConfigInput = {},
  serverKey: ServerKey = testServerKey(),
  webDir = "/nonexistent",
  /** The process metrics the gateway reports into (a test reads its counters there). */
  metrics?: Metrics,
): Promise<TestGateway> {
  const nc = await connectNats({ url: natsUrl, name: "test-gateway", log: silentLog });
  const gateway = createGateway({
    nc,
    log: silentLog,
    serverKey,
    config,
    host: "127.0.0.1",
    port: 0,
    webDir,
    metrics,
    // As main.ts does: the queue would wait for the pool's threads.
    sliceHellos: serverKey !== pooledKey,
  });
  await gateway.start();
  return {
    gateway,
    nc,
    wsUrl: `ws://127.0.0.1:${gateway.port}/ws`,
    async stop() {
      await gateway.stop();
      await nc.drain();
    },
  };
}
