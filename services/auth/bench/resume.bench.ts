/**
 * auth.resume's database work, measured: auth's CPU and statements per resume (one ticket
 * consumed, the next minted, the session and its devices touched) on a fresh migrated database,
 * SQLite or, with SEALROOM_TEST_DB=postgresql, PostgreSQL. Resumes run one at a time through the
 * service's own `Sessions` (sessions.ts), so the CPU is auth's statements and nothing else (no
 * NATS, no validation). Prints; asserts nothing about speed.
 *
 *   npm run bench -w @sealroom/auth
 *   BENCH_RESUMES=5000 SEALROOM_TEST_DB=postgresql npm run bench -w @sealroom/auth
 */
import { expect, test } from "vitest";
import { createDb } from "@sealroom/db";
import { createLogger, createMetrics } from "@sealroom/runtime";
import { tempDatabase } from "@sealroom/testkit";
import { createAuthMetrics } from "../src/metrics.js";
import type { createSessions as CreateSessions } from "../src/sessions.js";
import type { createStore as CreateStore } from "../src/store.js";

const N = Number(process.env.BENCH_RESUMES ?? 2000);
/** Sessions resumed in turn: a resume touches one session's rows, as a storm of reconnects does. */
const SESSIONS = 200;
/**
 * Another copy of auth's src/ (an A/B run against an older revision: `git archive <rev>
 * services/auth/src | tar -x -C <dir>`, then BENCH_AUTH_SRC=<dir>/services/auth/src).
 */
const src = process.env.BENCH_AUTH_SRC ?? new URL("../src", import.meta.url).pathname;
const log = createLogger({ service: "bench", level: "silent", pretty: false });

test("auth.resume", async () => {
  const { createSessions } = (await import(`${src}/sessions.js`)) as { createSessions: typeof CreateSessions };
  const { createStore } = (await import(`${src}/store.js`)) as { createStore: typeof CreateStore };
  const tmp = await tempDatabase();
  let statements = 0;
  const db = await createDb({ url: tmp.url, observe: () => void statements++ });
  try {
    const store = createStore(db, tmp.url);
    const config = { sessionTtlMs: 86_400_000, ticketTtlMs: 86_400_000, ticketRetryGraceMs: 30_000 };
    const metrics = createAuthMetrics(createMetrics("auth"));
    const sessions = createSessions({ store, clock: Date.now, config, publish: () => {}, log, metrics });
    const tickets: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const user = await db.user.create({ data: { username: `r${i}`, usernameKey: `r${i}`, passwordHash: "x" } });
      tickets.push((await sessions.open(user.id)).ticket);
    }
    const warm = Math.min(200, N);
    for (let i = 0; i < warm; i++) tickets[i % SESSIONS] = (await sessions.resume(tickets[i % SESSIONS]!)).ticket;

    statements = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < N; i++) tickets[i % SESSIONS] = (await sessions.resume(tickets[i % SESSIONS]!)).ticket;
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    // Every ticket is still good: each resume consumed one and handed back its successor.
    expect(new Set(tickets).size).toBe(SESSIONS);
    console.log(
      `auth.resume (${src}) on ${tmp.engine}, ${N} resumes one at a time: ` +
        `${Math.round((cpu.user + cpu.system) / N)} us CPU each (user + system), ` +
        `${(statements / N).toFixed(1)} Prisma statements each, ${Math.round(N / seconds)}/s`,
    );
    await store.close?.();
  } finally {
    await db.$disconnect();
    await tmp.remove();
  }
});
