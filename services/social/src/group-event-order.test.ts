/**
 * GroupEvent ids must become visible in id order: the chat service reads them after a persisted
 * cursor (`id > cursor ORDER BY id`) and would skip an id that committed after a higher one.
 * Two social instances (two clients, as two processes) record a change each; A holds its
 * transaction open after its insert. On PostgreSQL B must wait for A (the advisory lock of
 * store.ts's lockGroupEvents) instead of committing a higher id first. On SQLite the write lock
 * already makes B wait, so the test runs on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@sealroom/db";
import { tempDatabase, type TempDb } from "@sealroom/testkit";
import { recordChange } from "./group-core.js";
import { Outbox } from "./outbox.js";
import { createStore, GROUP_EVENT_LOCK, type Store } from "./store.js";

let database: TempDb;
let dbA: Db;
let dbB: Db;
let reader: Db;
let groups: [number, number];
let actor: { id: number; username: string };

beforeAll(async () => {
  database = await tempDatabase();
  dbA = await createDb({ url: database.url });
  dbB = await createDb({ url: database.url });
  reader = await createDb({ url: database.url });
  const user = await reader.user.create({ data: { username: "owner", usernameKey: "owner", passwordHash: "-" } });
  actor = { id: user.id, username: user.username };
  // Two groups: changes of one group already take turns on its row; the bug is across groups.
  const made = [];
  for (const name of ["G1", "G2"]) {
    const group = await reader.group.create({ data: { name, ownerId: user.id } });
    await reader.groupMember.create({ data: { groupId: group.id, userId: user.id, role: "owner" } });
    made.push(group.id);
  }
  groups = [made[0]!, made[1]!];
});

afterAll(async () => {
  await Promise.all([dbA, dbB, reader].map((db) => db?.$disconnect()));
  await database?.remove();
});

const change = (store: Store, groupId: number, name: string, hold?: { inserted: () => void; release: Promise<void> }) =>
  store.write(async (tx) => {
    const { event } = await recordChange(
      tx,
      new Outbox(),
      groupId,
      { type: "renamed", actor, target: null, name },
      new Date(),
    );
    if (hold) {
      hold.inserted();
      await hold.release;
    }
    return event.id;
  });

async function until(check: () => Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("GroupEvent ids commit in id order", () => {
  it("a second instance's change waits for an open one instead of committing a higher id first", async () => {
    const storeA = createStore(dbA);
    const storeB = createStore(dbB);
    let inserted!: () => void;
    const insertedA = new Promise<void>((r) => (inserted = r));
    let release!: () => void;
    const a = change(storeA, groups[0], "a", { inserted, release: new Promise<void>((r) => (release = r)) });
    await insertedA;
    // B starts from its own task (SQLite: two connections of one process, store.ts's note).
    const b = new Promise<number>((resolve, reject) =>
      setTimeout(() => void change(storeB, groups[1], "b").then(resolve, reject), 0),
    );
    if (database.engine === "postgresql") {
      // B is blocked on the GroupEvent lock (without it, B would insert id A+1 and commit now).
      await until(async () => {
        const rows = await reader.$queryRawUnsafe<Array<{ n: bigint | number }>>(
          `SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
             AND ((classid::bigint << 32) | objid::bigint) = ${GROUP_EVENT_LOCK}`,
        );
        return Number(rows[0]?.n ?? 0) === 1;
      }, "B waits for the GroupEvent lock");
    } else {
      await new Promise((r) => setTimeout(r, 200));
    }
    // Nothing committed yet: a reader sees no event, so no cursor can move past A's id.
    expect(await reader.groupEvent.count()).toBe(0);
    release();
    const idA = await a;
    const idB = await b;
    expect(idB).toBeGreaterThan(idA);
    const rows = await reader.groupEvent.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((r) => r.id)).toEqual([idA, idB]);
  });
});
