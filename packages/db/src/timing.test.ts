/** The services' database latency metric: every statement through the adapter is timed. */
import { expect, test } from "vitest";
import { tempDatabase } from "@sealroom/testkit";
import { createDb } from "./index.js";

test("observe() sees single statements and the statements of batch transactions", async () => {
  const database = await tempDatabase();
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
    database.remove();
  }
});
