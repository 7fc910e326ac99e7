/** The SDK's connection lifecycle: it connects when needed and does not hold idle sockets open. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gatewayConfig: { handshakeTimeoutMs: 400 } });
});
afterAll(async () => {
  await stack?.stop();
});

const password = "correct horse battery staple";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("an unused anonymous connection times out and the client waits, then a sign-in reconnects", async () => {
  const c = stack.client();
  const states: string[] = [];
  c.on("state", (s) => states.push(s));
  await c.connect();
  await sleep(800);
  expect(c.state).toBe("idle");
  expect(states.filter((s) => s === "connecting" || s === "reconnecting")).toHaveLength(1);
  await c.register(`idle_${process.pid}`, password);
  expect(c.state).toBe("ready");
  // Signed in, the deadline no longer applies.
  await sleep(800);
  expect(c.state).toBe("ready");
  c.close();
});

test("after logout the client disconnects and stays quiet until the next command", async () => {
  const c = stack.client();
  await c.connect();
  await c.register(`quiet_${process.pid}`, password);
  await c.logout();
  expect(c.state).toBe("idle");
  const states: string[] = [];
  c.on("state", (s) => states.push(s));
  await sleep(600);
  expect(states).toEqual([]);
  await c.login(`quiet_${process.pid}`, password);
  expect(c.state).toBe("ready");
  c.close();
});
