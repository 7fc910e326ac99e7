/** The services' database latency metric: every statement through the adapter is timed, on both engines. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { createDb } from "./index.js";
import { migrateDatabase } from "./migrate.js";
import { pgAvailable, scratchPostgres } from "./test/pg.js";

/** A migrated database of its own (not @sealroom/testkit's, which depends on this package). */
async function tempDatabase(engine: "sqlite" | "postgresql") {
  if (engine === "postgresql") {
    const scratch = await scratchPostgres("timing");
    await migrateDatabase(scratch.url);
    return { url: scratch.url, remove: () => scratch.drop() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-timing-"));
  const url = `file:${path.join(dir, "sealroom.db")}`;
  await migrateDatabase(url);
  return { url, remove: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const engines = (await pgAvailable()) ? (["sqlite", "postgresql"] as const) : (["sqlite"] as const);

test.each(engines)("%s: observe() sees single statements and the statements of batch transactions", async (engine) => {
  const database = await tempDatabase(engine);
  const seen: Array<{ kind: string; seconds: number }> = [];
  const db = await createDb({ url: database.url, observe: (seconds, kind) => seen.push({ kind, seconds }) });
  try {
    seen.length = 0;
    expect(await db.user.count()).toBe(0);
    expect(seen.filter((s) => s.kind === "query")).toHaveLength(1);
    seen.length = 0;
    await db.$transaction([db.user.count(), db.user.count()]);
    expect(seen.filter((s) => s.kind === "query")).toHaveLength(2);
    expect(seen.every((s) => s.seconds >= 0 && s.seconds < 5)).toBe(true);
  } finally {
    await db.$disconnect();
    await database.remove();
  }
});
