/**
 * Verification of a DM contact (docs/E2E.md section 4, "Verification"): the pair's safety number
 * from both users' device keys as the key directory lists them, and whether the user marked the
 * contact verified on this device. The mark is kept in this browser's localStorage with the
 * contact's key set it was made for, so a device added, removed or replaced on the contact's side
 * afterwards shows as "changed" until the user verifies again or removes the verification.
 * Both lists are loaded again on `auth.keys.devices.changed.v1` for either user. Each load of the
 * contact's list also records a change of it for the timeline's notice (device-changes.ts), from
 * the same list the flag is computed from, so notice and flag agree. A group shows the same marks
 * and records per member (group-verification.ts): verification is per pair of users.
 */
import { useCallback, useEffect, useState } from "react";
import type { DeviceInfo } from "@sealroom/proto/keys";
import { z } from "zod";
import { useClient, useConnectionState } from "../../state/context.js";
import { readRecord, recordDevices, writeRecord, type DeviceChangeNotice } from "./device-changes.js";
import { keySet, safetyNumber } from "./safety-number.js";

const verifiedMarkSchema = z.object({
  /** The contact's key set (keySet()) the user verified. */
  keys: z.array(z.string()),
  at: z.number(),
});
export type VerifiedMark = z.infer<typeof verifiedMarkSchema>;

type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

const storageKey = (me: number, contact: number) => `sealroom.verified.${me}.${contact}`;

function storage(): KeyValueStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage blocked (some privacy modes): nothing can be marked
  }
}

export function readMark(me: number, contact: number, s = storage()): VerifiedMark | undefined {
  try {
    const raw = s?.getItem(storageKey(me, contact));
    if (!raw) return undefined;
    const mark = verifiedMarkSchema.safeParse(JSON.parse(raw));
    return mark.success ? mark.data : undefined;
  } catch {
    return undefined; // unreadable mark: treated as not verified, never as verified
  }
}

/** Who shows a mark: a DM's panel, a group's member list and its header all read the one store. */
const markListeners = new Set<() => void>();

/** Calls `listener` after any mark is written or removed on this page; returns the unsubscribe. */
export function onMarksChanged(listener: () => void): () => void {
  markListeners.add(listener);
  return () => markListeners.delete(listener);
}

export function writeMark(me: number, contact: number, mark: VerifiedMark | undefined, s = storage()) {
  if (mark) s?.setItem(storageKey(me, contact), JSON.stringify(mark));
  else s?.removeItem(storageKey(me, contact));
  for (const listener of [...markListeners]) listener();
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k, i) => k === b[i]);

/** A contact's status from the mark and their key set as listed now (keySet() form). */
export function statusOf(mark: VerifiedMark | undefined, contactKeys: readonly string[]): VerificationStatus {
  return !mark ? "unverified" : sameSet(mark.keys, contactKeys) ? "verified" : "changed";
}

export type VerificationStatus = "unverified" | "verified" | "changed";

export type VerificationState =
  | { kind: "off" }
  | { kind: "loading" }
  | { kind: "error" }
  /** One of the two has no device yet: there is nothing to compare. */
  | { kind: "noDevices" }
  | { kind: "ready"; number: string; status: VerificationStatus; contactKeys: string[] };

export interface Verification {
  state: VerificationState;
  /** The contact's device changes this device has seen, oldest first (empty when off). */
  notices: DeviceChangeNotice[];
  /** Marks the contact verified for the key set shown now. */
  verify(): void;
  /** Removes the mark (also how a "changed" warning is dismissed). */
  unverify(): void;
}

/** Records the contact's list as seen now (device-changes.ts); the notices so far. */
export function recordChange(me: number, contactId: number, devices: readonly DeviceInfo[]): DeviceChangeNotice[] {
  if (contactId === me) return []; // a DM with oneself: own devices are NewSignInNotice's
  const listed = devices.flatMap((d) => keySet([d.signatureKey]).map((key) => ({ key, createdAt: d.createdAt })));
  const record = recordDevices(readRecord(me, contactId), listed, Date.now(), readMark(me, contactId)?.keys);
  writeRecord(me, contactId, record);
  return record.notices;
}

/** `contactId` undefined (a group, or no peer yet): verification is off. */
export function useVerification(me: number | undefined, contactId: number | undefined): Verification {
  const client = useClient();
  // Loaded again when the connection is back (a failed load is not left as the answer).
  const ready = useConnectionState() === "ready";
  const [loaded, setLoaded] = useState<
    | { kind: "loading" }
    | { kind: "error" }
    | { kind: "noDevices" }
    /** `for`: the contact these keys are of (a late answer for another contact is not this one's). */
    | { kind: "keys"; number: string; contactKeys: string[]; for: number }
  >({ kind: "loading" });
  const [mark, setMark] = useState<VerifiedMark>();
  const [notices, setNotices] = useState<DeviceChangeNotice[]>([]);

  const load = useCallback(async () => {
    if (me === undefined || contactId === undefined) return;
    try {
      const [mine, theirs] = await Promise.all([
        client.request("auth.keys.devices", { userId: me }),
        client.request("auth.keys.devices", { userId: contactId }),
      ]);
      const myKeys = mine.devices.map((d) => d.signatureKey);
      const contactKeys = theirs.devices.map((d) => d.signatureKey);
      const notices = recordChange(me, contactId, theirs.devices);
      if (myKeys.length === 0 || contactKeys.length === 0) {
        setNotices(notices);
        return setLoaded({ kind: "noDevices" });
      }
      const number = await safetyNumber(
        { userId: me, signatureKeys: myKeys },
        { userId: contactId, signatureKeys: contactKeys },
      );
      // Set together, so the timeline's notice never shows before the flag it agrees with.
      setNotices(notices);
      setLoaded({ kind: "keys", number, contactKeys: keySet(contactKeys), for: contactId });
    } catch {
      setLoaded({ kind: "error" });
    }
  }, [client, me, contactId]);

  useEffect(() => {
    if (me === undefined || contactId === undefined) return;
    setLoaded({ kind: "loading" });
    setMark(readMark(me, contactId));
    setNotices(readRecord(me, contactId)?.notices ?? []);
    void load();
    // Marked or unmarked elsewhere on the page (the same contact in a group's member list).
    const unmarked = onMarksChanged(() => setMark(readMark(me, contactId)));
    const unlisten = client.on("event", (type, body) => {
      if (type !== "auth.keys.devices.changed.v1" || typeof body !== "object" || body === null) return;
      const user = (body as { userId?: unknown }).userId;
      if (user === me || user === contactId) void load();
    });
    return () => {
      unmarked();
      unlisten();
    };
  }, [client, load, me, contactId, ready]);

  const off = me === undefined || contactId === undefined;
  const state: VerificationState = off
    ? { kind: "off" }
    : loaded.kind !== "keys"
      ? loaded
      : loaded.for !== contactId
        ? { kind: "loading" }
        : {
            kind: "ready",
            number: loaded.number,
            contactKeys: loaded.contactKeys,
            status: statusOf(mark, loaded.contactKeys),
          };

  const verify = () => {
    if (off || state.kind !== "ready") return;
    const next = { keys: state.contactKeys, at: Date.now() };
    writeMark(me, contactId, next);
    setMark(next);
  };
  const unverify = () => {
    if (off) return;
    writeMark(me, contactId, undefined);
    setMark(undefined);
  };
  return { state, notices: off ? [] : notices, verify, unverify };
}
