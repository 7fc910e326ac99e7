/**
 * The SQL layer on both engines: a real SQLite file and a real PostgreSQL database (a fresh one
 * per run on the server at SEALROOM_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres;
 * the PostgreSQL half is skipped, saying so, when no server answers there).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isTransactionConflict,
  isUniqueViolation,
  openSql,
  sql,
  toDollarParams,
  type Dialect,
  type SqlDb,
} from "./index.js";

const PG_ADMIN = process.env.SEALROOM_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}
const hasPg = await pgReachable();
if (!hasPg) console.warn(`sql.test.ts: no PostgreSQL at ${PG_ADMIN}: its half is skipped`);

describe("toDollarParams", () => {
  it("numbers ? in order, leaving literals, quoted names and comments alone", () => {
    expect(toDollarParams(`SELECT '?' AS "a?", x FROM t WHERE a = ? AND b = ? -- why?\nAND c = ?`)).toBe(
      `SELECT '?' AS "a?", x FROM t WHERE a = $1 AND b = $2 -- why?\nAND c = $3`,
    );
    expect(() => toDollarParams("SELECT $1")).toThrow(/write parameters as \?/);
  });
});

const SCHEMA = `
  CREATE TABLE "Item" ("id" INTEGER PRIMARY KEY, "key" TEXT NOT NULL UNIQUE, "n" INTEGER NOT NULL DEFAULT 0,
    "f" DOUBLE PRECISION, "at" TIMESTAMP(3));
`;
const SCHEMA_PG = SCHEMA.replace(`"id" INTEGER PRIMARY KEY`, `"id" SERIAL PRIMARY KEY`);

const insert = sql<[string, number], { id: number }>(`INSERT INTO "Item" ("key", "n") VALUES (?, ?) RETURNING "id"`);
const byKey = sql<[string], { id: number; key: string; n: number; f: number | null; at: number | null }>(
  `SELECT * FROM "Item" WHERE "key" = ?`,
);
const count = sql<[], { n: number }>(`SELECT COUNT(*) AS "n" FROM "Item"`);
const forUpdate = sql<[string], { n: number }>({
  sqlite: `SELECT "n" FROM "Item" WHERE "key" = ?`,
  postgresql: `SELECT "n" FROM "Item" WHERE "key" = ? FOR UPDATE`,
});

interface Engine {
  name: Dialect;
  open(): Promise<SqlDb>;
  cleanup(): Promise<void>;
}

function sqliteEngine(): Engine {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sql-test-"));
  const url = `file:${path.join(dir, "t.db")}`;
  return {
    name: "sqlite",
    async open() {
      const db = openSql(url, { fileMustExist: false });
      return db;
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function pgEngine(): Engine {
  const name = `sealroom_sqltest_${process.pid}_${Date.now()}`;
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  let created = false;
  return {
    name: "postgresql",
    async open() {
      if (!created) {
        const admin = new pg.Client({ connectionString: PG_ADMIN });
        await admin.connect();
        await admin.query(`CREATE DATABASE "${name}"`);
        await admin.end();
        created = true;
      }
      return openSql(url.toString(), { poolSize: 4, lockTimeoutMs: 500 });
    },
    async cleanup() {
      if (!created) return;
      const admin = new pg.Client({ connectionString: PG_ADMIN });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

const engines: Array<[string, () => Engine, boolean]> = [
  ["sqlite", sqliteEngine, true],
  ["postgresql", pgEngine, hasPg],
];

describe.each(engines)("%s", (name, make, enabled) => {
  let engine: Engine;
  let db: SqlDb;
  beforeAll(async () => {
    if (!enabled) return;
    engine = make();
    db = await engine.open();
    await db.exec(name === "sqlite" ? SCHEMA : SCHEMA_PG);
  });
  afterAll(async () => {
    if (!enabled) return;
    await db.close();
    await engine.cleanup();
  });

  it.runIf(enabled)(
    "rows keep the statement's column names and order; a repeated name keeps its last value",
    async () => {
      const row = await db.get<Record<string, unknown>>(`SELECT 1 AS "b", 2 AS "a", 3 AS "b"`);
      expect(Object.keys(row!)).toEqual(["b", "a"]);
      expect(row).toEqual({ b: 3, a: 2 });
      const rows = await db.all<Record<string, unknown>>(`SELECT 1 AS "x" UNION ALL SELECT 2`);
      expect(rows).toEqual([{ x: 1 }, { x: 2 }]);
    },
  );

  it.runIf(enabled && name === "sqlite")(
    "a column named __proto__ is a property, not the row's prototype",
    async () => {
      const row = (await db.get<Record<string, unknown>>(`SELECT 7 AS "__proto__", 1 AS "a"`))!;
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(row, "__proto__")?.value).toBe(7);
    },
  );

  it.runIf(enabled)("get, all, run and RETURNING give the same row types", async () => {
    expect(db.dialect).toBe(name);
    const { id } = (await db.get(insert, ["a", 1]))!;
    expect(typeof id).toBe("number");
    await db.run(`UPDATE "Item" SET "f" = ?, "at" = ? WHERE "id" = ?`, [1.5, "2026-12-03 10:00:00.250", id]);
    expect(await db.get(byKey, ["a"])).toEqual({
      id,
      key: "a",
      n: 1,
      f: 1.5,
      at: Date.parse("2026-12-03T10:00:00.250Z"),
    });
    expect(await db.get(byKey, ["none"])).toBeUndefined();
    expect(await db.get(count, [])).toEqual({ n: 1 });
    expect(await db.run(`UPDATE "Item" SET "n" = "n" + 1 WHERE "key" = ?`, ["a"])).toMatchObject({ changes: 1 });
    // The new row's id without RETURNING on SQLite (lastInsertRowid), with it on PostgreSQL.
    const text = `INSERT INTO "Item" ("key") VALUES (?)`;
    const withId = sql<[string]>({ sqlite: text, postgresql: `${text} RETURNING "id"` });
    const inserted = await db.run(withId, ["b"]);
    expect(inserted).toEqual({ changes: 1, lastId: (await db.get(byKey, ["b"]))?.id });
    await db.run(`DELETE FROM "Item" WHERE "key" = ?`, ["b"]);
    expect(await db.all(`SELECT "key" FROM "Item" ORDER BY "key"`)).toEqual([{ key: "a" }]);
    // Portable spellings of what differs between the engines.
    await db.run(`INSERT INTO "Item" ("key") VALUES (?) ON CONFLICT DO NOTHING`, ["a"]);
    expect(await db.get(`SELECT COUNT(*) AS "n" FROM (SELECT 1 FROM "Item" LIMIT ?) AS "s"`, [5])).toEqual({ n: 1 });
  });

  it.runIf(enabled)("a transaction commits, rolls back on a throw, and savepoints undo one part", async () => {
    await db.transaction(async (tx) => {
      await tx.get(insert, ["t1", 0]);
      await expect(
        tx.savepoint(async (sp) => {
          await sp.get(insert, ["t2", 0]);
          await sp.get(insert, ["t1", 0]); // unique violation: fails the savepoint, not the transaction
        }),
      ).rejects.toSatisfy(isUniqueViolation);
      await tx.savepoint((sp) => sp.get(insert, ["t3", 0]));
    });
    expect(await db.get(byKey, ["t1"])).toBeDefined();
    expect(await db.get(byKey, ["t2"])).toBeUndefined();
    expect(await db.get(byKey, ["t3"])).toBeDefined();
    await expect(
      db.transaction(async (tx) => {
        await tx.get(insert, ["t4", 0]);
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    expect(await db.get(byKey, ["t4"])).toBeUndefined();
  });

  it.runIf(enabled)("a read-only snapshot sees one point in time", async () => {
    const other = await engine.open();
    try {
      const seen = await db.snapshot(async (tx) => {
        const before = await tx.get(count, []);
        await other.get(insert, [`snap-${name}`, 0]);
        const after = await tx.get(count, []);
        return [before, after];
      });
      expect(seen[0]).toEqual(seen[1]);
      await expect(db.snapshot((tx) => tx.run(`DELETE FROM "Item"`))).rejects.toThrow();
    } finally {
      await other.close();
    }
  });

  it.runIf(enabled && name === "sqlite")("sqlite: statements from outside wait for the open transaction", async () => {
    const order: string[] = [];
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await t.get(insert, ["gate", 0]);
      order.push("tx wrote");
      await hold;
      order.push("tx done");
    });
    const outside = db.get(byKey, ["gate"]).then((row) => order.push(`outside saw ${row ? "it" : "nothing"}`));
    await new Promise((r) => setTimeout(r, 20));
    release();
    await Promise.all([tx, outside]);
    expect(order).toEqual(["tx wrote", "tx done", "outside saw it"]);
  });

  it.runIf(enabled && name === "sqlite")(
    "sqlite: a noWait transaction does not wait out the busy timeout for another process's lock",
    async () => {
      // A busy timeout longer than the test's: a BEGIN that waited for the lock would time the test out.
      const file = db.url.replace(/^file:/, "");
      const patient = openSql(db.url, { busyTimeoutMs: 60_000 });
      const other = new Database(file, { fileMustExist: true });
      other.exec("BEGIN IMMEDIATE");
      try {
        const err = await patient.transaction(async () => "never", { noWait: true }).catch((e: unknown) => e);
        expect(isTransactionConflict(err)).toBe(true);
      } finally {
        other.exec("COMMIT");
        other.close();
      }
      // The connection's own busy timeout is back, and the next transaction goes through.
      expect(await patient.transaction(async (t) => (await t.get(insert, ["after noWait", 0]))?.id)).toEqual(
        expect.any(Number),
      );
      await patient.close();
    },
  );

  it.runIf(enabled)("a lock held by another connection is a transaction conflict", async () => {
    await db.get(insert, ["locked", 0]);
    const other = await engine.open();
    try {
      let release!: () => void;
      const hold = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = other.transaction(async (tx) => {
        await tx.get(forUpdate, ["locked"]);
        await tx.run(`UPDATE "Item" SET "n" = 1 WHERE "key" = ?`, ["locked"]);
        locked();
        await hold;
      });
      await isLocked;
      const err = await db
        .transaction((tx) => tx.run(`UPDATE "Item" SET "n" = 2 WHERE "key" = ?`, ["locked"]))
        .catch((e: unknown) => e);
      expect(isTransactionConflict(err)).toBe(true);
      release();
      await holder;
    } finally {
      await other.close();
    }
  });

  it.runIf(enabled && name === "postgresql")(
    "postgresql: FOR UPDATE serializes read-then-write across connections",
    async () => {
      await db.get(insert, ["counter", 0]);
      const others = await Promise.all([engine.open(), engine.open()]);
      try {
        await Promise.all(
          others.flatMap((o) =>
            Array.from({ length: 20 }, () =>
              o.transaction(async (tx) => {
                const { n } = (await tx.get(forUpdate, ["counter"]))!;
                await tx.run(`UPDATE "Item" SET "n" = ? WHERE "key" = ?`, [n + 1, "counter"]);
              }),
            ),
          ),
        );
        expect((await db.get(byKey, ["counter"]))?.n).toBe(40);
      } finally {
        await Promise.all(others.map((o) => o.close()));
      }
    },
  );

  it.runIf(enabled && name === "sqlite")(
    "sqlite: a read-only connection refuses writes, and its snapshot holds while another connection commits",
    async () => {
      await db.get(insert, ["ro-1", 0]);
      const reader = openSql(db.url, { readOnly: true });
      try {
        await expect(reader.run(`UPDATE "Item" SET "n" = 1 WHERE "key" = ?`, ["ro-1"])).rejects.toThrow(/readonly/i);
        const seen = await reader.snapshot(async (tx) => {
          const before = (await tx.get(count, []))!.n;
          // Committed by the writer's connection while the snapshot is open (WAL: neither waits).
          await db.get(insert, ["ro-2", 0]);
          return [before, (await tx.get(count, []))!.n];
        });
        expect(seen[1]).toBe(seen[0]);
        expect((await reader.get(count, []))!.n).toBe(seen[0]! + 1);
      } finally {
        await reader.close();
      }
    },
  );
});
