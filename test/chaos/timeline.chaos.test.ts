/**
 * Group changes through crashes: while an owner kicks and re-invites members and the members write,
 * the social service and then the chat service are SIGKILLed. Social commits each change with a
 * GroupEvent (its durable outbox); chat turns every GroupEvent into exactly one system entry of the
 * group's log from a persisted cursor. Afterwards: every GroupEvent appears exactly once, in event
 * order, every acknowledged message is stored once, the group's seq is gapless, and
 * the engine's integrity check is ok. Only `npm run test:chaos` runs it (npm test's share of the chaos
 * suite is already near its time budget).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Db } from "@sealroom/db";
import type { SealroomClient } from "@sealroom/sdk/node";
import { report } from "./support/figures.js";
import { NO_GATEWAY_LIMITS, NO_READ_LIMIT, sleep, startSystem, type System } from "./support/system.js";
import { checkLog, groupOf, newStats, sendLoad, signUpMany, type User } from "./support/traffic.js";

const ROUNDS = 60;

let system: System;
let db: Db;
beforeAll(async () => {
  system = await startSystem({
    env: { ...NO_GATEWAY_LIMITS, CHAT_SEND_RATE_PER_SEC: "100000", CHAT_SEND_BURST: "100000", ...NO_READ_LIMIT },
  });
  db = await system.db();
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

let retries = 0;
/** Calls until the answer is not retryable; returns the final code ("ok" or the error). */
async function settle(
  client: SealroomClient,
  type: Parameters<SealroomClient["call"]>[0],
  body: unknown,
): Promise<{ code: string; value: unknown }> {
  for (let attempt = 0; ; attempt++) {
    const r = await client.call(type, body);
    if (r.ok) return { code: "ok", value: r.value };
    if (!r.error.retryable || attempt > 200) return { code: r.error.code, value: undefined };
    retries++;
    await sleep(Math.max(50, r.error.retryAfterMs ?? 0));
  }
}

test("SIGKILL of social, then chat, during group changes and messages: each GroupEvent exactly once, in order; no acked message lost", async () => {
  const [owner, ...members] = await signUpMany(system, "tl", 7);
  const { groupId, conversationId } = await groupOf(owner!, members);
  const stats = newStats();
  const writers = members.slice(0, 3);
  const load = sendLoad(
    writers.map((user) => ({ user, conversationId })),
    150,
    stats,
    { prefix: "tl", window: 1 },
  );

  const churn = members.slice(3);
  const outcomes: Record<string, number> = {};
  const count = (code: string) => (outcomes[code] = (outcomes[code] ?? 0) + 1);
  const kills: Array<{ name: string; at: number; back: number }> = [];
  let round = 0;
  // The kills land whenever the churn reaches a third and two thirds, in the middle of its commands.
  const faults = (async () => {
    for (const [at, proc] of [
      [ROUNDS / 3, system.services.social],
      [(2 * ROUNDS) / 3, system.services.chat],
    ] as const) {
      while (round < at) await sleep(5);
      await sleep(Math.random() * 30);
      const t0 = Date.now();
      await proc.kill();
      await sleep(150);
      await proc.start();
      kills.push({ name: proc.name, at: t0, back: Date.now() - t0 });
    }
  })();
  for (; round < ROUNDS; round++) {
    const m: User = churn[round % churn.length]!;
    count(`kick:${(await settle(owner!.client, "social.groups.kick", { groupId, userId: m.id })).code}`);
    count(`invite:${(await settle(owner!.client, "social.groups.invite", { groupId, userId: m.id })).code}`);
    const overview = (await settle(m.client, "social.overview", {})).value as
      { invitations: Array<{ id: number; group: { id: number } }> } | undefined;
    const invitation = overview?.invitations.find((i) => i.group.id === groupId);
    if (invitation)
      count(`accept:${(await settle(m.client, "social.groups.acceptInvite", { invitationId: invitation.id })).code}`);
    else count("accept:no invitation");
  }
  await faults;
  await load;

  // The timeline catches up by itself (doorbell or its periodic poll).
  const events = await db.groupEvent.findMany({ where: { groupId }, orderBy: { id: "asc" }, select: { id: true } });
  const systemEntries = async () =>
    system
      .sql()
      .all<{ seq: number; body: string }>(
        `SELECT m."seq" AS "seq", m."body" AS "body" FROM "Message" m JOIN "Conversation" c ON c."id" = m."conversationId" WHERE c."key" = ? AND m."kind" = 'system' ORDER BY m."seq"`,
        [conversationId],
      );
  const deadline = Date.now() + 30_000;
  let entries = await systemEntries();
  while (entries.length < events.length && Date.now() < deadline) {
    await sleep(200);
    entries = await systemEntries();
  }
  const eventIds = entries.map((e) => (JSON.parse(e.body) as { groupEventId: number }).groupEventId);
  const duplicates = eventIds.length - new Set(eventIds).size;
  const missing = events.filter((e) => !eventIds.includes(e.id)).length;
  const check = await checkLog(system.sql(), stats.acks, [conversationId]);
  report({
    scenario: "social and chat SIGKILL during group changes",
    sent: stats.sent,
    acknowledged: stats.acks.length,
    lost: check.lost,
    duplicates: check.duplicates + duplicates,
    gaps: check.gaps,
    recoveryMs: kills.map((k) => k.back),
    peakMiB: system.peaks(),
    extra: {
      "social command retries": retries,
      groupEvents: events.length,
      systemEntries: entries.length,
      missingEvents: missing,
      outcomes,
      stored: check.stored,
      integrity_check: check.integrity,
    },
  });
  expect(check.integrity).toBe("ok");
  expect(stats.failed).toEqual([]);
  expect({ lost: check.lost, duplicates: check.duplicates, gaps: check.gaps }).toEqual({
    lost: 0,
    duplicates: 0,
    gaps: 0,
  });
  // Every GroupEvent exactly once, in event order.
  expect(eventIds).toEqual(events.map((e) => e.id));
  // Nothing stuck: each member ended up back in the group.
  const membership = await db.groupMember.count({ where: { groupId } });
  expect(membership).toBe(members.length + 1);
}, 300_000);
