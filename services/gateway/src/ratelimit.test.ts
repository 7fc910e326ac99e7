import fc from "fast-check";
import { afterAll, beforeAll, expect, it, test } from "vitest";
import WebSocket from "ws";
import { startNats, type NatsServer } from "@sealroom/testkit";
import { KeyedBuckets } from "./ratelimit.js";
import { startGateway, type TestGateway } from "./test/harness.js";

test("property: per key, never more than burst + rate x elapsed; keys are independent; full buckets are forgotten", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 300 }), key: fc.constantFrom("a", "b", "c") }), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 100 }),
      (calls, rate, burst) => {
        let now = 0;
        const buckets = new KeyedBuckets<string>(rate, burst, () => now);
        const allowed: Record<string, number> = { a: 0, b: 0, c: 0 };
        for (const { gap, key } of calls) {
          now += gap;
          if (buckets.take(key) === 0) allowed[key]!++;
        }
        return Object.values(allowed).every((n) => n <= burst + (now / 1000) * rate + 1e-9);
      },
    ),
  );
  let now = 0;
  const buckets = new KeyedBuckets<string>(1, 2, () => now);
  buckets.take("x");
  now += 20_000;
  buckets.take("y");
  expect(buckets.size).toBe(1);
});

let nats: NatsServer;
let gw: TestGateway;
beforeAll(async () => {
  nats = await startNats();
  gw = await startGateway(nats.url, { HANDSHAKE_RATE_PER_IP: 1, HANDSHAKE_BURST_PER_IP: 5 });
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
