/** tempDatabase() on the engine of the run, and the PostgreSQL template under concurrent callers. */
import { expect, test } from "vitest";
import { createDb, engineOf } from "@sealroom/db";
import { tempDatabase, testEngine } from "./db.js";

test("tempDatabase gives a fresh, migrated, writable database of the run's engine; remove() deletes it", async () => {
  const [a, b] = await Promise.all([tempDatabase(), tempDatabase()]);
  try {
    expect(a.url).not.toBe(b.url);
    expect(engineOf(a.url)).toBe(testEngine());
    expect(a.engine).toBe(testEngine());
    expect(a.file === undefined).toBe(testEngine() === "postgresql");
    const db = await createDb({ url: a.url });
    try {
      await db.user.create({ data: { username: "Ann", usernameKey: "ann", passwordHash: "x" } });
      expect(await db.user.count()).toBe(1);
    } finally {
      await db.$disconnect();
    }
    const other = await createDb({ url: b.url });
    try {
      expect(await other.user.count()).toBe(0);
    } finally {
      await other.$disconnect();
    }
  } finally {
    await a.remove();
    await b.remove();
  }
  // Gone: opening it fails (SQLite: its directory is gone; PostgreSQL: the database is).
  await expect(
    (async () => {
      const gone = await createDb({ url: a.url });
      try {
        await gone.user.count();
      } finally {
        await gone.$disconnect();
      }
    })(),
  ).rejects.toThrow();
});
