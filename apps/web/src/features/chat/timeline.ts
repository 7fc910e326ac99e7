/** Turns a conversation's entries into rows: day separators, runs of one sender, the status line. */
import type { PendingMessage, TimelineEntry } from "@sealroom/sdk/browser";
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
  | { type: "unread"; key: string };

/** Messages of one sender closer than this stay in one run (one name, one avatar). */
const RUN_GAP_MS = 5 * 60_000;

/** `readAtOpen`: the read pointer when the conversation was opened; a divider marks what came after. */
export function buildRows(
  entries: readonly TimelineEntry[],
  pending: readonly PendingMessage[],
  me: number | undefined,
  readAtOpen?: number,
): Row[] {
  const rows: Row[] = [];
  let prev: TimelineEntry | undefined;
  let divided = readAtOpen === undefined;
  for (const e of entries) {
    if (!prev || dayKey(prev.ts) !== dayKey(e.ts)) rows.push({ type: "day", key: `day-${e.seq}`, ts: e.ts });
    if (!divided && e.seq > readAtOpen! && e.kind === "text" && e.senderId !== me) {
      divided = true;
      rows.push({ type: "unread", key: "unread" });
    }
    if (e.kind === "system") {
      rows.push({ type: "system", key: `s-${e.seq}`, entry: e });
    } else {
      const sameRun =
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
