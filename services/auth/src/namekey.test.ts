import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@sealroom/db";
import { tempDatabase, type TempDb } from "@sealroom/testkit";
import { loadNameKey } from "./namekey.js";
import { createStore } from "./store.js";

describe("the deployment's name key", () => {
  let database: TempDb;
  const clients: Db[] = [];
  beforeAll(async () => {
    database = await tempDatabase();
    for (let i = 0; i < 3; i++) clients.push(await createDb({ url: database.url }));
  });
  afterAll(async () => {
    for (const db of clients) await db.$disconnect();
    await database.remove();
  });

  it("is created once: instances starting together, and later ones, all get the same 32 bytes", async () => {
    const [a, b] = await Promise.all(clients.slice(0, 2).map((db) => loadNameKey(createStore(db))));
    expect(a).toHaveLength(32);
    expect(b).toEqual(a);
    expect(await loadNameKey(createStore(clients[2]!))).toEqual(a);
    expect(await clients[2]!.authSecret.count()).toBe(1);
  });
});

describe("migration 0007", () => {
  it("drops the per-account throttle rows that held typed names and keeps the address rows", async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
    const migrations = path.join(root, "prisma/migrations");
    const sql = (name: string) =>
      readFileSync(path.join(migrations, name, "migration.sql"), "utf8")
        .split(/;\s*$/m)
        .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
        .filter(Boolean);
    const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-0007-"));
    const db = await createDb({ url: `file:${path.join(dir, "old.db")}` });
    try {
      const before = readdirSync(migrations)
        .filter((n) => /^\d{4}_/.test(n) && n < "0007")
        .sort();
      for (const name of before) for (const s of sql(name)) await db.$executeRawUnsafe(s);
      await db.$executeRawUnsafe(
        `INSERT INTO "AuthThrottle" ("key", "failures", "windowStart") VALUES ('u:tr0ub4dor&3', 1, 0), ('ip:10.0.0.1', 3, 0), ('reg:10.0.0.1', 2, 0)`,
      );
      for (const s of sql("0007_auth_name_key")) await db.$executeRawUnsafe(s);
      const keys = await db.$queryRawUnsafe<Array<{ key: string }>>(`SELECT "key" FROM "AuthThrottle" ORDER BY "key"`);
      expect(keys.map((k) => k.key)).toEqual(["ip:10.0.0.1", "reg:10.0.0.1"]);
      expect(await db.$queryRawUnsafe(`SELECT count(*) AS n FROM "AuthSecret"`)).toEqual([{ n: 0n }]);
    } finally {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
