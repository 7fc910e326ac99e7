/**
 * The setup of gateway tests whose services are stand-ins on the real nats-server: each file
 * still says the gateway's config and what its stand-ins answer; this starts and stops the rest.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { startNats, type NatsServer } from "@sealroom/testkit";
import { connectNats, type NatsConnection } from "@sealroom/runtime";
import type { GatewayConfigInput } from "../index.js";
import { silentLog, startGateway, type TestGateway } from "./harness.js";
import { RawClient } from "./rawclient.js";

/** The gateway as the calling file's tests see it, there from the first test on. */
export interface StandInGateway {
  readonly gw: TestGateway;
}

/** Rate and connection limits high enough that a fuzz suite's thousands of connections never meet them. */
export const LIMITS_OUT_OF_THE_WAY: GatewayConfigInput = {
  rateLimitPerSec: 1_000_000,
  rateLimitBurst: 1_000_000,
  maxConnectionsPerIp: 100_000,
  maxConnectionsPerUser: 100_000,
  handshakeRatePerIp: 1_000_000,
  handshakeBurstPerIp: 1_000_000,
};

/**
 * Before the calling file's tests: a nats-server, a gateway on it with `config`, and one NATS
 * connection on which `standIns` subscribes the services' subjects (so a test chooses each reply);
 * after them, all three stopped.
 */
export function useGatewayWithStandIns(
  config: GatewayConfigInput,
  standIns: (services: NatsConnection) => void,
): StandInGateway {
  let nats: NatsServer | undefined;
  let gw: TestGateway | undefined;
  let services: NatsConnection | undefined;
  beforeAll(async () => {
    nats = await startNats();
    gw = await startGateway(nats.url, config);
    services = await connectNats({ url: nats.url, name: "stand-in-services", log: silentLog });
    standIns(services);
    // Subscribed at the server before the first test sends a command.
    await services.flush();
  });
  afterAll(async () => {
    await services?.drain();
    await gw?.stop();
    await nats?.stop();
  });
  return {
    get gw() {
      if (!gw) throw new Error("the gateway is started in beforeAll: read it from a test or hook");
      return gw;
    },
  };
}

/** What a fuzz suite checks after each case: the gateway still answers /healthz and a new handshake. */
export async function expectHealthy(gw: TestGateway): Promise<void> {
  expect((await fetch(`http://127.0.0.1:${gw.gateway.port}/healthz`)).status).toBe(200);
  const fresh = await RawClient.connect(gw.wsUrl);
  fresh.ws.close();
}
