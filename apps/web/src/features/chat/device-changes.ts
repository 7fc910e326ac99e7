/**
 * "bob's devices changed. Safety number changed.": the DM timeline's local notices (docs/E2E.md
 * section 4, "Verification"). Computed on this device from the key directory's list of the
 * contact's devices; the server sends nothing new. The last key set seen and the notices found so
 * far are kept in localStorage per user and contact (as the verified mark is), so they survive a
 * reload. The first list seen (or the first non-empty one) is only remembered: a notice is about a
 * change since. Only contacts' devices: the user's own new sign-ins are NewSignInNotice's.
 */
import { z } from "zod";

/** A change of the contact's key set, placed in the timeline at `at`. */
const noticeSchema = z.object({
  at: z.number(),
  /** How many keys appeared and disappeared: both at once is a replaced device. */
  added: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
  /** The contact was marked verified and the mark no longer matches: the verified flag says "changed". */
  wasVerified: z.boolean(),
});
export type DeviceChangeNotice = z.infer<typeof noticeSchema>;

/** A notice as a timeline shows it: in a group, naming whose devices changed. */
export type TimelineNotice = DeviceChangeNotice & { userId?: number };

/** Older notices than this many are dropped: the timeline is not an audit log. */
export const NOTICES_KEPT = 50;

const recordSchema = z.object({
  /** The contact's key set (keySet(), sorted hex) last seen. */
  keys: z.array(z.string()).max(1000),
  notices: z.array(noticeSchema).max(NOTICES_KEPT),
});
export type DeviceRecord = z.infer<typeof recordSchema>;

/** One of the contact's devices as listed now: its key (as keySet() writes it) and when it was registered. */
export interface ListedKey {
  key: string;
  createdAt: number;
}

export type DeviceChangeKind = "added" | "removed" | "replaced";

export function changeKind(notice: DeviceChangeNotice): DeviceChangeKind {
  return notice.added > 0 && notice.removed > 0 ? "replaced" : notice.added > 0 ? "added" : "removed";
}

/**
 * The record after the contact's devices were listed again. `previous`: the record so far, or
 * undefined on first sight (then `verifiedKeys`, the key set of an older verified mark, stands for
 * it, so a contact verified before these notices existed still gets one when the flag turns to
 * "changed"; it is also the mark compared with, see `wasVerified`). A new device's notice is placed at its registration (the user may only look later);
 * a removal at `now`, the first time this device could know of it.
 */
export function recordDevices(
  previous: DeviceRecord | undefined,
  listed: readonly ListedKey[],
  now: number,
  verifiedKeys?: readonly string[],
): DeviceRecord {
  const keys = listed.map((d) => d.key).sort();
  const before = previous?.keys ?? verifiedKeys;
  const notices = previous?.notices ?? [];
  // Never a device before (the contact had not set up encryption yet): their first one is no change.
  // (A list emptied by a removal has that removal's notice, so what comes after it is a change.)
  if (before === undefined || (before.length === 0 && notices.length === 0)) return { keys, notices: [...notices] };
  const old = new Set(before);
  const fresh = listed.filter((d) => !old.has(d.key));
  const current = new Set(keys);
  const removed = before.filter((k) => !current.has(k)).length;
  if (fresh.length === 0 && removed === 0) return { keys, notices: [...notices] };
  const at = fresh.length > 0 ? Math.min(now, Math.max(...fresh.map((d) => d.createdAt))) : now;
  const wasVerified = verifiedKeys !== undefined && !sameSet(verifiedKeys, keys);
  const notice = { at, added: fresh.length, removed, wasVerified };
  // Kept in time order (a registration time may be earlier than a removal already recorded).
  const all = [...notices, notice].sort((a, b) => a.at - b.at).slice(-NOTICES_KEPT);
  return { keys, notices: all };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const bs = new Set(b);
  return a.length === b.length && a.every((k) => bs.has(k));
}

type KeyValueStorage = Pick<Storage, "getItem" | "setItem">;

const storageKey = (me: number, contact: number) => `sealroom.contactDevices.${me}.${contact}`;

function storage(): KeyValueStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage blocked: every list is a first sight, so nothing is announced
  }
}

export function readRecord(me: number, contact: number, s = storage()): DeviceRecord | undefined {
  try {
    const raw = s?.getItem(storageKey(me, contact));
    if (!raw) return undefined;
    const record = recordSchema.safeParse(JSON.parse(raw));
    return record.success ? record.data : undefined;
  } catch {
    return undefined; // unreadable: starts over as a first sight
  }
}

export function writeRecord(me: number, contact: number, record: DeviceRecord, s = storage()): void {
  try {
    s?.setItem(storageKey(me, contact), JSON.stringify(record));
  } catch {
    // storage full or blocked: the change is shown now and may not be after a reload
  }
}
