/**
 * Integration harness: a private nats-server, a fresh migrated SQLite file, auth service instances
 * running in-process (each with its own NATS connection and database client, as separate processes
 * would have) and a client that speaks the gateway's side of the contract.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino, type Logger } from "pino";
import { COMMANDS, type CommandType, type CommandValue } from "@sealroom/proto/commands";
import { resultSchema, type AppErrorShape } from "@sealroom/proto/errors";
import type { RequestContext } from "@sealroom/proto/envelope";
import { sessionRevokedSchema, type SessionRevoked } from "@sealroom/proto/broadcasts";
import { SUBJECTS } from "@sealroom/proto/subjects";
import type { SessionGrant } from "@sealroom/proto/auth";
import { createDb, type Db } from "@sealroom/db";
import { startNats, tempDatabase } from "@sealroom/testkit";
import type { AuthConfigInput } from "../config.js";
import { createAuthService, type AuthService } from "../service.js";

/** Tiny argon2 cost so tests run fast; production defaults are 64 MiB, t=3, p=4. */
export const TEST_CONFIG: AuthConfigInput = { argon2: { memoryKiB: 1024, timeCost: 1, parallelism: 1 } };

export const ANON: RequestContext = { gatewayId: "g", connId: "c", ip: "10.0.0.1" };

export function ctxOf(grant: SessionGrant, ip = ANON.ip): RequestContext {
  return { ...ANON, ip, userId: grant.user.id, sessionId: grant.sessionId };
}

export class TestClock {
  constructor(public ms = Date.now()) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

interface Instance {
  service: AuthService;
  nc: NatsConnection;
  db: Db;
}

export interface SetupOptions {
  config?: AuthConfigInput;
  log?: Logger;
}

export async function setup(opts: SetupOptions = {}) {
  const nats = await startNats();
  const database = await tempDatabase();
  const clock = new TestClock();
  const log = opts.log ?? pino({ level: "silent" });
  const config: AuthConfigInput = { ...TEST_CONFIG, ...opts.config };
  const instances: Instance[] = [];
  const client = await connect({ servers: nats.url });
  // A second client for assertions straight on the database.
  const db = await createDb({ url: database.url });

  const addInstance = async (): Promise<Instance> => {
    const instance = {
      nc: await connect({ servers: nats.url }),
      db: await createDb({ url: database.url }),
    } as Instance;
    instance.service = createAuthService({
      nc: instance.nc,
      db: instance.db,
      databaseUrl: database.url,
      log,
      clock: clock.now,
      config,
    });
    await instance.service.start();
    instances.push(instance);
    return instance;
  };
  const stopInstance = async (instance: Instance) => {
    instances.splice(instances.indexOf(instance), 1);
    await instance.service.stop();
    await instance.nc.drain();
    await instance.db.$disconnect();
  };

  const first = await addInstance();

  /** Sends a raw payload to a subject and returns the parsed JSON reply. */
  const raw = async (subject: string, payload: string): Promise<unknown> => {
    const msg = await client.request(subject, payload, { timeout: 10_000 });
    return msg.json();
  };

  const call = async <T extends CommandType>(
    type: T,
    body: unknown,
    ctx: RequestContext = ANON,
  ): Promise<Reply<CommandValue<T>>> => {
    const reply = await raw(SUBJECTS.command(type), JSON.stringify({ ctx, body }));
    return resultSchema(COMMANDS[type].value).parse(reply) as Reply<CommandValue<T>>;
  };

  /** The value of a call that must succeed. */
  const ok = async <T extends CommandType>(type: T, body: unknown, ctx?: RequestContext) => {
    const reply = await call(type, body, ctx);
    if (!reply.ok) throw new Error(`${type} failed: ${JSON.stringify(reply.error)}`);
    return reply.value;
  };

  /** The error of a call that must fail. */
  const fail = async (type: CommandType, body: unknown, ctx?: RequestContext) => {
    const reply = await call(type, body, ctx);
    if (reply.ok) throw new Error(`${type} unexpectedly succeeded`);
    return reply.error;
  };

  /** Collects `ctl.session.revoked` broadcasts. */
  const revocations = async () => {
    const seen: SessionRevoked[] = [];
    const waiters: Array<() => void> = [];
    const sub = client.subscribe(SUBJECTS.sessionRevoked, {
      callback: (_err, msg) => {
        seen.push(sessionRevokedSchema.parse(msg.json()));
        waiters.splice(0).forEach((w) => w());
      },
    });
    await client.flush();
    return {
      seen,
      /** Waits until `count` broadcasts in all have arrived (or fails after a timeout). */
      async next(count = 1, timeoutMs = 3000): Promise<SessionRevoked[]> {
        const until = Date.now() + timeoutMs;
        while (seen.length < count) {
          if (Date.now() > until) throw new Error(`expected ${count} revocations, saw ${seen.length}`);
          await new Promise<void>((resolve) => {
            waiters.push(resolve);
            setTimeout(resolve, 50);
          });
        }
        return seen;
      },
      /** Lets anything in flight arrive, then returns what was seen. */
      async settle(): Promise<SessionRevoked[]> {
        await client.flush();
        await new Promise((r) => setTimeout(r, 100));
        return seen;
      },
      stop: () => sub.unsubscribe(),
    };
  };

  const register = (username: string, password = "correct horse", ctx: RequestContext = ANON) =>
    ok("auth.register", { username, password }, ctx);
  const login = (username: string, password = "correct horse", ctx: RequestContext = ANON) =>
    call("auth.login", { username, password }, ctx);

  return {
    nats,
    client,
    db,
    databaseUrl: database.url,
    clock,
    instances,
    first,
    addInstance,
    stopInstance,
    raw,
    call,
    ok,
    fail,
    register,
    login,
    revocations,
    async teardown() {
      for (const instance of [...instances]) await stopInstance(instance);
      await client.drain();
      await db.$disconnect();
      await nats.stop();
      await database.remove();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof setup>>;
