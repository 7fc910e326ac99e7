/**
 * The gateway's presence reporter against the real social service: batching, retry until a social
 * instance answers, resync after the service gave the gateway up, and silence after a halt.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PresenceReporter } from "@sealroom/gateway";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { createLogger } from "@sealroom/runtime";
import { setup, type Harness } from "./test/harness.js";

const log = createLogger({ service: "reporter-test", level: "silent", pretty: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let h: Harness | undefined;
let reporter: PresenceReporter | undefined;
afterEach(async () => {
  reporter?.halt();
  reporter = undefined;
  await h?.teardown();
  h = undefined;
});

/** A reporter for a fake gateway whose connection table is `table`. */
function startReporter(
  harness: Harness,
  table: Map<number, number>,
  opts: { heartbeatMs?: number; ttlMs?: number; gatherMs?: number } = {},
) {
  const r = new PresenceReporter({
    nc: harness.client,
    log,
    gatewayId: "gw-r",
    ttlMs: opts.ttlMs ?? 30_000,
    heartbeatMs: opts.heartbeatMs ?? 10_000,
    snapshot: () => table.entries(),
    ...(opts.gatherMs ? { gatherMs: opts.gatherMs } : {}),
  });
  r.start();
  return r;
}

const onlineRows = (harness: Harness) =>
  harness.db.presence.count({ where: { gatewayId: "gw-r", connections: { gt: 0 } } });

describe("presence reporter", () => {
  it("sends a burst of changes in a few batches, in order", async () => {
    h = await setup();
    const reports: number[] = [];
    h.client.subscribe(SUBJECTS.presenceReport, {
      callback: (_e, m) => void reports.push(m.json<{ entries: unknown[] }>().entries.length),
    });
    const table = new Map<number, number>();
    reporter = startReporter(h, table);
    const ids = await h.users(...Array.from({ length: 450 }, (_, i) => `u${i}`));
    for (const id of ids) {
      table.set(id, 1);
      reporter.changed(id, 1);
    }
    for (const id of ids.slice(0, 50)) {
      table.delete(id);
      reporter.changed(id, 0);
    }
    const harness = h;
    await until("400 users online", async () => (await onlineRows(harness)) === 400);
    // The social service (its own connection) may have written the rows before this connection
    // read the reports it was sent at the same time: a round trip to the server delivers them first.
    await h.client.flush();
    expect(reports.length).toBeLessThanOrEqual(10);
    expect(reports.every((n) => n <= 200)).toBe(true);
  });

  it("gathers changes that arrive over a few turns into one report, as a reconnect storm's do", async () => {
    h = await setup();
    const reports: number[] = [];
    const table = new Map<number, number>();
    // A window far longer than the changes take, however loaded the machine.
    reporter = startReporter(h, table, { gatherMs: 1000 });
    const harness = h;
    // The start's reset goes first; count only what follows it.
    await until("the reset", async () => (await harness.db.gatewayLease.count()) === 1);
    h.client.subscribe(SUBJECTS.presenceReport, {
      callback: (_e, m) => void reports.push(m.json<{ entries: unknown[] }>().entries.length),
    });
    await h.client.flush();
    const ids = await h.users(...Array.from({ length: 8 }, (_, i) => `g${i}`));
    for (const id of ids) {
      table.set(id, 1);
      reporter.changed(id, 1);
      await sleep(10);
    }
    await until("8 users online", async () => (await onlineRows(harness)) === 8);
    await h.client.flush(); // the report, read (as above)
    expect(reports).toEqual([8]);
  });

  it("keeps retrying until a social instance answers", async () => {
    h = await setup({ instances: 0 });
    const [u] = await h.users("u");
    reporter = startReporter(h, new Map([[u!, 2]]));
    reporter.changed(u!, 2);
    await sleep(300);
    expect(await onlineRows(h)).toBe(0);
    await h.addInstance();
    const harness = h;
    await until("the user to be reported", async () => (await onlineRows(harness)) === 1);
  });

  it("sends its whole table again when the service asks for a resync", async () => {
    h = await setup();
    const [a, b] = await h.users("a", "b");
    const table = new Map([
      [a!, 1],
      [b!, 1],
    ]);
    reporter = startReporter(h, table, { heartbeatMs: 50 });
    const harness = h;
    await until("both users", async () => (await onlineRows(harness)) === 2);
    // The service gave the gateway up (as after an expired lease): lease and rows are gone.
    await h.presence.down("gw-r");
    expect(await onlineRows(h)).toBe(0);
    await until("the resync", async () => (await onlineRows(harness)) === 2);
  });

  it("says nothing after a halt (the lease then expires on its own)", async () => {
    h = await setup();
    const seen: string[] = [];
    h.client.subscribe("gw.presence.>", { callback: (_e, m) => void seen.push(m.subject) });
    reporter = startReporter(h, new Map(), { heartbeatMs: 30 });
    const harness = h;
    await until(
      "the first report",
      async () => (await harness.db.gatewayLease.count({ where: { gatewayId: "gw-r" } })) === 1,
    );
    reporter.halt();
    await sleep(50);
    const count = seen.length;
    reporter.changed(1, 1);
    await sleep(150);
    expect(seen.length).toBe(count);
  });
});
