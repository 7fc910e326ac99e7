/**
 * Which messages of the timeline form one group, as in Slack, Element or Telegram: consecutive
 * messages of one sender, on one day, each within 5 minutes of the one before. The group's first
 * message shows the sender's name, avatar and time; the following ones sit tight under it with
 * their time on hover and focus (a screen reader hears sender and time on every message).
 * Nothing may stand between two messages of a group: a day divider, a system entry, the "New"
 * divider or an encryption divider breaks it. A deleted message stays in its group (its
 * tombstone is still the sender's).
 */
import type { TimelineEntry } from "@sealroom/sdk/browser";
import { dayKey } from "./format.js";

/** A gap of more than this between two messages of one sender starts a new group. */
export const GROUP_GAP_MS = 5 * 60_000;

/** What grouping reads of a row: who wrote it (none: a system entry) and when. */
export interface GroupItem {
  senderId: number | undefined;
  ts: number;
}

export const groupItemOf = (entry: TimelineEntry): GroupItem => ({
  senderId: entry.kind === "text" ? entry.senderId : undefined,
  ts: entry.ts,
});

/**
 * Whether `next` continues the group of `prev`, the row right before it; `divided`: a divider
 * (the "New" one, an encryption one) stands between them.
 */
export function continuesGroup(prev: GroupItem | undefined, next: GroupItem, divided = false): boolean {
  if (divided || prev?.senderId === undefined || prev.senderId !== next.senderId) return false;
  // A message the device wrote can carry an earlier time than the server's of the one before it.
  return next.ts - prev.ts <= GROUP_GAP_MS && dayKey(prev.ts) === dayKey(next.ts);
}
