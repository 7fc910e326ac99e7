/**
 * Page reads on reader threads (read-pool.ts, SQLite): the same replies as on the event loop, one
 * point in time per reply while the writer appends, read-your-writes, and a thread's death
 * recovered without losing a request. PostgreSQL reads on its pool, never on these threads.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteFile } from "@sealroom/testkit";
import { dmConversationId, pageSchema } from "@sealroom/proto/chat";
import { AppError } from "@sealroom/proto/errors";
import type { EncodedValue } from "@sealroom/runtime";
import { ReadPool } from "./read-pool.js";
import { log, setup, type Harness } from "./test/harness.js";

/** The seqs of a page as a thread sent it (its reply value's JSON, checked against the contract). */
const seqsOf = async (page: Promise<EncodedValue<unknown>>) =>
  pageSchema.parse(JSON.parse(new TextDecoder().decode((await page).json))).entries.map((e) => e.seq);

const onSqlite = (process.env.SEALROOM_TEST_DB ?? "sqlite") === "sqlite";

let n = 0;
const sender = (h: Harness) => (userId: number, conversationId: string, text: string) =>
  h.call(userId, "chat.send", { conversationId, clientMsgId: `rp-${++n}`, text });

async function pair(h: Harness) {
  const a = await h.seed.user();
  const b = await h.seed.user();
  await h.seed.friends(a, b);
  return { a, b, dm: dmConversationId(a, b) };
}

describe.each([
  { readThreads: 0, where: "on the event loop" },
  { readThreads: 2, where: "on two reader threads" },
])("pages read $where", ({ readThreads }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup({ config: { readThreads } });
  });
  afterAll(async () => {
    await h?.teardown();
  });

  it("a page read after a send was acknowledged includes it (read-your-writes)", async () => {
    const { a, b, dm } = await pair(h);
    const send = sender(h);
    for (let i = 1; i <= 60; i++) {
      const { seq } = await send(i % 2 ? a : b, dm, `m${i}`);
      const reader = i % 3 ? a : b;
      const newest = await h.call(reader, "chat.history", { conversationId: dm, limit: 5 });
      expect(newest.entries.at(-1)?.seq).toBe(seq);
      const after = await h.call(reader, "chat.sync", { conversationId: dm, afterSeq: seq - 1 });
      expect(after.entries.map((e) => e.seq)).toEqual([seq]);
      const list = await h.call(reader, "chat.conversations", {});
      expect(list.conversations.find((c) => c.conversationId === dm)?.lastSeq).toBe(seq);
    }
  });

  it("each reply sees one point in time while others write", async () => {
    // One reader with many conversations, all being written to until the reads end: a list read runs
    // several statements per conversation, and without one snapshot the rows read last would be
    // newer than the first (checked: reading outside a transaction fails this test on the threads).
    const reader = await h.seed.user();
    const friends: number[] = [];
    for (let i = 0; i < 24; i++) {
      const f = await h.seed.user();
      await h.seed.friends(reader, f);
      friends.push(f);
    }
    const send = sender(h);
    let writing = true;
    const writers = friends.map(async (f) => {
      for (let i = 0; writing && i < 100_000; i++) await send(f, dmConversationId(reader, f), `w${i}`);
    });
    try {
      for (let reads = 0; reads < 60; reads++) {
        const dm = dmConversationId(reader, friends[reads % friends.length]!);
        const [newest, list] = await Promise.all([
          h.call(reader, "chat.history", { conversationId: dm, limit: 20 }),
          h.call(reader, "chat.conversations", {}),
        ]);
        // The conversation row and the rows read after it agree: nothing committed between them.
        if (newest.entries.length > 0) expect(newest.entries.at(-1)?.seq).toBe(newest.lastSeq);
        for (const c of list.conversations) if (c.last) expect(c.last.seq).toBe(c.lastSeq);
      }
    } finally {
      writing = false;
      await Promise.all(writers);
    }
  });

  it("refusals cross the thread as the same errors", async () => {
    const { dm } = await pair(h);
    const outsider = await h.seed.user();
    expect((await h.refusal(outsider, "chat.history", { conversationId: dm }))?.code).toBe("NOT_FOUND");
    expect((await h.refusal(outsider, "chat.sync", { conversationId: "group:999999", afterSeq: 0 }))?.code).toBe(
      "NOT_FOUND",
    );
  });
});

describe.runIf(onSqlite)("a reader thread that dies", () => {
  let h: Harness;
  let a: number;
  let dm: string;
  beforeAll(async () => {
    h = await setup();
    ({ a, dm } = await pair(h));
    for (let i = 1; i <= 5; i++) await sender(h)(a, dm, `m${i}`);
  });
  afterAll(async () => {
    await h?.teardown();
  });

  it("is replaced, and its request in flight is answered by the new thread", async () => {
    const pool = new ReadPool({ url: h.database.url, threads: 1, timeoutMs: 3000, log, clock: Date.now });
    try {
      const [first] = pool.workers;
      // Sent while the thread is still starting: it cannot have answered when it is ended.
      const page = pool.history(a, dm, undefined, 50);
      await first?.terminate();
      expect(await seqsOf(page)).toEqual([1, 2, 3, 4, 5]);
      expect(pool.stats).toEqual({ restarts: 1, retried: 1, timeouts: 0 });
      expect(pool.workers).toHaveLength(1);
      expect(pool.workers[0]).not.toBe(first);
      expect(await seqsOf(pool.sync(a, dm, 3, 50))).toEqual([4, 5]);
    } finally {
      await pool.close();
    }
  });

  it("fails a request with INTERNAL when its thread dies twice, and keeps serving others", async () => {
    const pool = new ReadPool({ url: h.database.url, threads: 1, timeoutMs: 3000, log, clock: Date.now });
    try {
      const page = pool.history(a, dm, undefined, 50);
      const outcome = page.then(
        () => undefined,
        (err: unknown) => err,
      );
      const first = pool.workers[0];
      await first?.terminate();
      // Its replacement, as soon as it exists (it is still loading: the request is not answered).
      for (let i = 0; i < 400 && (pool.workers.length === 0 || pool.workers[0] === first); i++)
        await new Promise((r) => setTimeout(r, 5));
      await pool.workers[0]?.terminate();
      const err = await outcome;
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("INTERNAL");
      expect(pool.stats.restarts).toBe(2);
      // The next thread (started after a short delay: two quick deaths) serves as before.
      expect(await seqsOf(pool.history(a, dm, undefined, 2))).toEqual([4, 5]);
    } finally {
      await pool.close();
    }
  });

  it("refuses requests after close", async () => {
    const pool = new ReadPool({ url: h.database.url, threads: 1, timeoutMs: 3000, log, clock: Date.now });
    await pool.close();
    await expect(pool.history(a, dm, undefined, 5)).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });
});

describe.runIf(onSqlite)("a reader thread stuck in a read", () => {
  let h: Harness;
  let a: number;
  let dm: string;
  let dir: string;
  /** A user whose conversation list is a read far beyond the bound: 50,000 DMs, each partner looked up (~0.5 s here; the bound is 100 ms). */
  const HOARDER = 900_000;
  beforeAll(async () => {
    h = await setup();
    ({ a, dm } = await pair(h));
    for (let i = 1; i <= 3; i++) await sender(h)(a, dm, `m${i}`);
    dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-stuck-"));
  });
  afterAll(async () => {
    await h?.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fails the page with TIMEOUT within the bound, is replaced, and the next page is read", async () => {
    // A copy of the database, where the hoarder's rows go without slowing the service's own.
    const file = path.join(dir, "copy.db");
    const source = new Database(sqliteFile(h.database), { readonly: true });
    source.exec(`VACUUM INTO '${file}'`);
    source.close();
    const copy = new Database(file);
    copy.pragma("journal_mode = WAL");
    const conv = copy.prepare(`INSERT INTO "Conversation" ("key", "kind") VALUES (?, 'dm') RETURNING "id"`);
    const member = copy.prepare(`INSERT INTO "ConversationMember" ("conversationId", "userId") VALUES (?, ?)`);
    copy.transaction(() => {
      for (let peer = 1_000_000; peer < 1_050_000; peer++) {
        const row: unknown = conv.get(`dm:${HOARDER}:${peer}`);
        if (typeof row !== "object" || row === null || !("id" in row)) throw new Error("no conversation id");
        member.run(row.id, HOARDER);
      }
    })();
    copy.close();

    const pool = new ReadPool({ url: `file:${file}`, threads: 1, timeoutMs: 100, log, clock: Date.now });
    try {
      await pool.ready();
      const [first] = pool.workers;
      const started = Date.now();
      const stuck = pool.conversations(HOARDER, undefined);
      // Queued behind it on the same thread: sent on to the replacement, and answered.
      const queued = pool.history(a, dm, undefined, 50);
      await expect(stuck).rejects.toMatchObject({ code: "TIMEOUT" });
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      expect(pool.stats).toMatchObject({ timeouts: 1, retried: 1 });
      expect(pool.workers).toHaveLength(1);
      expect(pool.workers[0]).not.toBe(first);
      expect(await seqsOf(queued)).toEqual([1, 2, 3]);
      expect(await seqsOf(pool.sync(a, dm, 1, 50))).toEqual([2, 3]);
    } finally {
      await pool.close();
    }
  });
});
