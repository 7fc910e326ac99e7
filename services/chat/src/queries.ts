/**
 * Every statement the chat service runs, written once for both engines (@sealroom/db/sql: `?`
 * parameters, portable spellings) and prepared once per connection. Reads of other services'
 * tables (User, Friendship, Block, Group, GroupMember, FormerMember, GroupEvent) are read-only here.
 *
 * `queries(ex)` binds them to a database or a transaction: `await q.user.get(id)`.
 */
import { sql, type RunResult, type SqlExec, type SqlParam, type Statement } from "@sealroom/db/sql";

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
  /** The MLS group's epoch as the Delivery Service accepted it; null: not end-to-end encrypted. */
  mlsEpoch: number | null;
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
  /** Unix ms (DateTime columns are ms on both engines). */
  disbandedAt: number | null;
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
  /** Unix ms. */
  removedAt: number;
}
/** A ConversationSetting row; booleans as SQLite's 0/1 or PostgreSQL's true/false (test with Boolean). */
export interface SettingRow {
  conversationKey: string;
  muted: boolean | number;
  mutedUntilMs: number | null;
  pinned: boolean | number;
  archivedSeq: number | null;
  markedUnread: boolean | number;
}
export interface MemberRow {
  conversationId: number;
  userId: number;
  joinedSeq: number;
  leftSeq: number | null;
  lastReadSeq: number;
}

const PAGE_COLUMNS = `m."id", m."conversationId", m."seq", m."kind", m."senderId", m."clientMsgId", m."body",
  m."targetSeq", m."createdMs", m."editedMs", m."deletedMs", t."body" AS "targetBody", t."deletedMs" AS "targetDeletedMs"`;
const PAGE_FROM = `"Message" m LEFT JOIN "Message" t
  ON m."kind" = 'edit' AND t."conversationId" = m."conversationId" AND t."seq" = m."targetSeq"`;
const CONV_COLUMNS = `"id", "key", "kind", "groupId", "lastSeq", "lastActivityMs", "mlsEpoch"`;

/** An INSERT whose new id `run` reports as `lastId` on both engines (RunResult). */
const withId = (text: string) => ({ sqlite: text, postgresql: `${text} RETURNING "id"` });

const STATEMENTS = {
  user: sql<[number], UserRow>(`SELECT "id", "username" FROM "User" WHERE "id" = ?`),
  /**
   * Both users exist, are friends (low, high) and neither blocked the other: one statement, not
   * four (each a round trip on PostgreSQL). Params: low, high, low, high, high, low, low, high.
   */
  mayMessage: sql<[number, number, number, number, number, number, number, number], { ok: number }>(
    `SELECT (EXISTS (SELECT 1 FROM "Friendship" WHERE "userAId" = ? AND "userBId" = ?)
       AND NOT EXISTS (SELECT 1 FROM "Block" WHERE ("blockerId" = ? AND "blockedId" = ?) OR ("blockerId" = ? AND "blockedId" = ?))
       AND (SELECT COUNT(*) FROM "User" WHERE "id" IN (?, ?)) = 2) AS "ok"`,
  ),
  friends: sql<[number, number], { one: number }>(
    `SELECT 1 AS "one" FROM "Friendship" WHERE "userAId" = ? AND "userBId" = ?`,
  ),
  blockedEitherWay: sql<[number, number, number, number], { one: number }>(
    `SELECT 1 AS "one" FROM "Block" WHERE ("blockerId" = ? AND "blockedId" = ?) OR ("blockerId" = ? AND "blockedId" = ?) LIMIT 1`,
  ),
  /** Everyone on either side of a block with the user. */
  blockedWith: sql<[number, number], { userId: number }>(
    `SELECT "blockedId" AS "userId" FROM "Block" WHERE "blockerId" = ? UNION SELECT "blockerId" FROM "Block" WHERE "blockedId" = ?`,
  ),
  group: sql<[number], GroupRow>(`SELECT "id", "name", "disbandedAt" FROM "Group" WHERE "id" = ?`),
  groupMember: sql<[number, number], { role: string; joinedSeq: number }>(
    `SELECT "role", "joinedSeq" FROM "GroupMember" WHERE "groupId" = ? AND "userId" = ?`,
  ),
  formerMember: sql<[number, number], FormerRow>(
    `SELECT "groupId", "reason", "byId", "groupName", "joinedSeq", "leftSeq", "removedAt" FROM "FormerMember"
     WHERE "groupId" = ? AND "userId" = ?`,
  ),
  /** The caller's former groups, with their conversation if any. */
  myFormerGroups: sql<[number], FormerRow & { convId: number | null; lastReadSeq: number | null }>(
    `SELECT f."groupId", f."reason", f."byId", f."groupName", f."joinedSeq", f."leftSeq", f."removedAt",
            c."id" AS "convId", cm."lastReadSeq"
     FROM "FormerMember" f LEFT JOIN "Conversation" c ON c."groupId" = f."groupId"
     LEFT JOIN "ConversationMember" cm ON cm."conversationId" = c."id" AND cm."userId" = f."userId"
     WHERE f."userId" = ?`,
  ),
  groupMemberIds: sql<[number], { userId: number }>(`SELECT "userId" FROM "GroupMember" WHERE "groupId" = ?`),
  /** Current members who may read entry `seq` (they joined before it). */
  groupMemberIdsSeeing: sql<[number, number], { userId: number }>(
    `SELECT "userId" FROM "GroupMember" WHERE "groupId" = ? AND "joinedSeq" < ?`,
  ),

  convByKey: sql<[string], ConvRow>(`SELECT ${CONV_COLUMNS} FROM "Conversation" WHERE "key" = ?`),
  /**
   * The conversation, locked until the transaction ends (PostgreSQL): the writers of every host
   * append to it one at a time, so seq stays gapless and unique. SQLite's writer already holds
   * the file's write lock from BEGIN IMMEDIATE.
   */
  convForUpdate: sql<[string], ConvRow>({
    sqlite: `SELECT ${CONV_COLUMNS} FROM "Conversation" WHERE "key" = ?`,
    postgresql: `SELECT ${CONV_COLUMNS} FROM "Conversation" WHERE "key" = ? FOR UPDATE`,
  }),
  /** Run: the new id is `lastId`. */
  insertConv: sql<[string, string, number | null, number, string]>(
    withId(
      `INSERT INTO "Conversation" ("key", "kind", "groupId", "lastSeq", "lastActivityMs", "createdAt") VALUES (?, ?, ?, 0, ?, ?)`,
    ),
  ),
  advanceConv: sql<[number, number, number]>(
    `UPDATE "Conversation" SET "lastSeq" = ?, "lastActivityMs" = ? WHERE "id" = ?`,
  ),
  /** Run: the new id is `lastId`. */
  /** `notify` is 0 or 1: SQLite has no booleans to bind, and PostgreSQL reads '1' as true. */
  insertMessage: sql<[number, number, string, number | null, string | null, string, number | null, number, 0 | 1]>(
    withId(
      `INSERT INTO "Message" ("conversationId", "seq", "kind", "senderId", "clientMsgId", "body", "targetSeq", "createdMs",
     "notify") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  ),
  messageByClientId: sql<[number, string], MessageRow & { key: string }>(
    `SELECT m.*, c."key" FROM "Message" m JOIN "Conversation" c ON c."id" = m."conversationId"
     WHERE m."senderId" = ? AND m."clientMsgId" = ?`,
  ),
  messageBySeq: sql<[number, number], MessageRow>(`SELECT * FROM "Message" WHERE "conversationId" = ? AND "seq" = ?`),
  editMessage: sql<[string, number, number]>(`UPDATE "Message" SET "body" = ?, "editedMs" = ? WHERE "id" = ?`),
  deleteMessage: sql<[number, number]>(`UPDATE "Message" SET "body" = '', "deletedMs" = ? WHERE "id" = ?`),

  pageAfter: sql<[number, number, number], PageRow>(
    `SELECT ${PAGE_COLUMNS} FROM ${PAGE_FROM} WHERE m."conversationId" = ? AND m."seq" > ? ORDER BY m."seq" LIMIT ?`,
  ),
  pageBefore: sql<[number, number, number, number], PageRow>(
    `SELECT ${PAGE_COLUMNS} FROM ${PAGE_FROM} WHERE m."conversationId" = ? AND m."seq" < ? AND m."seq" > ?
     ORDER BY m."seq" DESC LIMIT ?`,
  ),
  /**
   * The newest text, system or new MLS application entry (`notify`) after `visibleFrom`: the
   * preview of a conversation (an MLS one gives no preview: only devices can read it).
   */
  lastShown: sql<[number, number], MessageRow>(
    `SELECT * FROM "Message" WHERE "conversationId" = ? AND "seq" > ?
     AND ("kind" IN ('text', 'system') OR ("kind" = 'mls.app' AND "notify")) ORDER BY "seq" DESC LIMIT 1`,
  ),
  /** lastShown, for a former member: nothing after `leftSeq`. */
  lastShownUpTo: sql<[number, number, number], MessageRow>(
    `SELECT * FROM "Message" WHERE "conversationId" = ? AND "seq" > ? AND "seq" <= ?
     AND ("kind" IN ('text', 'system') OR ("kind" = 'mls.app' AND "notify")) ORDER BY "seq" DESC LIMIT 1`,
  ),
  unreadUpTo: sql<[number, number, number, number, number], { n: number }>(
    `SELECT COUNT(*) AS "n" FROM (SELECT 1 FROM "Message" WHERE "conversationId" = ? AND "seq" > ? AND "seq" <= ?
     AND ("kind" = 'text' OR ("kind" = 'mls.app' AND "notify")) AND "deletedMs" IS NULL AND "senderId" <> ?
     LIMIT ?) AS "counted"`,
  ),
  unread: sql<[number, number, number, number], { n: number }>(
    `SELECT COUNT(*) AS "n" FROM (SELECT 1 FROM "Message" WHERE "conversationId" = ? AND "seq" > ?
     AND ("kind" = 'text' OR ("kind" = 'mls.app' AND "notify")) AND "deletedMs" IS NULL AND "senderId" <> ?
     LIMIT ?) AS "counted"`,
  ),

  member: sql<[number, number], MemberRow>(
    `SELECT * FROM "ConversationMember" WHERE "conversationId" = ? AND "userId" = ?`,
  ),
  ensureMember: sql<[number, number, number]>(
    `INSERT INTO "ConversationMember" ("conversationId", "userId", "joinedSeq", "lastReadSeq") VALUES (?, ?, ?, 0)
     ON CONFLICT DO NOTHING`,
  ),
  /** (Re)joining a group: a fresh membership span. */
  joinMember: sql<[number, number, number]>(
    `INSERT INTO "ConversationMember" ("conversationId", "userId", "joinedSeq", "lastReadSeq") VALUES (?, ?, ?, 0)
     ON CONFLICT ("conversationId", "userId") DO UPDATE SET "joinedSeq" = excluded."joinedSeq", "leftSeq" = NULL`,
  ),
  leaveMember: sql<[number, number, number]>(
    `UPDATE "ConversationMember" SET "leftSeq" = ? WHERE "conversationId" = ? AND "userId" = ?`,
  ),
  /** Moves the read pointer forward only (params: seq, conversation, user, seq). */
  advanceRead: sql<[number, number, number, number]>(
    `UPDATE "ConversationMember" SET "lastReadSeq" = ? WHERE "conversationId" = ? AND "userId" = ? AND "lastReadSeq" < ?`,
  ),

  /** The caller's DMs. */
  myDms: sql<[number], ConvRow & { lastReadSeq: number }>(
    `SELECT c."id", c."key", c."kind", c."groupId", c."lastSeq", c."lastActivityMs", c."mlsEpoch", cm."lastReadSeq"
     FROM "ConversationMember" cm JOIN "Conversation" c ON c."id" = cm."conversationId"
     WHERE cm."userId" = ? AND c."kind" = 'dm'`,
  ),
  /** The caller's groups (current memberships, disbanded ones included), with their conversation if any. */
  myGroups: sql<
    [number],
    {
      groupId: number;
      name: string;
      disbandedAt: number | null;
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
  groupReceipts: sql<[number, number], { userId: number; joinedSeq: number; lastReadSeq: number | null }>(
    `SELECT gm."userId", gm."joinedSeq", cm."lastReadSeq" FROM "GroupMember" gm
     LEFT JOIN "ConversationMember" cm ON cm."conversationId" = ? AND cm."userId" = gm."userId"
     WHERE gm."groupId" = ? ORDER BY gm."userId"`,
  ),

  // The user's own conversation settings (settings.ts). Booleans bound as 0 or 1 (see insertMessage).
  setting: sql<[number, string], SettingRow>(
    `SELECT "conversationKey", "muted", "mutedUntilMs", "pinned", "archivedSeq", "markedUnread"
     FROM "ConversationSetting" WHERE "userId" = ? AND "conversationKey" = ?`,
  ),
  mySettings: sql<[number], SettingRow>(
    `SELECT "conversationKey", "muted", "mutedUntilMs", "pinned", "archivedSeq", "markedUnread"
     FROM "ConversationSetting" WHERE "userId" = ?`,
  ),
  /** Params: user, conversation, muted, mutedUntilMs, pinned, archivedSeq, markedUnread, updatedMs. */
  putSetting: sql<[number, string, 0 | 1, number | null, 0 | 1, number | null, 0 | 1, number]>(
    `INSERT INTO "ConversationSetting" ("userId", "conversationKey", "muted", "mutedUntilMs", "pinned", "archivedSeq",
     "markedUnread", "updatedMs") VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT ("userId", "conversationKey") DO UPDATE SET "muted" = excluded."muted",
     "mutedUntilMs" = excluded."mutedUntilMs", "pinned" = excluded."pinned", "archivedSeq" = excluded."archivedSeq",
     "markedUnread" = excluded."markedUnread", "updatedMs" = excluded."updatedMs"`,
  ),
  /** Reading clears "marked unread" (params: updatedMs, user, conversation). */
  clearMarkedUnread: sql<[number, number, string]>(
    `UPDATE "ConversationSetting" SET "markedUnread" = false, "updatedMs" = ?
     WHERE "userId" = ? AND "conversationKey" = ? AND "markedUnread"`,
  ),

  // End-to-end encryption (mls.ts). Device is auth's key directory, read-only here.
  deviceBySession: sql<[string], { id: string; userId: number }>(
    `SELECT "id", "userId" FROM "Device" WHERE "sessionId" = ?`,
  ),
  deviceById: sql<[string], { id: string; userId: number; signatureKey: string }>(
    `SELECT "id", "userId", "signatureKey" FROM "Device" WHERE "id" = ?`,
  ),
  /**
   * The registered devices that a member could add (a KeyPackage left to claim) of a group's
   * members, or of a DM's two users: the leaves an application message's epoch must hold.
   */
  addableGroupDevices: sql<[number], { id: string }>(
    `SELECT d."id" FROM "Device" d JOIN "GroupMember" gm ON gm."userId" = d."userId"
     WHERE gm."groupId" = ? AND EXISTS (SELECT 1 FROM "KeyPackage" k WHERE k."deviceId" = d."id")`,
  ),
  addablePairDevices: sql<[number, number], { id: string }>(
    `SELECT d."id" FROM "Device" d WHERE d."userId" IN (?, ?)
     AND EXISTS (SELECT 1 FROM "KeyPackage" k WHERE k."deviceId" = d."id")`,
  ),
  setMlsEpoch: sql<[number, number]>(`UPDATE "Conversation" SET "mlsEpoch" = ? WHERE "id" = ?`),
  upsertGroupInfo: sql<[number, number, string, number]>(
    `INSERT INTO "MlsGroupInfo" ("conversationId", "epoch", "data", "updatedMs") VALUES (?, ?, ?, ?)
     ON CONFLICT ("conversationId") DO UPDATE SET "epoch" = excluded."epoch", "data" = excluded."data",
     "updatedMs" = excluded."updatedMs"`,
  ),
  groupInfo: sql<[number], { epoch: number; data: string }>(
    `SELECT "epoch", "data" FROM "MlsGroupInfo" WHERE "conversationId" = ?`,
  ),
  insertWelcome: sql<[string, number, number, string, number]>(
    `INSERT INTO "MlsWelcome" ("deviceId", "conversationId", "epoch", "data", "createdMs") VALUES (?, ?, ?, ?, ?)`,
  ),
  /**
   * A device's Welcomes, oldest first, for conversations its user (params: device, user, limit) may
   * still read: a group's Welcome waits for a current member only (someone kicked before fetching
   * it gets nothing; the rows go with the device).
   */
  welcomesOf: sql<[string, number, number], { id: number; key: string; epoch: number; data: string }>(
    `SELECT w."id", c."key", w."epoch", w."data" FROM "MlsWelcome" w JOIN "Conversation" c ON c."id" = w."conversationId"
     WHERE w."deviceId" = ? AND (c."groupId" IS NULL
       OR EXISTS (SELECT 1 FROM "GroupMember" gm WHERE gm."groupId" = c."groupId" AND gm."userId" = ?))
     ORDER BY w."id" LIMIT ?`,
  ),
  /** The end-to-end encrypted conversations after `id`, in id order (the reconciler's sweep). */
  mlsConversationsAfter: sql<[number, number], { id: number; key: string }>(
    `SELECT "id", "key" FROM "Conversation" WHERE "mlsEpoch" IS NOT NULL AND "id" > ? ORDER BY "id" LIMIT ?`,
  ),
  /** The user's end-to-end encrypted conversations (DMs, and groups they joined, former ones included). */
  mlsConversationsOf: sql<[number], { key: string }>(
    `SELECT c."key" FROM "Conversation" c JOIN "ConversationMember" cm ON cm."conversationId" = c."id"
     WHERE cm."userId" = ? AND c."mlsEpoch" IS NOT NULL`,
  ),
  /** A server proposal by its clientMsgId (the server's entries have no sender). */
  serverEntry: sql<[string], { id: number }>(
    `SELECT "id" FROM "Message" WHERE "senderId" IS NULL AND "clientMsgId" = ?`,
  ),
  deleteWelcome: sql<[number, string]>(`DELETE FROM "MlsWelcome" WHERE "id" = ? AND "deviceId" = ?`),

  /** The cursor row exists (value 0) before it is locked: a missing row could not be. */
  ensureCursor: sql<[string]>(`INSERT INTO "Cursor" ("name", "value") VALUES (?, 0) ON CONFLICT DO NOTHING`),
  /** The cursor, locked until the transaction ends (PostgreSQL): one consumer at a time across hosts. */
  cursorForUpdate: sql<[string], { value: number }>({
    sqlite: `SELECT "value" FROM "Cursor" WHERE "name" = ?`,
    postgresql: `SELECT "value" FROM "Cursor" WHERE "name" = ? FOR UPDATE`,
  }),
  setCursor: sql<[string, number]>(
    `INSERT INTO "Cursor" ("name", "value") VALUES (?, ?) ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value"`,
  ),
  groupEventsAfter: sql<[number, number], GroupEventRow>(
    `SELECT "id", "groupId", "type", "actorId", "targetId", "data" FROM "GroupEvent" WHERE "id" > ? ORDER BY "id" LIMIT ?`,
  ),
};

type Statements = typeof STATEMENTS;

/** One statement bound to a database or transaction. */
export class Bound<P extends readonly SqlParam[], R> {
  constructor(
    private readonly ex: SqlExec,
    private readonly stmt: Statement<P, R>,
  ) {}
  get(...params: P): Promise<R | undefined> {
    return this.ex.get(this.stmt, params);
  }
  all(...params: P): Promise<R[]> {
    return this.ex.all(this.stmt, params);
  }
  run(...params: P): Promise<RunResult> {
    return this.ex.run(this.stmt, params);
  }
}

export type Queries = {
  readonly [K in keyof Statements]: Statements[K] extends Statement<infer P, infer R> ? Bound<P, R> : never;
} & { readonly dialect: SqlExec["dialect"] };

/**
 * One object per database or transaction; each statement is a getter on the shared prototype that
 * binds it on first use (a transaction per batch, possibly of one job, must not pay for binding
 * every statement).
 */
class BoundQueries {
  readonly slots: Array<Bound<never, unknown> | undefined> = [];
  constructor(readonly ex: SqlExec) {}
  get dialect(): SqlExec["dialect"] {
    return this.ex.dialect;
  }
}
Object.values(STATEMENTS).forEach((stmt, i) => {
  Object.defineProperty(BoundQueries.prototype, Object.keys(STATEMENTS)[i]!, {
    get(this: BoundQueries) {
      return (this.slots[i] ??= new Bound(this.ex, stmt as Statement<never, unknown>));
    },
  });
});

/** Where a database or transaction keeps its bound statements (a WeakMap entry per transaction cost more). */
const BOUND = Symbol("chat queries");
type Holder = SqlExec & { [BOUND]?: BoundQueries };

/** The statements bound to `ex` (a database, or a transaction). */
export function queries(ex: SqlExec): Queries {
  const holder = ex as Holder;
  return (holder[BOUND] ??= new BoundQueries(ex)) as unknown as Queries;
}
