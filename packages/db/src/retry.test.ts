/**
 * The one retry policy, with real lock errors: two better-sqlite3 connections, and (when the
 * PostgreSQL of the tests is reachable) real serialization failures and deadlocks through Prisma's
 * adapter, in every shape the client reports them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, test } from "vitest";
import { AppError } from "@sealroom/proto/errors";
import { backoffMs, isRetryable, withRetry } from "./retry.js";
import { createDb, type Db } from "./index.js";
import { migratePostgres } from "./migrate-pg.js";
import { pgAvailable, scratchPostgres } from "./test/pg.js";

async function caught(op: () => Promise<unknown>): Promise<unknown> {
  try {
    await op();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

test("a write while another connection holds the write lock is retryable; other errors and AppErrors are not", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retry-test-"));
  const file = path.join(dir, "t.db");
  const a = new Database(file, { timeout: 0 });
  const b = new Database(file, { timeout: 0 });
  try {
    a.exec("CREATE TABLE t (x INTEGER)");
    a.exec("BEGIN IMMEDIATE");
    let locked: unknown;
    try {
      b.exec("BEGIN IMMEDIATE");
    } catch (err) {
      locked = err;
    }
    expect(isRetryable(locked)).toBe(true);
    let other: unknown;
    try {
      b.exec("SELECT * FROM missing");
    } catch (err) {
      other = err;
    }
    expect(isRetryable(other)).toBe(false);
    a.exec("ROLLBACK");
  } finally {
    a.close();
    b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // What Prisma's adapter reports for the same condition.
  expect(isRetryable(Object.assign(new Error("Transaction API error"), { code: "P2034" }))).toBe(true);
  expect(isRetryable(new Error("SqliteError: database is locked"))).toBe(true);
  expect(isRetryable(new AppError("UNAVAILABLE", "timed out"))).toBe(false);
  // PostgreSQL's lock_not_available (a lock wait past lock_timeout), in the shapes pg and Prisma give it.
  expect(isRetryable(Object.assign(new Error("canceling statement due to lock timeout"), { code: "55P03" }))).toBe(
    true,
  );
  const adapter = Object.assign(new Error("x"), { name: "DriverAdapterError", cause: { originalCode: "55P03" } });
  expect(isRetryable(adapter)).toBe(true);
  expect(isRetryable(Object.assign(new Error("x"), { code: "P2010", meta: { driverAdapterError: adapter } }))).toBe(
    true,
  );
  expect(isRetryable("database is locked")).toBe(false);
});

test("backoff doubles per attempt up to the cap, within x0.5..x1.5 jitter", () => {
  expect(backoffMs(0, { baseMs: 5, maxMs: 200 }, () => 0.5)).toBe(5);
  expect(backoffMs(3, { baseMs: 5, maxMs: 200 }, () => 0.5)).toBe(40);
  expect(backoffMs(30, { baseMs: 5, maxMs: 200 }, () => 0.5)).toBe(200);
  expect(backoffMs(4, { baseMs: 20 }, () => 0.5)).toBe(320);
  expect(backoffMs(1, { baseMs: 20 }, () => 0)).toBe(20);
  expect(backoffMs(1, { baseMs: 20 }, () => 0.999)).toBeLessThan(60);
});

test("withRetry runs again after a retryable failure, gives up after `attempts`, never retries an AppError", async () => {
  let calls = 0;
  const busy = Object.assign(new Error("busy"), { code: "SQLITE_BUSY" });
  expect(await withRetry(async () => (++calls < 3 ? Promise.reject(busy) : "done"), { baseMs: 1 })).toBe("done");
  expect(calls).toBe(3);
  calls = 0;
  await expect(withRetry(async () => (++calls, Promise.reject(busy)), { baseMs: 1, attempts: 4 })).rejects.toBe(busy);
  expect(calls).toBe(4);
  calls = 0;
  const answer = new AppError("NOT_FOUND");
  await expect(withRetry(async () => (++calls, Promise.reject(answer)), { baseMs: 1 })).rejects.toBe(answer);
  expect(calls).toBe(1);
});

describe.runIf(await pgAvailable())("PostgreSQL through Prisma's adapter", () => {
  let scratchUrl = "";
  /** Two clients on one migrated scratch database, and a group row to fight over. */
  async function twoClients(): Promise<{ a: Db; b: Db; ids: [number, number]; done: () => Promise<void> }> {
    const scratch = await scratchPostgres("retry");
    scratchUrl = scratch.url;
    await migratePostgres(scratch.url);
    const a = await createDb({ url: scratch.url });
    const b = await createDb({ url: scratch.url });
    const g = await a.group.create({ data: { name: "g", ownerId: 1 } });
    const h = await a.group.create({ data: { name: "h", ownerId: 1 } });
    return {
      a,
      b,
      ids: [g.id, h.id],
      done: async () => {
        await a.$disconnect();
        await b.$disconnect();
        await scratch.drop();
      },
    };
  }

  test("a lock wait past lock_timeout (55P03) from pg, and from Prisma's model and raw queries", async () => {
    const { b, ids, done } = await twoClients();
    const [g] = ids;
    const holder = new pg.Client({ connectionString: scratchUrl });
    try {
      await holder.connect();
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "Group" WHERE "id" = $1 FOR UPDATE`, [g]);
      const viaPg = new pg.Client({ connectionString: scratchUrl });
      await viaPg.connect();
      const direct = await caught(async () => {
        await viaPg.query("SET lock_timeout = '50ms'");
        await viaPg.query(`UPDATE "Group" SET "version" = 1 WHERE "id" = $1`, [g]);
      }).finally(() => viaPg.end());
      expect(direct).toMatchObject({ code: "55P03" });
      expect(isRetryable(direct)).toBe(true);
      for (const stmt of ["model", "raw"] as const) {
        const err = await caught(() =>
          b.$transaction(async (tx) => {
            await tx.$executeRawUnsafe("SET LOCAL lock_timeout = '50ms'");
            if (stmt === "model") await tx.group.update({ where: { id: g }, data: { version: 2 } });
            else await tx.$executeRawUnsafe(`UPDATE "Group" SET "version" = 2 WHERE "id" = ${g}`);
          }),
        );
        expect([stmt, isRetryable(err)]).toEqual([stmt, true]);
      }
      await holder.query("ROLLBACK");
    } finally {
      await holder.end().catch(() => {});
      await done();
    }
  });

  test("serialization failures (40001) from model and raw queries, deadlocks (40P01) from both", async () => {
    const { a, b, ids, done } = await twoClients();
    const [g, h] = ids;
    try {
      // 40001 from a model query: P2034.
      const model = await caught(() =>
        a.$transaction(
          async (ta) => {
            await ta.group.findUnique({ where: { id: g } });
            await b.group.update({ where: { id: g }, data: { version: { increment: 1 } } });
            await ta.group.update({ where: { id: g }, data: { version: { increment: 1 } } });
          },
          { isolationLevel: "Serializable" },
        ),
      );
      expect(model).toMatchObject({ code: "P2034" });
      expect(isRetryable(model)).toBe(true);
      // 40001 from a raw query: P2010, the SQLSTATE only in meta.
      const raw = await caught(() =>
        a.$transaction(
          async (ta) => {
            await ta.$queryRawUnsafe(`SELECT 1 FROM "Group" WHERE id = ${g}`);
            await b.$executeRawUnsafe(`UPDATE "Group" SET version = version + 1 WHERE id = ${g}`);
            await ta.$executeRawUnsafe(`UPDATE "Group" SET version = version + 1 WHERE id = ${g}`);
          },
          { isolationLevel: "Serializable" },
        ),
      );
      expect(raw).toMatchObject({ code: "P2010", meta: { driverAdapterError: { cause: { originalCode: "40001" } } } });
      expect(isRetryable(raw)).toBe(true);
      // 40P01 from model queries: the bare DriverAdapterError, no Prisma code at all.
      const crossed = (first: number, second: number) => (db: Db) =>
        db.$transaction(async (tx) => {
          await tx.group.update({ where: { id: first }, data: { version: { increment: 1 } } });
          await new Promise((r) => setTimeout(r, 300));
          await tx.group.update({ where: { id: second }, data: { version: { increment: 1 } } });
        });
      const deadlock = await caught(() => Promise.all([crossed(g, h)(a), crossed(h, g)(b)]));
      expect(deadlock).toMatchObject({ name: "DriverAdapterError", cause: { originalCode: "40P01" } });
      expect(isRetryable(deadlock)).toBe(true);
      // Neither a unique violation nor a syntax error is.
      const unique = await caught(() =>
        a.authSecret.createMany({
          data: [
            { name: "x", value: "1" },
            { name: "x", value: "2" },
          ],
        }),
      );
      expect(unique).toMatchObject({ code: "P2002" });
      expect(isRetryable(unique)).toBe(false);
      expect(isRetryable(await caught(() => a.$executeRawUnsafe("SELEC 1")))).toBe(false);
      // And withRetry turns the lost race into a success.
      let tries = 0;
      await withRetry(
        () =>
          a.$transaction(
            async (ta) => {
              tries++;
              await ta.group.findUnique({ where: { id: g } });
              if (tries === 1) await b.group.update({ where: { id: g }, data: { version: { increment: 1 } } });
              await ta.group.update({ where: { id: g }, data: { version: { increment: 1 } } });
            },
            { isolationLevel: "Serializable" },
          ),
        { baseMs: 1 },
      );
      expect(tries).toBe(2);
    } finally {
      await done();
    }
  });
});

test("createDb on SQLite waits out a lock held past its busy timeout instead of failing", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "retry-test-"));
  const file = path.join(dir, "t.db");
  // A file still in rollback-journal mode: switching it to WAL needs the lock the holder keeps.
  const holder = new Database(file);
  holder.exec("CREATE TABLE t (x INTEGER)");
  holder.exec("BEGIN EXCLUSIVE");
  const released = new Promise<void>((resolve) =>
    setTimeout(() => {
      holder.exec("COMMIT");
      resolve();
    }, 600),
  );
  try {
    const db = await createDb({ url: `file:${file}`, busyTimeoutMs: 50 });
    await released;
    expect(await db.$queryRawUnsafe("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
    await db.$disconnect();
  } finally {
    await released;
    holder.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
