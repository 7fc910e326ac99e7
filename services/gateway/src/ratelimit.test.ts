/** The handshake rate per client address, end to end (the bucket itself: packages/runtime/src/ratelimit.test.ts). */
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { startNats, type NatsServer } from "@sealroom/testkit";
import { startGateway, type TestGateway } from "./test/harness.js";

let nats: NatsServer;
let gw: TestGateway;
beforeAll(async () => {
  nats = await startNats();
  gw = await startGateway(nats.url, { handshakeRatePerIp: 1, handshakeBurstPerIp: 5 });
});
afterAll(async () => {
  await gw?.stop();
  await nats?.stop();
});

/** Opens a WebSocket from `localAddress` and closes it at once; resolves with the HTTP status. */
const upgrade = (localAddress: string) =>
  new Promise<number>((resolve) => {
    const ws = new WebSocket(gw.wsUrl, { localAddress });
    ws.on("open", () => {
      resolve(101);
      ws.terminate();
    });
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("error", () => resolve(-1));
  });

it("regression: an address opening and closing connections in a loop gets 429 beyond its handshake budget; another address does not", async () => {
  const statuses: number[] = [];
  // One at a time, so the per-address connection cap never applies.
  for (let i = 0; i < 10; i++) statuses.push(await upgrade("127.0.0.1"));
  expect(statuses.slice(0, 5)).toEqual([101, 101, 101, 101, 101]);
  expect(statuses.slice(5).filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
  expect(await upgrade("127.0.0.2")).toBe(101);
});
