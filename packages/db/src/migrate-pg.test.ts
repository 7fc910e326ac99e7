/** Our PostgreSQL migration runner against the real server (skipped where there is none). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { createDb } from "./index.js";
import { migratePostgres, readMigrations } from "./migrate-pg.js";
import { migrateDatabase } from "./migrate.js";
import { pgAvailable, scratchPostgres } from "./test/pg.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function scratch(label: string) {
  const db = await scratchPostgres(label);
  cleanups.push(() => db.drop());
  return db;
}

/** A folder of migrations written from `files` (name -> SQL). */
function migrationsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-migrations-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe.runIf(await pgAvailable())("migratePostgres", () => {
  test("applies the committed migrations once; a second run finds nothing to do; Prisma works on the result", async () => {
    const { url } = await scratch("mig");
    const committed = readMigrations().map((m) => m.name);
    expect(committed[0]).toBe("0001_init");
    expect(await migratePostgres(url)).toEqual({ applied: committed, upToDate: [], unknown: [] });
    expect(await migratePostgres(url)).toEqual({ applied: [], upToDate: committed, unknown: [] });
    const rows = await query<{ name: string; checksum: string }>(
      url,
      `SELECT name, checksum FROM "_sealroom_migrations"`,
    );
    expect(rows.map((r) => r.name)).toEqual(committed);
    expect(rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    // migrateDatabase dispatches on the url.
    await migrateDatabase(url);
    const db = await createDb({ url });
    try {
      const user = await db.user.create({ data: { username: "Ann", usernameKey: "ann", passwordHash: "x" } });
      expect(await db.user.findUnique({ where: { id: user.id } })).toMatchObject({ username: "Ann" });
    } finally {
      await db.$disconnect();
    }
  });

  test("refuses a migration whose file changed after it was applied, before applying anything", async () => {
    const { url } = await scratch("mig");
    const before = migrationsDir({ "0001_a": `CREATE TABLE a (x INT);` });
    await migratePostgres(url, { dir: before });
    const after = migrationsDir({ "0001_a": `CREATE TABLE a (x BIGINT);`, "0002_b": `CREATE TABLE b (x INT);` });
    await expect(migratePostgres(url, { dir: after })).rejects.toThrow(/0001_a was changed after it was applied/);
    expect(await query(url, `SELECT to_regclass('b') AS t`)).toEqual([{ t: null }]);
  });

  test("a failing migration is rolled back whole and not recorded; the ones before it stay", async () => {
    const { url } = await scratch("mig");
    const dir = migrationsDir({
      "0001_ok": `CREATE TABLE ok (x INT);`,
      "0002_bad": `CREATE TABLE half (x INT); INSERT INTO missing VALUES (1);`,
    });
    await expect(migratePostgres(url, { dir })).rejects.toThrow(/0002_bad failed and was rolled back/);
    expect(await query(url, `SELECT name FROM "_sealroom_migrations"`)).toEqual([{ name: "0001_ok" }]);
    expect(await query(url, `SELECT to_regclass('half') AS t`)).toEqual([{ t: null }]);
  });

  test("runners started together take turns: each migration is applied exactly once", async () => {
    const { url } = await scratch("mig");
    // Slow enough that the runners really overlap.
    const dir = migrationsDir({
      "0001_slow": `CREATE TABLE t (x INT); SELECT pg_sleep(0.3); INSERT INTO t VALUES (1);`,
      "0002_more": `INSERT INTO t VALUES (2);`,
    });
    const results = await Promise.all([1, 2, 3, 4].map(() => migratePostgres(url, { dir })));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(["0001_slow", "0002_more"]);
    expect(await query(url, `SELECT x FROM t ORDER BY x`)).toEqual([{ x: 1 }, { x: 2 }]);
  });

  test("createDatabase makes a missing database; applied names unknown to this version are reported", async () => {
    const { url, name } = await scratch("mig");
    await query(url.replace(`/${name}`, "/postgres"), `DROP DATABASE ${name}`);
    const dir = migrationsDir({ "0001_a": `CREATE TABLE a (x INT);` });
    await migratePostgres(url, { dir, createDatabase: true });
    await query(url, `INSERT INTO "_sealroom_migrations" (name, checksum) VALUES ('0002_future', 'f')`);
    expect(await migratePostgres(url, { dir })).toEqual({
      applied: [],
      upToDate: ["0001_a"],
      unknown: ["0002_future"],
    });
  });
});
