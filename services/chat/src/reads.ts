/**
 * Reading: history and sync pages, the conversation list, read pointers and receipts. A
 * multi-statement read runs inside one read-only snapshot transaction, so it sees one point in
 * time: on SQLite a deferred transaction on the service's connection (it settles within one
 * event-loop turn, as before); on PostgreSQL `REPEATABLE READ READ ONLY` on a pooled connection of
 * its own, beside the writer's. Moving a read pointer is a writer job.
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
import type { SqlDb } from "@sealroom/db/sql";
import type { Clock, Logger } from "@sealroom/runtime";
import {
  blockedEitherWay,
  formerOf,
  hiddenFrom,
  resolveAccess,
  visibleEnd,
  userOrPlaceholder,
  type Access,
} from "./access.js";
import { takeWithin, takeWithinAsync } from "./bounds.js";
import { toEntry } from "./entries.js";
import { sendersOf } from "./people.js";
import type { Publish } from "./publish.js";
import { queries, type Queries } from "./queries.js";
import { clearMarkedUnread, settingsOf, settingsRows } from "./settings.js";
import type { Writer } from "./writer.js";

export interface ReadDeps {
  db: SqlDb;
  writer: Writer;
  publish: Publish;
  log: Logger;
  /** For settings that depend on the time (a mute until then). */
  clock: Clock;
}

export function createReads({ db, writer, publish, log, clock }: ReadDeps) {
  const snapshot = <T>(fn: (q: Queries) => Promise<T>): Promise<T> => db.snapshot((tx) => fn(queries(tx)));

  /** `upTo`: a former member's last readable seq (then `lastSeq` is at most it). */
  async function readState(
    q: Queries,
    convId: number,
    lastSeq: number,
    userId: number,
    readSeq: number,
    visibleFrom: number,
    upTo?: number,
  ): Promise<ReadState> {
    const from = Math.max(readSeq, visibleFrom);
    const unread =
      from >= lastSeq
        ? 0
        : ((upTo === undefined
            ? await q.unread.get(convId, from, userId, CHAT_LIMITS.unreadMax)
            : await q.unreadUpTo.get(convId, from, upTo, userId, CHAT_LIMITS.unreadMax)
          )?.n ?? 0);
    return { readSeq, unread, countedSeq: lastSeq };
  }

  /**
   * A page of `rows` (ascending, or newest first for history, which keeps the newest when it has
   * to stop early), cut at the reply byte bound.
   */
  async function page(
    q: Queries,
    access: Access,
    rows: Parameters<typeof toEntry>[1][],
    lastSeq: number,
    newestFirst = false,
  ): Promise<Page> {
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
    return { ...shell, entries: newestFirst ? taken.reverse() : taken, truncated: cut, ...(await sendersOf(q, taken)) };
  }

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

  return {
    history(userId: number, key: string, beforeSeq: number | undefined, limit: number): Promise<Page> {
      return snapshot(async (q) => {
        const access = await resolveAccess(q, userId, key, "read");
        const conv = access.conv;
        if (!conv) return page(q, access, [], 0);
        const end = visibleEnd(access, conv.lastSeq);
        const before = Math.min(beforeSeq ?? end + 1, end + 1);
        const rows = await q.pageBefore.all(conv.id, before, access.visibleFrom, limit);
        return page(q, access, rows, end, true);
      });
    },

    sync(userId: number, key: string, afterSeq: number, limit: number): Promise<Page> {
      return snapshot(async (q) => {
        const access = await resolveAccess(q, userId, key, "read");
        const conv = access.conv;
        if (!conv) return page(q, access, [], 0);
        const end = visibleEnd(access, conv.lastSeq);
        const from = Math.max(afterSeq, access.visibleFrom);
        // Seqs are gapless, so (from, end] holds exactly end - from entries: the limit stops at `end`.
        const rows = from >= end ? [] : await q.pageAfter.all(conv.id, from, Math.min(limit, end - from));
        return page(q, access, rows, end);
      });
    },

    conversations(
      userId: number,
      after: ConversationsCursor | undefined,
    ): Promise<{ conversations: ConversationSummary[]; more: boolean }> {
      return snapshot(async (q) => {
        /** `upTo`: a former member's last readable seq. */
        type Item = {
          summary: Omit<ConversationSummary, "last" | "read">;
          convId: number | null;
          readSeq: number;
          upTo?: number;
        };
        const items: Item[] = [];
        for (const c of await q.myDms.all(userId)) {
          const ref = parseConversationId(c.key);
          if (ref?.kind !== "dm") continue;
          const peer = await userOrPlaceholder(q, ref.low === userId ? ref.high : ref.low);
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
        for (const g of await q.myGroups.all(userId)) {
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
        for (const f of await q.myFormerGroups.all(userId)) {
          const former = formerOf(f);
          const by = former.byId === null ? null : await userOrPlaceholder(q, former.byId);
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
        const settingRows = await settingsRows(q, userId);
        const now = clock();
        type Position = { lastActivityTs: number; conversationId: string };
        const order = (a: Position, b: Position) =>
          b.lastActivityTs - a.lastActivityTs || a.conversationId.localeCompare(b.conversationId);
        const rest = items.filter((i) => !after || order(i.summary, after) > 0);
        rest.sort((a, b) => order(a.summary, b.summary));
        const full = async (item: Item): Promise<ConversationSummary> => {
          const { summary, convId, readSeq, upTo } = item;
          const settings = await settingsOf(
            q,
            settingRows.get(summary.conversationId),
            { convId, userId, ...(upTo === undefined ? {} : { upTo }) },
            now,
          );
          if (convId === null) return { ...summary, last: null, read: { readSeq, unread: 0, countedSeq: 0 }, settings };
          const row =
            upTo === undefined
              ? await q.lastShown.get(convId, summary.visibleFromSeq)
              : await q.lastShownUpTo.get(convId, summary.visibleFromSeq, upTo);
          const last = row ? toEntry(summary.conversationId, row, log) : null;
          const shown = last && (last.kind === "text" || last.kind === "system") ? last : null;
          return {
            ...summary,
            last: shown,
            read: await readState(q, convId, summary.lastSeq, userId, readSeq, summary.visibleFromSeq, upTo),
            ...(await sendersOf(q, shown ? [shown] : [])),
            settings,
          };
        };
        // Summaries are built lazily: a page that stops at the byte bound reads no further.
        const { taken } = await takeWithinAsync(rest.slice(0, CHAT_LIMITS.conversationsMax), full, {
          conversations: [],
          more: true,
        });
        return { conversations: taken, more: taken.length < rest.length };
      });
    },

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
