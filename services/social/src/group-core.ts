/**
 * What every group mutation shares: loading the group and the actor's membership inside the write
 * transaction, recording the change (version bump, GroupEvent row, pushes, doorbell) and the views.
 */
import { Prisma } from "@sealroom/db";
import type { PublicUser } from "@sealroom/proto/auth";
import { AppError } from "@sealroom/proto/errors";
import {
  SOCIAL_LIMITS,
  type GroupDetail,
  type GroupEventData,
  type GroupEventType,
  type GroupEventView,
  type GroupInfo,
  type GroupInvite,
  type GroupRole,
} from "@sealroom/proto/social";
import { isGroupRole } from "./group-rules.js";
import type { Outbox } from "./outbox.js";
import { hasContent, profilesFor } from "./profiles.js";
import { lockGroupEvents, type Tx } from "./store.js";
import { chunks, known, presenceFor, usersById, type UserRow } from "./views.js";

export interface GroupRow {
  id: number;
  name: string;
  ownerId: number;
  createdAt: Date;
  disbandedAt: Date | null;
  version: number;
  topic: string;
  avatar: string | null;
}

export const groupNotFound = () => new AppError("NOT_FOUND", "No such group.");
export const nameInvalid = () =>
  new AppError(
    "BAD_REQUEST",
    `Group names are ${SOCIAL_LIMITS.groupNameMin}-${SOCIAL_LIMITS.groupNameMax} characters, without control characters.`,
  );

const ROLE_ORDER: Record<GroupRole, number> = { owner: 0, admin: 1, member: 2 };

export function roleOf(value: string): GroupRole {
  if (!isGroupRole(value)) throw new Error(`corrupt role "${value}"`);
  return value;
}

export async function memberRole(tx: Tx, groupId: number, userId: number): Promise<GroupRole | undefined> {
  const row = await tx.groupMember.findUnique({ where: { groupId_userId: { groupId, userId } } });
  return row ? roleOf(row.role) : undefined;
}

export async function memberIds(tx: Tx, groupId: number): Promise<number[]> {
  const rows = await tx.groupMember.findMany({ where: { groupId }, select: { userId: true } });
  return rows.map((r) => r.userId);
}

export function infoOf(group: GroupRow, memberCount: number): GroupInfo {
  return {
    id: group.id,
    name: group.name,
    ownerId: group.ownerId,
    memberCount,
    version: group.version,
    createdAt: group.createdAt.getTime(),
    disbandedAt: group.disbandedAt?.getTime() ?? null,
    topic: group.topic,
    avatar: group.avatar,
  };
}

/**
 * The group and the actor's role, for a mutation. Not a member (or no such group): NOT_FOUND, the
 * same answer either way. A disbanded group takes no more changes: CONFLICT.
 */
export async function forMutation(
  tx: Tx,
  groupId: number,
  actorId: number,
): Promise<{ group: GroupRow; role: GroupRole }> {
  const role = await memberRole(tx, groupId, actorId);
  const group = role && (await tx.group.findUnique({ where: { id: groupId } }));
  if (!role || !group) throw groupNotFound();
  if (group.disbandedAt) throw new AppError("CONFLICT", "This group has been disbanded.");
  return { group, role };
}

/** The group conversation's last seq (0 before its first entry): a joiner reads history after it. */
export async function conversationSeq(tx: Tx, groupId: number): Promise<number> {
  const conv = await tx.conversation.findUnique({ where: { key: `group:${groupId}` }, select: { lastSeq: true } });
  return conv?.lastSeq ?? 0;
}

/**
 * Removes a member and records the departure: the former member keeps reading the history of
 * their span (joinedSeq, leftSeq], under the name the group had then; a kick also decides who may
 * invite them back (group-rules: mayReinvite).
 */
export async function removeMember(
  tx: Tx,
  group: GroupRow,
  userId: number,
  departure: { reason: "left" | "kicked"; byId: number | null },
  now: Date,
): Promise<void> {
  const row = await tx.groupMember.delete({ where: { groupId_userId: { groupId: group.id, userId } } });
  const data = {
    reason: departure.reason,
    byId: departure.byId,
    groupName: group.name,
    joinedSeq: row.joinedSeq,
    // Every message committed after this transaction gets a higher seq: none of it is theirs to read.
    leftSeq: await conversationSeq(tx, group.id),
    removedAt: now,
  };
  await tx.formerMember.upsert({
    where: { groupId_userId: { groupId: group.id, userId } },
    create: { groupId: group.id, userId, ...data },
    update: data,
  });
}

/** Whether `userId` was last removed from the group by a kick (not by leaving). */
export async function wasKicked(tx: Tx, groupId: number, userId: number): Promise<boolean> {
  const row = await tx.formerMember.findUnique({
    where: { groupId_userId: { groupId, userId } },
    select: { reason: true },
  });
  return row?.reason === "kicked";
}

/**
 * Whether the owner or an admin of the group has blocked `userId`: such a user cannot join, by
 * anyone's invitation (nobody is made to share a group with someone they blocked and manage).
 */
export async function blockedByManager(tx: Tx, groupId: number, userId: number): Promise<boolean> {
  const managers = await tx.groupMember.findMany({
    where: { groupId, role: { in: ["owner", "admin"] } },
    select: { userId: true },
  });
  if (managers.length === 0) return false;
  const block = await tx.block.findFirst({
    where: { blockedId: userId, blockerId: { in: managers.map((m) => m.userId) } },
  });
  return block !== null;
}

/** Active (not disbanded) groups the user belongs to. */
export async function activeGroupCount(tx: Tx, userId: number): Promise<number> {
  const rows = await tx.$queryRaw<Array<{ n: bigint | number }>>(Prisma.sql`
    SELECT COUNT(*) AS n FROM "GroupMember" m JOIN "Group" g ON g."id" = m."groupId"
    WHERE m."userId" = ${userId} AND g."disbandedAt" IS NULL`);
  return Number(rows[0]?.n ?? 0);
}

export interface Change {
  type: GroupEventType;
  actor: PublicUser | null;
  /** The user the change is about (joined, left, kicked, invited, declined, role, transferred). */
  target: PublicUser | null;
  name?: string;
  previousName?: string;
  role?: GroupRole;
  topic?: string;
  /** Column changes applied with the version bump. */
  update?: Prisma.GroupUpdateInput;
  /** Users told besides the current members: the one who left or was kicked. */
  notify?: number[];
}

export interface Recorded {
  info: GroupInfo;
  event: GroupEventView;
}

/**
 * Applies a change to the group row (version + 1), appends its GroupEvent in the same transaction,
 * and queues the push to every current member (and `notify`) and the chat service's doorbell.
 */
export async function recordChange(tx: Tx, out: Outbox, groupId: number, change: Change, now: Date): Promise<Recorded> {
  const [recorded] = await applyChanges(tx, out, groupId, change.update, [change], now);
  if (!recorded) throw new Error("recordChange: nothing recorded");
  return recorded;
}

/**
 * Several changes that alter neither a column nor the members (a create's "created" and its
 * invitations), recorded exactly as one recordChange each after the other would (each its own
 * version, GroupEvent row, pushes and doorbell, in order) but in a handful of statements: the
 * write lock is held for far less time (issue #19). `andThen` runs right after each change's pushes are queued, so pushes the caller
 * adds for that change keep their place in the outbox.
 */
export async function recordChanges<C extends Omit<Change, "update">>(
  tx: Tx,
  out: Outbox,
  groupId: number,
  changes: readonly C[],
  now: Date,
  andThen?: (recorded: Recorded, change: C) => void,
): Promise<Recorded[]> {
  return applyChanges(tx, out, groupId, undefined, changes, now, andThen);
}

/** What a change says beyond its actor and target, as a GroupEventView carries it. */
function details(change: Change): Pick<GroupEventView, "name" | "previousName" | "role" | "topic"> {
  return {
    ...(change.name === undefined ? {} : { name: change.name }),
    ...(change.previousName === undefined ? {} : { previousName: change.previousName }),
    ...(change.role === undefined ? {} : { role: change.role }),
    ...(change.topic === undefined ? {} : { topic: change.topic }),
  };
}

/** A GroupEvent row's data: the names as they were then, and the details. */
function storedData(change: Change): GroupEventData {
  return {
    ...(change.actor ? { actorName: change.actor.username } : {}),
    ...(change.target ? { targetName: change.target.username } : {}),
    ...details(change),
  };
}

async function applyChanges<C extends Change>(
  tx: Tx,
  out: Outbox,
  groupId: number,
  update: Prisma.GroupUpdateInput | undefined,
  changes: readonly C[],
  now: Date,
  andThen?: (recorded: Recorded, change: C) => void,
): Promise<Recorded[]> {
  if (changes.length === 0) return [];
  const group = await tx.group.update({
    where: { id: groupId },
    data: { ...update, version: { increment: changes.length } },
  });
  // Nothing in the batch adds or removes a member, so every change sees the same members.
  const members = await memberIds(tx, groupId);
  // PostgreSQL: GroupEvent ids must commit in id order (chat reads them after a cursor): store.ts.
  await lockGroupEvents(tx);
  const ids = await insertGroupEvents(tx, groupId, changes, now);
  const firstVersion = group.version - changes.length + 1;
  return changes.map((change, index) => {
    const info = infoOf({ ...group, version: firstVersion + index }, members.length);
    const event: GroupEventView = {
      id: ids[index] ?? 0,
      groupId,
      type: change.type,
      actor: change.actor,
      target: change.target,
      ...details(change),
      createdAt: now.getTime(),
    };
    out.toUsers([...members, ...(change.notify ?? [])], "social.group.updated.v1", { group: info, event });
    out.groupDoorbell(groupId, event.id);
    const recorded = { info, event };
    andThen?.(recorded, change);
    return recorded;
  });
}

/**
 * The changes' GroupEvent rows, their ids in the changes' order. Hand-written multi-row INSERTs:
 * Prisma's createManyAndReturn compiles a plan the size of its data, ~6 ms for 50 rows while the
 * write lock is held (issue #19). Both engines number a statement's rows in the order given
 * (SQLite's rowids, PostgreSQL's nextval per VALUES row), so the ids, sorted, are the changes' order;
 * dates bind as Prisma's own writes store them (groups.test.ts checks both, on both engines).
 */
async function insertGroupEvents(tx: Tx, groupId: number, changes: readonly Change[], now: Date): Promise<number[]> {
  const ids: number[] = [];
  for (const part of chunks(changes)) {
    const values = part.map(
      (c) =>
        Prisma.sql`(${groupId}, ${c.type}, ${c.actor?.id ?? null}, ${c.target?.id ?? null}, ${JSON.stringify(storedData(c))}, ${now})`,
    );
    const rows = await tx.$queryRaw<Array<{ id: number | bigint }>>(Prisma.sql`
      INSERT INTO "GroupEvent" ("groupId", "type", "actorId", "targetId", "data", "createdAt")
      VALUES ${Prisma.join(values)} RETURNING "id"`);
    ids.push(...rows.map((r) => Number(r.id)).sort((a, b) => a - b));
  }
  if (ids.length !== changes.length) throw new Error(`recorded ${ids.length} of ${changes.length} group events`);
  return ids;
}

/** Pending, unexpired invitations of a group, newest first. */
export async function pendingInvites(tx: Tx, groupId: number, now: Date) {
  return tx.groupInvite.findMany({
    where: { groupId, expiresAt: { gt: now } },
    orderBy: { id: "desc" },
    take: SOCIAL_LIMITS.invitationsListed,
  });
}

export function inviteView(
  row: { id: number; createdAt: Date; expiresAt: Date },
  invitee: PublicUser,
  inviter: PublicUser,
): GroupInvite {
  return { id: row.id, invitee, inviter, createdAt: row.createdAt.getTime(), expiresAt: row.expiresAt.getTime() };
}

/** Everything `viewerId` (a member) sees of the group. */
export async function groupDetail(
  tx: Tx,
  group: GroupRow,
  viewerId: number,
  viewerRole: GroupRole,
  now: Date,
): Promise<GroupDetail> {
  const rows = await tx.groupMember.findMany({ where: { groupId: group.id } });
  const invites = await pendingInvites(tx, group.id, now);
  const users = await usersById(tx, [
    ...rows.map((r) => r.userId),
    ...invites.flatMap((i) => [i.inviteeId, i.inviterId]),
  ]);
  const memberUsers = new Map(rows.flatMap((r) => (users.has(r.userId) ? [[r.userId, users.get(r.userId)!]] : [])));
  return detailOf(tx, group, viewerId, viewerRole, now, {
    rows,
    memberUsers,
    invites: invites.map((i) => inviteView(i, known(users, i.inviteeId), known(users, i.inviterId))),
  });
}

export interface DetailParts {
  rows: Array<{ userId: number; role: string; joinedAt: Date }>;
  /** The users of `rows` (one missing is shown by id only). */
  memberUsers: Map<number, UserRow>;
  /** Pending invitations, newest first, at most SOCIAL_LIMITS.invitationsListed. */
  invites: GroupInvite[];
}

/**
 * groupDetail from rows the caller already has (a create knows its one member and its
 * invitations: reading them again would only hold the write lock longer, issue #19).
 */
export async function detailOf(
  tx: Tx,
  group: GroupRow,
  viewerId: number,
  viewerRole: GroupRole,
  now: Date,
  { rows, memberUsers, invites }: DetailParts,
): Promise<GroupDetail> {
  const presence = await presenceFor(tx, viewerId, memberUsers, now);
  const members = rows
    .map((r) => ({
      user: known(memberUsers, r.userId),
      role: roleOf(r.role),
      joinedAt: r.joinedAt.getTime(),
      presence: presence.get(r.userId) ?? { online: false, lastSeenAt: null },
    }))
    .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.joinedAt - b.joinedAt || a.user.id - b.user.id);
  return {
    group: infoOf(group, rows.length),
    role: viewerRole,
    members,
    invites,
    profiles: (await profilesFor(tx, viewerId, [...memberUsers.keys()])).filter(hasContent),
  };
}
