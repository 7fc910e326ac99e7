/**
 * S6, history: conversations seeded with (in total) 1M messages; readers page back through them 50
 * entries at a time, open-loop, while S2's DM load runs at 1k DM/s beside them. Every page is
 * checked: the 50 entries just before the cursor, in order.
 */
import { dmConversationId, type SealroomClient } from "@sealroom/sdk/node";
import { Deliveries, Outcomes, openLoop, until } from "../load.js";
import { sql } from "@sealroom/db/sql";
import { closeAll, isoNow, seedFriendships, seedUsers, signIn, withDb } from "../population.js";
import { startStack, type Stack } from "../stack.js";
import { makeStep, probe } from "../step.js";
import type { RunContext, Scenario, ScenarioRun, Step } from "../types.js";
import { dmFixture, sendDm } from "./dm.js";

const PAGE = 50;

const insertConversation = sql<[string, number, number, string], { id: number }>(
  `INSERT INTO "Conversation" ("key", "kind", "lastSeq", "lastActivityMs", "createdAt") VALUES (?, 'dm', ?, ?, ?) RETURNING "id"`,
);
const insertMember = sql<[number, number]>(
  `INSERT INTO "ConversationMember" ("conversationId", "userId", "joinedSeq", "lastReadSeq") VALUES (?, ?, 0, 0)`,
);
/**
 * Entries seq in [from, to] of one DM, made by the database itself (a recursive CTE both engines
 * run): a million single-row INSERTs would take minutes over PostgreSQL's round trips.
 */
const insertHistory = sql<[number, number, number, number, number, number]>(
  `WITH RECURSIVE s(n) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT n + 1 FROM s WHERE n < CAST(? AS INTEGER))
   INSERT INTO "Message" ("conversationId", "seq", "kind", "senderId", "clientMsgId", "body", "createdMs")
   SELECT c.id, n, 'text', CASE WHEN n % 2 = 1 THEN c.a ELSE c.b END, 'h' || c.id || '-' || n,
          'seeded history message number ' || n || ', about as long as a chat line', c.last - (c.total - n) * 1000
   FROM s, (SELECT CAST(? AS INTEGER) AS id, CAST(? AS INTEGER) AS a, CAST(? AS INTEGER) AS b,
                   CAST(? AS BIGINT) AS last, CAST(? AS INTEGER) AS total) c`,
);

/** `perConv` text entries in each reader pair's DM, written as the chat service would. */
export async function seedHistory(
  stack: Stack,
  pairs: Array<[number, number]>,
  perConv: number,
): Promise<Map<string, number>> {
  const keys = new Map<string, number>();
  const now = Date.now();
  await withDb(stack, async (db) => {
    for (const [a, b] of pairs) {
      const key = dmConversationId(a, b);
      const id = await db.transaction(async (tx) => {
        const conv = (await tx.get(insertConversation, [key, perConv, now, isoNow()]))!;
        await tx.run(insertMember, [conv.id, a]);
        await tx.run(insertMember, [conv.id, b]);
        return conv.id;
      });
      keys.set(key, id);
      // Chunks keep each write transaction (and the services' wait for the lock) short.
      for (let s = 1; s <= perConv; s += 20_000) {
        const to = Math.min(s + 20_000 - 1, perConv);
        await db.transaction((tx) => tx.run(insertHistory, [s, to, id, a, b, now, perConv]));
      }
    }
  });
  return keys;
}

interface PageReply {
  entries: Array<{ seq: number }>;
}

export const s6: Scenario = {
  id: "s6",
  title: "history paging (50 per page) over 1M seeded messages while DMs run at 1k/s",
  target: "500 pages/s at p99 <= 20 ms",
  async run(ctx: RunContext): Promise<ScenarioRun> {
    const readerPairs = ctx.quick ? 2 : 50;
    const total = ctx.quick ? 2000 : 1_000_000;
    const pageRates = ctx.quick ? [20] : (process.env.BENCH_S6_RATES?.split(",").map(Number) ?? [250, 500, 750, 1000]);
    const dmRate = ctx.quick ? 50 : 1000;
    const stack = await startStack({ nodeFlags: ctx.nodeFlags, override: ctx.override });
    const all: SealroomClient[] = [];
    try {
      const fx = await dmFixture(stack, ctx.quick ? 20 : 500);
      all.push(...fx.clients);
      const readers = await seedUsers(stack, 2 * readerPairs, "h");
      const pairs: Array<[number, number]> = [];
      for (let i = 0; i < readers.length; i += 2) pairs.push([readers[i]!.id, readers[i + 1]!.id]);
      await seedFriendships(stack, pairs);
      const t = performance.now();
      await seedHistory(stack, pairs, Math.floor(total / readerPairs));
      ctx.log(`  s6 seeded ${total} messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const readerClients = await signIn(stack, readers);
      all.push(...readerClients);
      const perConv = Math.floor(total / readerPairs);
      const cursors = readers.map(() => perConv + 1);
      const keys = readers.map((_, i) => dmConversationId(pairs[Math.floor(i / 2)]![0], pairs[Math.floor(i / 2)]![1]));

      const steps: Step[] = [];
      // Warm-up: a first pass over every reader's conversation (JIT, page cache).
      await Promise.all(readerClients.map((c, r) => c.call("chat.history", { conversationId: keys[r]!, limit: PAGE })));
      for (const rate of pageRates) {
        const pages = new Deliveries();
        const outcomes = new Outcomes();
        let wrong = 0;
        fx.deliveries = new Deliveries();
        const dmOutcomes = new Outcomes();
        const p = await probe(stack);
        const t0 = performance.now();
        const background = openLoop(dmRate, ctx.stepSeconds, (i, at) => sendDm(fx, i, at, dmOutcomes));
        const { sent, seconds } = await openLoop(rate, ctx.stepSeconds, (i, at) => {
          const r = i % readers.length;
          const before = cursors[r]!;
          cursors[r] = before - PAGE > 1 ? before - PAGE : perConv + 1;
          void readerClients[r]!.call("chat.history", {
            conversationId: keys[r]!,
            beforeSeq: before,
            limit: PAGE,
          }).then((res) => {
            outcomes.add(res);
            if (!res.ok) return;
            const seqs = (res.value as PageReply).entries.map((e) => e.seq);
            const first = Math.max(1, before - PAGE);
            if (seqs.length !== before - first || seqs.some((s, k) => s !== first + k)) wrong++;
            pages.add(r, keys[r]!, i, at);
          });
        });
        const bg = await background;
        await until(
          () => outcomes.settled >= sent && dmOutcomes.settled >= bg.sent && fx.deliveries.delivered >= dmOutcomes.ok,
          20_000,
        );
        const m = await p.stop();
        outcomes.errors += wrong;
        const dm = fx.deliveries.latency.summary();
        const step = makeStep({
          label: `${rate} pages/s + ${dmRate} DM/s`,
          offered: rate,
          unit: "pages/s",
          sent,
          expected: sent,
          seconds: Math.max(seconds, (pages.lastAt - t0) / 1000),
          deliveries: pages,
          outcomes,
          cpu: m.cpu,
          eventLoop: m.eventLoop,
          perCount: sent + dmOutcomes.ok,
          p99LimitMs: 20,
          extra: {
            wrongPages: wrong,
            dmSent: bg.sent,
            dmReachPct: Math.round((10000 * fx.deliveries.delivered) / Math.max(1, dmOutcomes.ok)) / 100,
            dmErrors: dmOutcomes.errors + dmOutcomes.timeouts,
            dmP50Ms: dm.p50,
            dmP99Ms: dm.p99,
            cpuPer: "page + DM",
          },
        });
        steps.push(step);
        ctx.log(
          `  s6 ${step.label}: page p99 ${step.latencyMs.p99} ms, DM p99 ${dm.p99} ms, ${step.pass ? "pass" : "FAIL"}`,
        );
        if (!step.pass && !ctx.fullRamp) break;
      }
      const last = steps.filter((s) => s.pass).at(-1);
      return {
        steps,
        summary: {
          capacityPagesPerSec: last?.offered ?? 0,
          p99AtCapacityMs: last?.latencyMs.p99 ?? null,
          seededMessages: total,
        },
      };
    } finally {
      closeAll(all);
      await stack.stop();
    }
  },
  key: (run) => Number(run.summary.capacityPagesPerSec),
  judge(run) {
    const s = run.summary;
    return {
      met: Number(s.capacityPagesPerSec) >= 500,
      detail: `last passing step ${s.capacityPagesPerSec} pages/s (p99 ${s.p99AtCapacityMs} ms)`,
    };
  },
};
