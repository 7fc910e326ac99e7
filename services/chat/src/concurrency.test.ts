/**
 * Two chat instances (two Writers, each with its own connection or pool, as two hosts would have)
 * hammering the same conversations at once, some sends delivered to both (a client retrying
 * through another instance): every conversation's seq stays gapless 1..N, each clientMsgId is
 * stored once and both deliveries of it get the same ack, and every acked message is there.
 * On PostgreSQL (SEALROOM_TEST_DB=postgresql) this is the row-lock and unique-violation path of
 * writer.ts; on SQLite two connections to one file.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDb, type Db } from "@sealroom/db";
import { openSql, type SqlDb } from "@sealroom/db/sql";
import { dmConversationId, groupConversationId, type SendAck } from "@sealroom/proto/chat";
import { tempDatabase, type TempDb } from "@sealroom/testkit";
import { createMessages } from "./messages.js";
import { log } from "./test/harness.js";
import { Writer } from "./writer.js";

let database: TempDb;
let db: Db;
const sql: SqlDb[] = [];
const instances: Array<{ writer: Writer; messages: ReturnType<typeof createMessages> }> = [];

beforeAll(async () => {
  database = await tempDatabase();
  db = await createDb({ url: database.url });
  for (let i = 0; i < 2; i++) {
    const conn = openSql(database.url, { poolSize: 4 });
    sql.push(conn);
    // Small batches: more transactions, so more interleaving between the two.
    const writer = new Writer(conn, log, { maxBatch: 16, deadlineMs: 20_000 });
    instances.push({ writer, messages: createMessages({ writer, publish: () => undefined, log }) });
  }
});
afterAll(async () => {
  await Promise.all(sql.map((s) => s.close()));
  await db?.$disconnect();
  await database?.remove();
});

it("two instances writing the same conversations: gapless seqs, each clientMsgId once, every ack stored", async () => {
  const users: number[] = [];
  for (let i = 0; i < 6; i++) {
    const name = `conc${i}`;
    users.push((await db.user.create({ data: { username: name, usernameKey: name, passwordHash: "x" } })).id);
  }
  const group = await db.group.create({ data: { name: "G", ownerId: users[0]! } });
  for (const [i, userId] of users.entries())
    await db.groupMember.create({ data: { groupId: group.id, userId, role: i === 0 ? "owner" : "member" } });
  const peer = (i: number) => (i % 2 === 0 ? i + 1 : i - 1);
  for (let i = 0; i < users.length; i += 2)
    await db.friendship.create({ data: { userAId: users[i]!, userBId: users[i + 1]! } });

  const PER_USER = 60;
  const sends: Array<{ userId: number; conversationId: string; clientMsgId: string; acks: Promise<SendAck>[] }> = [];
  for (let k = 0; k < PER_USER; k++) {
    for (const [i, userId] of users.entries()) {
      const conversationId =
        k % 3 === 0
          ? dmConversationId(Math.min(userId, users[peer(i)]!), Math.max(userId, users[peer(i)]!))
          : groupConversationId(group.id);
      const clientMsgId = `c${i}-${k}`;
      const text = `m ${i} ${k}`;
      const first = instances[(i + k) % 2]!;
      const acks = [first.messages.send(userId, conversationId, clientMsgId, text)];
      // Every 4th send also reaches the other instance at the same moment.
      if (k % 4 === 0) acks.push(instances[(i + k + 1) % 2]!.messages.send(userId, conversationId, clientMsgId, text));
      sends.push({ userId, conversationId, clientMsgId, acks });
    }
  }
  const settled = await Promise.allSettled(sends.flatMap((s) => s.acks));
  expect(settled.filter((r) => r.status === "rejected")).toEqual([]);
  expect(instances.every((i) => i.writer.stats.jobs > 0)).toBe(true);

  const messages = await db.message.findMany({ orderBy: [{ conversationId: "asc" }, { seq: "asc" }] });
  const conversations = await db.conversation.findMany();
  // Gapless per conversation, and lastSeq says where it ends.
  for (const c of conversations) {
    const seqs = messages.filter((m) => m.conversationId === c.id).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: c.lastSeq }, (_, i) => i + 1));
  }
  // Each clientMsgId stored once; both deliveries of a duplicated send got the stored row's ack.
  expect(messages).toHaveLength(sends.length);
  const byClientId = new Map(messages.map((m) => [`${m.senderId} ${m.clientMsgId}`, m]));
  const convKey = new Map(conversations.map((c) => [c.id, c.key]));
  for (const s of sends) {
    const row = byClientId.get(`${s.userId} ${s.clientMsgId}`);
    expect(row, s.clientMsgId).toBeDefined();
    expect(convKey.get(row!.conversationId)).toBe(s.conversationId);
    for (const ack of await Promise.all(s.acks))
      expect({ id: ack.id, seq: ack.seq }).toEqual({ id: row!.id, seq: row!.seq });
  }
}, 120_000);
