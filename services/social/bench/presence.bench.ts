/**
 * Presence reports in a gateway failover, measured where they hurt: how long each holds social's
 * write transaction (on SQLite, the database's one write lock, which auth's resume writes and chat's
 * writer wait for; issue #19) and how many statements it runs there. One process, nothing else
 * writing, so a report's wall time is the time it holds the lock. Prints a table; asserts nothing.
 *
 *   BENCH=presence npm run bench -w @sealroom/social
 *   BENCH=presence BENCH_USERS=10000 npm run bench -w @sealroom/social
 *   BENCH=presence SEALROOM_TEST_DB=postgresql npm run bench -w @sealroom/social
 *
 * The storm's shape (test/chaos/failover.test.ts): every user is counted on gateway A, whose lease
 * has expired (it was killed); they arrive on gateway B in reports of 200 (the most one carries),
 * then disconnect from B (counts to 0, rows kept as tombstones), then come back (rows updated);
 * then B goes down (a graceful stop: every user offline at once).
 * Last, the fan-out that follows: every user's state read and pushed to their watchers (a friend
 * each here), outside the write transaction but through the same queue of database work.
 */
import { test } from "vitest";
import { createDb } from "@sealroom/db";
import { PRESENCE_REPORT_MAX_ENTRIES } from "@sealroom/proto/gateway-presence";
import { createLogger } from "@sealroom/runtime";
import { tempDatabase } from "@sealroom/testkit";
import { resolveSocialConfig } from "../src/config.js";
import { createPresence } from "../src/presence.js";
import { createPresenceFanout } from "../src/presence-fanout.js";
import { createStore } from "../src/store.js";
import { friendPair } from "../src/views.js";

const USERS = Number(process.env.BENCH_USERS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

test("presence reports: time in the write transaction, statements", async () => {
  const database = await tempDatabase();
  let statements = 0;
  const db = await createDb({ url: database.url, observe: () => statements++ });
  try {
    const users = await db.user.createManyAndReturn({
      data: Array.from({ length: USERS }, (_, i) => ({ username: `u${i}`, usernameKey: `u${i}`, passwordHash: "-" })),
      select: { id: true },
    });
    const ids = users.map((u) => u.id);
    // Everyone has a friend, so the fan-out has someone to tell.
    await db.friendship.createMany({
      data: ids.filter((_, i) => i % 2 === 0 && i + 1 < ids.length).map((id, i) => friendPair(id, ids[2 * i + 1]!)),
    });
    let clock = Date.now();
    const store = createStore(db);
    const config = resolveSocialConfig();
    const log = createLogger({ service: "bench", level: "silent", pretty: false });
    const publisher = { toUser() {}, groupDoorbell() {}, presence() {} };
    const presence = createPresence({ store, clock: () => clock, config, log, publisher });
    const ttlMs = 2_000;
    const samples = new Map<string, { ms: number[]; statements: number[] }>();
    const measure = async (label: string, op: () => Promise<unknown>) => {
      const before = statements;
      const start = performance.now();
      await op();
      const entry = samples.get(label) ?? { ms: [], statements: [] };
      entry.ms.push(performance.now() - start);
      entry.statements.push(statements - before);
      samples.set(label, entry);
    };
    const reportAll = async (label: string, gatewayId: string, connections: number) => {
      for (let i = 0; i < ids.length; i += PRESENCE_REPORT_MAX_ENTRIES) {
        const entries = ids.slice(i, i + PRESENCE_REPORT_MAX_ENTRIES).map((userId) => ({ userId, connections }));
        clock += 1;
        await measure(label, () => presence.report({ gatewayId, ttlMs, stamp: clock, reset: false, entries }));
      }
    };

    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = [`gw-a-${round}`, `gw-b-${round}`];
      await reportAll("report, warm-up: everyone on A", a, 1);
      clock += ttlMs + 1; // A was killed: its lease has run out, no sweep yet
      await reportAll(`report of ${PRESENCE_REPORT_MAX_ENTRIES} new rows on B`, b, 1);
      await reportAll("report on B: counts to 0", b, 0);
      await reportAll("report on B: back (rows updated)", b, 1);
      await measure(`B goes down: ${USERS} users offline`, () => presence.down({ gatewayId: b }));
      await presence.sweep();
      // The pushes that follow a mass reconnect: every user's state to each of their watchers.
      let pushes = 0;
      const fanout = createPresenceFanout({ store, clock: () => clock, config, log, send: () => pushes++ });
      fanout.enqueue(ids);
      await measure(`fan-out of ${USERS} users' changes`, () => fanout.flush());
      if (pushes !== ids.length - (ids.length % 2)) throw new Error(`${pushes} pushes`);
    }

    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
    const round1 = (x: number) => Math.round(x * 10) / 10;
    console.log(`presence reports, ${database.url.split(":")[0]}, ${USERS} users, ${ROUNDS} rounds`);
    console.table(
      [...samples].map(([report, { ms, statements: counts }]) => ({
        report,
        reports: ms.length,
        statements: median(counts),
        "median ms": round1(median(ms)),
        "p90 ms": round1([...ms].sort((x, y) => x - y)[Math.floor(ms.length * 0.9)] ?? 0),
        "µs per user": Math.round(
          (1000 * median(ms)) / (report.startsWith("report") ? PRESENCE_REPORT_MAX_ENTRIES : USERS),
        ),
      })),
    );
  } finally {
    await db.$disconnect();
    await database.remove();
  }
});
