/**
 * A conversation's entries (the gapless, seq-numbered sequence docs/protocol/chat.md calls its
 * log): appending them inside the writer's transaction and turning rows into what clients see.
 */
import { systemEventSchema, type Entry, type MlsEntryKind, type SystemEvent } from "@sealroom/proto/chat";
import type { Logger } from "@sealroom/runtime";
import type { Access } from "./access.js";
import type { ConvRow, MessageRow, PageRow, Queries } from "./queries.js";

/** Prisma's DateTime text (ISO, UTC), which both engines take for the DateTime column this service writes. */
export function prismaDateTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

/**
 * The conversation row, created on its first entry (a DM also gets both participants' rows).
 * `access.conv` must have been read inside this transaction with `lock` (resolveAccess), so on
 * PostgreSQL the row is locked. Two hosts creating the same conversation at once: the second
 * INSERT waits for the first to commit, then fails as a unique violation, and the writer runs
 * that job again (it then finds the row).
 */
export async function conversationFor(q: Queries, access: Access, now: number): Promise<ConvRow> {
  const existing = access.conv ?? (await q.convForUpdate.get(access.key));
  if (existing) return existing;
  const groupId = access.kind === "group" ? access.groupId : null;
  const id = lastId(await q.insertConv.run(access.key, access.kind, groupId, now, prismaDateTime(now)));
  if (access.kind === "dm") for (const userId of access.members) await q.ensureMember.run(id, userId, 0);
  const conv = { id, key: access.key, kind: access.kind, groupId, lastSeq: 0, lastActivityMs: now, mlsEpoch: null };
  return conv;
}

function lastId(result: { lastId?: number }): number {
  if (result.lastId === undefined) throw new Error("the INSERT reported no id");
  return result.lastId;
}

export interface NewEntry {
  kind: "text" | "system" | "edit" | "delete" | MlsEntryKind;
  senderId: number | null;
  clientMsgId: string | null;
  body: string;
  targetSeq: number | null;
  /** Edits and deletions do not move a conversation up the list. */
  activity: boolean;
  /** An end-to-end encrypted new message (mls.app): counted as unread, like a text. */
  notify?: boolean;
}

/** Appends one entry with the next seq; the caller's transaction makes seq gapless and unique. */
export async function append(
  q: Queries,
  conv: ConvRow,
  entry: NewEntry,
  now: number,
): Promise<{ id: number; seq: number }> {
  const seq = conv.lastSeq + 1;
  const result = await q.insertMessage.run(
    conv.id,
    seq,
    entry.kind,
    entry.senderId,
    entry.clientMsgId,
    entry.body,
    entry.targetSeq,
    now,
    entry.notify ? 1 : 0,
  );
  conv.lastSeq = seq;
  if (entry.activity) conv.lastActivityMs = now;
  await q.advanceConv.run(seq, conv.lastActivityMs, conv.id);
  return { id: lastId(result), seq };
}

const ms = (v: number): number => Math.trunc(v);
const msOrNull = (v: number | null): number | null => (v === null ? null : Math.trunc(v));

/** A stored system body that no longer parses (never expected): shown as an anonymous event. */
function systemEventOf(body: string, log: Logger): SystemEvent {
  try {
    const parsed = systemEventSchema.safeParse(JSON.parse(body));
    if (parsed.success) return parsed.data;
  } catch {
    // falls through
  }
  log.error("corrupt system entry body");
  return { groupEventId: 1, type: "created", actor: null, target: null };
}

/**
 * The entry as a reader whose visibility starts after `visibleFrom` sees it: an edit or deletion of
 * a message before that start is only a placeholder (it would carry the text, or news, of a
 * message the reader may not read).
 */
export function toEntry(key: string, row: MessageRow | PageRow, log: Logger, visibleFrom = 0): Entry {
  // The shared fields go last: on Node 20 (V8 11.3) a literal that adds properties after a spread
  // takes a slow path, ~1 µs per added property, and this runs for every entry of every page.
  // With the spread last, no key repeats, so nothing is overwritten.
  const base = { id: row.id, conversationId: key, seq: row.seq, ts: ms(row.createdMs) };
  if ((row.kind === "edit" || row.kind === "delete") && (row.targetSeq ?? 0) <= visibleFrom)
    return { kind: "hidden", ...base };
  switch (row.kind) {
    case "text":
      return {
        kind: "text",
        senderId: row.senderId ?? 0,
        clientMsgId: row.clientMsgId ?? "-",
        text: row.body,
        editedTs: msOrNull(row.editedMs),
        deletedTs: msOrNull(row.deletedMs),
        ...base,
      };
    case "system":
      return { kind: "system", event: systemEventOf(row.body, log), ...base };
    case "edit": {
      const target = "targetBody" in row ? row : undefined;
      const text = target && target.targetDeletedMs === null ? (target.targetBody ?? "") : "";
      return { kind: "edit", senderId: row.senderId ?? 0, targetSeq: row.targetSeq ?? 0, text, ...base };
    }
    case "delete":
      return { kind: "delete", senderId: row.senderId ?? 0, targetSeq: row.targetSeq ?? 0, ...base };
    // MLS messages travel unchanged: the body is the MLSMessage, base64url, as its sender sent it.
    case "mls.app":
    case "mls.commit":
      return {
        kind: row.kind,
        senderId: row.senderId ?? 0,
        clientMsgId: row.clientMsgId ?? "-",
        message: row.body,
        ...base,
      };
    // The server's Remove proposals have no sender (the reconciler, reconciler.ts).
    case "mls.proposal":
      return {
        kind: row.kind,
        senderId: row.senderId,
        clientMsgId: row.clientMsgId ?? "-",
        message: row.body,
        ...base,
      };
    default:
      throw new Error(`corrupt entry kind "${row.kind}"`);
  }
}
