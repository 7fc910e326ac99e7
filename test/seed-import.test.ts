/**
 * `npm run db:import-seed`: a chat.db written here to the original chat room's schema with every
 * quirk docs/SEED-IMPORT.md lists, imported into a fresh Sealroom database; users sign in with
 * their old passwords through the real auth service; a second run changes nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import argon2 from "argon2";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { createAuthService, type AuthService } from "@sealroom/auth";
import { createDb, type Db } from "@sealroom/db";
import { importSeed, importSeedCli, type SeedReport } from "@sealroom/ops";
import { COMMANDS } from "@sealroom/proto/commands";
import { resultSchema } from "@sealroom/proto/errors";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { startNats, tempDatabase, type NatsServer, type TempDb } from "@sealroom/testkit";

/** Hashes as argon2-cffi's PasswordHasher() wrote them (its documentation's examples): today's defaults, older defaults, and the argon2i of its first releases. */
const CFFI_DEFAULTS = {
  hash: "$argon2id$v=19$m=65536,t=3,p=4$MIIRqgvgQbgj220jfp0MPA$YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg",
  password: "correct horse battery staple",
};
const CFFI_OLD = {
  hash: "$argon2id$v=19$m=102400,t=2,p=8$tSm+JOWigOgPZx/g44K5fQ$WDyus6py50bVFIPkjA28lQ",
  password: "s3kr3tp4ssw0rd",
};
const CFFI_ARGON2I = {
  hash: "$argon2i$v=19$m=512,t=2,p=2$5VtWOO3cGWYQHEMaYGbsfQ$AcmqasQgW/wI6wAHAMk4aQ",
  password: "s3kr3tp4ssw0rd",
};

const G_TEAM = "0f8c3a52-6a4e-4d0c-9d55-3f1f7a1e0001";
const G_BIDI = "0f8c3a52-6a4e-4d0c-9d55-3f1f7a1e0002";
const G_HEIR = "0f8c3a52-6a4e-4d0c-9d55-3f1f7a1e0003";
const G_BADJSON = "0f8c3a52-6a4e-4d0c-9d55-3f1f7a1e0004";
const G_NOBODY = "0f8c3a52-6a4e-4d0c-9d55-3f1f7a1e0005";
const G_DISBANDED = "deadbeef-6a4e-4d0c-9d55-3f1f7a1e0006";
const LONG = "x".repeat(4500);

/** The original chat room's schema, verbatim. */
const SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT UNIQUE NOT NULL, password TEXT NOT NULL);
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, chat_type TEXT NOT NULL, from_user TEXT NOT NULL,
  to_user TEXT, gid TEXT, message TEXT NOT NULL, timestamp TEXT NOT NULL);
CREATE TABLE friends (user TEXT NOT NULL, friend TEXT NOT NULL, UNIQUE(user, friend));
CREATE TABLE groups (gid TEXT PRIMARY KEY, group_name TEXT NOT NULL, owner TEXT NOT NULL, members TEXT NOT NULL,
  created_at TEXT NOT NULL);
`;

const cheap = (password: string) =>
  argon2.hash(password, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });

async function writeSource(file: string): Promise<void> {
  const db = new Database(file);
  db.exec(SCHEMA);
  const user = db.prepare(`INSERT INTO users (username, password) VALUES (?, ?)`);
  user.run("alice", CFFI_DEFAULTS.hash); // 1
  user.run("Alice", CFFI_OLD.hash); // 2: alice but for case
  user.run("bob smith", await cheap("bob password")); // 3: a space
  user.run(" carol ", await cheap("carol password")); // 4: not trimmed
  user.run("ａｌｉｃｅ", await cheap("wide password")); // 5: full-width, NFKC "alice"
  user.run("cocoa", await cheap("cocoa password")); // 6
  user.run("сосоа", await cheap("cyrillic password")); // 7: Cyrillic look-alike of cocoa
  user.run("pаypal", await cheap("mixed password")); // 8: Cyrillic а among Latin letters
  user.run("!!", await cheap("bang password")); // 9: nothing usable
  user.run("dave:)", await cheap("dave password")); // 10: symbols
  user.run("erin", CFFI_ARGON2I.hash); // 11: argon2i
  user.run("Frank", await cheap("frank password")); // 12: "frank" exists in Sealroom already
  user.run("gr\u200Bace", await cheap("grace password")); // 13: a zero-width space
  user.run("mallory", "hunter2"); // 14: no hash at all
  user.run("dave", await cheap("plain dave password")); // 15: keeps the name "dave:)" cleans to

  const friend = db.prepare(`INSERT INTO friends (user, friend) VALUES (?, ?)`);
  friend.run("alice", "bob smith");
  friend.run("bob smith", "alice");
  friend.run(" carol ", "erin");
  friend.run("erin", " carol ");
  friend.run("alice", " carol "); // one-sided: the reverse row was deleted by hand
  friend.run("alice", "ghost"); // a user who does not exist
  friend.run("ghost", "alice");
  friend.run("dave:)", "dave:)"); // oneself

  const group = db.prepare(`INSERT INTO groups VALUES (?, ?, ?, ?, ?)`);
  group.run(
    G_TEAM,
    "Team 🚀",
    "alice",
    JSON.stringify(["alice", "bob smith", " carol ", "ghost"]),
    "2024-01-02 10:00:00",
  );
  group.run(
    G_BIDI,
    `evil\u202Egnp.exe ${"y".repeat(100)}`,
    "bob smith",
    JSON.stringify(["bob smith"]),
    "2024-01-03 10:00:00",
  );
  group.run(G_HEIR, "Heirs", "ghost2", JSON.stringify(["ghost2", "dave:)", "erin"]), "2024-01-04 10:00:00");
  group.run(G_BADJSON, "Broken", "erin", "erin, carol", "2024-01-05 10:00:00");
  group.run(G_NOBODY, "Empty", "nobody", JSON.stringify(["nobody"]), "2024-01-06 10:00:00");

  const msg = db.prepare(
    `INSERT INTO messages (chat_type, from_user, to_user, gid, message, timestamp) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  // Europe/Berlin moved from +01:00 to +02:00 at 02:00 on 2024-03-31.
  msg.run("private", "alice", "bob smith", null, "hi bob", "2024-03-31 01:30:00"); // 1
  msg.run("private", "bob smith", "alice", "", "hi alice", "2024-03-31 03:10:00"); // 2: gid '' (Go twin)
  msg.run("group", "alice", null, G_TEAM, "team, hello", "2024-03-31 09:00:00"); // 3
  msg.run("group", "bob smith", "", G_TEAM, "hello from bob", "2024-03-31 09:01:00"); // 4: to_user '' (Go twin)
  msg.run("private", "alice", " carol ", null, "we are not friends", "2024-04-01 10:00:00"); // 5
  msg.run("private", "alice", "ghost", null, "to nobody", "2024-04-01 10:01:00"); // 6: unknown recipient
  msg.run("private", "ghost", "alice", null, "from nobody", "2024-04-01 10:02:00"); // 7: unknown sender
  msg.run("private", "alice", "", null, "no recipient", "2024-04-01 10:03:00"); // 8
  msg.run("private", "alice", "bob smith", null, LONG, "2024-04-01 11:00:00"); // 9: split in two
  msg.run("private", "bob smith", "alice", null, "bell\u0007 and \u202Eoverride", "2024-04-01 11:01:00"); // 10
  msg.run("private", "alice", "bob smith", null, "   \u200B ", "2024-04-01 11:02:00"); // 11: blank
  msg.run("private", "alice", "bob smith", null, "when?", "yesterday"); // 12: unreadable time
  msg.run("private", "bob smith", "alice", null, "clock set back", "2024-04-01 09:00:00"); // 13: earlier
  msg.run("group", "alice", null, G_DISBANDED, "in a disbanded group", "2024-02-01 08:00:00"); // 14
  msg.run("group", "bob smith", null, G_DISBANDED, "still here", "2024-02-01 08:05:00"); // 15
  msg.run("group", "erin", null, G_TEAM, "not a member", "2024-04-02 09:00:00"); // 16
  msg.run("broadcast", "alice", null, null, "??", "2024-04-02 09:01:00"); // 17
  msg.run("group", "alice", null, "", "no gid", "2024-04-02 09:02:00"); // 18
  msg.run("group", "alice", null, G_NOBODY, "nobody reads this", "2024-04-02 09:03:00"); // 19
  msg.run("private", "alice", "alice", null, "note to self", "2024-04-02 09:04:00"); // 20
  msg.run("group", "dave:)", null, G_HEIR, "dave here", "2024-04-03 09:00:00"); // 21
  db.close();
}

let dir: string;
let source: string;
let target: TempDb;
let db: Db;
let nats: NatsServer;
let nc: NatsConnection;
let auth: AuthService;
let first: SeedReport;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sealroom-seed-"));
  source = path.join(dir, "chat.db");
  await writeSource(source);
  target = await tempDatabase();
  db = await createDb({ url: target.url });
  // An account Sealroom had before the import.
  await db.user.create({
    data: { username: "frank", usernameKey: "frank", usernameSkeleton: "frank", passwordHash: await cheap("x") },
  });
  first = await importSeed({ source, db, timeZone: "Europe/Berlin" });
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  auth = createAuthService({
    nc,
    db: await createDb({ url: target.url }),
    log: pino({ level: "silent" }),
    config: { argon2: { memoryKiB: 1024, timeCost: 1, parallelism: 1 } },
  });
  await auth.start();
});

afterAll(async () => {
  await auth?.stop();
  await nc?.drain();
  await nats?.stop();
  await db?.$disconnect();
  target?.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function login(username: string, password: string) {
  const ctx = { gatewayId: "g", connId: "c", ip: "10.0.0.9" };
  const msg = await nc.request(SUBJECTS.command("auth.login"), JSON.stringify({ ctx, body: { username, password } }), {
    timeout: 10_000,
  });
  return resultSchema(COMMANDS["auth.login"].value).parse(msg.json());
}

const idOf = async (username: string) =>
  (await db.user.findFirstOrThrow({ where: { username }, select: { id: true } })).id;

describe("db:import-seed", () => {
  test("renames what Sealroom's rules refuse, deterministically, and says why", () => {
    const renamed = Object.fromEntries(first.users.renamed.map((r) => [r.from, [r.to, ...r.reasons]]));
    expect(renamed).toEqual({
      Alice: ["Alice-2", "duplicate"],
      "bob smith": ["bob_smith", "characters"],
      " carol ": ["carol", "trimmed"],
      ａｌｉｃｅ: ["alice-3", "normalized", "duplicate"],
      сосоа: ["сосоа-2", "confusable"],
      pаypal: ["user8", "script"],
      "!!": ["user9", "characters", "length"],
      "dave:)": ["dave-2", "characters", "duplicate"],
      Frank: ["Frank-2", "taken"],
      "gr\u200Bace": ["grace", "characters"],
    });
    expect(first.users.imported).toBe(15);
    expect(first.users.unusablePassword).toEqual([{ sourceId: 14, username: "mallory" }]);
  });

  test("users sign in through the auth service with their old passwords, rehashed to Sealroom's parameters", async () => {
    const before = await db.user.findFirstOrThrow({ where: { username: "alice" } });
    expect(before.passwordHash).toBe(CFFI_DEFAULTS.hash);
    const alice = await login("alice", CFFI_DEFAULTS.password);
    expect(alice.ok && alice.value.user.username).toBe("alice");
    const after = await db.user.findFirstOrThrow({ where: { username: "alice" } });
    expect(after.passwordHash).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=1\$/);
    // And again with the new hash.
    expect((await login("ALICE", CFFI_DEFAULTS.password)).ok).toBe(true);

    expect((await login("alice-2", CFFI_OLD.password)).ok).toBe(true);
    expect((await login("erin", CFFI_ARGON2I.password)).ok).toBe(true);
    expect((await login("bob_smith", "bob password")).ok).toBe(true);
    // The full-width "ａｌｉｃｅ" signs in as alice-3 (typed as before, NFKC makes it the first alice).
    expect((await login("alice-3", "wide password")).ok).toBe(true);
    expect((await login("grace", "grace password")).ok).toBe(true);
    expect((await login("dave", "plain dave password")).ok).toBe(true);
    expect((await login("dave-2", "dave password")).ok).toBe(true);
    const wrong = await login("bob_smith", "not the password");
    expect(!wrong.ok && wrong.error.code).toBe("AUTH_INVALID_CREDENTIALS");
    const mallory = await login("mallory", "hunter2 hunter2");
    expect(mallory.ok).toBe(false);
  });

  test("friendships: once per pair, both rows required", async () => {
    const [alice, bob, carol, erin] = await Promise.all(["alice", "bob_smith", "carol", "erin"].map(idOf));
    const rows = await db.friendship.findMany({ orderBy: [{ userAId: "asc" }, { userBId: "asc" }] });
    const pair = (a: number, b: number) => ({ userAId: Math.min(a, b), userBId: Math.max(a, b) });
    expect(rows.map((r) => ({ userAId: r.userAId, userBId: r.userBId }))).toEqual([
      pair(alice!, bob!),
      pair(carol!, erin!),
    ]);
    expect(first.friendships.skipped).toEqual([
      { user: "alice", friend: " carol ", reason: "one-sided" },
      { user: "alice", friend: "ghost", reason: "unknown user" },
      { user: "dave:)", friend: "dave:)", reason: "self" },
    ]);
  });

  test("groups: members and roles, an unknown owner's heir, a disbanded group recreated read-only", async () => {
    const groups = await db.group.findMany({ orderBy: { id: "asc" } });
    expect(groups.map((g) => g.name)).toEqual([
      "Team 🚀",
      `evilgnp.exe ${"y".repeat(52)}`,
      "Heirs",
      "Broken",
      "Group deadbeef",
    ]);
    const [team, , heirs, broken, disbanded] = groups;
    const members = async (groupId: number) =>
      (await db.groupMember.findMany({ where: { groupId }, orderBy: { userId: "asc" } })).map((m) => [
        m.userId,
        m.role,
        m.joinedSeq,
      ]);
    const [alice, bob, carol, dave, erin] = await Promise.all(
      ["alice", "bob_smith", "carol", "dave-2", "erin"].map(idOf),
    );
    expect(await members(team!.id)).toEqual([
      [alice, "owner", 0],
      [bob, "member", 0],
      [carol, "member", 0],
    ]);
    expect(team!.ownerId).toBe(alice);
    expect(heirs!.ownerId).toBe(dave);
    expect(await members(heirs!.id)).toEqual([
      [dave, "owner", 0],
      [erin, "member", 0],
    ]);
    expect(await members(broken!.id)).toEqual([[erin, "owner", 0]]);
    expect(disbanded!.disbandedAt?.toISOString()).toBe("2024-02-01T07:05:00.000Z");
    expect(await members(disbanded!.id)).toEqual([
      [alice, "owner", 0],
      [bob, "member", 0],
    ]);
    expect(first.groups.ownerReplaced).toEqual([{ gid: G_HEIR, owner: "ghost2", newOwner: "dave:)" }]);
    expect(first.groups.skipped).toEqual([{ gid: G_NOBODY, reason: "no member is a known user" }]);
    expect(first.groups.disbanded).toEqual([{ gid: G_DISBANDED, name: "Group deadbeef", members: 2 }]);
    expect(first.groups.membersSkipped.map((m) => m.username)).toEqual(["ghost", "ghost2", "nobody"]);
  });

  test("history: in the original order, gapless seq from 1, times in the stated zone, read pointers at the end", async () => {
    const [alice, bob] = await Promise.all(["alice", "bob_smith"].map(idOf));
    const key = `dm:${Math.min(alice!, bob!)}:${Math.max(alice!, bob!)}`;
    const conv = await db.conversation.findUniqueOrThrow({ where: { key } });
    const entries = await db.message.findMany({ where: { conversationId: conv.id }, orderBy: { seq: "asc" } });
    expect(entries.map((e) => [e.seq, e.clientMsgId, e.body.slice(0, 20)])).toEqual([
      [1, "seed-import:1", "hi bob"],
      [2, "seed-import:2", "hi alice"],
      [3, "seed-import:9", "x".repeat(20)],
      [4, "seed-import:9.2", "x".repeat(20)],
      [5, "seed-import:10", "bell and override"],
      [6, "seed-import:12", "when?"],
      [7, "seed-import:13", "clock set back"],
    ]);
    expect(entries[2]!.body.length + entries[3]!.body.length).toBe(4500);
    expect(new Date(entries[0]!.createdMs).toISOString()).toBe("2024-03-31T00:30:00.000Z");
    expect(new Date(entries[1]!.createdMs).toISOString()).toBe("2024-03-31T01:10:00.000Z");
    // The unreadable and the earlier time take the time before them.
    expect(entries[5]!.createdMs).toBe(entries[4]!.createdMs);
    expect(entries[6]!.createdMs).toBe(entries[4]!.createdMs);
    expect(conv.lastSeq).toBe(7);
    expect(conv.lastActivityMs).toBe(entries[6]!.createdMs);

    for (const c of await db.conversation.findMany()) {
      const seqs = (await db.message.findMany({ where: { conversationId: c.id }, orderBy: { seq: "asc" } })).map(
        (m) => m.seq,
      );
      expect(seqs).toEqual(Array.from({ length: c.lastSeq }, (_, i) => i + 1));
      const readers = await db.conversationMember.findMany({ where: { conversationId: c.id } });
      expect(readers.length).toBeGreaterThan(0);
      for (const r of readers) expect([r.joinedSeq, r.leftSeq, r.lastReadSeq]).toEqual([0, null, c.lastSeq]);
    }
    const team = await db.group.findFirstOrThrow({ where: { name: "Team 🚀" } });
    const teamConv = await db.conversation.findUniqueOrThrow({ where: { key: `group:${team.id}` } });
    const teamLog = await db.message.findMany({ where: { conversationId: teamConv.id }, orderBy: { seq: "asc" } });
    expect(teamLog.map((m) => m.body)).toEqual(["team, hello", "hello from bob", "not a member"]);

    const m = first.messages;
    expect([m.imported, m.conversations, m.split, m.cleaned, m.badTimestamps, m.reordered]).toEqual([
      13, 5, 1, 1, 1, 1,
    ]);
    expect([m.dmsWithoutFriendship, m.fromNonMembers]).toEqual([1, 1]);
    expect(Object.fromEntries(m.skipped.map((s) => [s.reason, s.ids]))).toEqual({
      "unknown recipient": [6],
      "unknown sender": [7],
      "private message without a recipient": [8],
      'unknown chat_type "broadcast"': [17],
      "group message without a group": [18],
      "private message to oneself": [20],
      "group not imported": [19],
      "empty text": [11],
    });
  });

  test("a second run (the command itself, --json) changes nothing", async () => {
    const snapshot = async () => ({
      users: await db.user.count(),
      friendships: await db.friendship.count(),
      groups: await db.group.count(),
      members: await db.groupMember.count(),
      conversations: await db.conversation.findMany({ orderBy: { id: "asc" } }),
      messages: await db.message.count(),
      readers: await db.conversationMember.count(),
      cursors: await db.cursor.count(),
    });
    const before = await snapshot();
    const out: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
    const code = await importSeedCli([source, "--json", "--timezone", "Europe/Berlin"], { DATABASE_URL: target.url });
    log.mockRestore();
    expect(code).toBe(0);
    const again = JSON.parse(out.join("\n")) as SeedReport;
    expect([again.users.imported, again.friendships.imported, again.groups.imported, again.messages.imported]).toEqual([
      0, 0, 0, 0,
    ]);
    expect([again.users.alreadyImported, again.friendships.alreadyImported, again.groups.alreadyImported]).toEqual([
      15, 2, 5,
    ]);
    expect(again.messages.alreadyImported).toBe(13);
    expect(await snapshot()).toEqual(before);
  });
});
