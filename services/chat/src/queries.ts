/**
 * Every statement the chat service runs, prepared once on its own connection. Reads of other
 * services' tables (User, Friendship, Block, Group, GroupMember, GroupEvent) are read-only here.
 */
import type { Sqlite } from "./sqlite.js";

export interface UserRow {
  id: number;
  username: string;
}
export interface ConvRow {
  id: number;
  key: string;
  kind: string;
  groupId: number | null;
  lastSeq: number;
  lastActivityMs: number;
}
export interface MessageRow {
  id: number;
  conversationId: number;
  seq: number;
  kind: string;
  senderId: number | null;
  clientMsgId: string | null;
  body: string;
  targetSeq: number | null;
  createdMs: number;
  editedMs: number | null;
  deletedMs: number | null;
}
/** A page row: an edit entry carries its target's current text and deletion. */
export interface PageRow extends MessageRow {
  targetBody: string | null;
  targetDeletedMs: number | null;
}
export interface GroupRow {
  id: number;
  name: string;
  disbandedAt: string | null;
}
export interface GroupEventRow {
  id: number;
  groupId: number;
  type: string;
  actorId: number | null;
  targetId: number | null;
  data: string;
}
/** A former group member (social's FormerMember row): reads (joinedSeq, leftSeq]. */
export interface FormerRow {
  groupId: number;
  reason: string;
  byId: number | null;
  groupName: string;
  joinedSeq: number;
  leftSeq: number;
  removedAt: string | number;
}
export interface MemberRow {
  conversationId: number;
  userId: number;
  joinedSeq: number;
  leftSeq: number | null;
  lastReadSeq: number;
}

/** The part of a prepared statement this service uses. */
export interface Stmt<P extends unknown[], R> {
  run(...params: P): { changes: number; lastInsertRowid: number | bigint };
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

const PAGE_COLUMNS = `m."id", m."conversationId", m."seq", m."kind", m."senderId", m."clientMsgId", m."body",
  m."targetSeq", m."createdMs", m."editedMs", m."deletedMs", t."body" AS "targetBody", t."deletedMs" AS "targetDeletedMs"`;
const PAGE_FROM = `"Message" m LEFT JOIN "Message" t
  ON m."kind" = 'edit' AND t."conversationId" = m."conversationId" AND t."seq" = m."targetSeq"`;

export function prepareQueries(sqlite: Sqlite) {
  const prepare = <P extends unknown[] = [], R = unknown>(sql: string): Stmt<P, R> => sqlite.prepare<P, R>(sql);
  const q = {
    user: prepare<[number], UserRow>(`SELECT "id", "username" FROM "User" WHERE "id" = ?`),
    friends: prepare<[number, number], { one: number }>(
      `SELECT 1 AS one FROM "Friendship" WHERE "userAId" = ? AND "userBId" = ?`,
    ),
    blockedEitherWay: prepare<[number, number, number, number], { one: number }>(
      `SELECT 1 AS one FROM "Block" WHERE ("blockerId" = ? AND "blockedId" = ?) OR ("blockerId" = ? AND "blockedId" = ?) LIMIT 1`,
    ),
    /** Everyone on either side of a block with the user. */
    blockedWith: prepare<[number, number], { userId: number }>(
      `SELECT "blockedId" AS "userId" FROM "Block" WHERE "blockerId" = ? UNION SELECT "blockerId" FROM "Block" WHERE "blockedId" = ?`,
    ),
    group: prepare<[number], GroupRow>(`SELECT "id", "name", "disbandedAt" FROM "Group" WHERE "id" = ?`),
    groupMember: prepare<[number, number], { role: string; joinedSeq: number }>(
      `SELECT "role", "joinedSeq" FROM "GroupMember" WHERE "groupId" = ? AND "userId" = ?`,
    ),
    formerMember: prepare<[number, number], FormerRow>(
      `SELECT "groupId", "reason", "byId", "groupName", "joinedSeq", "leftSeq", "removedAt" FROM "FormerMember"
       WHERE "groupId" = ? AND "userId" = ?`,
    ),
    /** The caller's former groups, with their conversation if any. */
    myFormerGroups: prepare<[number], FormerRow & { convId: number | null; lastReadSeq: number | null }>(
      `SELECT f."groupId", f."reason", f."byId", f."groupName", f."joinedSeq", f."leftSeq", f."removedAt",
              c."id" AS "convId", cm."lastReadSeq"
       FROM "FormerMember" f LEFT JOIN "Conversation" c ON c."groupId" = f."groupId"
       LEFT JOIN "ConversationMember" cm ON cm."conversationId" = c."id" AND cm."userId" = f."userId"
       WHERE f."userId" = ?`,
    ),
    groupMemberIds: prepare<[number], { userId: number }>(`SELECT "userId" FROM "GroupMember" WHERE "groupId" = ?`),
    /** Current members who may read entry `seq` (they joined before it). */
    groupMemberIdsSeeing: prepare<[number, number], { userId: number }>(
      `SELECT "userId" FROM "GroupMember" WHERE "groupId" = ? AND "joinedSeq" < ?`,
    ),

    convByKey: prepare<[string], ConvRow>(
      `SELECT "id", "key", "kind", "groupId", "lastSeq", "lastActivityMs" FROM "Conversation" WHERE "key" = ?`,
    ),
    insertConv: prepare<[string, string, number | null, number, string]>(
      `INSERT INTO "Conversation" ("key", "kind", "groupId", "lastSeq", "lastActivityMs", "createdAt") VALUES (?, ?, ?, 0, ?, ?)`,
    ),
    advanceConv: prepare<[number, number, number]>(
      `UPDATE "Conversation" SET "lastSeq" = ?, "lastActivityMs" = ? WHERE "id" = ?`,
    ),
    insertMessage: prepare<[number, number, string, number | null, string | null, string, number | null, number]>(
      `INSERT INTO "Message" ("conversationId", "seq", "kind", "senderId", "clientMsgId", "body", "targetSeq", "createdMs")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    messageByClientId: prepare<[number, string], MessageRow & { key: string }>(
      `SELECT m.*, c."key" FROM "Message" m JOIN "Conversation" c ON c."id" = m."conversationId"
       WHERE m."senderId" = ? AND m."clientMsgId" = ?`,
    ),
    messageBySeq: prepare<[number, number], MessageRow>(
      `SELECT * FROM "Message" WHERE "conversationId" = ? AND "seq" = ?`,
    ),
    editMessage: prepare<[string, number, number]>(`UPDATE "Message" SET "body" = ?, "editedMs" = ? WHERE "id" = ?`),
    deleteMessage: prepare<[number, number]>(`UPDATE "Message" SET "body" = '', "deletedMs" = ? WHERE "id" = ?`),

    pageAfter: prepare<[number, number, number], PageRow>(
      `SELECT ${PAGE_COLUMNS} FROM ${PAGE_FROM} WHERE m."conversationId" = ? AND m."seq" > ? ORDER BY m."seq" LIMIT ?`,
    ),
    pageBefore: prepare<[number, number, number, number], PageRow>(
      `SELECT ${PAGE_COLUMNS} FROM ${PAGE_FROM} WHERE m."conversationId" = ? AND m."seq" < ? AND m."seq" > ?
       ORDER BY m."seq" DESC LIMIT ?`,
    ),
    /** The newest text or system entry after `visibleFrom`: the preview of a conversation. */
    lastShown: prepare<[number, number], MessageRow>(
      `SELECT * FROM "Message" WHERE "conversationId" = ? AND "seq" > ? AND "kind" IN ('text', 'system')
       ORDER BY "seq" DESC LIMIT 1`,
    ),
    /** lastShown, for a former member: nothing after `leftSeq`. */
    lastShownUpTo: prepare<[number, number, number], MessageRow>(
      `SELECT * FROM "Message" WHERE "conversationId" = ? AND "seq" > ? AND "seq" <= ? AND "kind" IN ('text', 'system')
       ORDER BY "seq" DESC LIMIT 1`,
    ),
    unreadUpTo: prepare<[number, number, number, number, number], { n: number }>(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM "Message" WHERE "conversationId" = ? AND "seq" > ? AND "seq" <= ? AND "kind" = 'text'
       AND "deletedMs" IS NULL AND "senderId" <> ? LIMIT ?)`,
    ),
    unread: prepare<[number, number, number, number], { n: number }>(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM "Message" WHERE "conversationId" = ? AND "seq" > ? AND "kind" = 'text'
       AND "deletedMs" IS NULL AND "senderId" <> ? LIMIT ?)`,
    ),

    member: prepare<[number, number], MemberRow>(
      `SELECT * FROM "ConversationMember" WHERE "conversationId" = ? AND "userId" = ?`,
    ),
    ensureMember: prepare<[number, number, number]>(
      `INSERT OR IGNORE INTO "ConversationMember" ("conversationId", "userId", "joinedSeq", "lastReadSeq") VALUES (?, ?, ?, 0)`,
    ),
    /** (Re)joining a group: a fresh membership span. */
    joinMember: prepare<[number, number, number]>(
      `INSERT INTO "ConversationMember" ("conversationId", "userId", "joinedSeq", "lastReadSeq") VALUES (?, ?, ?, 0)
       ON CONFLICT ("conversationId", "userId") DO UPDATE SET "joinedSeq" = excluded."joinedSeq", "leftSeq" = NULL`,
    ),
    leaveMember: prepare<[number, number, number]>(
      `UPDATE "ConversationMember" SET "leftSeq" = ? WHERE "conversationId" = ? AND "userId" = ?`,
    ),
    advanceRead: prepare<[number, number, number]>(
      `UPDATE "ConversationMember" SET "lastReadSeq" = MAX("lastReadSeq", ?) WHERE "conversationId" = ? AND "userId" = ?`,
    ),

    /** The caller's DMs. */
    myDms: prepare<[number], ConvRow & { lastReadSeq: number }>(
      `SELECT c."id", c."key", c."kind", c."groupId", c."lastSeq", c."lastActivityMs", cm."lastReadSeq"
       FROM "ConversationMember" cm JOIN "Conversation" c ON c."id" = cm."conversationId"
       WHERE cm."userId" = ? AND c."kind" = 'dm'`,
    ),
    /** The caller's groups (current memberships, disbanded ones included), with their conversation if any. */
    myGroups: prepare<
      [number],
      {
        groupId: number;
        name: string;
        disbandedAt: string | null;
        joinedSeq: number;
        convId: number | null;
        lastSeq: number | null;
        lastActivityMs: number | null;
        lastReadSeq: number | null;
      }
    >(
      `SELECT gm."groupId", g."name", g."disbandedAt", gm."joinedSeq", c."id" AS "convId", c."lastSeq", c."lastActivityMs",
              cm."lastReadSeq"
       FROM "GroupMember" gm JOIN "Group" g ON g."id" = gm."groupId"
       LEFT JOIN "Conversation" c ON c."groupId" = gm."groupId"
       LEFT JOIN "ConversationMember" cm ON cm."conversationId" = c."id" AND cm."userId" = gm."userId"
       WHERE gm."userId" = ?`,
    ),
    groupReceipts: prepare<[number, number], { userId: number; joinedSeq: number; lastReadSeq: number | null }>(
      `SELECT gm."userId", gm."joinedSeq", cm."lastReadSeq" FROM "GroupMember" gm
       LEFT JOIN "ConversationMember" cm ON cm."conversationId" = ? AND cm."userId" = gm."userId"
       WHERE gm."groupId" = ? ORDER BY gm."userId"`,
    ),

    cursor: prepare<[string], { value: number }>(`SELECT "value" FROM "Cursor" WHERE "name" = ?`),
    setCursor: prepare<[string, number]>(
      `INSERT INTO "Cursor" ("name", "value") VALUES (?, ?) ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value"`,
    ),
    groupEventsAfter: prepare<[number, number], GroupEventRow>(
      `SELECT "id", "groupId", "type", "actorId", "targetId", "data" FROM "GroupEvent" WHERE "id" > ? ORDER BY "id" LIMIT ?`,
    ),
    lastGroupEventId: prepare<[], { id: number | null }>(`SELECT MAX("id") AS "id" FROM "GroupEvent"`),
  };
  return q;
}

export type Queries = ReturnType<typeof prepareQueries>;
