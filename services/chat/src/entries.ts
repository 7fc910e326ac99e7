/**
 * A conversation's entries (the gapless, seq-numbered sequence docs/protocol/chat.md calls its
 * log): appending them inside the writer's transaction and turning rows into what clients see.
 */
import { systemEventSchema, type Entry, type SystemEvent } from "@sealroom/proto/chat";
import type { Logger } from "@sealroom/runtime";
import type { Access } from "./access.js";
import type { ConvRow, MessageRow, PageRow, Queries } from "./queries.js";
import { prismaDateTime } from "./sqlite.js";

/** The conversation row, created on its first entry (a DM also gets both participants' rows). */
export function conversationFor(q: Queries, access: Access, now: number): ConvRow {
  const existing = access.conv ?? q.convByKey.get(access.key);
  if (existing) return existing;
  const groupId = access.kind === "group" ? access.groupId : null;
  const id = Number(q.insertConv.run(access.key, access.kind, groupId, now, prismaDateTime(now)).lastInsertRowid);
  if (access.kind === "dm") for (const userId of access.members) q.ensureMember.run(id, userId, 0);
  return { id, key: access.key, kind: access.kind, groupId, lastSeq: 0, lastActivityMs: now };
}

export interface NewEntry {
  kind: "text" | "system" | "edit" | "delete";
  senderId: number | null;
  clientMsgId: string | null;
  body: string;
  targetSeq: number | null;
  /** Edits and deletions do not move a conversation up the list. */
  activity: boolean;
}

/** Appends one entry with the next seq; the caller's transaction makes seq gapless and unique. */
export function append(q: Queries, conv: ConvRow, entry: NewEntry, now: number): { id: number; seq: number } {
  const seq = conv.lastSeq + 1;
  const result = q.insertMessage.run(
    conv.id,
    seq,
    entry.kind,
    entry.senderId,
    entry.clientMsgId,
    entry.body,
    entry.targetSeq,
    now,
  );
  conv.lastSeq = seq;
  if (entry.activity) conv.lastActivityMs = now;
  q.advanceConv.run(seq, conv.lastActivityMs, conv.id);
  return { id: Number(result.lastInsertRowid), seq };
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
  const base = { id: row.id, conversationId: key, seq: row.seq, ts: ms(row.createdMs) };
  if ((row.kind === "edit" || row.kind === "delete") && (row.targetSeq ?? 0) <= visibleFrom)
    return { ...base, kind: "hidden" };
  switch (row.kind) {
    case "text":
      return {
        ...base,
        kind: "text",
        senderId: row.senderId ?? 0,
        clientMsgId: row.clientMsgId ?? "-",
        text: row.body,
        editedTs: msOrNull(row.editedMs),
        deletedTs: msOrNull(row.deletedMs),
      };
    case "system":
      return { ...base, kind: "system", event: systemEventOf(row.body, log) };
    case "edit": {
      const target = "targetBody" in row ? row : undefined;
      const text = target && target.targetDeletedMs === null ? (target.targetBody ?? "") : "";
      return { ...base, kind: "edit", senderId: row.senderId ?? 0, targetSeq: row.targetSeq ?? 0, text };
    }
    case "delete":
      return { ...base, kind: "delete", senderId: row.senderId ?? 0, targetSeq: row.targetSeq ?? 0 };
    default:
      throw new Error(`corrupt entry kind "${row.kind}"`);
  }
}
