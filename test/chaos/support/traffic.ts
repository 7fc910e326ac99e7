/**
 * Load for the fault scenarios: signed-up users in friend pairs or groups, senders that retry a
 * retryable failure with the same clientMsgId until it is acknowledged (what the SDK's outbox
 * does), and the checks afterwards against the database: every acknowledged message present with
 * its acknowledged seq, no message twice, every conversation's seq gapless from 1.
 */
import { engineOfDb, type Db } from "@sealroom/db";
import { dmConversationId } from "@sealroom/proto/chat";
import { SocialClient, type SealroomClient } from "@sealroom/sdk/node";
import { sleep, type System } from "./system.js";

export const PASSWORD = "correct horse battery staple";

export interface User {
  name: string;
  id: number;
  client: SealroomClient;
  social: SocialClient;
}

let n = 0;
export async function signUp(system: System, base: string, opts: Parameters<System["client"]>[0] = {}): Promise<User> {
  const name = `${base}${process.pid % 1000}_${++n}`;
  const client = system.client(opts);
  await client.connect();
  const user = await client.register(name, PASSWORD);
  return { name, id: user.id, client, social: new SocialClient(client) };
}

export async function signUpMany(
  system: System,
  base: string,
  count: number,
  opts: Parameters<System["client"]>[0] = {},
): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < count; i += 10) {
    users.push(
      ...(await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => signUp(system, base, opts)))),
    );
  }
  return users;
}

export async function befriend(a: User, b: User): Promise<string> {
  const friends = (await a.social.overview()).friends.some((f) => f.user.id === b.id);
  if (!friends) {
    const r = await a.social.requestFriend(b.id);
    if (r.status === "pending") await b.social.acceptRequest(r.request.id);
  }
  return dmConversationId(a.id, b.id);
}

/** A group owned by `owner` with every member accepted; returns its conversation id. */
export async function groupOf(owner: User, members: User[]): Promise<{ groupId: number; conversationId: string }> {
  for (const m of members) await befriend(owner, m);
  const detail = await owner.social.createGroup(
    "chaos",
    members.map((m) => m.id),
  );
  for (const m of members) {
    const invitation = (await m.social.overview()).invitations.find((i) => i.group.id === detail.group.id);
    if (!invitation) throw new Error("no invitation");
    await m.social.acceptInvitation(invitation.id);
  }
  return { groupId: detail.group.id, conversationId: `group:${detail.group.id}` };
}

export interface Ack {
  conversationId: string;
  seq: number;
  clientMsgId: string;
  senderId: number;
}

export interface SendStats {
  sent: number;
  acks: Ack[];
  /** Attempts that failed retryably and were retried. */
  retries: number;
  /** Messages given up on (a non-retryable error or the deadline). */
  failed: Array<{ clientMsgId: string; code: string }>;
  /** Time of each ack (ms since epoch), to find when the system came back after a fault. */
  ackTimes: number[];
}

export const newStats = (): SendStats => ({ sent: 0, acks: [], retries: 0, failed: [], ackTimes: [] });

/**
 * Sends one message until it is acknowledged: a retryable error (UNAVAILABLE, TIMEOUT, RATE_LIMITED,
 * a dropped connection) is retried with backoff and the same clientMsgId.
 */
export async function sendReliably(
  user: User,
  conversationId: string,
  clientMsgId: string,
  stats: SendStats,
  deadlineMs = 60_000,
): Promise<void> {
  stats.sent++;
  const until = Date.now() + deadlineMs;
  let delay = 25;
  for (;;) {
    const r = await user.client.call("chat.send", { conversationId, clientMsgId, text: clientMsgId });
    if (r.ok) {
      const v = r.value as { seq: number; conversationId: string };
      stats.acks.push({ conversationId: v.conversationId, seq: v.seq, clientMsgId, senderId: user.id });
      stats.ackTimes.push(Date.now());
      return;
    }
    if (!r.error.retryable || Date.now() > until) {
      stats.failed.push({ clientMsgId, code: r.error.code });
      return;
    }
    stats.retries++;
    await sleep(Math.max(delay, r.error.retryAfterMs ?? 0));
    delay = Math.min(delay * 2, 500);
  }
}

/** Each user sends `perUser` messages to its conversation, `window` at a time. */
export async function sendLoad(
  senders: Array<{ user: User; conversationId: string }>,
  perUser: number,
  stats: SendStats,
  { window = 4, prefix = "m" }: { window?: number; prefix?: string } = {},
): Promise<void> {
  await Promise.all(
    senders.map(async ({ user, conversationId }) => {
      let next = 0;
      const lane = async () => {
        while (next < perUser) {
          const i = next++;
          await sendReliably(user, conversationId, `${prefix}-${user.id}-${i}`, stats);
        }
      };
      await Promise.all(Array.from({ length: window }, lane));
    }),
  );
}

export interface LogCheck {
  integrity: string;
  /** Acknowledged messages not in the database at their acknowledged seq. */
  lost: number;
  /** Messages stored more than once (same sender and text). */
  duplicates: number;
  /** Missing seqs below each conversation's highest. */
  gaps: number;
  stored: number;
}

/**
 * The database's own consistency check, "ok" when it passes. SQLite: `PRAGMA integrity_check`.
 * PostgreSQL has no such statement; amcheck's bt_index_check on every B-tree index of the schema
 * (an error, not a row, reports a corrupt one) is the nearest: "ok" when all pass.
 */
export async function integrityCheck(db: Db): Promise<string> {
  if (engineOfDb(db) === "sqlite") {
    return (await db.$queryRawUnsafe<Array<{ integrity_check: string }>>("PRAGMA integrity_check"))
      .map((r) => r.integrity_check)
      .join(";");
  }
  await db.$executeRawUnsafe("CREATE EXTENSION IF NOT EXISTS amcheck");
  const rows = await db.$queryRawUnsafe<Array<{ n: number | bigint }>>(`
    SELECT COUNT(bt_index_check(c.oid)::text) AS n FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
    JOIN pg_namespace ns ON ns.oid = c.relnamespace
    WHERE a.amname = 'btree' AND ns.nspname = current_schema()`);
  return Number(rows[0]?.n ?? 0) > 0 ? "ok" : "no index checked";
}

/** Checks the database after the faults: integrity, every ack present, no duplicate, no gap. */
export async function checkLog(db: Db, acks: Ack[], conversationIds: string[]): Promise<LogCheck> {
  const integrity = await integrityCheck(db);
  const keys = [...new Set(conversationIds)];
  const rows = await db.$queryRawUnsafe<
    Array<{
      key: string;
      seq: number | bigint;
      clientMsgId: string | null;
      senderId: number | bigint | null;
      body: string;
      kind: string;
    }>
  >(
    // Quoted aliases (PostgreSQL folds bare ones to lower case), placeholders per engine.
    `SELECT c."key" AS "key", m."seq" AS "seq", m."clientMsgId" AS "clientMsgId", m."senderId" AS "senderId",
       m."body" AS "body", m."kind" AS "kind"
     FROM "Message" m JOIN "Conversation" c ON c."id" = m."conversationId"
     WHERE c."key" IN (${keys.map((_k, i) => (engineOfDb(db) === "sqlite" ? "?" : `$${i + 1}`)).join(",")})`,
    ...keys,
  );
  const at = new Map<string, { clientMsgId: string | null; senderId: number | null }>();
  const seqs = new Map<string, number[]>();
  const bodies = new Map<string, number>();
  let duplicates = 0;
  for (const r of rows) {
    const seq = Number(r.seq);
    if (at.has(`${r.key}#${seq}`)) duplicates++; // two rows at one seq
    at.set(`${r.key}#${seq}`, {
      clientMsgId: r.clientMsgId,
      senderId: r.senderId === null ? null : Number(r.senderId),
    });
    (seqs.get(r.key) ?? seqs.set(r.key, []).get(r.key)!).push(seq);
    if (r.kind === "text") {
      const k = `${String(r.senderId)}:${r.body}`;
      const count = (bodies.get(k) ?? 0) + 1;
      bodies.set(k, count);
      if (count > 1) duplicates++;
    }
  }
  let lost = 0;
  for (const a of acks) {
    const row = at.get(`${a.conversationId}#${a.seq}`);
    if (!row || row.clientMsgId !== a.clientMsgId || row.senderId !== a.senderId) lost++;
  }
  let gaps = 0;
  for (const list of seqs.values()) {
    const set = new Set(list);
    const max = Math.max(...list);
    for (let s = 1; s <= max; s++) if (!set.has(s)) gaps++;
  }
  return { integrity, lost, duplicates, gaps, stored: rows.length };
}

/** Gaps and duplicates in a client's received stream of one conversation (seqs as received). */
export function streamCheck(seqs: number[], expectFrom = 1): { duplicates: number; gaps: number; outOfOrder: number } {
  const seen = new Set<number>();
  let duplicates = 0;
  let outOfOrder = 0;
  let last = 0;
  for (const s of seqs) {
    if (seen.has(s)) duplicates++;
    if (s < last) outOfOrder++;
    last = Math.max(last, s);
    seen.add(s);
  }
  let gaps = 0;
  for (let s = expectFrom; s <= last; s++) if (!seen.has(s)) gaps++;
  return { duplicates, gaps, outOfOrder };
}

/** The first ack after `t`, as a recovery time from `t` (ms); NaN if none came. */
export function recoveredAfter(stats: SendStats, t: number): number {
  const first = stats.ackTimes.filter((x) => x > t).sort((a, b) => a - b)[0];
  return first === undefined ? NaN : first - t;
}
