/**
 * The page reads: `chat.history` and `chat.sync` pages and the conversation list, each inside one
 * read-only snapshot transaction (access checks included), so a reply sees one point in time. They
 * need only a database, so they run either on the service's own connection (on the event loop) or,
 * on SQLite, on a reader thread with a read-only connection of its own (read-pool.ts), which keeps
 * their work off the event loop that the writer and every other command share.
 */
import {
  CHAT_LIMITS,
  parseConversationId,
  type ConversationSummary,
  type ConversationsCursor,
  type Page,
  type ReadState,
} from "@sealroom/proto/chat";
import type { SqlDb } from "@sealroom/db/sql";
import type { Clock, Logger } from "@sealroom/runtime";
import { formerOf, resolveAccess, visibleEnd, userOrPlaceholder, type Access } from "./access.js";
import { takeWithin, takeWithinAsync } from "./bounds.js";
import { toEntry } from "./entries.js";
import { sendersOf } from "./people.js";
import { queries, type Queries } from "./queries.js";
import { settingsOf, settingsRows } from "./settings.js";

export interface PageDeps {
  db: SqlDb;
  log: Logger;
  /** For settings that depend on the time (a mute until then). */
  clock: Clock;
}

/** What a page read answers; the same whether it runs on the event loop or on a reader thread. */
export interface Pages {
  history(userId: number, key: string, beforeSeq: number | undefined, limit: number): Promise<Page>;
  sync(userId: number, key: string, afterSeq: number, limit: number): Promise<Page>;
  conversations(
    userId: number,
    after: ConversationsCursor | undefined,
  ): Promise<{ conversations: ConversationSummary[]; more: boolean }>;
}

/** `upTo`: a former member's last readable seq (then `lastSeq` is at most it). */
export async function readState(
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

/** A page's entries as takeWithin serialized them to measure them, for pageJson. */
const entriesJson = new WeakMap<Page, string[]>();
const EMPTY_ENTRIES = '"entries":[]';

/**
 * A read's reply value as JSON, the same text as JSON.stringify(value). A history or sync page
 * made here (and not changed since) is not serialized a second time: its entries' JSON, written by
 * takeWithin to measure the page, is spliced into the rest (BENCHMARKS.md, "S6: a page's entries
 * serialized once"). The splice is at the text's first `"entries":[]`, which is the page's own key:
 * inside a string value a quote is always escaped, so that text cannot occur there, and `entries`
 * comes before `people`.
 */
export function pageJson(value: unknown): string {
  const json = typeof value === "object" && value !== null ? entriesJson.get(value as Page) : undefined;
  if (!json || (value as Page).entries.length !== json.length) return JSON.stringify(value);
  const text = JSON.stringify({ ...(value as Page), entries: [] });
  const key = text.indexOf(EMPTY_ENTRIES);
  if (key < 0) return JSON.stringify(value);
  const at = key + EMPTY_ENTRIES.length - 1;
  return text.slice(0, at) + json.join(",") + text.slice(at);
}

export function createPages({ db, log, clock }: PageDeps): Pages {
  const snapshot = <T>(fn: (q: Queries) => Promise<T>): Promise<T> => db.snapshot((tx) => fn(queries(tx)));

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
    const { taken, cut, json } = takeWithin(
      rows.map((r) => toEntry(access.key, r, log, access.visibleFrom)),
      shell,
    );
    if (newestFirst) {
      taken.reverse();
      json.reverse();
    }
    // At most pageMax users (< 35 KB) beyond the bound, well inside NATS's max_payload.
    const result: Page = { ...shell, entries: taken, truncated: cut, ...(await sendersOf(q, taken)) };
    entriesJson.set(result, json);
    return result;
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
          /** Without the keys `full` adds, so it can spread the summary last (see toEntry). */
          summary: Omit<ConversationSummary, "last" | "read" | "people" | "settings">;
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
          if (convId === null) return { last: null, read: { readSeq, unread: 0, countedSeq: 0 }, settings, ...summary };
          const row =
            upTo === undefined
              ? await q.lastShown.get(convId, summary.visibleFromSeq)
              : await q.lastShownUpTo.get(convId, summary.visibleFromSeq, upTo);
          const last = row ? toEntry(summary.conversationId, row, log) : null;
          const shown = last && (last.kind === "text" || last.kind === "system") ? last : null;
          return {
            last: shown,
            read: await readState(q, convId, summary.lastSeq, userId, readSeq, summary.visibleFromSeq, upTo),
            ...(await sendersOf(q, shown ? [shown] : [])),
            settings,
            ...summary,
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
  };
}
