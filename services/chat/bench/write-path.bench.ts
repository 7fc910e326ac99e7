/**
 * The message write path, measured: messages/s for each way of storing a DM, on a fresh migrated
 * database, on this machine: a SQLite file (WAL, synchronous=NORMAL), or with
 * SEALROOM_TEST_DB=postgresql a fresh PostgreSQL database (testkit's tempDatabase). Prints a
 * table; asserts nothing.
 *
 *   npm run bench -w @sealroom/chat                 (or: BENCH=write-path npx vitest run --config services/chat/bench/vitest.config.ts)
 *   BENCH_MESSAGES=20000 npm run bench -w @sealroom/chat
 *   SEALROOM_TEST_DB=postgresql npm run bench -w @sealroom/chat
 *   BENCH_VARIANTS=writer,service npm run bench -w @sealroom/chat     (only the variants whose name contains one of these)
 *
 * Variants:
 *   prisma create, 1/tx          one `message.create` + `conversation.update` batch per message: no
 *                                dedupe or permission check at all, so an upper bound for Prisma
 *   prisma $transaction([64])    64 creates + one update per batch transaction (no checks either)
 *   prisma $executeRaw [64]      the same with raw INSERT statements through Prisma
 *   writer, 1 in flight          this service's writer and send job (dedupe, friendship and block
 *                                check, seq, insert, recipients) with one send at a time: 1 tx/msg
 *   writer, batched              the same with 1000 sends in flight: group commit, as under load
 *   service over NATS            chat.send requests through a real nats-server to the running
 *                                service (validation, envelope, reply), 500 in flight
 */
import { test } from "vitest";
import { createDb, Prisma, type Db } from "@sealroom/db";
import { dmConversationId, sendAckSchema } from "@sealroom/proto/chat";
import { resultSchema } from "@sealroom/proto/errors";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { connectNats, createLogger } from "@sealroom/runtime";
import { startNats, tempDatabase } from "@sealroom/testkit";
import { createChatService } from "../src/service.js";
import { dialectOf, openSql, sqliteFile } from "@sealroom/db/sql";
import { createMessages } from "../src/messages.js";
import { startCheckpointer } from "../src/checkpointer.js";
import { Writer } from "../src/writer.js";

const N = Number(process.env.BENCH_MESSAGES ?? 10_000);
const log = createLogger({ service: "bench", level: "silent", pretty: false });
const results: Array<{
  variant: string;
  messages: number;
  seconds: number;
  perSecond: number;
  cpuUsPerMessage: number;
}> = [];
const only = process.env.BENCH_VARIANTS?.split(",").filter(Boolean);
const wanted = (variant: string) => !only || only.some((w) => variant.includes(w));
let engine = "sqlite";

async function fresh() {
  const tmp = await tempDatabase();
  engine = dialectOf(tmp.url);
  const db = await createDb({ url: tmp.url });
  const users = [];
  for (let i = 0; i < 20; i++)
    users.push((await db.user.create({ data: { username: `b${i}`, usernameKey: `b${i}`, passwordHash: "x" } })).id);
  // 10 friend pairs: each message goes to one of 10 DMs, as many users would send.
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < 20; i += 2) {
    await db.friendship.create({ data: { userAId: users[i]!, userBId: users[i + 1]! } });
    pairs.push([users[i]!, users[i + 1]!]);
  }
  return { tmp, db, pairs };
}

async function measure(variant: string, messages: number, run: () => Promise<void>) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await run();
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  results.push({
    variant,
    messages,
    seconds: Number(seconds.toFixed(3)),
    perSecond: Math.round(messages / seconds),
    // This process's CPU (user + system) per message: steadier than the rate on a shared machine.
    cpuUsPerMessage: Math.round((cpu.user + cpu.system) / messages),
  });
}

/** Conversations created up front for the Prisma variants (they do no get-or-create). */
async function conversations(db: Db, pairs: Array<[number, number]>) {
  const ids: number[] = [];
  for (const [a, b] of pairs)
    ids.push((await db.conversation.create({ data: { key: dmConversationId(a, b), kind: "dm" } })).id);
  return ids;
}

test("write path", async () => {
  if (wanted("prisma create")) {
    const { tmp, db, pairs } = await fresh();
    const convs = await conversations(db, pairs);
    const seq = new Map<number, number>();
    const count = Math.min(N, 3000);
    await measure("prisma create, 1/tx", count, async () => {
      for (let i = 0; i < count; i++) {
        const c = convs[i % convs.length]!;
        const s = (seq.get(c) ?? 0) + 1;
        seq.set(c, s);
        const sender = pairs[i % pairs.length]![0];
        await db.$transaction([
          db.message.create({
            data: {
              conversationId: c,
              seq: s,
              kind: "text",
              senderId: sender,
              clientMsgId: `p${i}`,
              body: "hello there",
              createdMs: Date.now(),
            },
          }),
          db.conversation.update({ where: { id: c }, data: { lastSeq: s, lastActivityMs: Date.now() } }),
        ]);
      }
    });
    await db.$disconnect();
    await tmp.remove();
  }
  if (wanted("prisma $transaction")) {
    const { tmp, db, pairs } = await fresh();
    const convs = await conversations(db, pairs);
    const seq = new Map<number, number>();
    await measure("prisma $transaction([64])", N, async () => {
      for (let i = 0; i < N; i += 64) {
        const ops = [];
        for (let j = i; j < Math.min(N, i + 64); j++) {
          const c = convs[j % convs.length]!;
          const s = (seq.get(c) ?? 0) + 1;
          seq.set(c, s);
          ops.push(
            db.message.create({
              data: {
                conversationId: c,
                seq: s,
                kind: "text",
                senderId: pairs[j % pairs.length]![0],
                clientMsgId: `p${j}`,
                body: "hello there",
                createdMs: Date.now(),
              },
            }),
          );
        }
        for (const c of convs)
          ops.push(db.conversation.update({ where: { id: c }, data: { lastSeq: seq.get(c) ?? 0 } }));
        await db.$transaction(ops);
      }
    });
    await db.$disconnect();
    await tmp.remove();
  }
  if (wanted("prisma $executeRaw")) {
    const { tmp, db, pairs } = await fresh();
    const convs = await conversations(db, pairs);
    const seq = new Map<number, number>();
    await measure("prisma $executeRaw [64]", N, async () => {
      for (let i = 0; i < N; i += 64) {
        const ops = [];
        for (let j = i; j < Math.min(N, i + 64); j++) {
          const c = convs[j % convs.length]!;
          const s = (seq.get(c) ?? 0) + 1;
          seq.set(c, s);
          ops.push(
            db.$executeRaw(Prisma.sql`INSERT INTO "Message" ("conversationId", "seq", "kind", "senderId", "clientMsgId", "body", "createdMs")
              VALUES (${c}, ${s}, 'text', ${pairs[j % pairs.length]![0]}, ${`p${j}`}, 'hello there', ${Date.now()})`),
          );
        }
        await db.$transaction(ops);
      }
    });
    await db.$disconnect();
    await tmp.remove();
  }
  for (const inFlight of [1, 1000]) {
    if (!wanted(`writer, ${inFlight === 1 ? "1 in flight" : "batched"}`)) continue;
    const { tmp, db, pairs } = await fresh();
    const sql = openSql(tmp.url);
    const checkpointer =
      sql.dialect === "sqlite" ? startCheckpointer(sqliteFile(tmp.url), 1000, (m) => console.error(m)) : undefined;
    const writer = new Writer(sql, log);
    const messages = createMessages({ writer, publish: () => undefined, log });
    const count = inFlight === 1 ? Math.min(N, 5000) : N;
    await measure(`writer, ${inFlight === 1 ? "1 in flight" : "batched"}`, count, async () => {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const [a, b] = pairs[i % pairs.length]!;
          await messages.send(i % 2 ? a : b, dmConversationId(a, b), `w${i}`, "hello there");
        }
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
    });
    if (inFlight > 1)
      results[results.length - 1]!.variant += ` (${writer.stats.jobs} jobs in ${writer.stats.batches} tx)`;
    await checkpointer?.stop();
    await sql.close();
    await db.$disconnect();
    await tmp.remove();
  }
  if (wanted("service")) {
    const { tmp, db, pairs } = await fresh();
    const nats = await startNats();
    const nc = await connectNats({ url: nats.url, name: "chat", log });
    const client = await connectNats({ url: nats.url, name: "client", log });
    const service = createChatService({ nc, db, databaseUrl: tmp.url, log, instance: "bench" });
    await service.start();
    const schema = resultSchema(sendAckSchema);
    await measure("service over NATS (500 in flight)", N, async () => {
      let next = 0;
      const worker = async () => {
        while (next < N) {
          const i = next++;
          const [a, b] = pairs[i % pairs.length]!;
          const userId = i % 2 ? a : b;
          const ctx = { gatewayId: "gw", connId: "c", ip: "127.0.0.1", userId, sessionId: "s" };
          const body = { conversationId: dmConversationId(a, b), clientMsgId: `n${i}`, text: "hello there" };
          const msg = await client.request(SUBJECTS.command("chat.send"), JSON.stringify({ ctx, body }), {
            timeout: 10_000,
          });
          if (!schema.parse(msg.json()).ok) throw new Error("send refused");
        }
      };
      await Promise.all(Array.from({ length: 500 }, worker));
    });
    await service.stop();
    await client.close();
    await nc.close();
    await nats.stop();
    await db.$disconnect();
    await tmp.remove();
  }
  console.log(`\nwrite path on ${engine}, ${N} messages (fewer for the slow variants), node ${process.version}\n`);
  console.table(results);
});
