/**
 * A SERIALIZABLE transaction that fails at COMMIT must give its pooled connection back
 * (pg-release.ts): without the fix, each such failure leaked one, so a pool of 2 hung after two and
 * $disconnect() never returned.
 */
import { expect, test } from "vitest";
import { createDb, isRetryable } from "./index.js";
import { migratePostgres } from "./migrate-pg.js";
import { pgAvailable, scratchPostgres } from "./test/pg.js";

test.runIf(await pgAvailable())("commit-time serialization failures release their connections", async () => {
  const scratch = await scratchPostgres("release");
  await migratePostgres(scratch.url);
  const db = await createDb({ url: scratch.url, poolSize: 2 });
  try {
    const g = await db.group.create({ data: { name: "g", ownerId: 1 } });
    const h = await db.group.create({ data: { name: "h", ownerId: 1 } });
    let failures = 0;
    let atCommit = 0;
    for (let round = 0; round < 4; round++) {
      // Write skew: each reads both rows, then writes one. One of them fails, at COMMIT.
      let arrived = 0;
      let go!: () => void;
      const bothRead = new Promise<void>((resolve) => (go = resolve));
      const skew = (mine: number) =>
        db.$transaction(
          async (tx) => {
            await tx.group.findMany({ where: { id: { in: [g.id, h.id] } } });
            if (++arrived === 2) go();
            await bothRead;
            await tx.group.update({ where: { id: mine }, data: { version: { increment: 1 } } });
          },
          { isolationLevel: "Serializable", maxWait: 2000 },
        );
      const results = await Promise.allSettled([skew(g.id), skew(h.id)]);
      for (const r of results) {
        if (r.status === "fulfilled") continue;
        failures++;
        // At COMMIT the client throws the bare adapter error (no Prisma code); at the UPDATE, P2034.
        if ((r.reason as Error).name === "DriverAdapterError") {
          atCommit++;
          expect(r.reason).toMatchObject({ cause: { kind: "TransactionWriteConflict", originalCode: "40001" } });
        } else {
          expect(r.reason).toMatchObject({ code: "P2034" });
        }
        expect(isRetryable(r.reason)).toBe(true);
      }
    }
    expect(failures).toBe(4);
    expect(atCommit).toBeGreaterThan(0);
    // The pool of 2 still has both connections.
    expect(await db.$transaction([db.group.count(), db.group.count()])).toEqual([2, 2]);
  } finally {
    const t0 = Date.now();
    await db.$disconnect();
    expect(Date.now() - t0).toBeLessThan(2000);
    await scratch.drop();
  }
});
