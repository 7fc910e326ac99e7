/** The gateway's limits, as a client meets them: each answered with its documented error or close code. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    gatewayConfig: {
      rateLimitPerSec: 2,
      rateLimitBurst: 4,
      maxConnectionsPerUser: 2,
      maxConnectionsPerIp: 50,
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const password = "correct horse battery staple";

test("a burst beyond the bucket is answered RATE_LIMITED with a retry hint", async () => {
  const c = stack.client();
  await c.connect();
  const results = await Promise.all(Array.from({ length: 8 }, () => c.call("auth.logout", {})));
  const limited = results.filter((r) => !r.ok && r.error.code === "RATE_LIMITED");
  expect(limited.length).toBeGreaterThanOrEqual(3);
  expect(limited[0]).toMatchObject({ ok: false, error: { retryable: true } });
  expect((limited[0] as { error: { retryAfterMs?: number } }).error.retryAfterMs).toBeGreaterThan(0);
  // Rejected commands cost nothing on the services: the ones that passed were answered normally.
  expect(results.filter((r) => !r.ok && r.error.code === "NOT_AUTHENTICATED").length).toBeGreaterThan(0);
  c.close();
});

test("a signed-in frame over 64 KiB closes with 1009, and the SDK comes back signed in", async () => {
  const c = stack.client();
  await c.connect();
  await c.register(`big_${process.pid}`, password);
  const back = new Promise<void>((resolve) => c.on("signedIn", () => resolve()));
  const lost = await c.call("auth.renewTicket", { pad: "x".repeat(70_000) });
  expect(lost).toMatchObject({ ok: false, error: { code: "UNAVAILABLE" } });
  await back;
  expect(c.state).toBe("ready");
  c.close();
});

test("a connection of one user beyond the cap is closed after sign-in, keeping its session", async () => {
  const name = `capped_${process.pid}`;
  const first = stack.client();
  await first.connect();
  await first.register(name, password);
  const second = stack.client();
  await second.connect();
  await second.login(name, password);
  const third = stack.client({ reconnect: { initialDelayMs: 50, maxDelayMs: 400 } });
  await third.connect();
  const states: string[] = [];
  third.on("state", (s) => states.push(s));
  // The grant still arrives (the client keeps a valid ticket), then the socket closes with 4012.
  await third.login(name, password);
  await new Promise((r) => setTimeout(r, 1500));
  expect(states).toContain("reconnecting");
  // It keeps its session and backs off (50, 100, 200, 400, 400 ms ceilings), not a tight loop.
  // Full jitter draws each delay from [0, ceiling], so a lucky run makes ~12 attempts in 1.5 s; a
  // loop without backoff (a resume costs a few ms) makes well over a hundred.
  const attempts = states.filter((s) => s === "reconnecting").length;
  expect(attempts).toBeGreaterThan(1);
  expect(attempts).toBeLessThan(30);
  expect(first.state).toBe("ready");
  expect(second.state).toBe("ready");
  for (const c of [first, second, third]) c.close();
});
