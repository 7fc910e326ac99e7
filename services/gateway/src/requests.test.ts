/**
 * The gateway's own request multiplexer against a real nats-server: replies reach their request
 * whatever the order, nobody listening is UNAVAILABLE, silence is TIMEOUT (and a late reply is
 * ignored), and closing fails what is pending.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startNats, type NatsServer } from "@sealroom/testkit";
import { connectNats, type NatsConnection } from "@sealroom/runtime";
import { AppError } from "@sealroom/proto/errors";
import { ServiceRequests } from "./requests.js";
import { silentLog } from "./test/harness.js";

let nats: NatsServer;
let gw: NatsConnection;
let svc: NatsConnection;
const replySubjects: string[] = [];

beforeAll(async () => {
  nats = await startNats();
  // With a NATS user, replies must come under its own `_INBOX.<user>.` (what permissions allow).
  gw = await connectNats({ url: nats.url, name: "gateway", user: "gw", password: "unused", log: silentLog });
  svc = await connectNats({ url: nats.url, name: "service", log: silentLog });
  // Answers in reverse order of arrival, two at a time, so replies cross.
  const held: Array<{ respond(d: string): boolean; data: string }> = [];
  svc.subscribe("cmd.echo", {
    callback: (_err, msg) => {
      replySubjects.push(msg.reply ?? "");
      held.push({ respond: (d) => msg.respond(d), data: msg.string() });
      if (held.length === 2) for (const h of held.splice(0).reverse()) h.respond(`re:${h.data}`);
    },
  });
  svc.subscribe("cmd.silent", { callback: () => {} });
  svc.subscribe("cmd.late", { callback: (_err, msg) => void setTimeout(() => msg.respond("late"), 600) });
  await svc.flush();
});

afterAll(async () => {
  await svc?.drain();
  await gw?.drain();
  await nats?.stop();
});

async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return (err as AppError).code;
}

it("routes each reply to its own request", async () => {
  const r = new ServiceRequests(gw, silentLog, 2000);
  r.open();
  const [a, b] = await Promise.all([r.request("cmd.echo", "a"), r.request("cmd.echo", "b")]);
  expect([a.string(), b.string()]).toEqual(["re:a", "re:b"]);
  expect(replySubjects).toHaveLength(2);
  for (const s of replySubjects) expect(s).toMatch(/^_INBOX\.gw\.[A-Za-z0-9]+\.[0-9a-z]+$/);
  r.close();
});

it("answers UNAVAILABLE when no service listens, TIMEOUT when it does not answer in time", async () => {
  const r = new ServiceRequests(gw, silentLog, 300);
  r.open();
  const t0 = performance.now();
  expect(await failure(r.request("cmd.nobody", "x"))).toBe("UNAVAILABLE");
  expect(performance.now() - t0).toBeLessThan(250);
  const silent = r.request("cmd.silent", "x");
  const late = r.request("cmd.late", "x");
  expect(await failure(silent)).toBe("TIMEOUT");
  expect(await failure(late)).toBe("TIMEOUT");
  expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
  // The late reply arrives after its request gave up, and a new request still gets its own reply.
  await new Promise((res) => setTimeout(res, 400));
  const [a, b] = await Promise.all([r.request("cmd.echo", "c"), r.request("cmd.echo", "d")]);
  expect([a.string(), b.string()]).toEqual(["re:c", "re:d"]);
  r.close();
});

it("fails pending and later requests as UNAVAILABLE once closed", async () => {
  const r = new ServiceRequests(gw, silentLog, 5000);
  r.open();
  const pending = r.request("cmd.silent", "x");
  await new Promise((res) => setTimeout(res, 50));
  r.close();
  expect(await failure(pending)).toBe("UNAVAILABLE");
  expect(await failure(r.request("cmd.echo", "y"))).toBe("UNAVAILABLE");
});
