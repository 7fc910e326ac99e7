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
import {
  blockedEitherWay,
  formerOf,
  hiddenFrom,
  resolveAccess,
  visibleEnd,
  userOrPlaceholder,
  type Access,
} from "./access.js";
import { takeWithin } from "./bounds.js";
import { toEntry } from "./entries.js";
import { sendersOf } from "./people.js";
import type { Publish } from "./publish.js";
import type { Queries } from "./queries.js";
import type { Sqlite } from "./sqlite.js";
import type { Writer } from "./writer.js";

export interface ReadDeps {
  sqlite: Sqlite;
  q: Queries;
  writer: Writer;
  publish: Publish;
  log: Logger;
}

export function createReads({ sqlite, q, writer, publish, log }: ReadDeps) {
  const snapshot = <T>(fn: () => T): T => sqlite.transaction(fn)();

  /** `upTo`: a former member's last readable seq (then `lastSeq` is at most it). */
  function readState(
    convId: number,
    lastSeq: number,
    userId: number,
    readSeq: number,
    visibleFrom: number,
    upTo?: number,
  ): ReadState {
    const from = Math.max(readSeq, visibleFrom);
    const unread =
      from >= lastSeq
        ? 0
        : ((upTo === undefined
            ? q.unread.get(convId, from, userId, CHAT_LIMITS.unreadMax)
            : q.unreadUpTo.get(convId, from, upTo, userId, CHAT_LIMITS.unreadMax)
          )?.n ?? 0);
    return { readSeq, unread, countedSeq: lastSeq };
  }

  /**
   * A page of `rows` (ascending, or newest first for history, which keeps the newest when it has
   * to stop early), cut at the reply byte bound.
   */
  function page(access: Access, rows: Parameters<typeof toEntry>[1][], lastSeq: number, newestFirst = false): Page {
    const shell = {
      conversationId: access.key,
      entries: [],
      lastSeq,
      visibleFromSeq: access.visibleFrom,
      truncated: true,
    };
    const { taken, cut } = takeWithin(
      rows.map((r) => toEntry(access.key, r, log, access.visibleFrom)),
      shell,
    );
    // At most pageMax users (< 35 KB) beyond the bound, well inside NATS's max_payload.
    return { ...shell, entries: newestFirst ? taken.reverse() : taken, truncated: cut, ...sendersOf(q, taken) };
  }

  /** Who besides the reader learns that a read pointer moved (never across a block). */
  function readWatchers(access: Access): number[] {
    if (access.kind === "dm") return blockedEitherWay(q, access.userId, access.peerId) ? [] : [access.peerId];
    // A former member's reading is nobody else's business any more.
    if (access.former) return [];
    const members = q.groupMemberIds.all(access.groupId).map((r) => r.userId);
    if (members.length > CHAT_LIMITS.readEventsGroupMax) return [];
    const hidden = hiddenFrom(q, access.userId);
    return members.filter((id) => id !== access.userId && !hidden.has(id));
  }

  return {
    history(userId: number, key: string, beforeSeq: number | undefined, limit: number): Page {
      return snapshot(() => {
        const access = resolveAccess(q, userId, key, "read");
        const conv = access.conv;
        if (!conv) return page(access, [], 0);
        const end = visibleEnd(access, conv.lastSeq);
        const before = Math.min(beforeSeq ?? end + 1, end + 1);
        const rows = q.pageBefore.all(conv.id, before, access.visibleFrom, limit);
        return page(access, rows, end, true);
      });
    },

    sync(userId: number, key: string, afterSeq: number, limit: number): Page {
      return snapshot(() => {
        const access = resolveAccess(q, userId, key, "read");
        const conv = access.conv;
        if (!conv) return page(access, [], 0);
        const end = visibleEnd(access, conv.lastSeq);
        const from = Math.max(afterSeq, access.visibleFrom);
        // Seqs are gapless, so (from, end] holds exactly end - from entries: the limit stops at `end`.
        const rows = from >= end ? [] : q.pageAfter.all(conv.id, from, Math.min(limit, end - from));
        return page(access, rows, end);
      });
    },

    conversations(
      userId: number,
      after: ConversationsCursor | undefined,
    ): { conversations: ConversationSummary[]; more: boolean } {
      return snapshot(() => {
        /** `upTo`: a former member's last readable seq. */
        type Item = {
          summary: Omit<ConversationSummary, "last" | "read">;
          convId: number | null;
          readSeq: number;
          upTo?: number;
        };
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
        for (const f of q.myFormerGroups.all(userId)) {
          const former = formerOf(f);
          const by = former.byId === null ? null : userOrPlaceholder(q, former.byId);
          items.push({
            convId: f.convId,
            readSeq: f.lastReadSeq ?? 0,
            upTo: f.leftSeq,
            summary: {
              conversationId: `group:${f.groupId}`,
              kind: "group",
              peer: null,
              group: {
                id: f.groupId,
                name: f.groupName,
                disbanded: false,
                removed: {
                  reason: former.reason,
                  by: by && { id: by.id, username: by.username },
                  ts: former.removedMs,
                },
              },
              // Nothing after their departure: its seq, and its time for the list's order.
              lastSeq: f.convId === null ? 0 : f.leftSeq,
              lastActivityTs: Math.trunc(former.removedMs),
              visibleFromSeq: f.joinedSeq,
            },
          });
        }
        type Position = { lastActivityTs: number; conversationId: string };
        const order = (a: Position, b: Position) =>
          b.lastActivityTs - a.lastActivityTs || a.conversationId.localeCompare(b.conversationId);
        const rest = items.filter((i) => !after || order(i.summary, after) > 0);
        rest.sort((a, b) => order(a.summary, b.summary));
        const full = (item: Item): ConversationSummary => {
          const { summary, convId, readSeq, upTo } = item;
          if (convId === null) return { ...summary, last: null, read: { readSeq, unread: 0, countedSeq: 0 } };
          const row =
            upTo === undefined
              ? q.lastShown.get(convId, summary.visibleFromSeq)
              : q.lastShownUpTo.get(convId, summary.visibleFromSeq, upTo);
          const last = row ? toEntry(summary.conversationId, row, log) : null;
          const shown = last && (last.kind === "text" || last.kind === "system") ? last : null;
          return {
            ...summary,
            last: shown,
            read: readState(convId, summary.lastSeq, userId, readSeq, summary.visibleFromSeq, upTo),
            ...sendersOf(q, shown ? [shown] : []),
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
        const end = visibleEnd(access, conv.lastSeq);
        const target = Math.min(seq, end);
        if (target > before) q.advanceRead.run(target, conv.id, userId);
        const readSeq = Math.max(before, target);
        const upTo = access.kind === "group" && access.former ? end : undefined;
        const read = readState(conv.id, end, userId, readSeq, access.visibleFrom, upTo);
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
        // A former member sees only their own pointer: the group's later reading is not theirs.
        if (access.former) return [{ userId, readSeq: q.member.get(convId, userId)?.lastReadSeq ?? 0 }];
        const hidden = hiddenFrom(q, userId);
        return q.groupReceipts
          .all(convId, access.groupId)
          .filter((r) => !hidden.has(r.userId))
          .map((r) => ({ userId: r.userId, readSeq: r.lastReadSeq ?? 0 }));
      });
    },
  };
}
