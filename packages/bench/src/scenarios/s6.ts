/**
 * S6, history: conversations seeded with (in total) 1M messages; readers page back through them 50
 * entries at a time, open-loop, while S2's DM load runs at 1k DM/s beside them. Every page is
 * checked: the 50 entries just before the cursor, in order.
 */
import { dmConversationId, type SealroomClient } from "@sealroom/sdk/node";
import { Deliveries, Outcomes, openLoop, until } from "../load.js";
import { closeAll, openDb, seedFriendships, seedUsers, signIn } from "../population.js";
import { startStack, type Stack } from "../stack.js";
import { makeStep, probe } from "../step.js";
import type { RunContext, Scenario, ScenarioRun, Step } from "../types.js";
import { dmFixture, sendDm } from "./dm.js";

const PAGE = 50;

/** `perConv` text entries in each reader pair's DM, written as the chat service would. */
function seedHistory(stack: Stack, pairs: Array<[number, number]>, perConv: number): Map<string, number> {
  const db = openDb(stack);
  const keys = new Map<string, number>();
  try {
    const now = Date.now();
    const iso = new Date(now).toISOString().replace("Z", "+00:00");
    const conv = db.prepare(
      `INSERT INTO "Conversation" ("key", "kind", "lastSeq", "lastActivityMs", "createdAt") VALUES (?, 'dm', ?, ?, ?)`,
    );
    const member = db.prepare(
      `INSERT INTO "ConversationMember" ("conversationId", "userId", "joinedSeq", "lastReadSeq") VALUES (?, ?, 0, 0)`,
    );
    const msg = db.prepare(
      `INSERT INTO "Message" ("conversationId", "seq", "kind", "senderId", "clientMsgId", "body", "createdMs") VALUES (?, ?, 'text', ?, ?, ?, ?)`,
    );
    for (const [a, b] of pairs) {
      const key = dmConversationId(a, b);
      const id = Number(conv.run(key, perConv, now, iso).lastInsertRowid);
      member.run(id, a);
      member.run(id, b);
      keys.set(key, id);
      // Chunks keep each write transaction (and the services' wait for the lock) short.
      for (let s = 1; s <= perConv; s += 20_000) {
        db.transaction(() => {
          for (let seq = s; seq < Math.min(s + 20_000, perConv + 1); seq++) {
            const from = seq % 2 ? a : b;
            msg.run(
              id,
              seq,
              from,
              `h${id}-${seq}`,
              `seeded history message number ${seq}, about as long as a chat line`,
              now - (perConv - seq) * 1000,
            );
          }
        })();
      }
    }
    return keys;
  } finally {
    db.close();
  }
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
    const pageRates = ctx.quick ? [20] : [250, 500, 750, 1000];
    const dmRate = ctx.quick ? 50 : 1000;
    const stack = await startStack({ nodeFlags: ctx.nodeFlags, override: ctx.override });
    const all: SealroomClient[] = [];
    try {
      const fx = await dmFixture(stack, ctx.quick ? 20 : 500);
      all.push(...fx.clients);
      const readers = await seedUsers(stack, 2 * readerPairs, "h");
      const pairs: Array<[number, number]> = [];
      for (let i = 0; i < readers.length; i += 2) pairs.push([readers[i]!.id, readers[i + 1]!.id]);
      seedFriendships(stack, pairs);
      const t = performance.now();
      seedHistory(stack, pairs, Math.floor(total / readerPairs));
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
