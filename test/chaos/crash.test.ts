/**
 * Crashes under load (security notes, section 6), every part a separate OS process killed with
 * SIGKILL: the chat service twice during writes, nats-server, one of two gateways, and a recipient
 * that is offline while a group talks. Senders retry a retryable failure with the same clientMsgId
 * (as the SDK's outbox does), so the pass criteria are the delivery contract's: no acknowledged
 * message lost, none stored twice, every conversation's seq gapless, the engine's integrity check ok,
 * and clients that were cut off resync to exactly what was written.
 *
 * `npm test` runs it at a small scale; `npm run test:chaos` (CHAOS_SCALE=full) at the notes' scale:
 * 50 clients and 10,000 messages through two chat kills, 1,000 group messages to an offline member.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { ChatStore, type Entry } from "@sealroom/sdk/node";
import type { SqlDb } from "@sealroom/db/sql";
import { report } from "./support/figures.js";
import { NO_GATEWAY_LIMITS, NO_READ_LIMIT, sleep, startSystem, type System } from "./support/system.js";
import {
  befriend,
  checkLog,
  groupOf,
  newStats,
  recoveredAfter,
  sendLoad,
  sendReliably,
  signUpMany,
  streamCheck,
  type User,
} from "./support/traffic.js";

const FULL = process.env.CHAOS_SCALE === "full";
const SCALE = FULL
  ? { users: 50, chatKillMessages: 10_000, natsMessages: 5_000, failoverMessages: 2_000, offlineMessages: 1_000 }
  : { users: 20, chatKillMessages: 1_000, natsMessages: 600, failoverMessages: 300, offlineMessages: 200 };
const TIMEOUT = FULL ? 600_000 : 90_000;

let system: System;
let db: SqlDb;
let users: User[];
let dms: Array<{ user: User; conversationId: string }>;

beforeAll(async () => {
  system = await startSystem({
    gateways: 2,
    env: { ...NO_GATEWAY_LIMITS, CHAT_SEND_RATE_PER_SEC: "100000", CHAT_SEND_BURST: "100000", ...NO_READ_LIMIT },
  });
  db = system.sql();
  // Half the users start on each gateway; each knows both.
  const [a, b] = system.wsUrls as [string, string];
  users = [
    ...(await signUpMany(system, "c", SCALE.users / 2, { urls: [a, b] })),
    ...(await signUpMany(system, "d", SCALE.users / 2, { urls: [b, a] })),
  ];
  dms = [];
  for (let i = 0; i + 1 < users.length; i += 2) {
    const conversationId = await befriend(users[i]!, users[i + 1]!);
    dms.push({ user: users[i]!, conversationId }, { user: users[i + 1]!, conversationId });
  }
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

/**
 * Runs `load`, injecting each fault once `at` of `total` messages are settled. A fault's recovery
 * time runs from the fault to the first acknowledgement after the faulty part was back (an earlier
 * one may be a reply that was already on its way).
 */
async function withFaults(
  stats: ReturnType<typeof newStats>,
  total: number,
  load: Promise<void>,
  faults: Array<{ at: number; run: () => Promise<void> }>,
): Promise<number[]> {
  const recovery: Array<() => number> = [];
  for (const f of faults) {
    while (stats.acks.length + stats.failed.length < total * f.at) await sleep(5);
    const t0 = Date.now();
    await f.run();
    const back = Date.now();
    recovery.push(() => back - t0 + recoveredAfter(stats, back));
  }
  await load;
  return recovery.map((r) => r());
}

test(
  "SIGKILL of the chat service twice during writes: 0 acknowledged lost, 0 duplicates, gapless, integrity ok",
  async () => {
    const stats = newStats();
    const perUser = SCALE.chatKillMessages / users.length;
    const chat = system.services.chat;
    const load = sendLoad(dms, perUser, stats, { prefix: "kill" });
    const kill = async () => {
      await chat.kill();
      await sleep(100);
      await chat.start();
    };
    const recovery = await withFaults(stats, SCALE.chatKillMessages, load, [
      { at: 1 / 3, run: kill },
      { at: 2 / 3, run: kill },
    ]);
    const check = await checkLog(
      db,
      stats.acks,
      dms.map((d) => d.conversationId),
    );
    report({
      scenario: "chat service SIGKILL x2 during writes",
      sent: stats.sent,
      acknowledged: stats.acks.length,
      lost: check.lost,
      duplicates: check.duplicates,
      gaps: check.gaps,
      recoveryMs: recovery,
      peakMiB: system.peaks(),
      extra: {
        clients: users.length,
        kills: chat.kills,
        retries: stats.retries,
        failed: stats.failed.length,
        stored: check.stored,
        integrity_check: check.integrity,
      },
    });
    expect(chat.kills).toBe(2);
    expect(check.integrity).toBe("ok");
    expect(stats.failed).toEqual([]);
    expect(stats.acks).toHaveLength(SCALE.chatKillMessages);
    expect({ lost: check.lost, duplicates: check.duplicates, gaps: check.gaps }).toEqual({
      lost: 0,
      duplicates: 0,
      gaps: 0,
    });
    // Every message the users wrote is stored once: nothing beyond what was acknowledged either.
    expect(check.stored).toBe(SCALE.chatKillMessages);
  },
  TIMEOUT,
);

test(
  "SIGKILL and restart of nats-server under load: the same, with every process back on the bus",
  async () => {
    const stats = newStats();
    const perUser = SCALE.natsMessages / users.length;
    const before = await Promise.all(
      [...Object.values(system.services), ...system.gateways].map((p) =>
        system.metric(p, "sealroom_nats_reconnects_total"),
      ),
    );
    const load = sendLoad(dms, perUser, stats, { prefix: "nats" });
    let restartedAt = 0;
    // Every process that reports its NATS reconnects: when was each back on the new server?
    const procs = [...Object.values(system.services), ...system.gateways];
    const reconnected: Record<string, number | string> = {};
    const watch = Promise.all(
      procs.map(async (p, i) => {
        while (restartedAt === 0) await sleep(5);
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline) {
          if ((await system.metric(p, "sealroom_nats_reconnects_total").catch(() => 0)) > before[i]!) {
            reconnected[p.name] = Date.now() - restartedAt;
            return;
          }
          await sleep(10);
        }
        reconnected[p.name] = "not reported";
      }),
    );
    const recovery = await withFaults(stats, SCALE.natsMessages, load, [
      {
        at: 1 / 2,
        run: async () => {
          await system.nats.restart();
          restartedAt = Date.now();
        },
      },
    ]);
    await watch;
    const check = await checkLog(
      db,
      stats.acks,
      dms.map((d) => d.conversationId),
    );
    report({
      scenario: "nats-server SIGKILL and restart under load",
      sent: stats.sent,
      acknowledged: stats.acks.length,
      lost: check.lost,
      duplicates: check.duplicates,
      gaps: check.gaps,
      recoveryMs: recovery,
      peakMiB: system.peaks(),
      extra: {
        retries: stats.retries,
        failed: stats.failed.length,
        integrity_check: check.integrity,
        "reconnected (ms after the server was back)": reconnected,
      },
    });
    expect(check.integrity).toBe("ok");
    expect(stats.failed).toEqual([]);
    expect({ lost: check.lost, duplicates: check.duplicates, gaps: check.gaps }).toEqual({
      lost: 0,
      duplicates: 0,
      gaps: 0,
    });
  },
  TIMEOUT,
);

interface Receiver {
  user: User;
  store: ChatStore;
  entries: Entry[];
}

function receiver(user: User): Receiver {
  const store = new ChatStore(user.client, { gapDelayMs: 50, e2e: false });
  const entries: Entry[] = [];
  store.onEntry((e) => entries.push(e));
  store.start();
  return { user, store, entries };
}

const seqsOf = (r: Receiver, conversationId: string) =>
  r.entries.filter((e) => e.conversationId === conversationId).map((e) => e.seq);

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test(
  "SIGKILL of one of two gateways: its clients reconnect to the other and resync with 0 gaps",
  async () => {
    // Receivers on gateway 0 (the one to die), senders on gateway 1.
    const onGw0 = users.slice(0, 4);
    const senders = users.slice(SCALE.users / 2, SCALE.users / 2 + 3);
    const { conversationId } = await groupOf(senders[0]!, [...senders.slice(1), ...onGw0]);
    const receivers = onGw0.map(receiver);
    // A store reports only entries after its first snapshot: a message that lands in the catch-up
    // page itself is held but never emitted, so the first message goes out once they are synced.
    await until(() => receivers.every((r) => r.store.getSnapshot().status === "up-to-date"), "receivers to sync");
    const stats = newStats();
    await sendReliably(senders[0]!, conversationId, "failover-first", stats);
    await until(() => receivers.every((r) => seqsOf(r, conversationId).length > 0), "receivers to hold the group");

    const ready = receivers.map(() => 0);
    let killedAt = 0;
    receivers.forEach((r, i) =>
      r.user.client.on("state", (s) => {
        if (s === "ready" && killedAt > 0 && ready[i] === 0) ready[i] = Date.now() - killedAt;
      }),
    );
    const load = sendLoad(
      senders.map((user) => ({ user, conversationId })),
      Math.ceil(SCALE.failoverMessages / senders.length),
      stats,
      { prefix: "fo", window: 2 },
    );
    while (stats.acks.length < SCALE.failoverMessages / 3) await sleep(5);
    const gw0 = system.gateways[0]!;
    const gw0Peak = gw0.peakMiB();
    await gw0.kill();
    killedAt = Date.now();
    await load;
    const last = Math.max(...stats.acks.filter((a) => a.conversationId === conversationId).map((a) => a.seq));
    await until(
      () => receivers.every((r) => Math.max(0, ...seqsOf(r, conversationId)) >= last),
      "receivers to catch up",
      60_000,
    );

    let duplicates = 0;
    let gaps = 0;
    let lost = 0;
    for (const r of receivers) {
      const seqs = seqsOf(r, conversationId);
      const c = streamCheck(seqs, Math.min(...seqs));
      duplicates += c.duplicates;
      gaps += c.gaps;
      const have = new Set(seqs);
      lost += stats.acks.filter((a) => a.conversationId === conversationId && !have.has(a.seq)).length;
    }
    const check = await checkLog(db, stats.acks, [conversationId]);
    report({
      scenario: "gateway SIGKILL with client failover",
      sent: stats.sent,
      acknowledged: stats.acks.length,
      lost: lost + check.lost,
      duplicates: duplicates + check.duplicates,
      gaps: gaps + check.gaps,
      recoveryMs: ready,
      peakMiB: { ...system.peaks(), gateway0: gw0Peak },
      extra: {
        receivers: receivers.length,
        "receivers x entries checked": receivers.length * last,
        integrity_check: check.integrity,
      },
    });
    expect(ready.every((t) => t > 0)).toBe(true);
    expect({ lost, duplicates, gaps }).toEqual({ lost: 0, duplicates: 0, gaps: 0 });
    expect({ lost: check.lost, duplicates: check.duplicates, gaps: check.gaps }).toEqual({
      lost: 0,
      duplicates: 0,
      gaps: 0,
    });
    for (const r of receivers) r.store.stop();
    // Bring gateway 0 back for the next scenario.
    await gw0.start();
  },
  TIMEOUT,
);

test(
  "a recipient offline during a group's messages receives exactly those, in order, on reconnect",
  async () => {
    const senders = users.slice(4, 8);
    const recipient = users[8]!;
    const { conversationId } = await groupOf(senders[0]!, [...senders.slice(1), recipient]);
    const r = receiver(recipient);
    // Synced first, as in the failover scenario above: a message that lands in the store's first
    // snapshot (the list's summary of the group) is held but never emitted as an entry.
    await until(() => r.store.getSnapshot().status === "up-to-date", "the recipient to sync");
    const stats = newStats();
    await sendReliably(senders[0]!, conversationId, "offline-first", stats);
    // Wait for the message itself, not just the group's first entries: a recipient that
    // holds only the creation events would count "offline-first" among the offline ones.
    const firstSeq = stats.acks[0]!.seq;
    await until(() => seqsOf(r, conversationId).includes(firstSeq), "the recipient to hold the group");
    const heldBefore = Math.max(...seqsOf(r, conversationId));

    recipient.client.close();
    const offlineStats = newStats();
    await sendLoad(
      senders.map((user) => ({ user, conversationId })),
      SCALE.offlineMessages / senders.length,
      offlineStats,
      { prefix: "off", window: 2 },
    );
    const t0 = Date.now();
    await recipient.client.connect();
    const expected = offlineStats.acks.map((a) => a.seq).sort((x, y) => x - y);
    await until(() => Math.max(...seqsOf(r, conversationId)) >= expected.at(-1)!, "the recipient to catch up", 60_000);
    const caughtUpMs = Date.now() - t0;
    const after = r.entries.filter((e) => e.conversationId === conversationId && e.seq > heldBefore);
    const texts = after.filter((e) => e.kind === "text").map((e) => e.seq);
    const c = streamCheck(
      after.map((e) => e.seq),
      heldBefore + 1,
    );
    report({
      scenario: "recipient offline during group messages",
      sent: offlineStats.sent,
      acknowledged: offlineStats.acks.length,
      lost: expected.filter((s) => !texts.includes(s)).length,
      duplicates: c.duplicates,
      gaps: c.gaps,
      recoveryMs: [caughtUpMs],
      peakMiB: system.peaks(),
      extra: { received: texts.length, outOfOrder: c.outOfOrder },
    });
    expect(offlineStats.acks).toHaveLength(SCALE.offlineMessages);
    // Exactly those messages, in seq order, once each.
    expect(texts).toEqual(expected);
    expect(c).toEqual({ duplicates: 0, gaps: 0, outOfOrder: 0 });
    r.store.stop();
  },
  TIMEOUT,
);
