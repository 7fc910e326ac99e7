/**
 * Service-level test harness: a real nats-server, a migrated temp database (SQLite, or PostgreSQL
 * under SEALROOM_TEST_DB=postgresql), one or more chat instances in-process (each with its own
 * NATS connection, Prisma client and database connection or pool, as separate processes would have), commands sent as a gateway would send them, and every
 * `evt.user.*` delivery recorded.
 *
 * Social state (users, friendships, blocks, groups, members, group events) is seeded directly in
 * the database through `seed`, exactly as services/social stores it (Friendship with
 * userAId < userBId; GroupMember.joinedSeq = the group conversation's lastSeq at the join; one
 * GroupEvent per change), so these tests do not depend on the social service.
 */
import { createDb, type Db } from "@sealroom/db";
import type { Entry } from "@sealroom/proto/chat";
import type { ChatEventBody, ChatEventType } from "@sealroom/proto/chat-events";
import { CHAT_COMMANDS } from "@sealroom/proto/chat";
import type { CommandBody, CommandValue } from "@sealroom/proto/commands";
import { AppError, resultSchema, type AppErrorShape } from "@sealroom/proto/errors";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { connectNats, createLogger, type NatsConnection } from "@sealroom/runtime";
import { startNats, tempDatabase, type NatsServer, type TempDb } from "@sealroom/testkit";
import type { ChatConfigInput } from "../config.js";
import { createChatService, type ChatService } from "../service.js";

export const log = createLogger({ service: "chat-test", level: process.env.TEST_LOG_LEVEL ?? "silent", pretty: false });

type ChatCommand = keyof typeof CHAT_COMMANDS;

export interface Delivery {
  userId: number;
  type: string;
  body: unknown;
}

export interface Harness {
  nats: NatsServer;
  database: TempDb;
  db: Db;
  services: ChatService[];
  client: NatsConnection;
  deliveries: Delivery[];
  seed: Seed;
  /**
   * Sends a command as user `userId` (undefined: an anonymous connection) from session `session`
   * (default `s<userId>`); throws the AppError.
   */
  call<T extends ChatCommand>(
    userId: number | undefined,
    type: T,
    body: CommandBody<T>,
    session?: string,
  ): Promise<CommandValue<T>>;
  /** Like call(), but resolves with the error (or undefined on success). */
  refusal<T extends ChatCommand>(
    userId: number | undefined,
    type: T,
    body: CommandBody<T>,
    session?: string,
  ): Promise<AppErrorShape | undefined>;
  /** Events of `type` delivered to `userId` so far. */
  events<T extends ChatEventType>(userId: number, type: T): ChatEventBody<T>[];
  /** Waits until `check()` is true (polling), or fails after `timeoutMs`. */
  until(check: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Starts another chat instance on the same database and NATS. */
  addInstance(config?: ChatConfigInput): Promise<ChatService>;
  teardown(): Promise<void>;
}

export async function setup(opts: { instances?: number; config?: ChatConfigInput } = {}): Promise<Harness> {
  const cleanup: Array<() => Promise<void> | void> = [];
  const nats = await startNats();
  cleanup.push(() => nats.stop());
  const database = await tempDatabase();
  cleanup.push(() => database.remove());
  const db = await createDb({ url: database.url });
  cleanup.push(() => db.$disconnect());
  const client = await connectNats({ url: nats.url, name: "test-client", log });
  cleanup.push(() => client.close());

  const deliveries: Delivery[] = [];
  client.subscribe("evt.user.*", {
    callback: (_err, msg) => {
      const data = msg.json<{ type: string; body: unknown }>();
      deliveries.push({ userId: Number(msg.subject.split(".")[2]), type: data.type, body: data.body });
    },
  });
  await client.flush();

  const services: ChatService[] = [];
  const addInstance = async (config: ChatConfigInput = opts.config ?? {}) => {
    const nc = await connectNats({ url: nats.url, name: `chat-${services.length}`, log });
    const instanceDb = await createDb({ url: database.url });
    const service = createChatService({
      nc,
      db: instanceDb,
      databaseUrl: database.url,
      log,
      instance: `chat-${services.length}`,
      // Most suites drive the plaintext commands; require-encryption.test.ts turns the default back on.
      config: { requireEncryption: false, ...config },
    });
    await service.start();
    services.push(service);
    cleanup.push(async () => {
      await service.stop();
      await nc.close();
      await instanceDb.$disconnect();
    });
    return service;
  };
  for (let i = 0; i < (opts.instances ?? 1); i++) await addInstance();

  let conn = 0;
  const raw = async (userId: number | undefined, type: string, body: unknown, session?: string) => {
    const ctx = {
      gatewayId: "gw-test",
      connId: `c${++conn}`,
      ip: "127.0.0.1",
      ...(userId === undefined ? {} : { userId, sessionId: session ?? `s${userId}` }),
    };
    const msg = await client.request(SUBJECTS.command(type), JSON.stringify({ ctx, body }), { timeout: 10_000 });
    const spec = CHAT_COMMANDS[type as ChatCommand];
    return resultSchema(spec.value).parse(msg.json());
  };

  const harness: Harness = {
    nats,
    database,
    db,
    services,
    client,
    deliveries,
    seed: createSeed(db),
    async call(userId, type, body, session) {
      const r = await raw(userId, type, body, session);
      if (!r.ok) throw AppError.from(r.error);
      return r.value as never;
    },
    async refusal(userId, type, body, session) {
      const r = await raw(userId, type, body, session);
      return r.ok ? undefined : r.error;
    },
    events(userId, type) {
      return deliveries.filter((d) => d.userId === userId && d.type === type).map((d) => d.body as never);
    },
    async until(check, timeoutMs = 5000, what = "condition") {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    addInstance,
    async teardown() {
      for (const fn of cleanup.reverse()) await fn();
    },
  };
  return harness;
}

let names = 0;

export interface Seed {
  user(name?: string): Promise<number>;
  friends(a: number, b: number): Promise<void>;
  unfriend(a: number, b: number): Promise<void>;
  block(blocker: number, blocked: number): Promise<void>;
  /** A group owned by `owner` with `members`, each joining with a GroupEvent, like the social service. */
  group(owner: number, members?: number[], name?: string): Promise<number>;
  join(groupId: number, userId: number, role?: "admin" | "member"): Promise<void>;
  kick(groupId: number, by: number, userId: number): Promise<void>;
  leave(groupId: number, userId: number): Promise<void>;
  rename(groupId: number, by: number, name: string): Promise<void>;
  disband(groupId: number, by: number): Promise<void>;
  /**
   * A device in auth's key directory (its Device row, and the Session it was registered from:
   * `session`, default `s<userId>`, the harness's session of the user), as the key directory
   * would store it; `signatureKey` (base64url) is the device's key, as the DS checks Adds and leaves against it.
   */
  device(userId: number, deviceId: string, session?: string, signatureKey?: string): Promise<void>;
}

function createSeed(db: Db): Seed {
  const username = async (id: number) => (await db.user.findUniqueOrThrow({ where: { id } })).username;
  const lastSeq = async (groupId: number) =>
    (await db.conversation.findUnique({ where: { key: `group:${groupId}` } }))?.lastSeq ?? 0;
  const event = async (
    groupId: number,
    type: string,
    actorId: number | null,
    targetId: number | null,
    data: Record<string, unknown> = {},
  ) => {
    const names = {
      ...(actorId === null ? {} : { actorName: await username(actorId) }),
      ...(targetId === null ? {} : { targetName: await username(targetId) }),
    };
    await db.groupEvent.create({
      data: { groupId, type, actorId, targetId, data: JSON.stringify({ ...names, ...data }) },
    });
  };
  const pair = (a: number, b: number) => (a < b ? { userAId: a, userBId: b } : { userAId: b, userBId: a });
  const seed: Seed = {
    async user(name = `u${process.pid % 1000}_${++names}`) {
      const row = await db.user.create({
        data: { username: name, usernameKey: name.toLowerCase(), passwordHash: "x" },
      });
      return row.id;
    },
    async friends(a, b) {
      await db.friendship.create({ data: pair(a, b) });
    },
    async unfriend(a, b) {
      await db.friendship.delete({ where: { userAId_userBId: pair(a, b) } });
    },
    async block(blocker, blocked) {
      await db.friendship.deleteMany({ where: pair(blocker, blocked) });
      await db.block.create({ data: { blockerId: blocker, blockedId: blocked } });
    },
    async group(owner, members = [], name = "Group") {
      const group = await db.group.create({ data: { name, ownerId: owner } });
      await db.groupMember.create({ data: { groupId: group.id, userId: owner, role: "owner", joinedSeq: 0 } });
      await event(group.id, "created", owner, owner, { name, role: "owner" });
      for (const m of members) await seed.join(group.id, m);
      return group.id;
    },
    async join(groupId, userId, role = "member") {
      await db.groupMember.create({ data: { groupId, userId, role, joinedSeq: await lastSeq(groupId) } });
      await event(groupId, "joined", userId, userId, { role });
    },
    async kick(groupId, by, userId) {
      await db.groupMember.delete({ where: { groupId_userId: { groupId, userId } } });
      await event(groupId, "kicked", by, userId);
    },
    async leave(groupId, userId) {
      await db.groupMember.delete({ where: { groupId_userId: { groupId, userId } } });
      await event(groupId, "left", userId, userId);
    },
    async rename(groupId, by, name) {
      const previous = (await db.group.findUniqueOrThrow({ where: { id: groupId } })).name;
      await db.group.update({ where: { id: groupId }, data: { name } });
      await event(groupId, "renamed", by, null, { name, previousName: previous });
    },
    async disband(groupId, by) {
      const group = await db.group.update({ where: { id: groupId }, data: { disbandedAt: new Date() } });
      await event(groupId, "disbanded", by, null, { name: group.name });
    },
    async device(userId, deviceId, session = `s${userId}`, signatureKey = "test") {
      await db.session.create({ data: { id: session, userId, expiresAt: new Date(Date.now() + 86_400_000) } });
      await db.device.create({
        data: { id: deviceId, userId, sessionId: session, signatureKey, name: "test device" },
      });
    },
  };
  return seed;
}

/** The seqs of entries, for order assertions. */
export const seqs = (entries: Entry[]) => entries.map((e) => e.seq);
