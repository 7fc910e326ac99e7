import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dmConversationId, groupConversationId } from "@sealroom/proto/chat";
import { SUBJECTS } from "@sealroom/proto/subjects";
import Database from "better-sqlite3";
import { dialectOf, sqliteFile } from "@sealroom/db/sql";
import pg from "pg";
import { setup, type Harness } from "./test/harness.js";

let h: Harness;
beforeAll(async () => {
  // Two instances in the "chat" queue group on one file, as two processes would be.
  h = await setup({ instances: 2, config: { writer: { deadlineMs: 1500 } } });
});
afterAll(async () => {
  await h?.teardown();
});

let n = 0;
const cid = () => `w-${++n}`;

describe("several instances on one database", () => {
  it("assign one gapless seq per conversation while both take sends", async () => {
    const owner = await h.seed.user();
    const members = await Promise.all(Array.from({ length: 5 }, () => h.seed.user()));
    const groupId = await h.seed.group(owner, members);
    const conv = groupConversationId(groupId);
    await h.services[0]!.catchUpTimeline();
    const acks = await Promise.all(
      [owner, ...members].flatMap((u) =>
        Array.from({ length: 40 }, () =>
          h.call(u, "chat.send", { conversationId: conv, clientMsgId: cid(), text: "x" }),
        ),
      ),
    );
    const seqs = acks.map((a) => a.seq).sort((a, b) => a - b);
    expect(new Set(seqs).size).toBe(240);
    const all = await h.call(owner, "chat.sync", { conversationId: conv, afterSeq: 0, limit: 200 });
    const rest = await h.call(owner, "chat.sync", { conversationId: conv, afterSeq: 200, limit: 200 });
    const got = [...all.entries, ...rest.entries].map((e) => e.seq);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i + 1));
    expect(h.services.every((s) => (s.writerStats?.jobs ?? 0) > 0)).toBe(true);
  });

  it("a kick racing with sends: nothing the kicked member sends after the kick commits is accepted", async () => {
    const owner = await h.seed.user();
    const eve = await h.seed.user();
    const groupId = await h.seed.group(owner, [eve]);
    const conv = groupConversationId(groupId);
    await h.services[0]!.catchUpTimeline();
    const sends = Array.from({ length: 60 }, () =>
      h.refusal(eve, "chat.send", { conversationId: conv, clientMsgId: cid(), text: "spam" }),
    );
    await new Promise((r) => setTimeout(r, 2));
    await h.seed.kick(groupId, owner, eve);
    const outcomes = await Promise.all(sends);
    const accepted = outcomes.filter((o) => o === undefined).length;
    expect(outcomes.every((o) => o === undefined || o.code === "NOT_FOUND")).toBe(true);
    await h.services[1]!.catchUpTimeline();
    const page = await h.call(owner, "chat.sync", { conversationId: conv, afterSeq: 0, limit: 200 });
    const kickAt = page.entries.find((e) => e.kind === "system" && e.event.type === "kicked")!.seq;
    const eveAfterKick = page.entries.filter((e) => e.kind === "text" && e.senderId === eve && e.seq > kickAt);
    expect(eveAfterKick).toEqual([]);
    expect(page.entries.filter((e) => e.kind === "text")).toHaveLength(accepted);
  });
});

/**
 * Another process holding the write lock: on SQLite the file's (BEGIN IMMEDIATE); on PostgreSQL
 * the Conversation table (LOCK TABLE ... EXCLUSIVE: sends wait, past lock_timeout they fail and
 * the batch is retried).
 */
async function lockDatabase(url: string): Promise<{ release(): Promise<void> }> {
  if (dialectOf(url) === "sqlite") {
    const other = new Database(sqliteFile(url), { fileMustExist: true });
    other.exec("BEGIN IMMEDIATE");
    return {
      async release() {
        other.exec("COMMIT");
        other.close();
      },
    };
  }
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  await other.query(`BEGIN; LOCK TABLE "Conversation" IN EXCLUSIVE MODE`);
  return {
    async release() {
      await other.query("COMMIT");
      await other.end();
    },
  };
}

describe("a database locked by another process", () => {
  it("waits and retries without blocking: sends commit once the lock is released", async () => {
    const a = await h.seed.user();
    const b = await h.seed.user();
    await h.seed.friends(a, b);
    const other = await lockDatabase(h.database.url);
    const sending = Promise.all(
      Array.from({ length: 10 }, () =>
        h.call(a, "chat.send", { conversationId: dmConversationId(a, b), clientMsgId: cid(), text: "patience" }),
      ),
    );
    await new Promise((r) => setTimeout(r, 400));
    // The event loop was free meanwhile: the health check answers.
    // A loop blocked in a synchronous busy wait could not answer before the COMMIT below, whatever the timeout.
    const health = await h.client.request(SUBJECTS.health("chat"), "", { timeout: 3000 });
    expect(health.json()).toMatchObject({ ok: true });
    await other.release();
    const acks = await sending;
    expect(acks.map((x) => x.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it("past the deadline every send of the batch fails with UNAVAILABLE and nothing is written", async () => {
    const a = await h.seed.user();
    const b = await h.seed.user();
    await h.seed.friends(a, b);
    const dm = dmConversationId(a, b);
    const other = await lockDatabase(h.database.url);
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        h.refusal(a, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "lost?" }),
      ),
    );
    await other.release();
    expect(outcomes.map((o) => o?.code)).toEqual(Array(5).fill("UNAVAILABLE"));
    expect(outcomes.every((o) => o?.retryable)).toBe(true);
    expect(await h.db.conversation.count({ where: { key: dm } })).toBe(0);
    // The retry (same clientMsgId or not) then succeeds.
    expect((await h.call(a, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "again" })).seq).toBe(1);
  });
});
