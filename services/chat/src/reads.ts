/**
 * Reading: history and sync pages and the conversation list (pages.ts, on the event loop or on a
 * reader thread), read pointers and receipts. A multi-statement read runs inside one read-only
 * snapshot transaction, so it sees one point in time: on SQLite a deferred transaction (on the
 * service's connection it settles within one event-loop turn); on PostgreSQL `REPEATABLE READ READ
 * ONLY` on a pooled connection of its own, beside the writer's. Moving a read pointer is a writer job.
 */
import { CHAT_LIMITS, type ConversationsCursor, type ReadState, type Receipt } from "@sealroom/proto/chat";
import type { SqlDb } from "@sealroom/db/sql";
import { EncodedValue, type Clock, type Logger } from "@sealroom/runtime";
import type { EncodedPages } from "./read-pool.js";
import { blockedEitherWay, hiddenFrom, resolveAccess, visibleEnd, type Access } from "./access.js";
import { createPages, pageJson, readState, type Pages } from "./pages.js";
import type { Publish } from "./publish.js";
import { queries, type Queries } from "./queries.js";
import { clearMarkedUnread } from "./settings.js";
import type { Writer } from "./writer.js";

export interface ReadDeps {
  db: SqlDb;
  /**
   * Where history, sync and the conversation list run: the reader threads (read-pool.ts, answering
   * JSON); default: on `db`, on the event loop.
   */
  pages?: EncodedPages;
  writer: Writer;
  publish: Publish;
  log: Logger;
  /** For settings that depend on the time (a mute until then). */
  clock: Clock;
}

const encoder = new TextEncoder();

/**
 * Pages read on the event loop, answered as their JSON like the reader threads' (pageJson: a page's
 * entries are serialized once, not again by the reply).
 */
function encoded(pages: Pages): EncodedPages {
  const encode = <T>(value: T) => new EncodedValue<T>(encoder.encode(pageJson(value)));
  return {
    history: async (...args) => encode(await pages.history(...args)),
    sync: async (...args) => encode(await pages.sync(...args)),
    conversations: async (...args) => encode(await pages.conversations(...args)),
  };
}

export function createReads({ db, pages, writer, publish, log, clock }: ReadDeps) {
  const snapshot = <T>(fn: (q: Queries) => Promise<T>): Promise<T> => db.snapshot((tx) => fn(queries(tx)));

  /** Who besides the reader learns that a read pointer moved (never across a block). */
  async function readWatchers(q: Queries, access: Access): Promise<number[]> {
    if (access.kind === "dm") return (await blockedEitherWay(q, access.userId, access.peerId)) ? [] : [access.peerId];
    // A former member's reading is nobody else's business any more.
    if (access.former) return [];
    const members = (await q.groupMemberIds.all(access.groupId)).map((r) => r.userId);
    if (members.length > CHAT_LIMITS.readEventsGroupMax) return [];
    const hidden = await hiddenFrom(q, access.userId);
    return members.filter((id) => id !== access.userId && !hidden.has(id));
  }

  const reader = pages ?? encoded(createPages({ db, log, clock }));

  return {
    history: (userId: number, key: string, beforeSeq: number | undefined, limit: number) =>
      reader.history(userId, key, beforeSeq, limit),
    sync: (userId: number, key: string, afterSeq: number, limit: number) => reader.sync(userId, key, afterSeq, limit),
    conversations: (userId: number, after: ConversationsCursor | undefined) => reader.conversations(userId, after),

    async markRead(userId: number, key: string, seq: number): Promise<{ conversationId: string; read: ReadState }> {
      return writer.submit(
        async (tx, now) => {
          const q = queries(tx);
          const access = await resolveAccess(q, userId, key, "read");
          const conv = access.conv;
          const upToSeq = access.kind === "group" && access.former ? access.former.leftSeq : undefined;
          // Reading clears "marked unread", whether or not the pointer moves.
          const settings = await clearMarkedUnread(
            q,
            key,
            { convId: conv?.id ?? null, userId, ...(upToSeq === undefined ? {} : { upTo: upToSeq }) },
            now,
          );
          const announce = () => {
            if (settings) publish([userId], "chat.settings.v1", { conversationId: key, settings });
          };
          if (!conv)
            return {
              value: { conversationId: key, read: { readSeq: 0, unread: 0, countedSeq: 0 } },
              after: announce,
            };
          await q.ensureMember.run(conv.id, userId, access.visibleFrom);
          const before = (await q.member.get(conv.id, userId))?.lastReadSeq ?? 0;
          const end = visibleEnd(access, conv.lastSeq);
          const target = Math.min(seq, end);
          if (target > before) await q.advanceRead.run(target, conv.id, userId, target);
          const readSeq = Math.max(before, target);
          const upTo = access.kind === "group" && access.former ? end : undefined;
          const read = await readState(q, conv.id, end, userId, readSeq, access.visibleFrom, upTo);
          const value = { conversationId: key, read };
          if (readSeq === before) return { value, after: announce };
          const watchers = await readWatchers(q, access);
          return {
            value,
            after: () => {
              announce();
              publish([userId], "chat.read.v1", { conversationId: key, userId, readSeq, read });
              publish(watchers, "chat.read.v1", { conversationId: key, userId, readSeq });
            },
          };
        },
        { key },
      );
    },

    receipts(userId: number, key: string): Promise<Receipt[]> {
      return snapshot(async (q) => {
        const access = await resolveAccess(q, userId, key, "read");
        const convId = access.conv?.id ?? -1;
        const readSeqOf = async (id: number) => (await q.member.get(convId, id))?.lastReadSeq ?? 0;
        if (access.kind === "dm") {
          const hidden = await blockedEitherWay(q, access.userId, access.peerId);
          const shown = access.members.filter((id) => id === userId || !hidden);
          const receipts: Receipt[] = [];
          for (const id of shown) receipts.push({ userId: id, readSeq: await readSeqOf(id) });
          return receipts;
        }
        // A former member sees only their own pointer: the group's later reading is not theirs.
        if (access.former) return [{ userId, readSeq: await readSeqOf(userId) }];
        const hidden = await hiddenFrom(q, userId);
        return (await q.groupReceipts.all(convId, access.groupId))
          .filter((r) => !hidden.has(r.userId))
          .map((r) => ({ userId: r.userId, readSeq: r.lastReadSeq ?? 0 }));
      });
    },
  };
}
