/**
 * Pushes presence changes to the users allowed to see them: friends and fellow members of active
 * groups, minus anyone on either side of a block.
 *
 * Users whose state changed are collected for `presenceBatchMs`; then each one's CURRENT state is
 * read and pushed once. Reading at push time (rather than pushing the transition itself) keeps
 * several instances from delivering states out of order: whichever instance pushes last pushes the
 * truth. A flapping connection or a gateway's mass reconnect costs one event per user and watcher
 * per window. The events are droppable (the gateway drops them first for slow readers);
 * social.overview always has the current state.
 */
import type { Logger } from "@sealroom/runtime";
import type { Clock } from "./clock.js";
import type { SocialConfig } from "./config.js";
import type { Publisher } from "./outbox.js";
import type { Store } from "./store.js";
import { msOrNull, onlineAmong, usersById, watchersOfMany } from "./views.js";

export interface PresenceFanout {
  enqueue(userIds: number[]): void;
  /** Pushes everything pending now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function createPresenceFanout(deps: {
  store: Store;
  clock: Clock;
  config: SocialConfig;
  log: Logger;
  send: Publisher["toUser"];
}): PresenceFanout {
  const { store, clock, config, log, send } = deps;
  let pending = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  const pushAll = async (batch: Set<number>) => {
    if (batch.size === 0) return;
    try {
      const ids = [...batch];
      const { online, users, watchers } = await store.snapshot(async (q) => ({
        online: await onlineAmong(q, ids, new Date(clock())),
        users: await usersById(q, ids),
        watchers: await watchersOfMany(q, ids, config.presenceFanoutCap),
      }));
      for (const userId of ids) {
        const user = users.get(userId);
        if (!user) continue;
        const body = online.has(userId)
          ? { userId, online: true, lastSeenAt: null }
          : { userId, online: false, lastSeenAt: msOrNull(user.lastSeenAt) };
        for (const id of watchers.get(userId) ?? []) send(id, "presence.changed.v1", body);
      }
    } catch (err) {
      log.warn({ err, users: batch.size }, "presence fan-out failed");
    }
  };

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = new Set();
    flushing = flushing.then(() => pushAll(batch));
    return flushing;
  };

  return {
    enqueue(userIds) {
      for (const id of userIds) pending.add(id);
      if (timer === undefined && pending.size > 0) timer = setTimeout(() => void flush(), config.presenceBatchMs);
    },
    flush,
    async stop() {
      await flush();
    },
  };
}
