import { createLogger, connectNats, type Metrics, type NatsConnection } from "@sealroom/runtime";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import type { ServerKey } from "@sealroom/proto/session";
import { createGateway, type Gateway, type GatewayConfigInput } from "../index.js";

let sharedKey: ServerKey | undefined;
/** One 2048-bit key per test process (generation costs ~100 ms). */
export function testServerKey(): ServerKey {
  sharedKey ??= nodeServerKey(generateServerKeyPem(2048));
  return sharedKey;
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
