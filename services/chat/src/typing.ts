/**
 * Typing notices: checked like a send (only someone who may post can say they are typing), never
 * stored, forwarded at most once per interval per user and conversation (per instance: a notice is
 * ephemeral, an occasional extra one from another instance does no harm). The event type starts
 * with `typing.`, so gateways drop it first for slow readers.
 */
import { CHAT_LIMITS } from "@sealroom/proto/chat";
import { hiddenFrom, recipients, resolveAccess, userOrPlaceholder } from "./access.js";
import type { Publish } from "./publish.js";
import { queries } from "./queries.js";
import type { SqlDb } from "@sealroom/db/sql";

/** Remembered (user, conversation) pairs before the oldest are forgotten. */
const MAX_TRACKED = 50_000;

export function createTyping({
  db,
  publish,
  clock,
  intervalMs = CHAT_LIMITS.typingIntervalMs,
}: {
  db: SqlDb;
  publish: Publish;
  clock: () => number;
  intervalMs?: number;
}) {
  const last = new Map<string, number>();
  const q = queries(db);

  return {
    async typing(userId: number, key: string): Promise<Record<string, never>> {
      const access = await resolveAccess(q, userId, key, "post");
      const now = clock();
      const slot = `${userId} ${key}`;
      const previous = last.get(slot);
      if (previous !== undefined && now - previous < intervalMs) return {};
      // Re-inserting keeps the map in insertion order = age order, so the oldest go first.
      last.delete(slot);
      last.set(slot, now);
      if (last.size > MAX_TRACKED) {
        for (const k of last.keys()) {
          last.delete(k);
          if (last.size <= MAX_TRACKED * 0.9) break;
        }
      }
      const hidden = await hiddenFrom(q, userId);
      const others = (await recipients(q, access)).filter((id) => id !== userId && !hidden.has(id));
      const user = await userOrPlaceholder(q, userId);
      publish(others, "typing.started.v1", { conversationId: key, user: { id: user.id, username: user.username } });
      return {};
    },
  };
}
