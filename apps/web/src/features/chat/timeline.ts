/**
 * Turns a conversation's entries into rows: day separators, runs of one sender, the status line,
 * and the local notices of a contact's device changes (device-changes.ts) placed by time among them.
 */
import type { PendingMessage, TimelineEntry } from "@sealroom/sdk/browser";
import type { DeviceChangeNotice } from "./device-changes.js";
import { e2eStatusOf } from "./e2e.js";
import { dayKey } from "./format.js";

export type Row =
  | { type: "day"; key: string; ts: number }
  | { type: "system"; key: string; entry: Extract<TimelineEntry, { kind: "system" }> }
  | {
      type: "text";
      key: string;
      entry: Extract<TimelineEntry, { kind: "text" }>;
      own: boolean;
      first: boolean;
      last: boolean;
    }
  | { type: "pending"; key: string; message: PendingMessage }
  | { type: "unread"; key: string }
  /** With encryption on: where plaintext (older) messages begin, and where encrypted ones begin after them. */
  | { type: "e2e"; key: string; encrypted: boolean }
  /** The contact's devices changed here (a notice computed on this device, not an entry). */
  | { type: "devices"; key: string; notice: DeviceChangeNotice };

/** Messages of one sender closer than this stay in one run (one name, one avatar). */
const RUN_GAP_MS = 5 * 60_000;

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
  notices: readonly DeviceChangeNotice[] = [],
): Row[] {
  const rows: Row[] = [];
  let prev: TimelineEntry | undefined;
  let day: string | undefined;
  let next = 0;
  const noticesUpTo = (ts: number) => {
    for (let notice = notices[next]; notice && notice.at <= ts; notice = notices[++next]) {
      if (day !== dayKey(notice.at)) rows.push({ type: "day", key: `day-d${next}`, ts: notice.at });
      day = dayKey(notice.at);
      rows.push({ type: "devices", key: `devices-${next}`, notice });
      prev = undefined; // a notice ends the run of messages before it
    }
  };
  let divided = readAtOpen === undefined;
  /** Whether the last text message was encrypted (undefined before the first one). */
  let encrypted: boolean | undefined;
  for (const e of entries) {
    noticesUpTo(e.ts);
    if (day !== dayKey(e.ts)) rows.push({ type: "day", key: `day-${e.seq}`, ts: e.ts });
    day = dayKey(e.ts);
    let boundary = false;
    if (encryption && e.kind === "text") {
      const now = e2eStatusOf(e) !== undefined;
      // Plaintext history says so where it begins; encryption where it takes over from plaintext.
      boundary = now !== (encrypted ?? true);
      if (boundary) rows.push({ type: "e2e", key: `e2e-${e.seq}`, encrypted: now });
      encrypted = now;
    }
    if (!divided && e.seq > readAtOpen! && e.kind === "text" && e.senderId !== me) {
      divided = true;
      rows.push({ type: "unread", key: "unread" });
    }
    if (e.kind === "system") {
      rows.push({ type: "system", key: `s-${e.seq}`, entry: e });
    } else {
      const sameRun =
        !boundary &&
        prev?.kind === "text" &&
        prev.senderId === e.senderId &&
        e.ts - prev.ts < RUN_GAP_MS &&
        dayKey(prev.ts) === dayKey(e.ts);
      const last = rows.at(-1);
      if (sameRun && last?.type === "text") last.last = false;
      rows.push({ type: "text", key: `m-${e.seq}`, entry: e, own: e.senderId === me, first: !sameRun, last: true });
    }
    prev = e;
  }
  noticesUpTo(Infinity);
  for (const m of pending) rows.push({ type: "pending", key: `p-${m.clientMsgId}`, message: m });
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
