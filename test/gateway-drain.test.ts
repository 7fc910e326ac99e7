/** A gateway that shuts down tells its clients, which move to another gateway and resume. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { GATEWAY_EVENTS } from "@sealroom/proto/wire";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateways: 2 });
});
afterAll(async () => {
  await stack?.stop();
});

test("stopping a gateway sends the draining event, closes with 1001, and clients resume on the other", async () => {
  const c = stack.client({ urls: stack.wsUrls });
  await c.connect();
  const user = await c.register(`drain_${process.pid}`, "correct horse battery staple");
  const events: string[] = [];
  c.on("event", (type) => events.push(type));
  const resumed = new Promise((resolve) => c.on("signedIn", resolve));
  const t0 = Date.now();
  await stack.gateways[0]!.stop();
  expect(await resumed).toMatchObject({ id: user.id });
  expect(events).toContain(GATEWAY_EVENTS.draining);
  expect(c.state).toBe("ready");
  // GOING_AWAY reconnects at once (<= 50 ms jitter) rather than backing off.
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(stack.gateways[1]!.connectionCount).toBe(1);
});
