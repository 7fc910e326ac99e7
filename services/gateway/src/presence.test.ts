/**
 * A gateway often starts before the social service answers: its presence reports fail with "no
 * responders" and are retried. That is expected, so it is one readable warning line, not a 2 KB
 * stack (and later failures of the same streak are debug). Real nats-server, no social service.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { pino } from "pino";
import { connectNats, createLogger, type NatsConnection } from "@sealroom/runtime";
import { startNats, type NatsServer } from "@sealroom/testkit";
import { PresenceReporter } from "./presence.js";
import { z } from "zod";

/** One JSON log line as pino writes it (parsed, not cast). */
const logLine = z.record(z.string(), z.unknown());

let nats: NatsServer;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({
    url: nats.url,
    name: "presence-test",
    log: createLogger({ service: "t", level: "silent", pretty: false }),
  });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

it("a report nobody answers yet (social not started) logs one line without a stack", async () => {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(logLine.parse(JSON.parse(line))) });
  const reporter = new PresenceReporter({
    nc,
    log,
    gatewayId: "gw-t",
    ttlMs: 3000,
    heartbeatMs: 10_000,
    snapshot: () => [[1, 1]],
  });
  reporter.start();
  const until = Date.now() + 3000;
  while (lines.filter((l) => l.msg === "presence report failed; retrying").length < 2 && Date.now() < until)
    await new Promise((r) => setTimeout(r, 20));
  reporter.halt();
  const failed = lines.filter((l) => l.msg === "presence report failed; retrying");
  expect(failed.length).toBeGreaterThanOrEqual(2);
  expect(failed.filter((l) => l.level === 40)).toHaveLength(1);
  expect(failed[0]).toMatchObject({ subject: "gw.presence.report", error: expect.stringContaining("no responders") });
  expect(JSON.stringify(lines)).not.toContain("    at ");
  expect(JSON.stringify(failed[0]).length).toBeLessThan(400);
});
