/**
 * Reading: history and sync pages, the conversation list, read pointers and receipts. Reads run
 * synchronously on the service's connection (a multi-statement read inside one deferred
 * transaction, so it sees one snapshot); moving a read pointer is a writer job.
 */
import {
  CHAT_LIMITS,
  parseConversationId,
  type ConversationSummary,
  type ConversationsCursor,
  type Page,
  type ReadState,
  type Receipt,
} from "@sealroom/proto/chat";
import type { Logger } from "@sealroom/runtime";
import { blockedEitherWay, resolveAccess, userOrPlaceholder, type Access } from "./access.js";
import { takeWithin } from "./bounds.js";
import { toEntry } from "./log.js";
import type { Publish } from "./publish.js";
import type { Queries } from "./queries.js";
import type { Sqlite } from "./sqlite.js";
import type { Writer } from "./writer.js";

export interface ReadDeps {
  db: Sqlite;
  q: Queries;
  writer: Writer;
  publish: Publish;
  log: Logger;
}

export function createReads({ db, q, writer, publish, log }: ReadDeps) {
  const snapshot = <T>(fn: () => T): T => db.transaction(fn)();

  function readState(convId: number, lastSeq: number, userId: number, readSeq: number, visibleFrom: number): ReadState {
    const from = Math.max(readSeq, visibleFrom);
    const unread = from >= lastSeq ? 0 : (q.unread.get(convId, from, userId, CHAT_LIMITS.unreadMax)?.n ?? 0);
    return { readSeq, unread, countedSeq: lastSeq };
  }

  /**
   * A page of `rows` (ascending, or newest first for history, which keeps the newest when it has
   * to stop early), cut at the reply byte bound.
   */
  function page(access: Access, rows: Parameters<typeof toEntry>[1][], lastSeq: number, newestFirst = false): Page {
    const shell = { conversationId: access.key, entries: [], lastSeq, visibleFromSeq: access.visibleFrom, truncated: true };
    const { taken, cut } = takeWithin(
      rows.map((r) => toEntry(access.key, r, log, access.visibleFrom)),
      shell,
    );
    return { ...shell, entries: newestFirst ? taken.reverse() : taken, truncated: cut };
  }

  /** Who besides the reader learns that a read pointer moved (never across a block). */
  function readWatchers(access: Access): number[] {
    if (access.kind === "dm") return blockedEitherWay(q, access.userId, access.peerId) ? [] : [access.peerId];
    const members = q.groupMemberIds.all(access.groupId).map((r) => r.userId);
    if (members.length > CHAT_LIMITS.readEventsGroupMax) return [];
    return members.filter((id) => id !== access.userId);
  }

  return {
    history(userId: number, key: string, beforeSeq: number | undefined, limit: number): Page {
      return snapshot(() => {
        const access = resolveAccess(q, userId, key, "read");
        const conv = access.conv;
        if (!conv) return page(access, [], 0);
        const before = Math.min(beforeSeq ?? conv.lastSeq + 1, conv.lastSeq + 1);
        const rows = q.pageBefore.all(conv.id, before, access.visibleFrom, limit);
        return page(access, rows, conv.lastSeq, true);
      });
    },

    sync(userId: number, key: string, afterSeq: number, limit: number): Page {
      return snapshot(() => {
        const access = resolveAccess(q, userId, key, "read");
        const conv = access.conv;
        if (!conv) return page(access, [], 0);
        const rows = q.pageAfter.all(conv.id, Math.max(afterSeq, access.visibleFrom), limit);
        return page(access, rows, conv.lastSeq);
      });
    },

    conversations(userId: number, after: ConversationsCursor | undefined): { conversations: ConversationSummary[]; more: boolean } {
      return snapshot(() => {
        type Item = { summary: Omit<ConversationSummary, "last" | "read">; convId: number | null; readSeq: number };
        const items: Item[] = [];
        for (const c of q.myDms.all(userId)) {
          const ref = parseConversationId(c.key);
          if (ref?.kind !== "dm") continue;
          const peer = userOrPlaceholder(q, ref.low === userId ? ref.high : ref.low);
          items.push({
            convId: c.id,
            readSeq: c.lastReadSeq,
            summary: {
              conversationId: c.key,
              kind: "dm",
              peer: { id: peer.id, username: peer.username },
              group: null,
              lastSeq: c.lastSeq,
              lastActivityTs: Math.trunc(c.lastActivityMs),
              visibleFromSeq: 0,
            },
          });
        }
        for (const g of q.myGroups.all(userId)) {
          items.push({
            convId: g.convId,
            readSeq: g.lastReadSeq ?? 0,
            summary: {
              conversationId: `group:${g.groupId}`,
              kind: "group",
              peer: null,
              group: { id: g.groupId, name: g.name, disbanded: g.disbandedAt !== null },
              lastSeq: g.lastSeq ?? 0,
              lastActivityTs: Math.trunc(g.lastActivityMs ?? 0),
              visibleFromSeq: g.joinedSeq,
            },
          });
        }
        type Position = { lastActivityTs: number; conversationId: string };
        const order = (a: Position, b: Position) => b.lastActivityTs - a.lastActivityTs || a.conversationId.localeCompare(b.conversationId);
        const rest = items.filter((i) => !after || order(i.summary, after) > 0);
        rest.sort((a, b) => order(a.summary, b.summary));
        const full = (item: Item): ConversationSummary => {
          const { summary, convId, readSeq } = item;
          if (convId === null) return { ...summary, last: null, read: { readSeq, unread: 0, countedSeq: 0 } };
          const row = q.lastShown.get(convId, summary.visibleFromSeq);
          const last = row ? toEntry(summary.conversationId, row, log) : null;
          return {
            ...summary,
            last: last && (last.kind === "text" || last.kind === "system") ? last : null,
            read: readState(convId, summary.lastSeq, userId, readSeq, summary.visibleFromSeq),
          };
        };
        // Summaries are built lazily: a page that stops at the byte bound reads no further.
        function* summaries() {
          for (const item of rest.slice(0, CHAT_LIMITS.conversationsMax)) yield full(item);
        }
        const { taken } = takeWithin(summaries(), { conversations: [], more: true });
        return { conversations: taken, more: taken.length < rest.length };
      });
    },

    async markRead(userId: number, key: string, seq: number): Promise<{ conversationId: string; read: ReadState }> {
      return writer.submit(() => {
        const access = resolveAccess(q, userId, key, "read");
        const conv = access.conv;
        if (!conv) return { value: { conversationId: key, read: { readSeq: 0, unread: 0, countedSeq: 0 } } };
        q.ensureMember.run(conv.id, userId, access.visibleFrom);
        const before = q.member.get(conv.id, userId)?.lastReadSeq ?? 0;
        const target = Math.min(seq, conv.lastSeq);
        if (target > before) q.advanceRead.run(target, conv.id, userId);
        const readSeq = Math.max(before, target);
        const read = readState(conv.id, conv.lastSeq, userId, readSeq, access.visibleFrom);
        const value = { conversationId: key, read };
        if (readSeq === before) return { value };
        const watchers = readWatchers(access);
        return {
          value,
          after: () => {
            publish([userId], "chat.read.v1", { conversationId: key, userId, readSeq, read });
            publish(watchers, "chat.read.v1", { conversationId: key, userId, readSeq });
          },
        };
      });
    },

    receipts(userId: number, key: string): Receipt[] {
      return snapshot(() => {
        const access = resolveAccess(q, userId, key, "read");
        const convId = access.conv?.id ?? -1;
        if (access.kind === "dm") {
          const hidden = blockedEitherWay(q, access.userId, access.peerId);
          return access.members
            .filter((id) => id === userId || !hidden)
            .map((id) => ({ userId: id, readSeq: q.member.get(convId, id)?.lastReadSeq ?? 0 }));
        }
        return q.groupReceipts.all(convId, access.groupId).map((r) => ({ userId: r.userId, readSeq: r.lastReadSeq ?? 0 }));
      });
    },
  };
}
