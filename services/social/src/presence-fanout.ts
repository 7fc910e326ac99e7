/**
 * Pushes presence transitions to the users allowed to see them: friends and fellow members of
 * active groups, minus anyone on either side of a block. Transitions are collected for
 * `presenceBatchMs` and only the latest state per user is pushed, so a flapping connection or a
 * gateway's mass reconnect costs one event per user and watcher. The events are droppable (the
 * gateway drops them first for slow readers); social.overview always has the current state.
 */
import { Prisma } from "@sealroom/db";
import type { SocialEventBody } from "@sealroom/proto/social";
import type { Logger } from "@sealroom/runtime";
import type { SocialConfig } from "./config.js";
import type { PresenceTransition, Publisher } from "./outbox.js";
import type { Store } from "./store.js";

export interface PresenceFanout {
  enqueue(transitions: PresenceTransition[]): void;
  /** Pushes everything pending now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function createPresenceFanout(deps: {
  store: Store;
  config: SocialConfig;
  log: Logger;
  send: Publisher["toUser"];
}): PresenceFanout {
  const { store, config, log, send } = deps;
  let pending = new Map<number, PresenceTransition>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  const watchers = (userId: number) =>
    store.read((q) =>
      q.$queryRaw<Array<{ id: bigint | number }>>(Prisma.sql`
        SELECT "userBId" AS id FROM "Friendship" WHERE "userAId" = ${userId}
        UNION SELECT "userAId" FROM "Friendship" WHERE "userBId" = ${userId}
        UNION SELECT m2."userId" FROM "GroupMember" m1
          JOIN "Group" g ON g."id" = m1."groupId" AND g."disbandedAt" IS NULL
          JOIN "GroupMember" m2 ON m2."groupId" = m1."groupId"
          WHERE m1."userId" = ${userId} AND m2."userId" <> ${userId}
        EXCEPT SELECT "blockerId" FROM "Block" WHERE "blockedId" = ${userId}
        EXCEPT SELECT "blockedId" FROM "Block" WHERE "blockerId" = ${userId}
        LIMIT ${config.presenceFanoutCap}`),
    );

  const pushAll = async (batch: Map<number, PresenceTransition>) => {
    for (const t of batch.values()) {
      const body: SocialEventBody<"presence.changed.v1"> = t;
      try {
        for (const row of await watchers(t.userId)) send(Number(row.id), "presence.changed.v1", body);
      } catch (err) {
        log.warn({ err, userId: t.userId }, "presence fan-out failed");
      }
    }
  };

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = new Map();
    flushing = flushing.then(() => pushAll(batch));
    return flushing;
  };

  return {
    enqueue(transitions) {
      for (const t of transitions) pending.set(t.userId, t);
      if (timer === undefined && pending.size > 0) timer = setTimeout(() => void flush(), config.presenceBatchMs);
    },
    flush,
    async stop() {
      await flush();
    },
  };
}
