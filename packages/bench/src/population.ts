/**
 * Users, friendships and groups for a scenario. Accounts, friendships and group memberships are
 * written straight into the database (setup is not what is measured, and 1,000 invitations through
 * the social service would each ring every member's doorbell); every connection then does the real
 * thing: handshake and a password login through the gateway.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { createNodeClient, type SealroomClient } from "@sealroom/sdk/node";
import type { Stack } from "./stack.js";

export const PASSWORD = "benchmark password";

export interface BenchUser {
  id: number;
  name: string;
}

/** Opens the stack's database beside the services (WAL; waits on their locks). */
/** DateTime as the Prisma adapter writes it (the services read these rows through Prisma too). */
const prismaNow = (): string => new Date().toISOString().replace("Z", "+00:00");

export function openDb(stack: Stack): Database.Database {
  const db = new Database(stack.dbFile);
  db.pragma("busy_timeout = 10000");
  return db;
}

let clientSeq = 0;

export function newClient(stack: Stack): SealroomClient {
  return createNodeClient({
    urls: stack.wsUrl,
    knownHostsFile: path.join(stack.dataDir, `known_hosts`),
    onFirstUse: () => true,
    requestTimeoutMs: 30_000,
    // Benchmarks want to see a lost connection as an error, not hide it behind a quick reconnect.
    reconnect: { initialDelayMs: 1000, maxDelayMs: 5000 },
  });
}

/**
 * `n` accounts sharing one password hash, made by the auth service itself (one real registration,
 * so the hash has exactly the parameters the service verifies without rehashing).
 */
export async function seedUsers(stack: Stack, n: number, prefix = "u"): Promise<BenchUser[]> {
  const template = newClient(stack);
  const name = `${prefix}t${++clientSeq}x${process.pid}`;
  await template.connect();
  const me = await template.register(name, PASSWORD);
  template.close();
  const db = openDb(stack);
  try {
    const { passwordHash } = db.prepare(`SELECT "passwordHash" FROM "User" WHERE "id" = ?`).get(me.id) as {
      passwordHash: string;
    };
    const insert = db.prepare(
      `INSERT INTO "User" ("username", "usernameKey", "passwordHash", "createdAt", "passwordChangedAt") VALUES (?, ?, ?, ?, ?)`,
    );
    const now = prismaNow();
    const users: BenchUser[] = [];
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const uname = `${prefix}${i}x${clientSeq}`;
        users.push({ id: Number(insert.run(uname, uname, passwordHash, now, now).lastInsertRowid), name: uname });
      }
    })();
    return users;
  } finally {
    db.close();
  }
}

export function seedFriendships(stack: Stack, pairs: Array<[number, number]>): void {
  const db = openDb(stack);
  try {
    const insert = db.prepare(
      `INSERT OR IGNORE INTO "Friendship" ("userAId", "userBId", "createdAt") VALUES (?, ?, ?)`,
    );
    const now = prismaNow();
    db.transaction(() => {
      for (const [a, b] of pairs) insert.run(Math.min(a, b), Math.max(a, b), now);
    })();
  } finally {
    db.close();
  }
}

/** A group owned by members[0]; returns its id. */
export function seedGroup(stack: Stack, name: string, members: number[]): number {
  const db = openDb(stack);
  try {
    const now = prismaNow();
    return db.transaction(() => {
      const id = Number(
        db.prepare(`INSERT INTO "Group" ("name", "ownerId", "createdAt") VALUES (?, ?, ?)`).run(name, members[0], now)
          .lastInsertRowid,
      );
      const add = db.prepare(
        `INSERT INTO "GroupMember" ("groupId", "userId", "role", "joinedSeq", "joinedAt") VALUES (?, ?, ?, 0, ?)`,
      );
      members.forEach((u, i) => add.run(id, u, i === 0 ? "owner" : "member", now));
      return id;
    })();
  } finally {
    db.close();
  }
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
