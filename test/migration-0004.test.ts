/**
 * Migration 0004 applies to a database with data in it (review items 15 and 17): members who left or
 * were kicked before it keep reading their span (backfilled from ConversationMember and GroupEvent),
 * current members are not former members, and existing friend requests stay pending.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, test } from "vitest";

const migrations = path.resolve(import.meta.dirname, "../prisma/migrations");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sealroom-mig-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sql = (name: string) => fs.readFileSync(path.join(migrations, name, "migration.sql"), "utf8");

test("0004 backfills former members from existing data and keeps requests pending", () => {
  const db = new Database(path.join(dir, "old.db"));
  for (const m of fs
    .readdirSync(migrations)
    .filter((m) => /^000[123]_/.test(m))
    .sort())
    db.exec(sql(m));
  db.exec(`
    INSERT INTO "User" ("id", "username", "usernameKey", "passwordHash") VALUES (1, 'own', 'own', 'x'), (2, 'kid', 'kid', 'x'), (4, 'lea', 'lea', 'x');
    INSERT INTO "Group" ("id", "name", "ownerId") VALUES (7, 'Club', 1);
    INSERT INTO "GroupMember" ("groupId", "userId", "role") VALUES (7, 1, 'owner');
    INSERT INTO "Conversation" ("id", "key", "kind", "groupId", "lastSeq") VALUES (3, 'group:7', 'group', 7, 10);
    INSERT INTO "ConversationMember" ("conversationId", "userId", "joinedSeq", "leftSeq") VALUES (3, 1, 0, NULL), (3, 2, 2, 6), (3, 4, 0, 9);
    INSERT INTO "GroupEvent" ("groupId", "type", "actorId", "targetId") VALUES (7, 'kicked', 1, 2), (7, 'left', 4, 4);
    INSERT INTO "FriendRequest" ("fromId", "toId") VALUES (1, 2);
  `);
  db.exec(sql(fs.readdirSync(migrations).find((m) => m.startsWith("0004_"))!));
  const rows = db
    .prepare(
      `SELECT "groupId", "userId", "reason", "byId", "groupName", "joinedSeq", "leftSeq" FROM "FormerMember" ORDER BY "userId"`,
    )
    .all();
  expect(rows).toEqual([
    { groupId: 7, userId: 2, reason: "kicked", byId: 1, groupName: "Club", joinedSeq: 2, leftSeq: 6 },
    { groupId: 7, userId: 4, reason: "left", byId: null, groupName: "Club", joinedSeq: 0, leftSeq: 9 },
  ]);
  expect(db.prepare(`SELECT "declinedAt" FROM "FriendRequest"`).all()).toEqual([{ declinedAt: null }]);
  db.close();
});
