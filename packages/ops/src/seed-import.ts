/**
 * `npm run db:import-seed -- chat.db`: moves the original Python chat room's users (with their
 * argon2 password hashes, which the auth service verifies as they are and rehashes at the next
 * sign-in), friendships, groups and history into a Sealroom database of either engine, through
 * Prisma's API only. Idempotent: users and groups are recorded in Cursor rows named
 * `seed-import:user:<old id>` / `seed-import:group:<old gid>` in the same transaction that creates
 * them, and every imported entry carries the clientMsgId `seed-import:<old message id>` (unique per
 * sender), so a second run finds everything and writes nothing. Quirks and rules: docs/SEED-IMPORT.md.
 */
import Database from "better-sqlite3";
import type { Db } from "@sealroom/db";
import { usernameKey } from "@sealroom/proto/auth";
import { dmConversationId, groupConversationId } from "@sealroom/proto/chat";
import { parseLocalTime } from "./local-time.js";
import { cleanGroupName, cleanUsername, NameSpace, type RenameReason } from "./seed-names.js";
import { insertStatements } from "./insert.js";
import { cleanMessageText } from "./seed-text.js";

export const USER_MAPPING = "seed-import:user:";
export const GROUP_MAPPING = "seed-import:group:";
/** The clientMsgId of an imported entry: its old id, and the part for a text split in several. */
export const importedMessageId = (sourceId: number, part = 1): string =>
  part === 1 ? `seed-import:${sourceId}` : `seed-import:${sourceId}.${part}`;

/** Entries written per transaction (each leaves its conversation consistent: lastSeq = its last seq). */
const MESSAGE_BATCH = 2000;
/** Users created per transaction. */
const USER_BATCH = 200;
/** Skipped message ids listed per reason (the count is always complete). */
const IDS_LISTED = 50;

export interface SeedImportOptions {
  /** Path of the original chat.db (opened read-only). */
  source: string;
  /** The migrated Sealroom database to import into. */
  db: Db;
  /** IANA zone of the original server's clock (its timestamps carry none). */
  timeZone: string;
  /** Import time (Unix ms): creation time of what the original did not date. */
  now?: number;
  /** Progress lines (the CLI writes them to stderr). */
  progress?: (line: string) => void;
}

export interface Renamed {
  sourceId: number;
  from: string;
  to: string;
  reasons: RenameReason[];
}

export interface SeedReport {
  source: string;
  timeZone: string;
  users: {
    imported: number;
    alreadyImported: number;
    renamed: Renamed[];
    /** Imported, but their stored password is no argon2 hash: they cannot sign in with it. */
    unusablePassword: Array<{ sourceId: number; username: string }>;
  };
  friendships: {
    imported: number;
    alreadyImported: number;
    skipped: Array<{ user: string; friend: string; reason: "one-sided" | "unknown user" | "self" }>;
  };
  groups: {
    imported: number;
    alreadyImported: number;
    renamed: Array<{ gid: string; from: string; to: string }>;
    /** Groups that had been disbanded (messages without a groups row), recreated read-only. */
    disbanded: Array<{ gid: string; name: string; members: number }>;
    ownerReplaced: Array<{ gid: string; owner: string; newOwner: string }>;
    membersSkipped: Array<{ gid: string; username: string; reason: "unknown user" }>;
    skipped: Array<{ gid: string; reason: string }>;
  };
  messages: {
    imported: number;
    alreadyImported: number;
    /** Conversations that received entries in this run. */
    conversations: number;
    /** DM conversations between users who are not friends (kept: the history stays readable). */
    dmsWithoutFriendship: number;
    /** Group messages whose sender is not (or no longer) a member. */
    fromNonMembers: number;
    /** Texts longer than Sealroom's limit, stored as several consecutive entries. */
    split: number;
    /** Texts from which control characters or unpaired bidi controls were removed. */
    cleaned: number;
    /** Unreadable timestamps, dated like the entry before them. */
    badTimestamps: number;
    /** Timestamps earlier than the entry before them (a clock set back), raised to keep the order. */
    reordered: number;
    skipped: Array<{ reason: string; count: number; ids: number[] }>;
  };
}

interface SourceUser {
  id: number;
  username: string;
  password: string;
}
interface SourceMessage {
  id: number;
  chatType: string;
  from: string;
  to: string;
  gid: string;
  text: string;
  timestamp: string;
}
interface SourceGroup {
  gid: string;
  name: string;
  owner: string;
  members: string;
  createdAt: string;
}

const text = (v: unknown): string => (v === null || v === undefined ? "" : String(v));
/** A PHC string of argon2 (any variant: argon2-cffi's first releases defaulted to argon2i). */
const isArgon2 = (hash: string) =>
  /^\$argon2(id|i|d)\$(v=\d+\$)?[a-z]+=\d+(,[a-z]+=\d+)*\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.test(hash);

/** Reads the whole source (a few tables, read-only); checks it has the original's schema. */
function readSource(file: string) {
  const src = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = new Set(
      src
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`)
        .all()
        .map((r) => text((r as { name: unknown }).name)),
    );
    const missing = ["users", "messages", "friends", "groups"].filter((t) => !tables.has(t));
    if (missing.length > 0) throw new Error(`${file} is not the chat room's database: no table ${missing.join(", ")}`);
    const rows = (sql: string) => src.prepare(sql).all() as Array<Record<string, unknown>>;
    const users: SourceUser[] = rows(`SELECT id, username, password FROM users ORDER BY id`).map((r) => ({
      id: Number(r.id),
      username: text(r.username),
      password: text(r.password),
    }));
    const friends = rows(`SELECT user, friend FROM friends ORDER BY rowid`).map((r) => ({
      user: text(r.user),
      friend: text(r.friend),
    }));
    const groups: SourceGroup[] = rows(
      `SELECT gid, group_name, owner, members, created_at FROM groups ORDER BY rowid`,
    ).map((r) => ({
      gid: text(r.gid),
      name: text(r.group_name),
      owner: text(r.owner),
      members: text(r.members),
      createdAt: text(r.created_at),
    }));
    const messages: SourceMessage[] = rows(
      `SELECT id, chat_type, from_user, to_user, gid, message, timestamp FROM messages ORDER BY id`,
    ).map((r) => ({
      id: Number(r.id),
      chatType: text(r.chat_type),
      from: text(r.from_user),
      to: text(r.to_user),
      gid: text(r.gid),
      text: text(r.message),
      timestamp: text(r.timestamp),
    }));
    return { users, friends, groups, messages };
  } finally {
    src.close();
  }
}

/** Cursor rows named `prefix<key>`: the import's record of what it created. */
async function mappings(db: Db, prefix: string): Promise<Map<string, number>> {
  const rows = await db.cursor.findMany({ where: { name: { startsWith: prefix } } });
  return new Map(rows.map((r) => [r.name.slice(prefix.length), r.value]));
}

class Skips {
  private readonly byReason = new Map<string, { count: number; ids: number[] }>();
  add(reason: string, id: number) {
    const entry = this.byReason.get(reason) ?? { count: 0, ids: [] };
    entry.count++;
    if (entry.ids.length < IDS_LISTED) entry.ids.push(id);
    this.byReason.set(reason, entry);
  }
  list() {
    return [...this.byReason].map(([reason, e]) => ({ reason, ...e }));
  }
}

interface PlannedEntry {
  sourceId: number;
  part: number;
  senderId: number;
  body: string;
  createdMs: number;
}

export async function importSeed({
  source,
  db,
  timeZone,
  now = Date.now(),
  progress = () => {},
}: SeedImportOptions): Promise<SeedReport> {
  const t0 = performance.now();
  const step = (line: string) => progress(`${line} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const src = readSource(source);
  step(
    `read ${src.users.length} users, ${src.friends.length} friends rows, ${src.groups.length} groups, ${src.messages.length} messages`,
  );
  const report: SeedReport = {
    source,
    timeZone,
    users: { imported: 0, alreadyImported: 0, renamed: [], unusablePassword: [] },
    friendships: { imported: 0, alreadyImported: 0, skipped: [] },
    groups: {
      imported: 0,
      alreadyImported: 0,
      renamed: [],
      disbanded: [],
      ownerReplaced: [],
      membersSkipped: [],
      skipped: [],
    },
    messages: {
      imported: 0,
      alreadyImported: 0,
      conversations: 0,
      dmsWithoutFriendship: 0,
      fromNonMembers: 0,
      split: 0,
      cleaned: 0,
      badTimestamps: 0,
      reordered: 0,
      skipped: [],
    },
  };
  const at = (stamp: string) => parseLocalTime(stamp, timeZone);
  const importTime = new Date(now);

  // ------------------------------------------------------------------------------------------
  // Users: names planned first (deterministically, see below), then created in old id order.
  // ------------------------------------------------------------------------------------------
  const userMap = await mappings(db, USER_MAPPING);
  const names = new NameSpace();
  const mappedIds = new Set(userMap.values());
  for (const u of await db.user.findMany({ select: { id: true, username: true, usernameSkeleton: true } })) {
    names.hold(u.username, mappedIds.has(u.id) ? "source" : "target", u.usernameSkeleton ?? undefined);
  }
  /** Old username (exact, as messages and friends name users) -> Sealroom user id. */
  const idOf = new Map<string, number>();
  const fresh: SourceUser[] = [];
  for (const user of src.users) {
    const known = userMap.get(String(user.id));
    if (known === undefined) fresh.push(user);
    else {
      report.users.alreadyImported++;
      idOf.set(user.username, known);
    }
  }
  // Names that pass the rules as they are first, so that a clean name is never the one renamed
  // for a clash with a name that had to be cleaned; in old id order within each pass.
  const planned = new Map(fresh.map((user) => [user.id, cleanUsername(user.username, user.id)]));
  const passes = [
    fresh.filter((u) => planned.get(u.id)!.reasons.length === 0),
    fresh.filter((u) => planned.get(u.id)!.reasons.length > 0),
  ];
  const chosen = new Map<number, { name: string; skeleton: string; reasons: RenameReason[] }>();
  for (const user of passes.flat()) {
    const cleaned = planned.get(user.id)!;
    const taken = names.take(cleaned.name);
    chosen.set(user.id, { ...taken, reasons: taken.clash ? [...cleaned.reasons, taken.clash] : cleaned.reasons });
  }
  // A transaction per batch of users: each user and its mapping commit together (an interrupted
  // run never leaves a user the next run would import again).
  for (let i = 0; i < fresh.length; i += USER_BATCH) {
    const batch = fresh.slice(i, i + USER_BATCH);
    const ids = await db.$transaction(
      async (tx) => {
        const created: number[] = [];
        for (const user of batch) {
          const { name, skeleton } = chosen.get(user.id)!;
          const row = await tx.user.create({
            data: {
              username: name,
              usernameKey: usernameKey(name),
              usernameSkeleton: skeleton,
              passwordHash: user.password,
              createdAt: importTime,
              passwordChangedAt: importTime,
            },
            select: { id: true },
          });
          created.push(row.id);
        }
        await tx.cursor.createMany({
          data: batch.map((user, j) => ({ name: `${USER_MAPPING}${user.id}`, value: created[j]! })),
        });
        return created;
      },
      { timeout: 120_000, maxWait: 30_000 },
    );
    batch.forEach((user, j) => {
      const { name, reasons } = chosen.get(user.id)!;
      idOf.set(user.username, ids[j]!);
      report.users.imported++;
      if (!isArgon2(user.password)) report.users.unusablePassword.push({ sourceId: user.id, username: user.username });
      if (name !== user.username)
        report.users.renamed.push({ sourceId: user.id, from: user.username, to: name, reasons });
    });
  }

  step(`users: ${report.users.imported} imported`);

  // ------------------------------------------------------------------------------------------
  // Friendships: two rows each in the original; one row alone is a half-deleted friendship.
  // ------------------------------------------------------------------------------------------
  const directed = new Set(src.friends.map((f) => `${f.user}\u0000${f.friend}`));
  const pairs = new Map<string, [number, number]>();
  const seenPair = new Set<string>();
  for (const { user, friend } of src.friends) {
    const a = idOf.get(user);
    const b = idOf.get(friend);
    const pairKey = [user, friend].sort().join("\u0000");
    if (seenPair.has(pairKey)) continue;
    seenPair.add(pairKey);
    if (a === undefined || b === undefined) report.friendships.skipped.push({ user, friend, reason: "unknown user" });
    else if (a === b) report.friendships.skipped.push({ user, friend, reason: "self" });
    else if (!directed.has(`${friend}\u0000${user}`))
      report.friendships.skipped.push({ user, friend, reason: "one-sided" });
    else pairs.set(`${Math.min(a, b)}:${Math.max(a, b)}`, [Math.min(a, b), Math.max(a, b)]);
  }
  const involved = [...new Set([...pairs.values()].flat())];
  const existingPairs = new Set(
    (
      await db.friendship.findMany({ where: { userAId: { in: involved } }, select: { userAId: true, userBId: true } })
    ).map((f) => `${f.userAId}:${f.userBId}`),
  );
  const newPairs = [...pairs].filter(([key]) => !existingPairs.has(key)).map(([, pair]) => pair);
  report.friendships.alreadyImported = pairs.size - newPairs.length;
  for (let i = 0; i < newPairs.length; i += MESSAGE_BATCH) {
    const { count } = await db.friendship.createMany({
      data: newPairs
        .slice(i, i + MESSAGE_BATCH)
        .map(([userAId, userBId]) => ({ userAId, userBId, createdAt: importTime })),
    });
    report.friendships.imported += count;
  }
  const friendsNow = new Set([...pairs.keys()]);
  step(`friendships: ${report.friendships.imported} imported`);

  // ------------------------------------------------------------------------------------------
  // Messages, read first: the senders of a disbanded group's messages become its members.
  // ------------------------------------------------------------------------------------------
  const skips = new Skips();
  type Bucket = { key: string; kind: "dm" | "group"; members: number[]; gid?: string; rows: SourceMessage[] };
  const dms = new Map<string, Bucket>();
  const groupRows = new Map<string, SourceMessage[]>();
  for (const m of src.messages) {
    const senderId = idOf.get(m.from);
    if (senderId === undefined) {
      skips.add("unknown sender", m.id);
      continue;
    }
    if (m.chatType === "private") {
      if (m.to === "") skips.add("private message without a recipient", m.id);
      else if (idOf.get(m.to) === undefined) skips.add("unknown recipient", m.id);
      else if (idOf.get(m.to) === senderId) skips.add("private message to oneself", m.id);
      else {
        const peer = idOf.get(m.to)!;
        const key = dmConversationId(Math.min(senderId, peer), Math.max(senderId, peer));
        const bucket = dms.get(key) ?? { key, kind: "dm", members: [senderId, peer].sort((x, y) => x - y), rows: [] };
        bucket.rows.push(m);
        dms.set(key, bucket);
      }
    } else if (m.chatType === "group") {
      if (m.gid === "") skips.add("group message without a group", m.id);
      else {
        const rows = groupRows.get(m.gid);
        if (rows) rows.push(m);
        else groupRows.set(m.gid, [m]);
      }
    } else {
      skips.add(`unknown chat_type "${m.chatType.slice(0, 20)}"`, m.id);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Groups, then the disbanded ones (messages whose gid has no groups row), read-only.
  // ------------------------------------------------------------------------------------------
  const groupMap = await mappings(db, GROUP_MAPPING);
  const groupIdOf = new Map<string, number>();
  const seenGids = new Set<string>();
  const createGroup = async (
    gid: string,
    name: string,
    members: number[],
    createdAt: Date,
    disbandedAt: Date | null,
  ): Promise<number> =>
    db.$transaction(async (tx) => {
      const group = await tx.group.create({ data: { name, ownerId: members[0]!, createdAt, disbandedAt } });
      await tx.groupMember.createMany({
        data: members.map((userId, i) => ({
          groupId: group.id,
          userId,
          role: i === 0 ? "owner" : "member",
          joinedAt: createdAt,
          joinedSeq: 0,
        })),
      });
      await tx.cursor.create({ data: { name: `${GROUP_MAPPING}${gid}`, value: group.id } });
      return group.id;
    });

  for (const g of src.groups) {
    if (g.gid === "" || seenGids.has(g.gid)) {
      report.groups.skipped.push({ gid: g.gid, reason: g.gid === "" ? "empty gid" : "duplicate gid" });
      continue;
    }
    seenGids.add(g.gid);
    const known = groupMap.get(g.gid);
    if (known !== undefined) {
      report.groups.alreadyImported++;
      groupIdOf.set(g.gid, known);
      continue;
    }
    let listed: string[];
    try {
      const parsed: unknown = JSON.parse(g.members);
      listed = Array.isArray(parsed) ? parsed.map(text) : [g.owner];
    } catch {
      listed = [g.owner];
    }
    const members: number[] = [];
    const ownerId = idOf.get(g.owner);
    if (ownerId !== undefined) members.push(ownerId);
    for (const username of [g.owner, ...listed]) {
      const id = idOf.get(username);
      if (id === undefined) {
        if (!report.groups.membersSkipped.some((s) => s.gid === g.gid && s.username === username))
          report.groups.membersSkipped.push({ gid: g.gid, username, reason: "unknown user" });
      } else if (!members.includes(id)) members.push(id);
    }
    if (members.length === 0) {
      report.groups.skipped.push({ gid: g.gid, reason: "no member is a known user" });
      continue;
    }
    if (ownerId === undefined) {
      const heir = listed.find((u) => idOf.get(u) === members[0])!;
      report.groups.ownerReplaced.push({ gid: g.gid, owner: g.owner, newOwner: heir });
    }
    const { name, changed } = cleanGroupName(g.name, g.gid);
    if (changed) report.groups.renamed.push({ gid: g.gid, from: g.name, to: name });
    const createdAt = new Date(at(g.createdAt) ?? now);
    groupIdOf.set(g.gid, await createGroup(g.gid, name, members, createdAt, null));
    report.groups.imported++;
  }
  for (const [gid, rows] of groupRows) {
    if (seenGids.has(gid)) continue;
    const known = groupMap.get(gid);
    if (known !== undefined) {
      report.groups.alreadyImported++;
      groupIdOf.set(gid, known);
      continue;
    }
    const members = [...new Set(rows.map((m) => idOf.get(m.from)!))];
    const stamps = rows.map((m) => at(m.timestamp)).filter((ms) => ms !== undefined);
    const first = stamps.length > 0 ? stamps.reduce((a, b) => Math.min(a, b)) : now;
    const last = stamps.length > 0 ? stamps.reduce((a, b) => Math.max(a, b)) : now;
    const name = cleanGroupName("", gid).name;
    groupIdOf.set(gid, await createGroup(gid, name, members, new Date(first), new Date(last)));
    report.groups.imported++;
    report.groups.disbanded.push({ gid, name, members: members.length });
  }

  step(`groups: ${report.groups.imported} imported`);
  const buckets: Bucket[] = [...dms.values()];
  for (const [gid, rows] of groupRows) {
    const groupId = groupIdOf.get(gid);
    if (groupId === undefined) {
      for (const m of rows) skips.add("group not imported", m.id);
      continue;
    }
    const members = (await db.groupMember.findMany({ where: { groupId }, select: { userId: true } })).map(
      (r) => r.userId,
    );
    buckets.push({ key: groupConversationId(groupId), kind: "group", members, gid, rows });
  }

  // ------------------------------------------------------------------------------------------
  // Conversations: entries in old id order, gapless seq after what the conversation holds.
  // ------------------------------------------------------------------------------------------
  const done = new Set(
    (
      await db.message.findMany({
        where: { clientMsgId: { startsWith: "seed-import:" } },
        select: { clientMsgId: true },
      })
    ).map((m) => m.clientMsgId),
  );
  let lastProgress = performance.now();
  for (const [index, bucket] of buckets.entries()) {
    if (performance.now() - lastProgress > 5000) {
      lastProgress = performance.now();
      step(`messages: ${report.messages.imported} imported, conversation ${index + 1} of ${buckets.length}`);
    }
    const existing = await db.conversation.findUnique({ where: { key: bucket.key } });
    let previous = existing?.lastActivityMs ?? 0;
    const entries: PlannedEntry[] = [];
    for (const m of bucket.rows) {
      const senderId = idOf.get(m.from)!;
      const clean = cleanMessageText(m.text);
      if (!clean) {
        skips.add("empty text", m.id);
        continue;
      }
      if (clean.parts.every((_, i) => done.has(importedMessageId(m.id, i + 1)))) {
        report.messages.alreadyImported++;
        continue;
      }
      let createdMs = at(m.timestamp);
      if (createdMs === undefined) {
        report.messages.badTimestamps++;
        createdMs = previous > 0 ? previous : now;
      } else if (createdMs < previous) {
        report.messages.reordered++;
        createdMs = previous;
      }
      previous = createdMs;
      if (clean.parts.length > 1) report.messages.split++;
      if (clean.cleaned) report.messages.cleaned++;
      if (bucket.kind === "group" && !bucket.members.includes(senderId)) report.messages.fromNonMembers++;
      clean.parts.forEach((body, i) => {
        if (!done.has(importedMessageId(m.id, i + 1)))
          entries.push({ sourceId: m.id, part: i + 1, senderId, body, createdMs });
      });
      report.messages.imported++;
    }
    if (entries.length === 0) continue;
    const conv =
      existing ??
      (await db.conversation.create({
        data: {
          key: bucket.key,
          kind: bucket.kind,
          groupId: bucket.kind === "group" ? groupIdOf.get(bucket.gid!)! : null,
          lastActivityMs: 0,
          createdAt: new Date(entries[0]!.createdMs),
        },
      }));
    report.messages.conversations++;
    if (bucket.kind === "dm" && !friendsNow.has(`${bucket.members[0]}:${bucket.members[1]}`))
      report.messages.dmsWithoutFriendship++;
    let lastSeq = conv.lastSeq;
    for (let i = 0; i < entries.length; i += MESSAGE_BATCH) {
      const batch = entries.slice(i, i + MESSAGE_BATCH);
      const first = lastSeq + 1;
      const newLast = lastSeq + batch.length;
      await db.$transaction([
        // Fails (P2025), rolling the batch back, if anything else appended to the conversation meanwhile.
        db.conversation.update({
          where: { id: conv.id, lastSeq },
          data: { lastSeq: newLast, lastActivityMs: batch.at(-1)!.createdMs },
        }),
        ...insertStatements(
          db,
          "Message",
          ["conversationId", "seq", "kind", "senderId", "clientMsgId", "body", "createdMs"],
          batch.map((e, j) => [
            conv.id,
            first + j,
            "text",
            e.senderId,
            importedMessageId(e.sourceId, e.part),
            e.body,
            e.createdMs,
          ]),
        ),
        // Readers start from the beginning; the imported history counts as read.
        ...bucket.members.map((userId) =>
          db.conversationMember.upsert({
            where: { conversationId_userId: { conversationId: conv.id, userId } },
            create: { conversationId: conv.id, userId, joinedSeq: 0, lastReadSeq: newLast },
            update: {},
          }),
        ),
      ]);
      lastSeq = newLast;
    }
  }
  report.messages.skipped = skips.list();
  step(`messages: ${report.messages.imported} imported`);
  return report;
}
