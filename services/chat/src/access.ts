/**
 * Who may do what in a conversation, decided from the database on every call (inside the write
 * transaction for writes), never from a cache or the client.
 *
 * Read (history, sync, receipts, read pointer): a DM's two participants, always (also after an
 * unfriending or a block: it is their own history); a group's current members (GroupMember row,
 * kept after a disband, deleted on leave or kick), from the entry after their join (joinedSeq);
 * a former member (social's FormerMember row) the span they were there for, (joinedSeq, leftSeq],
 * under the name the group had then: what they saw stays theirs, nothing later reaches them.
 * Post (send, edit, typing): DM: both users exist, are friends, and neither blocked the other;
 * group: a current member of a group that is not disbanded. Delete: read access, and for a group,
 * not disbanded.
 * A conversation the caller may not read is NOT_FOUND, whether it exists or not.
 *
 * A write (`lock`) reads the conversation row FIRST, locked (PostgreSQL `FOR UPDATE`), and checks
 * permissions after: a kick or block committed before its timeline entry is appended is seen by
 * every send that appends after that entry, whichever host runs it.
 */
import { parseConversationId } from "@sealroom/proto/chat";
import { AppError } from "@sealroom/proto/errors";
import type { ConvRow, FormerRow, Queries, UserRow } from "./queries.js";

export type Access =
  | {
      kind: "dm";
      key: string;
      userId: number;
      peerId: number;
      /** Both participants, in id order. */
      members: [number, number];
      visibleFrom: 0;
      conv: ConvRow | undefined;
    }
  | {
      kind: "group";
      key: string;
      userId: number;
      groupId: number;
      groupName: string;
      disbanded: boolean;
      /** Entries with seq > visibleFrom are readable (the member's joinedSeq). */
      visibleFrom: number;
      /** Set for a former member: entries after `leftSeq` are not theirs to read, and they post nothing. */
      former: Former | null;
      conv: ConvRow | undefined;
    };

export interface Former {
  leftSeq: number;
  reason: "left" | "kicked";
  byId: number | null;
  removedMs: number;
}

export type Intent = "read" | "post" | "delete";

export const notFound = () => new AppError("NOT_FOUND", "No such conversation.");
const notFriends = () => new AppError("FORBIDDEN", "You can only message your friends.");
const readOnly = () => new AppError("FORBIDDEN", "This group has been disbanded: it is read-only.");
const noLongerMember = () => new AppError("FORBIDDEN", "You are no longer a member of this group.");

export function formerOf(row: FormerRow): Former {
  return {
    leftSeq: row.leftSeq,
    reason: row.reason === "kicked" ? "kicked" : "left",
    byId: row.byId,
    // DateTime columns come back as Unix ms on both engines (@sealroom/db/sql).
    removedMs: Number.isFinite(row.removedAt) ? row.removedAt : 0,
  };
}

/** The last seq `access` may read: the conversation's, or for a former member the one they left at. */
export function visibleEnd(access: Access, lastSeq: number): number {
  return access.kind === "group" && access.former ? Math.min(lastSeq, access.former.leftSeq) : lastSeq;
}

export interface AccessOptions {
  /** Inside a write: read the conversation first, locked until the transaction ends. */
  lock?: boolean;
}

export async function resolveAccess(
  q: Queries,
  userId: number,
  key: string,
  intent: Intent,
  { lock = false }: AccessOptions = {},
): Promise<Access> {
  const ref = parseConversationId(key);
  if (!ref) throw new AppError("BAD_REQUEST", "Not a conversation id.");
  if (ref.kind === "dm" && userId !== ref.low && userId !== ref.high) throw notFound();
  const locked = lock ? await q.convForUpdate.get(key) : undefined;
  const conv = async () => (lock ? locked : await q.convByKey.get(key));
  if (ref.kind === "dm") {
    const peerId = userId === ref.low ? ref.high : ref.low;
    if (intent === "post" && !(await mayMessage(q, ref.low, ref.high))) throw notFriends();
    return {
      kind: "dm",
      key,
      userId,
      peerId,
      members: [ref.low, ref.high],
      visibleFrom: 0,
      conv: await conv(),
    };
  }
  const member = await q.groupMember.get(ref.groupId, userId);
  const group = member && (await q.group.get(ref.groupId));
  if (!member || !group) {
    const former = await q.formerMember.get(ref.groupId, userId);
    if (!former) throw notFound();
    if (intent !== "read") throw noLongerMember();
    // What became of the group after they went (renamed, disbanded) is not theirs to learn.
    return {
      kind: "group",
      key,
      userId,
      groupId: ref.groupId,
      groupName: former.groupName,
      disbanded: false,
      visibleFrom: former.joinedSeq,
      former: formerOf(former),
      conv: await conv(),
    };
  }
  const disbanded = group.disbandedAt !== null;
  if (disbanded && intent !== "read") throw readOnly();
  return {
    kind: "group",
    key,
    userId,
    groupId: ref.groupId,
    groupName: group.name,
    disbanded,
    visibleFrom: member.joinedSeq,
    former: null,
    conv: await conv(),
  };
}

/** Both users exist, are friends, and neither blocked the other (low < high). */
export async function mayMessage(q: Queries, low: number, high: number): Promise<boolean> {
  return (await q.mayMessage.get(low, high, low, high, high, low, low, high))?.ok === 1;
}

export async function blockedEitherWay(q: Queries, a: number, b: number): Promise<boolean> {
  return (await q.blockedEitherWay.get(a, b, b, a)) !== undefined;
}

/**
 * The users on either side of a block with `userId`: in a shared group they get none of each
 * other's read pointers, read or typing events (messages stay: they belong to the group).
 */
export async function hiddenFrom(q: Queries, userId: number): Promise<Set<number>> {
  return new Set((await q.blockedWith.all(userId, userId)).map((r) => r.userId));
}

/** Who receives live entries of the conversation now: DM both; group its current members. */
export async function recipients(q: Queries, access: Access): Promise<number[]> {
  if (access.kind === "dm") return access.members;
  return (await q.groupMemberIds.all(access.groupId)).map((r) => r.userId);
}

export async function userOrPlaceholder(q: Queries, id: number): Promise<UserRow> {
  return (await q.user.get(id)) ?? { id, username: `user-${id}` };
}
