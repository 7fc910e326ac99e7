import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineOfDb } from "@sealroom/db";
import { hashTicket, mintTicket } from "./tickets.js";
import { dateParam } from "./resume-sql.js";
import { createResumeWriter, type ResumeWrite } from "./resume-writes.js";
import { createStore, type Store } from "./store.js";
import { ANON, setup, type Harness } from "./test/harness.js";

const HOUR = 60 * 60 * 1000;
let h: Harness;
let store: Store;
/** store.sql calls, one per transaction of the writer. */
let transactions = 0;
let n = 0;

beforeAll(async () => {
  h = await setup();
  const real = createStore(h.db, h.databaseUrl);
  store = {
    ...real,
    engine: real.engine,
    sql: (op) => {
      transactions++;
      return real.sql(op);
    },
  };
});
afterAll(async () => {
  await store.close();
  await h.teardown();
});

/** A signed-in session's current ticket, as the write for resuming it. */
async function sessionWrite(): Promise<ResumeWrite> {
  // An address of its own: registrations from one address are throttled.
  const grant = await h.register(`grouped${++n}`, "correct horse", { ...ANON, ip: `10.9.${n >> 8}.${n & 255}` });
  const next = mintTicket(Date.now(), 24 * HOUR, new Date(Date.now() + 48 * HOUR));
  return {
    hash: hashTicket(grant.ticket),
    sessionId: grant.sessionId,
    next: { hash: next.hash, expiresAt: dateParam(next.expiresAt.getTime()) },
    now: dateParam(Date.now()),
  };
}

/** One at a time: registrations at once would be refused as AUTH_BUSY by the hash queue. */
async function sessionWrites(count: number): Promise<ResumeWrite[]> {
  const writes: ResumeWrite[] = [];
  for (let i = 0; i < count; i++) writes.push(await sessionWrite());
  return writes;
}

const usedAt = async (hash: string) => (await h.db.ticket.findUniqueOrThrow({ where: { hash } })).usedAt;

describe("auth.resume's grouped writes", () => {
  it("writes resumes that arrive together in a few transactions, each consumed with its successor stored", async () => {
    const writes = await sessionWrites(40);
    const write = createResumeWriter(store, { maxGroup: 16 });
    transactions = 0;
    expect(await Promise.all(writes.map(write))).toEqual(writes.map(() => true));
    // The first goes alone (nothing was waiting); the 39 behind it fill groups of at most 16.
    expect(transactions).toBeLessThanOrEqual(store.engine === "sqlite" ? 4 : 8);
    for (const w of writes) {
      expect(await usedAt(w.hash)).not.toBeNull();
      const successor = await h.db.ticket.findUniqueOrThrow({ where: { hash: w.next.hash } });
      expect(successor).toMatchObject({ sessionId: w.sessionId, usedAt: null });
    }
  });

  it("a ticket consumed before its group is written changes nothing, and the rest of the group goes through", async () => {
    const writes = await sessionWrites(6);
    const taken = writes[2]!;
    await h.db.ticket.update({ where: { hash: taken.hash }, data: { usedAt: new Date() } });
    const write = createResumeWriter(store);
    const results = await Promise.all(writes.map(write));
    expect(results).toEqual(writes.map((w) => w !== taken));
    expect(await h.db.ticket.findUnique({ where: { hash: taken.next.hash } })).toBeNull();
  });

  it("a group that fails is rolled back whole: every write in it fails and every ticket stays usable", async () => {
    const writes = await sessionWrites(5);
    const postgres = engineOfDb(h.db) === "postgresql";
    // Fault injection in the real database: the last successor's insert fails.
    const last = writes.at(-1)!.next.hash;
    if (postgres) {
      await h.db.$executeRawUnsafe(
        `CREATE FUNCTION "fail_grouped"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW."hash" = '${last}' THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$`,
      );
      await h.db.$executeRawUnsafe(
        `CREATE TRIGGER "fail_grouped" BEFORE INSERT ON "Ticket" FOR EACH ROW EXECUTE FUNCTION "fail_grouped"()`,
      );
    } else {
      await h.db.$executeRawUnsafe(
        `CREATE TRIGGER "fail_grouped" BEFORE INSERT ON "Ticket" WHEN NEW."hash" = '${last}' BEGIN SELECT RAISE(ABORT, 'injected'); END`,
      );
    }
    const write = createResumeWriter(store, { concurrency: 1 });
    try {
      // The first is written alone; the other four wait and form one group with the failing one.
      const results = await Promise.allSettled(writes.map(write));
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "rejected", "rejected"]);
    } finally {
      await h.db.$executeRawUnsafe(
        postgres ? `DROP TRIGGER "fail_grouped" ON "Ticket"` : `DROP TRIGGER "fail_grouped"`,
      );
      if (postgres) await h.db.$executeRawUnsafe(`DROP FUNCTION "fail_grouped"()`);
    }
    for (const w of writes.slice(1)) expect(await usedAt(w.hash)).toBeNull();
    expect(await Promise.all(writes.slice(1).map(write))).toEqual([true, true, true, true]);
  });
});
