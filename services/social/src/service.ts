/**
 * The social service: answers `cmd.social.*` and the gateways' presence reports in the "social"
 * queue group, sweeps expired gateway leases and invitations, and fans presence out. Several
 * instances may run against one database: every decision is serialized in SQLite, none in memory.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@sealroom/db";
import { AppError, fail, ok } from "@sealroom/proto/errors";
import {
  presenceDownSchema,
  presenceHeartbeatSchema,
  presenceReportSchema,
  type PresenceAck,
} from "@sealroom/proto/gateway-presence";
import { QUEUE, SUBJECTS } from "@sealroom/proto/subjects";
import {
  KeyedTokenBucket,
  InFlight,
  serveCommands,
  type Drainable,
  type Logger,
  type Metrics,
  type Msg,
  type NatsConnection,
  type Runnable,
  type Subscription,
} from "@sealroom/runtime";
import type { z } from "zod";
import { createBlocks } from "./blocks.js";
import { systemClock, type Clock } from "./clock.js";
import { resolveSocialConfig, type SocialConfig, type SocialConfigInput } from "./config.js";
import type { Deps } from "./deps.js";
import { createFriends } from "./friends.js";
import { createGroups } from "./groups.js";
import { createHandlers } from "./handlers.js";
import { createInvitations } from "./invitations.js";
import { createNotices } from "./notices.js";
import { natsPublisher } from "./outbox.js";
import { createOverview } from "./overview.js";
import { createPresence } from "./presence.js";
import { createPresenceFanout } from "./presence-fanout.js";
import { createProfiles } from "./profiles.js";
import { createAvatars } from "./avatars.js";
import { createGroupAvatars } from "./group-avatars.js";
import { createSearch } from "./search.js";
import { createStore } from "./store.js";

export interface SocialServiceDeps {
  nc: NatsConnection;
  /** This instance's own client: all its queries run through one queue (see store.ts). */
  db: Db;
  log: Logger;
  metrics?: Metrics;
  /** Identifies this process in health replies (several instances share the queue group). */
  instance?: string;
  clock?: Clock;
  config?: SocialConfigInput;
}

export interface SocialService extends Runnable {
  readonly config: SocialConfig;
  readonly instance: string;
  /** Runs one presence sweep now (expired leases, tombstones, expired invitations). */
  sweep(): Promise<void>;
  /** Pushes the pending presence transitions now instead of at the end of the batch window. */
  flushPresence(): Promise<void>;
}

export function createSocialService(deps: SocialServiceDeps): SocialService {
  const { nc, log, metrics } = deps;
  const config = resolveSocialConfig(deps.config);
  const clock = deps.clock ?? systemClock;
  const instance = deps.instance ?? `social-${randomBytes(4).toString("hex")}`;
  const store = createStore(deps.db);
  // The fan-out publishes through the same connection; the publisher hands it transitions.
  const events = natsPublisher(nc, log, (t) => fanout.enqueue(t));
  const fanout = createPresenceFanout({ store, clock, config, log, send: events.toUser });
  const base: Deps = { store, clock, config, log, publisher: events };
  const presence = createPresence(base);
  const invitations = createInvitations(base);
  const search = createSearch(base);
  const writes = new KeyedTokenBucket<number>({ perSec: config.writePerSec, burst: config.writeBurst }, clock);
  const avatarReads = new KeyedTokenBucket<number>(
    { perSec: config.avatarReadsPerSec, burst: config.avatarReadsBurst },
    clock,
  );
  const handlers = createHandlers(
    {
      friends: createFriends(base),
      blocks: createBlocks(base),
      groups: createGroups(base),
      invitations,
      notices: createNotices(base),
      overview: createOverview(base),
      profiles: createProfiles(base, search.limiter),
      avatars: createAvatars(base, avatarReads),
      groupAvatars: createGroupAvatars(base, avatarReads),
      search,
    },
    writes,
  );

  // Presence messages and sweeps in flight; commands are waited for by their drain().
  const inflight = new InFlight();
  const track = <T>(work: Promise<T>): Promise<T> => inflight.track(work);
  let commands: Drainable[] = [];
  let subscriptions: Subscription[] = [];
  let sweeper: NodeJS.Timeout | undefined;

  /** A gateway -> social request: validate, run, reply with a typed Result. */
  const control = <S extends z.ZodType>(subject: string, schema: S, run: (body: z.output<S>) => Promise<PresenceAck>) =>
    nc.subscribe(subject, {
      queue: QUEUE.social,
      callback: (err, msg: Msg) => {
        if (err) return log.error({ err, subject }, "subscription failed");
        void track(
          (async () => {
            let data: unknown;
            try {
              data = msg.json();
            } catch {
              data = undefined;
            }
            const parsed = schema.safeParse(data);
            if (!parsed.success) {
              log.warn({ subject }, "malformed presence message dropped");
              return fail(new AppError("BAD_REQUEST"));
            }
            return ok(await run(parsed.data));
          })()
            .catch((e: unknown) => {
              log.error({ err: e, subject }, "presence message failed");
              return fail(e);
            })
            .then((reply) => {
              if (msg.reply) msg.respond(JSON.stringify(reply));
            }),
        );
      },
    });

  const sweep = async () => {
    try {
      const leases = await presence.sweep();
      const invites = await invitations.sweepExpired();
      search.limiter.prune();
      writes.prune();
      avatarReads.prune();
      if (leases > 0 || invites > 0) log.info({ leases, invites }, "swept expired gateway leases and invitations");
    } catch (err) {
      log.error({ err }, "sweep failed");
    }
  };

  return {
    config,
    instance,
    sweep: () => track(sweep()),
    flushPresence: () => fanout.flush(),
    async start() {
      const opts = { nc, service: "social" as const, handlers, log, instance };
      commands = serveCommands(metrics ? { ...opts, metrics } : opts);
      subscriptions = [
        control(SUBJECTS.presenceReport, presenceReportSchema, (b) => presence.report(b)),
        control(SUBJECTS.presenceHeartbeat, presenceHeartbeatSchema, (b) => presence.heartbeat(b)),
        control(SUBJECTS.presenceDown, presenceDownSchema, (b) => presence.down(b)),
      ];
      // The subscriptions only count once the server has them: flush before reporting ready.
      await nc.flush();
      sweeper = setInterval(() => void track(sweep()), config.presenceSweepMs);
      sweeper.unref();
      log.info({ instance, groupSizeCap: config.groupSizeCap }, "social service ready");
    },
    async stop() {
      clearInterval(sweeper);
      const draining = subscriptions;
      const answering = commands;
      subscriptions = [];
      commands = [];
      // The commands' drain() waits for their answers even on a closed connection.
      await Promise.all([...answering.map((s) => s.drain()), ...(nc.isClosed() ? [] : draining.map((s) => s.drain()))]);
      await inflight.settled();
      await fanout.stop().catch((err: unknown) => log.warn({ err }, "final presence flush failed"));
    },
  };
}
