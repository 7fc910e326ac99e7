/**
 * Integration harness: a private nats-server, a fresh migrated SQLite file, social instances
 * in-process (each with its own NATS connection and database client, as separate processes would
 * have), a test clock, and a client that speaks the gateway's side: commands with a stamped
 * context, presence reports, and a recorder of every user event and group doorbell.
 */
import { createDb, type Db } from "@sealroom/db";
import { usernameKey } from "@sealroom/proto/auth";
import { COMMANDS, type CommandType, type CommandValue } from "@sealroom/proto/commands";
import { resultSchema, type AppErrorShape } from "@sealroom/proto/errors";
import type { RequestContext } from "@sealroom/proto/envelope";
import { presenceAckSchema, type PresenceAck, type PresenceReport } from "@sealroom/proto/gateway-presence";
import {
  groupDoorbellSchema,
  SOCIAL_EVENTS,
  type GroupDoorbell,
  type SocialEventBody,
  type SocialEventType,
} from "@sealroom/proto/social";
import { SUBJECTS } from "@sealroom/proto/subjects";
import { connectNats, createLogger, type Logger, type NatsConnection } from "@sealroom/runtime";
import { startNats, tempDatabase } from "@sealroom/testkit";
import type { SocialConfigInput } from "../config.js";
import { createSocialService, type SocialService } from "../service.js";

export class TestClock {
  constructor(public ms = Date.now()) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

export interface RecordedEvent {
  userId: number;
  type: string;
  body: unknown;
}

interface Instance {
  service: SocialService;
  nc: NatsConnection;
  db: Db;
}

export interface SetupOptions {
  config?: SocialConfigInput;
  instances?: number;
  log?: Logger;
}

export const ctxOf = (userId: number, gatewayId = "gw-test"): RequestContext => ({
  gatewayId,
  connId: `c${userId}`,
  ip: "10.0.0.1",
  userId,
  sessionId: `s${userId}`,
});
export const ANON: RequestContext = { gatewayId: "gw-test", connId: "c0", ip: "10.0.0.1" };

export async function setup(opts: SetupOptions = {}) {
  const nats = await startNats();
  const database = await tempDatabase();
  const clock = new TestClock();
  const log =
    opts.log ?? createLogger({ service: "social-test", level: process.env.TEST_LOG_LEVEL ?? "silent", pretty: false });
  const connect = (name: string) => connectNats({ url: nats.url, name, log });
  // Sweeps and batches are driven by the tests unless they ask otherwise.
  const config: SocialConfigInput = { presenceBatchMs: 20, presenceSweepMs: 3_600_000, ...opts.config };
  const instances: Instance[] = [];
  const client = await connect("client");
  const db = await createDb({ url: database.url });

  const addInstance = async (): Promise<Instance> => {
    const nc = await connect(`social-${instances.length + 1}`);
    const idb = await createDb({ url: database.url });
    const service = createSocialService({
      nc,
      db: idb,
      log,
      clock,
      config,
      instance: `social-${instances.length + 1}`,
    });
    await service.start();
    const instance = { service, nc, db: idb };
    instances.push(instance);
    return instance;
  };
  for (let i = 0; i < (opts.instances ?? 1); i++) await addInstance();

  // Every user event and doorbell, validated against the contract as it arrives.
  const events: RecordedEvent[] = [];
  const doorbells: GroupDoorbell[] = [];
  const violations: string[] = [];
  client.subscribe("evt.user.*", {
    callback: (_err, msg) => {
      const userId = Number(msg.subject.split(".")[2]);
      const { type, body } = msg.json<{ type: string; body: unknown }>();
      const schema = SOCIAL_EVENTS[type as SocialEventType];
      if (!schema || !schema.safeParse(body).success) violations.push(`${type}: ${JSON.stringify(body)}`);
      events.push({ userId, type, body });
    },
  });
  client.subscribe(SUBJECTS.groupEvents, {
    callback: (_err, msg) => {
      const parsed = groupDoorbellSchema.safeParse(msg.json());
      if (parsed.success) doorbells.push(parsed.data);
      else violations.push(`doorbell: ${msg.string()}`);
    },
  });
  await client.flush();

  const call = async <T extends CommandType>(
    type: T,
    body: unknown,
    ctx: RequestContext | number,
  ): Promise<Reply<CommandValue<T>>> => {
    const context = typeof ctx === "number" ? ctxOf(ctx) : ctx;
    const msg = await client.request(SUBJECTS.command(type), JSON.stringify({ ctx: context, body }), {
      timeout: 10_000,
    });
    return resultSchema(COMMANDS[type].value).parse(msg.json()) as Reply<CommandValue<T>>;
  };
  const ok = async <T extends CommandType>(type: T, body: unknown, ctx: RequestContext | number) => {
    const reply = await call(type, body, ctx);
    if (!reply.ok) throw new Error(`${type} failed: ${JSON.stringify(reply.error)}`);
    return reply.value;
  };
  const fail = async (type: CommandType, body: unknown, ctx: RequestContext | number) => {
    const reply = await call(type, body, ctx);
    if (reply.ok) throw new Error(`${type} unexpectedly succeeded: ${JSON.stringify(reply.value)}`);
    return reply.error;
  };

  let seq = 0;
  /** Users straight into the database (the auth service is not part of these tests). */
  const users = async (...names: string[]): Promise<number[]> => {
    const data = names.map((name) => {
      const username = `${name}${++seq}`;
      return { username, usernameKey: usernameKey(username), passwordHash: "-" };
    });
    const rows = await db.user.createManyAndReturn({ data, select: { id: true, usernameKey: true } });
    const byKey = new Map(rows.map((r) => [r.usernameKey, r.id]));
    return data.map((d) => byKey.get(d.usernameKey)!);
  };

  const befriend = async (a: number, b: number) => {
    const r = await ok("social.friends.request", { userId: b }, a);
    if (r.status === "pending") await ok("social.friends.accept", { requestId: r.request.id }, b);
  };

  /** A group owned by `owner` with the given admins and members (invited and accepted). */
  const group = async (owner: number, opts: { admins?: number[]; members?: number[]; name?: string } = {}) => {
    const created = await ok("social.groups.create", { name: opts.name ?? "Group" }, owner);
    const groupId = created.group.id;
    for (const u of [...(opts.admins ?? []), ...(opts.members ?? [])]) {
      const { invitation } = await ok("social.groups.invite", { groupId, userId: u }, owner);
      await ok("social.groups.acceptInvite", { invitationId: invitation.id }, u);
    }
    for (const u of opts.admins ?? []) await ok("social.groups.setRole", { groupId, userId: u, role: "admin" }, owner);
    return groupId;
  };

  /** The same group straight into the database (no events, version 0): fast setup for race tests. */
  const seedGroup = async (owner: number, opts: { admins?: number[]; members?: number[]; name?: string } = {}) => {
    const group = await db.group.create({ data: { name: opts.name ?? "Group", ownerId: owner } });
    await db.groupMember.createMany({
      data: [
        { groupId: group.id, userId: owner, role: "owner" },
        ...(opts.admins ?? []).map((userId) => ({ groupId: group.id, userId, role: "admin" })),
        ...(opts.members ?? []).map((userId) => ({ groupId: group.id, userId, role: "member" })),
      ],
    });
    return group.id;
  };

  const request = async <T>(subject: string, payload: unknown, schema: { parse(v: unknown): T }): Promise<Reply<T>> => {
    const msg = await client.request(subject, JSON.stringify(payload), { timeout: 10_000 });
    return resultSchema(schema as never).parse(msg.json()) as Reply<T>;
  };
  let stamp = 0;
  const presence = {
    report: (gatewayId: string, entries: Array<[number, number]>, o: Partial<PresenceReport> = {}) =>
      request<PresenceAck>(
        SUBJECTS.presenceReport,
        {
          gatewayId,
          ttlMs: 30_000,
          stamp: ++stamp,
          reset: false,
          entries: entries.map(([userId, connections]) => ({ userId, connections })),
          ...o,
        },
        presenceAckSchema,
      ),
    heartbeat: (gatewayId: string, ttlMs = 30_000) =>
      request<PresenceAck>(SUBJECTS.presenceHeartbeat, { gatewayId, ttlMs }, presenceAckSchema),
    down: (gatewayId: string) => request<PresenceAck>(SUBJECTS.presenceDown, { gatewayId }, presenceAckSchema),
    nextStamp: () => ++stamp,
  };

  /**
   * Every instance sweeps at once, each from its own macrotask as their timers would (two
   * instances in one process must not start transactions in the same tick: see store.ts).
   */
  const sweepAll = () =>
    Promise.all(
      instances.map(
        (i) => new Promise<void>((resolve, reject) => setImmediate(() => void i.service.sweep().then(resolve, reject))),
      ),
    );

  /** Lets published events arrive (the services flush their batches first). */
  const settle = async () => {
    for (const i of instances) await i.service.flushPresence();
    for (const i of instances) await i.nc.flush();
    await client.flush();
    await new Promise((r) => setTimeout(r, 30));
  };

  const eventsOf = <T extends SocialEventType>(userId: number, type: T): SocialEventBody<T>[] =>
    events.filter((e) => e.userId === userId && e.type === type).map((e) => e.body as SocialEventBody<T>);

  const teardown = async () => {
    for (const i of instances) {
      await i.service.stop();
      await i.nc.drain();
      await i.db.$disconnect();
    }
    await client.drain();
    await db.$disconnect();
    await nats.stop();
    await database.remove();
  };

  return {
    nats,
    databaseUrl: database.url,
    db,
    clock,
    client,
    instances,
    addInstance,
    call,
    ok,
    fail,
    users,
    befriend,
    group,
    seedGroup,
    presence,
    events,
    doorbells,
    violations,
    eventsOf,
    settle,
    sweepAll,
    teardown,
  };
}

export type Harness = Awaited<ReturnType<typeof setup>>;
