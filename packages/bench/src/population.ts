/**
 * Users, friendships and groups for a scenario. Accounts, friendships and group memberships are
 * written straight into the database (setup is not what is measured, and 1,000 invitations through
 * the social service would each ring every member's doorbell); every connection then does the real
 * thing: handshake and a password login through the gateway.
 */
import path from "node:path";
import { openSql, sql, type SqlDb } from "@sealroom/db/sql";
import { createNodeClient, type SealroomClient } from "@sealroom/sdk/node";
import type { Stack } from "./stack.js";

export const PASSWORD = "benchmark password";

export interface BenchUser {
  id: number;
  name: string;
}

/** The stack's database, beside the services (SQLite or PostgreSQL, whichever the stack runs on). */
export function openDb(stack: Stack): SqlDb {
  return openSql(stack.dbUrl, { busyTimeoutMs: 10_000, lockTimeoutMs: 0, applicationName: "sealroom-bench" });
}

/** Runs `fn` on the stack's database and closes it. */
export async function withDb<T>(stack: Stack, fn: (db: SqlDb) => Promise<T>): Promise<T> {
  const db = openDb(stack);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** DateTime as an ISO text both engines read into their DateTime column (Prisma reads it back). */
export const isoNow = (): string => new Date().toISOString().replace("Z", "+00:00");

let clientSeq = 0;
let spread = 0;

export function newClient(stack: Stack): SealroomClient {
  // With several gateways, each client starts at the next one (and fails over to the others).
  const first = spread++ % stack.wsUrls.length;
  return createNodeClient({
    urls: [...stack.wsUrls.slice(first), ...stack.wsUrls.slice(0, first)],
    knownHostsFile: path.join(stack.dataDir, `known_hosts`),
    onFirstUse: () => true,
    requestTimeoutMs: 30_000,
    // Benchmarks want to see a lost connection as an error, not hide it behind a quick reconnect.
    reconnect: { initialDelayMs: 1000, maxDelayMs: 5000 },
  });
}

const passwordHashOf = sql<[number], { passwordHash: string }>(`SELECT "passwordHash" FROM "User" WHERE "id" = ?`);
const insertUser = sql<[string, string, string, string, string], { id: number }>(
  `INSERT INTO "User" ("username", "usernameKey", "passwordHash", "createdAt", "passwordChangedAt")
   VALUES (?, ?, ?, ?, ?) RETURNING "id"`,
);
const insertFriendship = sql<[number, number, string]>(
  `INSERT INTO "Friendship" ("userAId", "userBId", "createdAt") VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
);
const insertGroup = sql<[string, number, string], { id: number }>(
  `INSERT INTO "Group" ("name", "ownerId", "createdAt") VALUES (?, ?, ?) RETURNING "id"`,
);
const insertGroupMember = sql<[number, number, string, string]>(
  `INSERT INTO "GroupMember" ("groupId", "userId", "role", "joinedSeq", "joinedAt") VALUES (?, ?, ?, 0, ?)`,
);

/**
 * `n` accounts sharing one password hash, made by the auth service itself (one real registration,
 * so the hash has exactly the parameters the service verifies without rehashing).
 */
export async function seedUsers(stack: Stack, n: number, prefix = "u"): Promise<BenchUser[]> {
  const template = newClient(stack);
  // Read once: scenarios running side by side (the smoke test) bump the counter during the awaits
  // below, and names taken from it mid-loop could repeat those of this stack's next seedUsers.
  const seq = ++clientSeq;
  const name = `${prefix}t${seq}x${process.pid}`;
  await template.connect();
  const me = await template.register(name, PASSWORD);
  template.close();
  return withDb(stack, async (db) => {
    const row = await db.get(passwordHashOf, [me.id]);
    if (!row) throw new Error(`the registered template user ${me.id} is not in the database`);
    const now = isoNow();
    return db.transaction(async (tx) => {
      const users: BenchUser[] = [];
      for (let i = 0; i < n; i++) {
        const uname = `${prefix}${i}x${seq}`;
        const made = await tx.get(insertUser, [uname, uname, row.passwordHash, now, now]);
        users.push({ id: made!.id, name: uname });
      }
      return users;
    });
  });
}

export async function seedFriendships(stack: Stack, pairs: Array<[number, number]>): Promise<void> {
  const now = isoNow();
  await withDb(stack, (db) =>
    db.transaction(async (tx) => {
      for (const [a, b] of pairs) await tx.run(insertFriendship, [Math.min(a, b), Math.max(a, b), now]);
    }),
  );
}

/** A group owned by members[0]; returns its id. */
export async function seedGroup(stack: Stack, name: string, members: number[]): Promise<number> {
  const now = isoNow();
  return withDb(stack, (db) =>
    db.transaction(async (tx) => {
      const { id } = (await tx.get(insertGroup, [name, members[0]!, now]))!;
      for (const [i, u] of members.entries())
        await tx.run(insertGroupMember, [id, u, i === 0 ? "owner" : "member", now]);
      return id;
    }),
  );
}

/** Connects and logs in every user (`perUser` connections each), `parallel` at a time. */
export async function signIn(
  stack: Stack,
  users: BenchUser[],
  opts: { perUser?: number; parallel?: number } = {},
): Promise<SealroomClient[]> {
  const perUser = opts.perUser ?? 1;
  const jobs = users.flatMap((u) => Array.from({ length: perUser }, () => u));
  const clients: SealroomClient[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const c = newClient(stack);
      clients[i] = c;
      await c.connect();
      await c.login(jobs[i]!.name, PASSWORD);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.parallel ?? 32, jobs.length) }, worker));
  return clients;
}

export function closeAll(clients: Iterable<{ close(): void } | undefined>): void {
  for (const c of clients) c?.close();
}

/** Pairs 0-1, 2-3, ... of a shuffled copy (deterministic: a fixed seed). */
export function randomPairs<T>(items: T[], seed = 7): Array<[T, T]> {
  const a = [...items];
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  const out: Array<[T, T]> = [];
  for (let i = 0; i + 1 < a.length; i += 2) out.push([a[i]!, a[i + 1]!]);
  return out;
}
