/**
 * Social's heaviest group writes, measured where they hurt: how long each holds the write
 * transaction (on SQLite, the database's one write lock, which chat's writer waits for; issue #19)
 * and how many statements it runs there. One process, nothing else writing, so a write's wall
 * time is the time it holds the lock. Prints a table; asserts nothing.
 *
 *   npm run bench -w @sealroom/social
 *   BENCH_ROUNDS=100 npm run bench -w @sealroom/social
 *   SEALROOM_TEST_DB=postgresql npm run bench -w @sealroom/social
 *
 * Each round is S7's write cycle (BENCHMARKS.md): a group made with 50 invitations (the most a
 * create takes), renamed, its topic set, disbanded.
 */
import { test } from "vitest";
import { createDb } from "@sealroom/db";
import { SOCIAL_LIMITS } from "@sealroom/proto/social";
import { createLogger } from "@sealroom/runtime";
import { tempDatabase } from "@sealroom/testkit";
import { resolveSocialConfig } from "../src/config.js";
import { createGroups } from "../src/groups.js";
import { createStore } from "../src/store.js";
import { friendPair } from "../src/views.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const WARMUP = 5;

test("group writes: time in the write transaction, statements", async () => {
  const database = await tempDatabase();
  let statements = 0;
  const db = await createDb({ url: database.url, observe: () => statements++ });
  try {
    const n = SOCIAL_LIMITS.createInvitesMax;
    const users = await db.user.createManyAndReturn({
      data: Array.from({ length: n + 1 }, (_, i) => ({ username: `u${i}`, usernameKey: `u${i}`, passwordHash: "-" })),
    });
    const [owner, ...friends] = users.map((u) => u.id);
    if (owner === undefined) throw new Error("no users");
    await db.friendship.createMany({ data: friends.map((f) => friendPair(owner, f)) });
    const groups = createGroups({
      store: createStore(db),
      clock: Date.now,
      config: resolveSocialConfig(),
      log: createLogger({ service: "bench", level: "silent", pretty: false }),
      publisher: { toUser() {}, groupDoorbell() {}, presence() {} },
    });

    const samples = new Map<string, { ms: number[]; statements: number }>();
    const measure = async <T>(label: string, round: number, op: () => Promise<T>): Promise<T> => {
      const before = statements;
      const start = performance.now();
      const value = await op();
      const ms = performance.now() - start;
      const entry = samples.get(label) ?? { ms: [], statements: 0 };
      if (round >= WARMUP) entry.ms.push(ms);
      entry.statements = statements - before;
      samples.set(label, entry);
      return value;
    };
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const made = await measure(`create, ${n} invitations`, round, () => groups.create(owner, `g${round}`, friends));
      const groupId = made.group.id;
      await measure("rename", round, () => groups.rename(owner, groupId, `r${round}`));
      await measure("setTopic", round, () => groups.setTopic(owner, groupId, `t${round}`));
      await measure("disband", round, () => groups.disband(owner, groupId));
    }

    const pick = (sorted: number[], q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const round1 = (x: number) => Math.round(x * 10) / 10;
    console.log(`group writes, ${database.url.split(":")[0]}, ${ROUNDS} rounds`);
    console.table(
      [...samples].map(([write, { ms, statements: count }]) => {
        const sorted = [...ms].sort((a, b) => a - b);
        return {
          write,
          statements: count,
          "median ms": round1(pick(sorted, 0.5)),
          "p90 ms": round1(pick(sorted, 0.9)),
          "max ms": round1(sorted.at(-1) ?? 0),
        };
      }),
    );
  } finally {
    await db.$disconnect();
    await database.remove();
  }
});
