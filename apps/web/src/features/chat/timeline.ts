/**
 * Turns a conversation's entries into rows: day separators, dividers, messages grouped by sender
 * (grouping.ts), and the local notices of a contact's or group member's device changes (device-changes.ts) placed by
 * time among them.
 */
import type { PendingMessage, TimelineEntry } from "@sealroom/sdk/browser";
import type { TimelineNotice } from "./device-changes.js";
import { e2eStatusOf } from "./e2e.js";
import { dayKey } from "./format.js";
import { continuesGroup, groupItemOf, type GroupItem } from "./grouping.js";

/** Where a message stands in its group (grouping.ts): the first shows name, avatar and time. */
interface GroupPlace {
  first: boolean;
  last: boolean;
}

export type Row =
  | { type: "day"; key: string; ts: number }
  | { type: "system"; key: string; entry: Extract<TimelineEntry, { kind: "system" }> }
  | ({
      type: "text";
      key: string;
      entry: Extract<TimelineEntry, { kind: "text" }>;
      own: boolean;
    } & GroupPlace)
  | ({ type: "pending"; key: string; message: PendingMessage } & GroupPlace)
  | { type: "unread"; key: string }
  /** With encryption on: where plaintext (older) messages begin, and where encrypted ones begin after them. */
  | { type: "e2e"; key: string; encrypted: boolean }
  /** A contact's or member's devices changed here (a notice computed on this device, not an entry). */
  | { type: "devices"; key: string; notice: TimelineNotice };

/**
 * `readAtOpen`: the read pointer when the conversation was opened; a divider marks what came after.
 * `encryption`: the app encrypts, so messages without the `e2e` flag are marked as plaintext.
 * `notices`: oldest first; each goes before the first entry after it, the rest after the last entry.
 */
export function buildRows(
  entries: readonly TimelineEntry[],
  pending: readonly PendingMessage[],
  me: number | undefined,
  readAtOpen?: number,
  encryption = false,
  notices: readonly TimelineNotice[] = [],
): Row[] {
  const rows: Row[] = [];
  let day: string | undefined;
  let divided = readAtOpen === undefined;
  /** Whether the last text message was encrypted (undefined before the first one). */
  let encrypted: boolean | undefined;
  /** The row before the next one, as grouping sees it, and whether a divider came since. */
  let before: GroupItem | undefined;
  let dividerSince = false;
  let lastMessage: GroupPlace | undefined;
  /** Adds a message row: first of a group, or the group's new last one. */
  const push = (row: Extract<Row, GroupPlace>, item: GroupItem) => {
    row.first = !continuesGroup(before, item, dividerSince);
    if (!row.first && lastMessage) lastMessage.last = false;
    rows.push(row);
    lastMessage = row;
    before = item;
    dividerSince = false;
  };
  let next = 0;
  const noticesUpTo = (ts: number) => {
    for (let notice = notices[next]; notice && notice.at <= ts; notice = notices[++next]) {
      if (day !== dayKey(notice.at)) rows.push({ type: "day", key: `day-d${next}`, ts: notice.at });
      day = dayKey(notice.at);
      rows.push({ type: "devices", key: `devices-${next}`, notice });
      dividerSince = true; // a notice ends the group of messages before it
    }
  };
  for (const e of entries) {
    noticesUpTo(e.ts);
    if (day !== dayKey(e.ts)) rows.push({ type: "day", key: `day-${e.seq}`, ts: e.ts });
    day = dayKey(e.ts);
    if (encryption && e.kind === "text") {
      const now = e2eStatusOf(e) !== undefined;
      // Plaintext history says so where it begins; encryption where it takes over from plaintext.
      if (now !== (encrypted ?? true)) {
        rows.push({ type: "e2e", key: `e2e-${e.seq}`, encrypted: now });
        dividerSince = true;
      }
      encrypted = now;
    }
    if (!divided && e.seq > readAtOpen! && e.kind === "text" && e.senderId !== me) {
      divided = true;
      rows.push({ type: "unread", key: "unread" });
      dividerSince = true;
    }
    if (e.kind === "system") {
      rows.push({ type: "system", key: `s-${e.seq}`, entry: e });
      before = groupItemOf(e);
    } else {
      push(
        { type: "text", key: `m-${e.seq}`, entry: e, own: e.senderId === me, first: true, last: true },
        groupItemOf(e),
      );
    }
  }
  noticesUpTo(Infinity);
  // Messages on their way join the user's group (by the time they were written on this device).
  for (const m of pending)
    push(
      { type: "pending", key: `p-${m.clientMsgId}`, message: m, first: true, last: true },
      { senderId: me, ts: m.writtenTs },
    );
  return rows;
}

/** The user's latest acked message: the one that carries "sent" / "read" / "read by N". */
export function lastOwnSeq(entries: readonly TimelineEntry[], me: number | undefined): number | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.kind === "text" && e.senderId === me && e.deletedTs === null) return e.seq;
  }
  return undefined;
}
