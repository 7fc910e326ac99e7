/**
 * Verification in a group (docs/E2E.md section 4, "Verification"): each other member's status from
 * the same per-pair store a DM uses (the verified mark, contact-verification.ts, and the device
 * record, device-changes.ts), so verifying bob in the group is verifying him in the DM too. Each
 * member's device list is loaded when the group is shown, again on `auth.keys.devices.changed.v1`
 * for that member and on reconnect; each load records a change of it for the group's timeline.
 * No safety number is computed here (5200 hashes per user): only the one a member's panel shows.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { AppError } from "@sealroom/sdk/browser";
import { useClient, useConnectionState } from "../../state/context.js";
import {
  onMarksChanged,
  readMark,
  recordChange,
  statusOf,
  type VerificationStatus,
  type VerifiedMark,
} from "./contact-verification.js";
import { readRecord, type DeviceChangeNotice, type TimelineNotice } from "./device-changes.js";
import { keySet } from "./safety-number.js";

/** "none": no device to compare (none registered yet, or the directory does not show them). */
export type MemberStatus = "loading" | "error" | "none" | VerificationStatus;

export interface GroupVerification {
  /** Every member but the user, by id. */
  status: Readonly<Record<number, MemberStatus>>;
  /** The members' device changes, oldest first, each naming its member. */
  notices: TimelineNotice[];
  /** Verified members whose devices changed since: sending asks first. */
  changed: number[];
  verified: number;
  /** Members besides the user. */
  total: number;
}

/** Lists loaded at once: a big group must not hit the connection's rate limit in one burst. */
const PARALLEL_LOADS = 4;

type Listed = { kind: "keys"; keys: string[] } | { kind: "error" } | { kind: "hidden" };

/** `memberIds` undefined (not a group, or encryption off): everything empty. */
export function useGroupVerification(
  me: number | undefined,
  memberIds: readonly number[] | undefined,
): GroupVerification {
  const client = useClient();
  const ready = useConnectionState() === "ready";
  const idsKey = memberIds?.join(",") ?? "";
  const others = useMemo(
    () =>
      me === undefined || !idsKey
        ? []
        : idsKey
            .split(",")
            .map(Number)
            .filter((id) => id !== me),
    [me, idsKey],
  );
  const [listed, setListed] = useState<Record<number, Listed>>({});
  const [notices, setNotices] = useState<Record<number, DeviceChangeNotice[]>>({});
  /** Re-read whenever a mark is written on this page (a DM's panel, a member's safety number). */
  const [marks, setMarks] = useState<Record<number, VerifiedMark | undefined>>({});

  const load = useCallback(
    async (userId: number) => {
      if (me === undefined) return;
      let next: Listed;
      try {
        const { devices } = await client.request("auth.keys.devices", { userId });
        const recorded = recordChange(me, userId, devices);
        setNotices((n) => ({ ...n, [userId]: recorded }));
        next = { kind: "keys", keys: keySet(devices.map((d) => d.signatureKey)) };
      } catch (err) {
        // Left the group meanwhile (the directory no longer shows them to the user).
        next = err instanceof AppError && err.code === "NOT_FOUND" ? { kind: "hidden" } : { kind: "error" };
      }
      setListed((l) => ({ ...l, [userId]: next }));
    },
    [client, me],
  );

  useEffect(() => {
    if (me === undefined || others.length === 0) return;
    setNotices(Object.fromEntries(others.map((id) => [id, readRecord(me, id)?.notices ?? []])));
    const queue = [...others];
    let stopped = false;
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined && !stopped; id = queue.shift()) await load(id);
    };
    for (let i = 0; i < PARALLEL_LOADS; i++) void worker();
    const members = new Set(others);
    const readMarks = () => setMarks(Object.fromEntries(others.map((id) => [id, readMark(me, id)])));
    readMarks();
    const unmarked = onMarksChanged(readMarks);
    const unlisten = client.on("event", (type, body) => {
      if (type !== "auth.keys.devices.changed.v1" || typeof body !== "object" || body === null) return;
      const user = (body as { userId?: unknown }).userId;
      if (typeof user === "number" && members.has(user)) void load(user);
    });
    return () => {
      stopped = true;
      unmarked();
      unlisten();
    };
  }, [client, load, me, others, ready]);

  return useMemo(() => {
    const status: Record<number, MemberStatus> = {};
    const all: TimelineNotice[] = [];
    for (const id of others) {
      const l = listed[id];
      status[id] = !l
        ? "loading"
        : l.kind === "error"
          ? "error"
          : l.kind === "hidden" || l.keys.length === 0
            ? "none"
            : statusOf(marks[id], l.keys);
      for (const n of notices[id] ?? []) all.push({ ...n, userId: id });
    }
    all.sort((a, b) => a.at - b.at);
    const changed = others.filter((id) => status[id] === "changed");
    const verified = others.filter((id) => status[id] === "verified").length;
    return { status, notices: all, changed, verified, total: others.length };
  }, [others, listed, notices, marks]);
}
