/**
 * `npm run db:copy`: a SQLite installation populated through the real services (the seed import,
 * then sign-ins, a registration and a failed sign-in through auth) is copied into an empty migrated
 * PostgreSQL database (the server of the tests, SEALROOM_TEST_PG_URL), verified, and auth runs on
 * the copy: old accounts sign in, new ones get ids after the copied ones.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import Database from "better-sqlite3";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDb, type Db } from "@sealroom/db";
import { copyDatabase, CopyRefused, importSeed, TABLES } from "@sealroom/ops";
import { Prisma } from "@sealroom/db";
import { TEST_PG_URL, tempDatabase, type TempDb } from "@sealroom/testkit";
import { startAuthOn } from "./support/auth-service.js";
import { CFFI_DEFAULTS, writeSource } from "./support/seed-source.js";

/** The PostgreSQL cases need the tests' server (`.ci/run` starts one); like packages/db's, they are skipped without it. */
const pgReachable = await new Promise<boolean>((resolve) => {
  const url = new URL(TEST_PG_URL);
  const socket = net.connect(Number(url.port || 5432), url.hostname, () => {
    socket.destroy();
    resolve(true);
  });
  socket.once("error", () => resolve(false));
});
if (!pgReachable) console.warn(`db-copy.test: PostgreSQL cases skipped, nothing listens at ${hostOf(TEST_PG_URL)}`);
function hostOf(text: string) {
  const u = new URL(text);
  return `${u.hostname}:${u.port || 5432}`;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cleanup: Array<() => Promise<void> | void> = [];
let source: TempDb;

async function fresh(engine: "sqlite" | "postgresql"): Promise<TempDb> {
  const db = await tempDatabase(engine);
  cleanup.push(() => db.remove());
  return db;
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-copy-test-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const chatDb = path.join(dir, "chat.db");
  await writeSource(chatDb);
  source = await fresh("sqlite");
  const db = await createDb({ url: source.url });
  await importSeed({ source: chatDb, db, timeZone: "UTC" });
  // An end-to-end encrypted new message (a boolean column: raw INSERTs must carry it to both engines).
  const conv = await db.conversation.findFirstOrThrow({ orderBy: { id: "asc" } });
  const seq = conv.lastSeq + 1;
  await db.message.create({
    data: { conversationId: conv.id, seq, kind: "mls.app", senderId: 1, body: "AAEC", createdMs: 1, notify: true },
  });
  await db.conversation.update({ where: { id: conv.id }, data: { lastSeq: seq } });
  // Profiles and a group topic: columns of migration 0010 / 0004 the copy must carry.
  await db.user.update({ where: { id: 1 }, data: { displayName: "Alice 🌸", about: "关于我" } });
  const group = await db.group.findFirstOrThrow({ orderBy: { id: "asc" } });
  await db.group.update({ where: { id: group.id }, data: { topic: "Weekly plans" } });
  // Conversation settings (migration 0011 / 0005): booleans, a null and a float the copy must carry.
  await db.conversationSetting.createMany({
    data: [
      { userId: 1, conversationKey: conv.key, muted: true, mutedUntilMs: null, pinned: true, updatedMs: 1.5 },
      { userId: 2, conversationKey: conv.key, archivedSeq: seq, markedUnread: true, updatedMs: 2 },
    ],
  });
  // The history backup (migration 0013 / 0007): a bytes column, a wrap as JSON, a float.
  await db.backupKey.create({ data: { userId: 1, version: 1, check: "c".repeat(43), passphrase: null } });
  await db.archiveEntry.create({
    data: { userId: 1, conversationId: conv.id, seq, keyVersion: 1, sealed: Uint8Array.from([0, 1, 2, 255]) },
  });
  await db.archiveUsage.create({ data: { userId: 1, bytes: 4 } });
  // A rotation (migration 0015 / 0009): the link back and a wrap to a device.
  await db.backupKeyLink.create({ data: { userId: 1, version: 2, sealed: "l".repeat(80) } });
  await db.session.create({ data: { id: "s1", userId: 1, expiresAt: new Date(Date.now() + 86_400_000) } });
  await db.device.create({
    data: { id: "d".repeat(22), userId: 1, sessionId: "s1", signatureKey: "k", name: "Phone" },
  });
  await db.backupDeviceWrap.create({
    data: { deviceId: "d".repeat(22), userId: 1, version: 2, keyPackageRef: "r", enc: "e", sealed: "s" },
  });
  // A profile picture (migration 0014 / 0008): its bytes must arrive whole.
  await db.avatar.create({
    data: { userId: 1, version: "v".repeat(16), mime: "image/webp", data: Uint8Array.from([82, 73, 70, 70, 0, 255]) },
  });
  // A group picture (migration 0016 / 0010), on a group of its own.
  const pictured = await db.group.create({ data: { name: "Pictured", ownerId: 1, avatar: "g".repeat(16) } });
  await db.groupAvatar.create({
    data: {
      groupId: pictured.id,
      version: "g".repeat(16),
      mime: "image/png",
      data: Uint8Array.from([137, 80, 0, 255]),
    },
  });
  await db.$disconnect();
  const auth = await startAuthOn(source.url);
  try {
    expect((await auth.login("alice", CFFI_DEFAULTS.password)).ok).toBe(true);
    expect((await auth.register("newcomer", "newcomer password")).ok).toBe(true);
    expect((await auth.login("newcomer", "wrong password")).ok).toBe(false);
  } finally {
    await auth.stop();
  }
});

afterAll(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe("db:copy", () => {
  test("knows every table of the schema", () => {
    expect(TABLES.map((t) => t.model).sort()).toEqual(Object.values(Prisma.ModelName).sort());
  });

  test.skipIf(!pgReachable)(
    "copies every row into PostgreSQL, verifies counts and seq ranges, and the system runs on the copy",
    async () => {
      const target = await fresh("postgresql");
      // As an operator runs it (`npm run db:copy`): its own process, the built code (`npm run build`).
      const run = spawnSync(
        process.execPath,
        [path.join(root, "scripts/db-copy.mjs"), "--from", source.url, "--to", target.url, "--batch", "7"],
        { cwd: root, encoding: "utf8", timeout: 120_000 },
      );
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^Message +\d+ +\d+$/m);
      expect(run.stdout).toMatch(/conversations checked: 5 \(seq 1\.\.lastSeq, gapless, equal on both sides\)/);
      expect(run.stdout).not.toMatch(/MISMATCH|problem/);
      expect(run.stderr).toMatch(/db-copy: verified: every table's row count and every conversation's seq range match/);

      const from = await createDb({ url: source.url });
      const to = await createDb({ url: target.url });
      cleanup.push(
        () => from.$disconnect(),
        () => to.$disconnect(),
      );
      for (const model of ["User", "Session", "Ticket", "AuthSecret", "AuthThrottle", "Message", "Cursor"] as const) {
        const count = (db: Db) =>
          (db as unknown as Record<string, { count(): Promise<number> }>)[
            model[0]!.toLowerCase() + model.slice(1)
          ]!.count();
        expect(await count(to), model).toBe(await count(from));
        expect(await count(to), model).toBeGreaterThan(0);
      }
      const rows = (db: Db) => db.message.findMany({ orderBy: { id: "asc" } });
      expect(await rows(to)).toEqual(await rows(from));
      const users = (db: Db) => db.user.findMany({ orderBy: { id: "asc" } });
      expect(await users(to)).toEqual(await users(from));
      expect((await users(to))[0]).toMatchObject({ displayName: "Alice 🌸", about: "关于我" });
      const groups = (db: Db) => db.group.findMany({ orderBy: { id: "asc" } });
      expect(await groups(to)).toEqual(await groups(from));
      expect((await groups(to)).map((g) => g.topic)).toContain("Weekly plans");
      const settings = (db: Db) => db.conversationSetting.findMany({ orderBy: { userId: "asc" } });
      expect(await settings(to)).toEqual(await settings(from));
      expect((await settings(to)).map((r) => [r.muted, r.pinned, r.markedUnread])).toEqual([
        [true, true, false],
        [false, false, true],
      ]);
      const archive = (db: Db) => db.archiveEntry.findMany();
      expect(await archive(to)).toEqual(await archive(from));
      expect([...(await archive(to))[0]!.sealed]).toEqual([0, 1, 2, 255]);
      const avatars = (db: Db) => db.avatar.findMany();
      expect(await avatars(to)).toEqual(await avatars(from));
      expect([...(await avatars(to))[0]!.data]).toEqual([82, 73, 70, 70, 0, 255]);
      const groupAvatars = (db: Db) => db.groupAvatar.findMany();
      expect(await groupAvatars(to)).toEqual(await groupAvatars(from));
      expect([...(await groupAvatars(to))[0]!.data]).toEqual([137, 80, 0, 255]);

      const auth = await startAuthOn(target.url);
      cleanup.push(() => auth.stop());
      const alice = await auth.login("alice", CFFI_DEFAULTS.password);
      expect(alice.ok && alice.value.user.username).toBe("alice");
      expect((await auth.login("newcomer", "newcomer password")).ok).toBe(true);
      // A new account gets an id after the copied ones (PostgreSQL: the sequences were moved on).
      const later = await auth.register("latecomer", "latecomer password");
      const maxId = Math.max(...(await users(from)).map((u) => u.id));
      expect(later.ok && later.value.user.id).toBe(maxId + 1);
    },
  );

  test.skipIf(!pgReachable)("refuses a target that holds any row, or is not migrated, writing nothing", async () => {
    const target = await fresh("postgresql");
    const db = await createDb({ url: target.url });
    cleanup.push(() => db.$disconnect());
    await db.cursor.create({ data: { name: "something", value: 1 } });
    await expect(copyDatabase({ from: source.url, to: target.url })).rejects.toThrow(
      /is not empty: Cursor \(1\)\. db:copy only fills an empty database; nothing was written/,
    );
    expect(await db.user.count()).toBe(0);

    const dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-copy-bare-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const bare = `file:${path.join(dir, "bare.db")}`;
    const refused = copyDatabase({ from: source.url, to: bare });
    await expect(refused).rejects.toBeInstanceOf(CopyRefused);
    await expect(refused).rejects.toThrow(/bare\.db does not exist: migrate it first/);
    // A database without Sealroom's tables.
    const empty = path.join(dir, "empty.db");
    new Database(empty).close();
    await expect(copyDatabase({ from: source.url, to: `file:${empty}` })).rejects.toThrow(
      /is not a migrated Sealroom database .* npm run db:migrate/,
    );
  });

  test.skipIf(!pgReachable)("a copy that fails half way leaves the target empty, ready for another run", async () => {
    // A session of a user who does not exist: SQLite without foreign keys took it, PostgreSQL refuses it.
    const orphaned = await fresh("sqlite");
    const db = await createDb({ url: orphaned.url });
    await db.user.create({ data: { username: "u1", usernameKey: "u1", passwordHash: "x" } });
    await db.$disconnect();
    const raw = new Database(orphaned.file!);
    raw.pragma("foreign_keys = OFF");
    raw
      .prepare(
        `INSERT INTO "Session" ("id", "userId", "createdAt", "lastUsedAt", "expiresAt") VALUES ('s', 999, 0, 0, 0)`,
      )
      .run();
    raw.close();
    const target = await fresh("postgresql");
    await expect(copyDatabase({ from: orphaned.url, to: target.url })).rejects.toThrow();
    const to = await createDb({ url: target.url });
    cleanup.push(() => to.$disconnect());
    expect(await to.user.count()).toBe(0);
  });

  test("verification reports a conversation whose log has a gap", async () => {
    const broken = await fresh("sqlite");
    const db = await createDb({ url: broken.url });
    cleanup.push(() => db.$disconnect());
    const conv = await db.conversation.create({ data: { key: "dm:1:2", kind: "dm", lastSeq: 3, lastActivityMs: 1 } });
    for (const seq of [1, 3]) {
      await db.message.create({
        data: { conversationId: conv.id, seq, kind: "text", senderId: 1, body: "x", createdMs: seq },
      });
    }
    const target = await fresh("sqlite");
    const result = await copyDatabase({ from: broken.url, to: target.url });
    expect(result.problems).toEqual([
      "source dm:1:2: lastSeq 3 but 2 entries, seq 1..3",
      "target dm:1:2: lastSeq 3 but 2 entries, seq 1..3",
    ]);
  });
});
