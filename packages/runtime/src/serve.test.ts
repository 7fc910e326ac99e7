/**
 * The service side of commands against a real nats-server: a stopping instance answers what it
 * already took (drain), and every command shows in the metrics by subject and outcome.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startNats, type NatsServer } from "@sealroom/testkit";
import {
  connectNats,
  createLogger,
  createMetrics,
  EncodedValue,
  serveCommands,
  type Handlers,
  type NatsConnection,
} from "./index.js";
import { AppError } from "@sealroom/proto/errors";
import { z } from "zod";

/** One JSON log line as pino writes it (parsed, not cast). */
const logLine = z.record(z.string(), z.unknown());

const log = createLogger({ service: "serve-test", level: "silent", pretty: false });
let nats: NatsServer;
const conns: NatsConnection[] = [];
beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  for (const nc of conns) await nc.close().catch(() => undefined);
  await nats?.stop();
});

const connect = async (name: string) => {
  const nc = await connectNats({ url: nats.url, name, log });
  conns.push(nc);
  return nc;
};
const ctx = { gatewayId: "gw", connId: "c1", ip: "127.0.0.1", userId: 1, sessionId: "s1" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Social handlers where overview takes `delayMs` and users.search fails with FORBIDDEN. */
function handlers(delayMs: number, started: () => void): Handlers<"social"> {
  return new Proxy({} as Handlers<"social">, {
    get: (_t, type) => async () => {
      if (type === "social.users.search") throw new AppError("FORBIDDEN");
      started();
      await sleep(delayMs);
      return { friends: [], incoming: [], outgoing: [], blocked: [], groups: [], invitations: [], notices: [] };
    },
  });
}

test("drain() resolves only after the commands already received are answered", async () => {
  const service = await connect("service");
  const client = await connect("client");
  let started = 0;
  const subs = serveCommands({
    nc: service,
    service: "social",
    handlers: handlers(300, () => started++),
    log,
    instance: "s-1",
  });
  await service.flush();

  const replies = Array.from({ length: 3 }, () =>
    client
      .request("cmd.social.overview", JSON.stringify({ ctx, body: {} }), { timeout: 3000 })
      .then((m) => m.json<{ ok: boolean }>()),
  );
  while (started < 3) await sleep(5);
  const t0 = Date.now();
  await Promise.all(subs.map((s) => s.drain()));
  expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
  // Answered before drain() resolved: the replies are already here (or in flight) and all ok.
  expect((await Promise.all(replies)).map((r) => r.ok)).toEqual([true, true, true]);
  // New commands after the drain find no responder.
  await expect(
    client.request("cmd.social.overview", JSON.stringify({ ctx, body: {} }), { timeout: 500 }),
  ).rejects.toThrow();
});

test("every command counts by subject and outcome, errors by code, and in flight while running", async () => {
  const service = await connect("service-m");
  const client = await connect("client-m");
  const metrics = createMetrics("social");
  serveCommands({
    nc: service,
    service: "social",
    handlers: handlers(50, () => undefined),
    log,
    metrics,
    instance: "s-2",
  });
  await service.flush();

  const slow = client.request("cmd.social.overview", JSON.stringify({ ctx, body: {} }), { timeout: 3000 });
  await sleep(25);
  expect((await metrics.inFlight.get()).values[0]?.value).toBe(1);
  await slow;
  await client.request("cmd.social.users.search", JSON.stringify({ ctx, body: { prefix: "abc" } }), { timeout: 3000 });
  await client.request(
    "cmd.social.overview",
    JSON.stringify({ ctx: { gatewayId: "gw", connId: "c", ip: "x" }, body: {} }),
    { timeout: 3000 },
  );

  const text = await metrics.registry.metrics();
  expect(text).toMatch(/sealroom_requests_total\{subject="cmd.social.overview",outcome="ok",service="social"\} 1/);
  expect(text).toMatch(
    /sealroom_requests_total\{subject="cmd.social.users.search",outcome="FORBIDDEN",service="social"\} 1/,
  );
  expect(text).toMatch(
    /sealroom_requests_total\{subject="cmd.social.overview",outcome="NOT_AUTHENTICATED",service="social"\} 1/,
  );
  expect(text).toMatch(/sealroom_request_errors_total\{code="FORBIDDEN",service="social"\} 1/);
  expect(text).toMatch(/sealroom_request_duration_seconds_count\{service="social",subject="cmd.social.overview"\} 2/);
  expect((await metrics.inFlight.get()).values[0]?.value).toBe(0);
});

test("the NATS connection reports disconnects and reconnects; the event-loop window reports its delay", async () => {
  const metrics = createMetrics("probe", { loopWindowMs: 100 });
  const nc = await connectNats({ url: nats.url, name: "probe", log, metrics });
  conns.push(nc);
  expect((await metrics.natsConnected.get()).values[0]?.value).toBe(1);
  await nats.restart();
  const until = Date.now() + 5000;
  while ((await metrics.natsReconnects.get()).values[0]?.value !== 1 && Date.now() < until) await sleep(25);
  expect((await metrics.natsDisconnects.get()).values[0]?.value).toBeGreaterThanOrEqual(1);
  expect((await metrics.natsReconnects.get()).values[0]?.value).toBe(1);
  expect((await metrics.natsConnected.get()).values[0]?.value).toBe(1);

  // Block the loop for ~60 ms: the window's maximum shows it.
  const end = Date.now() + 60;
  while (Date.now() < end) {
    // busy
  }
  // The gauges show the last complete window; the block lands in one of the next two.
  let max = 0;
  for (let i = 0; i < 30; i++) {
    await sleep(10);
    max = Math.max(max, (await metrics.loopDelay.get()).values.find((v) => v.labels.quantile === "1")?.value ?? 0);
  }
  expect(max).toBeGreaterThanOrEqual(0.04);
});

test("regression: a loop block that ends as the window closes is still reported (the window's reset dropped it)", async () => {
  const metrics = createMetrics("probe", { loopWindowMs: 40 });
  const maxOver = async (ms: number) => {
    let max = 0;
    for (const until = Date.now() + ms; Date.now() < until;) {
      await sleep(5);
      max = Math.max(max, (await metrics.loopDelay.get()).values.find((v) => v.labels.quantile === "1")?.value ?? 0);
    }
    return max;
  };
  // Blocks at phases spread over the window: with the old monitor about one in eight was lost.
  for (let i = 0; i < 12; i++) {
    await sleep(40 + ((i * 7) % 40));
    const end = Date.now() + 50;
    while (Date.now() < end) {
      // busy
    }
    expect(await maxOver(120)).toBeGreaterThanOrEqual(0.04);
  }
});

test("command log lines carry the request id (the caller's header, else one made up), the connection and the user", async () => {
  const { pino } = await import("pino");
  const { headers } = await import("@nats-io/transport-node");
  const lines: Array<Record<string, unknown>> = [];
  const debugLog = pino(
    { level: "debug" },
    { write: (line: string) => void lines.push(logLine.parse(JSON.parse(line))) },
  );
  // The earlier tests' instances would share the queue group.
  for (const nc of conns.splice(0)) await nc.close();
  const service = await connect("service-l");
  const client = await connect("client-l");
  serveCommands({
    nc: service,
    service: "social",
    handlers: handlers(0, () => undefined),
    log: debugLog,
    instance: "s-3",
  });
  await service.flush();
  const h = headers();
  h.set("Sealroom-Request-Id", "gw0-7.42");
  await client.request("cmd.social.overview", JSON.stringify({ ctx, body: {} }), { timeout: 3000, headers: h });
  await client.request("cmd.social.overview", JSON.stringify({ ctx, body: {} }), { timeout: 3000 });
  const commands = lines.filter((l) => l.msg === "command");
  expect(commands).toHaveLength(2);
  expect(commands[0]).toMatchObject({
    reqId: "gw0-7.42",
    connId: "c1",
    userId: 1,
    subject: "cmd.social.overview",
    outcome: "ok",
  });
  expect(commands[1]?.reqId).toMatch(/^s-3-/);
});

test("a reply larger than the server's max_payload is answered with REPLY_TOO_LARGE and logged in one line, not dropped", async () => {
  const { pino } = await import("pino");
  const lines: Array<Record<string, unknown>> = [];
  const capture = pino(
    { level: "info" },
    { write: (line: string) => void lines.push(logLine.parse(JSON.parse(line))) },
  );
  for (const nc of conns.splice(0)) await nc.close();
  const service = await connect("service-big");
  const client = await connect("client-big");
  const metrics = createMetrics("social");
  const huge = new Proxy({} as Handlers<"social">, {
    get: () => async () => ({ friends: ["x".repeat(2 * 1024 * 1024)] }),
  });
  serveCommands({ nc: service, service: "social", handlers: huge, log: capture, metrics, instance: "s-4" });
  await service.flush();
  const reply = await client.request("cmd.social.overview", JSON.stringify({ ctx, body: {} }), { timeout: 3000 });
  expect(reply.json()).toMatchObject({ ok: false, error: { code: "REPLY_TOO_LARGE", retryable: false } });
  const warned = lines.filter((l) => l.level === 40);
  expect(warned).toHaveLength(1);
  expect(warned[0]).toMatchObject({ subject: "cmd.social.overview", maxPayload: service.info?.max_payload });
  expect(warned[0]?.err).toBeUndefined();
  expect(JSON.stringify(lines)).not.toContain("    at ");
  expect(await metrics.registry.metrics()).toMatch(
    /sealroom_requests_total\{subject="cmd.social.overview",outcome="REPLY_TOO_LARGE",service="social"\} 1/,
  );
});

test("a value handed over as EncodedValue goes out as its bytes: the reply JSON.stringify would have written", async () => {
  for (const nc of conns.splice(0)) await nc.close();
  const service = await connect("service-encoded");
  const client = await connect("client-encoded");
  const overview = {
    friends: [],
    incoming: [],
    outgoing: [],
    blocked: [],
    groups: [],
    invitations: [],
    notices: ["ü 😀"],
  };
  const encoded = new Proxy({} as Handlers<"social">, {
    get: () => async () => new EncodedValue(new TextEncoder().encode(JSON.stringify(overview))),
  });
  serveCommands({ nc: service, service: "social", handlers: encoded, log, instance: "s-5" });
  await service.flush();
  const reply = await client.request("cmd.social.overview", JSON.stringify({ ctx, body: {} }), { timeout: 3000 });
  expect(reply.string()).toBe(JSON.stringify({ ok: true, value: overview }));
});
