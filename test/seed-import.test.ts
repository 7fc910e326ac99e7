/**
 * `npm run db:import-seed`: a chat.db written here to the original chat room's schema with every
 * quirk docs/SEED-IMPORT.md lists, imported into a fresh Sealroom database; users sign in with
 * their old passwords through the real auth service; a second run changes nothing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDb, type Db } from "@sealroom/db";
import { importSeed, type SeedReport } from "@sealroom/ops";
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import { z } from "zod";
import { createChatService } from "@sealroom/chat";
import { CHAT_COMMANDS } from "@sealroom/proto/chat";
import { resultSchema } from "@sealroom/proto/errors";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { startNats, tempDatabase, type TempDb } from "@sealroom/testkit";
import { startAuthOn } from "./support/auth-service.js";
import {
  CFFI_ARGON2I,
  CFFI_DEFAULTS,
  CFFI_OLD,
  cheap,
  G_DISBANDED,
  G_HEIR,
  G_NOBODY,
  writeSource,
} from "./support/seed-source.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let dir: string;
let source: string;
let target: TempDb;
let db: Db;
let auth: Awaited<ReturnType<typeof startAuthOn>>;
let first: SeedReport;

/** The part of the CLI's `--json` report (stdout) the re-run checks, parsed rather than cast. */
const counts = z.object({ imported: z.number(), alreadyImported: z.number() });
const rerunReport = z.object({ users: counts, friendships: counts, groups: counts, messages: counts });

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
  auth = await startAuthOn(target.url);
});

afterAll(async () => {
  await auth?.stop();
  await db?.$disconnect();
  await target?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const login = (username: string, password: string) => auth.login(username, password);

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

  test("the chat service serves the imported history by its own access rules, nothing unread", async () => {
    const nats = await startNats();
    const nc = await connect({ servers: nats.url });
    const chatDb = await createDb({ url: target.url });
    const chat = createChatService({
      nc,
      db: chatDb,
      databaseUrl: target.url,
      log: pino({ level: "silent" }),
      instance: "chat-test",
      config: { requireEncryption: false },
    });
    await chat.start();
    try {
      const call = async (userId: number, type: keyof typeof CHAT_COMMANDS, body: unknown) => {
        const ctx = { gatewayId: "g", connId: "c", ip: "10.0.0.9", userId, sessionId: `s${userId}` };
        const msg = await nc.request(SUBJECTS.command(type), JSON.stringify({ ctx, body }), { timeout: 10_000 });
        return resultSchema(CHAT_COMMANDS[type].value).parse(msg.json());
      };
      const texts = async (userId: number, conversationId: string) => {
        const reply = await call(userId, "chat.history", { conversationId, limit: 200 });
        if (!reply.ok) return reply.error.code;
        const page = CHAT_COMMANDS["chat.history"].value.parse(reply.value);
        return page.entries.map((e) => (e.kind === "text" ? e.text : e.kind));
      };
      const [alice, bob, carol, erin] = await Promise.all(["alice", "bob_smith", "carol", "erin"].map(idOf));
      const team = await db.group.findFirstOrThrow({ where: { name: "Team 🚀" } });
      // A member who joined "at the start" reads the whole group history; a non-member who once
      // posted there reads nothing.
      expect(await texts(carol!, `group:${team.id}`)).toEqual(["team, hello", "hello from bob", "not a member"]);
      expect(await texts(erin!, `group:${team.id}`)).toBe("NOT_FOUND");
      // A DM between users who are not friends stays readable to both, and only to them.
      const dm = `dm:${Math.min(alice!, carol!)}:${Math.max(alice!, carol!)}`;
      expect(await texts(carol!, dm)).toEqual(["we are not friends"]);
      expect(await texts(bob!, dm)).toBe("NOT_FOUND");
      const list = await call(alice!, "chat.conversations", {});
      if (!list.ok) throw new Error(list.error.code);
      const summaries = CHAT_COMMANDS["chat.conversations"].value.parse(list.value).conversations;
      expect(summaries.length).toBe(4);
      for (const c of summaries) expect(c.read.unread, c.conversationId).toBe(0);
    } finally {
      await chat.stop();
      await nc.drain();
      await chatDb.$disconnect();
      await nats.stop();
    }
  });

  test("a second run (`node scripts/import-seed.mjs ... --json`, needs `npm run build`) changes nothing", async () => {
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
    // As an operator runs it: its own process, the built code. stdout is the JSON and nothing else.
    const run = spawnSync(
      process.execPath,
      [path.join(root, "scripts/import-seed.mjs"), source, "--json", "--timezone", "Europe/Berlin"],
      { cwd: root, env: { ...process.env, DATABASE_URL: target.url }, encoding: "utf8", timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/import-seed: messages: 0 imported/);
    const again = rerunReport.parse(JSON.parse(run.stdout));
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
