/**
 * Friends, blocking, groups and presence: the commands answered by services/social, the events it
 * pushes to users and the group-event outbox the chat service reads (the gateways' presence reports
 * are in gateway-presence.ts). Documented in docs/protocol/social.md.
 *
 * Ids are positive integers; timestamps are Unix milliseconds. The actor of every command is the
 * signed-in user stamped by the gateway: no body carries "who I am".
 */
import { z } from "zod";
import { publicUserSchema, USERNAME_MAX } from "./auth.js";
import type { CommandSpec } from "./command-spec.js";
import { hasInvisible } from "./names.js";

/** Limits of the social contracts. Server-side caps that are configurable never exceed these. */
export const SOCIAL_LIMITS = {
  /** Group names, in characters (code points) after NFC normalization and trimming. */
  groupNameMin: 1,
  groupNameMax: 64,
  /** Most results of one search. */
  searchResultsMax: 20,
  /** Friends a user can invite while creating a group. */
  createInvitesMax: 50,
  /** Notices acknowledged by one command. */
  noticeAckMax: 100,
  /** Friends per user (enforced when a friendship would be created). */
  friendsMax: 1000,
  /** Users one user can block. */
  blocksMax: 1000,
  /** Pending outgoing friend requests per user. */
  outgoingRequestsMax: 100,
  /** Incoming requests listed in the overview (the newest). */
  incomingRequestsListed: 500,
  /** Pending invitations listed in the overview (the newest), and per group. */
  invitationsListed: 500,
  /** Active groups a user can belong to. */
  groupsPerUserMax: 500,
  /** Hard ceiling of the configurable group size cap (default 500). */
  groupMembersMax: 5000,
  /** Unacknowledged notices listed in the overview (the newest). */
  noticesListed: 200,
} as const;

const id = z
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1);
/** Unix milliseconds. */
const timestamp = z.number().int().nonnegative();

// ---------------------------------------------------------------------------------------------
// Shared shapes
// ---------------------------------------------------------------------------------------------

export const GROUP_ROLES = ["owner", "admin", "member"] as const;
export const groupRoleSchema = z.enum(GROUP_ROLES);
export type GroupRole = z.infer<typeof groupRoleSchema>;

/**
 * What one user may see of another's presence. A user hidden from the viewer by a block (either
 * direction) always appears as `{online: false, lastSeenAt: null}`.
 */
export const presenceSchema = z.object({
  online: z.boolean(),
  /** When the user's last connection went away; null while online, if never seen, or hidden. */
  lastSeenAt: timestamp.nullable(),
});
export type Presence = z.infer<typeof presenceSchema>;

export const friendSchema = z.object({
  user: publicUserSchema,
  /** When the friendship began. */
  since: timestamp,
  presence: presenceSchema,
});
export type Friend = z.infer<typeof friendSchema>;

export const friendRequestSchema = z.object({
  id,
  from: publicUserSchema,
  to: publicUserSchema,
  createdAt: timestamp,
});
export type FriendRequest = z.infer<typeof friendRequestSchema>;

export const blockSchema = z.object({ user: publicUserSchema, since: timestamp });
export type Block = z.infer<typeof blockSchema>;

/** A group as everyone in it sees it. `version` grows with every change. */
export const groupInfoSchema = z.object({
  id,
  name: z.string().max(256),
  ownerId: id,
  memberCount: z.number().int().nonnegative().max(SOCIAL_LIMITS.groupMembersMax),
  version: z.number().int().nonnegative(),
  createdAt: timestamp,
  /** Set once the owner disbanded the group: it is read-only from then on. */
  disbandedAt: timestamp.nullable(),
});
export type GroupInfo = z.infer<typeof groupInfoSchema>;

/** A group in the viewer's list: the info and the viewer's role. */
export const myGroupSchema = groupInfoSchema.extend({ role: groupRoleSchema });
export type MyGroup = z.infer<typeof myGroupSchema>;

export const groupMemberSchema = z.object({
  user: publicUserSchema,
  role: groupRoleSchema,
  joinedAt: timestamp,
  presence: presenceSchema,
});
export type GroupMember = z.infer<typeof groupMemberSchema>;

/** A pending invitation as the group's members see it. */
export const groupInviteSchema = z.object({
  id,
  invitee: publicUserSchema,
  inviter: publicUserSchema,
  createdAt: timestamp,
  expiresAt: timestamp,
});
export type GroupInvite = z.infer<typeof groupInviteSchema>;

/** Everything a member sees of a group. */
export const groupDetailSchema = z.object({
  group: groupInfoSchema,
  /** The viewer's role. */
  role: groupRoleSchema,
  members: z.array(groupMemberSchema).max(SOCIAL_LIMITS.groupMembersMax),
  invites: z.array(groupInviteSchema).max(SOCIAL_LIMITS.invitationsListed),
});
export type GroupDetail = z.infer<typeof groupDetailSchema>;

const groupRefSchema = z.object({ id, name: z.string().max(256) });

/** A pending invitation as its invitee sees it. */
export const invitationSchema = z.object({
  id,
  group: groupRefSchema.extend({ memberCount: z.number().int().nonnegative() }),
  inviter: publicUserSchema,
  createdAt: timestamp,
  expiresAt: timestamp,
});
export type Invitation = z.infer<typeof invitationSchema>;

// ---------------------------------------------------------------------------------------------
// Group events: the outbox the chat service reads, and what members are pushed
// ---------------------------------------------------------------------------------------------

export const GROUP_EVENT_TYPES = [
  "created",
  "invited",
  "joined",
  "declined",
  /** An owner, an admin or the inviter withdrew a pending invitation (target: the invitee). */
  "uninvited",
  "left",
  "kicked",
  "role",
  "renamed",
  "transferred",
  "disbanded",
] as const;
export const groupEventTypeSchema = z.enum(GROUP_EVENT_TYPES);
export type GroupEventType = z.infer<typeof groupEventTypeSchema>;

/**
 * `GroupEvent.data` (JSON), written with each change so a timeline can render it without lookups:
 * "alice invited bob", "alice renamed the group to X", "alice made bob an admin".
 * created: name. invited/uninvited/joined/declined/left/kicked: names. role: role (the new one).
 * renamed: name, previousName. transferred: target is the new owner (the actor becomes admin).
 * disbanded: name.
 */
export const groupEventDataSchema = z.object({
  actorName: z.string().max(128).optional(),
  targetName: z.string().max(128).optional(),
  name: z.string().max(256).optional(),
  previousName: z.string().max(256).optional(),
  role: groupRoleSchema.optional(),
});
export type GroupEventData = z.infer<typeof groupEventDataSchema>;

/** One group change as pushed to clients. */
export const groupEventViewSchema = z.object({
  id,
  groupId: id,
  type: groupEventTypeSchema,
  actor: publicUserSchema.nullable(),
  target: publicUserSchema.nullable(),
  /** The new name (created, renamed, disbanded). */
  name: z.string().max(256).optional(),
  previousName: z.string().max(256).optional(),
  /** The target's new role (role, joined). */
  role: groupRoleSchema.optional(),
  createdAt: timestamp,
});
export type GroupEventView = z.infer<typeof groupEventViewSchema>;

/** `evt.social.group`: a doorbell, published after a GroupEvent row commits. Read the rows, not this. */
export const groupDoorbellSchema = z.object({ groupId: id, eventId: id });
export type GroupDoorbell = z.infer<typeof groupDoorbellSchema>;

// ---------------------------------------------------------------------------------------------
// Notices: outcomes a user must learn even if offline when they happened
// ---------------------------------------------------------------------------------------------

export const NOTICE_TYPES = [
  "friendRequest.accepted",
  "friendRequest.declined",
  "group.kicked",
  "group.disbanded",
] as const;
export type NoticeType = (typeof NOTICE_TYPES)[number];

export const noticeDataSchemas = {
  /** `user` accepted the recipient's friend request. */
  "friendRequest.accepted": z.object({ user: publicUserSchema }),
  /** `user` declined the recipient's friend request. */
  "friendRequest.declined": z.object({ user: publicUserSchema }),
  /** `by` removed the recipient from `group`. */
  "group.kicked": z.object({ group: groupRefSchema, by: publicUserSchema }),
  /** `by` (the owner) disbanded `group`. */
  "group.disbanded": z.object({ group: groupRefSchema, by: publicUserSchema }),
} as const satisfies Record<NoticeType, z.ZodType>;
export type NoticeData<T extends NoticeType> = z.infer<(typeof noticeDataSchemas)[T]>;

const noticeOf = <T extends NoticeType>(type: T) =>
  z.object({ id, type: z.literal(type), data: noticeDataSchemas[type], createdAt: timestamp });

export const noticeSchema = z.discriminatedUnion("type", [
  noticeOf("friendRequest.accepted"),
  noticeOf("friendRequest.declined"),
  noticeOf("group.kicked"),
  noticeOf("group.disbanded"),
]);
export type Notice = z.infer<typeof noticeSchema>;

// ---------------------------------------------------------------------------------------------
// Group names
// ---------------------------------------------------------------------------------------------

/** Control characters and the bidi embedding/override/isolate marks that can disguise a name. */
const FORBIDDEN_IN_NAMES = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]/u;

export type GroupNameCheck = { ok: true; name: string } | { ok: false };

/**
 * NFC-normalizes and trims a group name; 1-64 characters, no control or bidi-control characters, no
 * invisible ones (zero-width spaces, word joiner, BOM, Hangul fillers, stray variation selectors:
 * names.ts) except what emoji need.
 */
export function checkGroupName(raw: string): GroupNameCheck {
  const name = raw.normalize("NFC").trim();
  const length = [...name].length;
  if (length < SOCIAL_LIMITS.groupNameMin || length > SOCIAL_LIMITS.groupNameMax) return { ok: false };
  if (FORBIDDEN_IN_NAMES.test(name) || hasInvisible(name)) return { ok: false };
  return { ok: true, name };
}

// ---------------------------------------------------------------------------------------------
// Command bodies and values
// ---------------------------------------------------------------------------------------------

const empty = z.strictObject({});
const groupNameField = z.string().max(SOCIAL_LIMITS.groupNameMax * 8);

export const searchUsersBody = z.strictObject({
  /** A username prefix, matched case-insensitively (NFKC, like usernames). */
  prefix: z
    .string()
    .min(1)
    .max(USERNAME_MAX * 4),
  limit: z.number().int().min(1).max(SOCIAL_LIMITS.searchResultsMax).default(10),
});

export const overviewSchema = z.object({
  friends: z.array(friendSchema).max(SOCIAL_LIMITS.friendsMax),
  incoming: z.array(friendRequestSchema).max(SOCIAL_LIMITS.incomingRequestsListed),
  outgoing: z.array(friendRequestSchema).max(SOCIAL_LIMITS.outgoingRequestsMax),
  blocked: z.array(blockSchema).max(SOCIAL_LIMITS.blocksMax),
  invitations: z.array(invitationSchema).max(SOCIAL_LIMITS.invitationsListed),
  /** Active groups only; a disbanded group stays readable through groups.get and its history. */
  groups: z.array(myGroupSchema).max(SOCIAL_LIMITS.groupsPerUserMax),
  notices: z.array(noticeSchema).max(SOCIAL_LIMITS.noticesListed),
});
export type Overview = z.infer<typeof overviewSchema>;

const userTarget = z.strictObject({ userId: id });
const requestTarget = z.strictObject({ requestId: id });
const groupTarget = z.strictObject({ groupId: id });
const memberTarget = z.strictObject({ groupId: id, userId: id });
const invitationTarget = z.strictObject({ invitationId: id });
const groupResult = z.object({ group: groupInfoSchema });

export const friendRequestResultSchema = z.discriminatedUnion("status", [
  /** The request is pending. */
  z.object({ status: z.literal("pending"), request: friendRequestSchema }),
  /** The other user had already asked: the requests merged into a friendship. */
  z.object({ status: z.literal("friends"), friend: friendSchema }),
]);

/** Commands answered by services/social. Every one needs a signed-in connection. */
export const SOCIAL_COMMANDS = {
  /** Users whose name starts with `prefix`, without the caller and without users who blocked them. */
  "social.users.search": {
    service: "social",
    access: "user",
    body: searchUsersBody,
    value: z.object({ users: z.array(publicUserSchema).max(SOCIAL_LIMITS.searchResultsMax) }),
  },
  /** Everything a client needs after sign-in. */
  "social.overview": { service: "social", access: "user", body: empty, value: overviewSchema },

  /** Ask a user to be friends (merges with their pending request to the caller, if any). */
  "social.friends.request": {
    service: "social",
    access: "user",
    body: userTarget,
    value: friendRequestResultSchema,
  },
  /** Withdraw one's own pending request. */
  "social.friends.cancel": { service: "social", access: "user", body: requestTarget, value: empty },
  /** Accept a request addressed to the caller. */
  "social.friends.accept": {
    service: "social",
    access: "user",
    body: requestTarget,
    value: z.object({ friend: friendSchema }),
  },
  /** Decline a request addressed to the caller. */
  "social.friends.decline": { service: "social", access: "user", body: requestTarget, value: empty },
  /** End a friendship (either side). */
  "social.friends.remove": { service: "social", access: "user", body: userTarget, value: empty },

  /** Block a user: ends the friendship, pending requests and invitations between the two. */
  "social.blocks.add": {
    service: "social",
    access: "user",
    body: userTarget,
    value: z.object({ block: blockSchema }),
  },
  "social.blocks.remove": { service: "social", access: "user", body: userTarget, value: empty },

  /** Create a group (the caller is owner) and invite some of the caller's friends. */
  "social.groups.create": {
    service: "social",
    access: "user",
    body: z.strictObject({
      name: groupNameField,
      invite: z.array(id).max(SOCIAL_LIMITS.createInvitesMax).default([]),
    }),
    value: groupDetailSchema,
  },
  /** Info, members and pending invitations; current members only (and members of a disbanded group). */
  "social.groups.get": { service: "social", access: "user", body: groupTarget, value: groupDetailSchema },
  /** Invite a user: owners and admins anyone, members their own friends. */
  "social.groups.invite": {
    service: "social",
    access: "user",
    body: memberTarget,
    value: z.object({ invitation: groupInviteSchema }),
  },
  /** Accept an invitation addressed to the caller and join the group. */
  "social.groups.acceptInvite": {
    service: "social",
    access: "user",
    body: invitationTarget,
    value: groupDetailSchema,
  },
  /** Decline (and so consume) an invitation addressed to the caller. */
  "social.groups.declineInvite": { service: "social", access: "user", body: invitationTarget, value: empty },
  /** Withdraw a pending invitation: its inviter, the owner or an admin. */
  "social.groups.withdrawInvite": { service: "social", access: "user", body: invitationTarget, value: empty },
  /** Leave a group (not as its owner). */
  "social.groups.leave": { service: "social", access: "user", body: groupTarget, value: empty },
  /** Remove a member: the owner anyone but themself, admins plain members. */
  "social.groups.kick": { service: "social", access: "user", body: memberTarget, value: groupResult },
  /** Owner only: make a member an admin, or an admin a member. */
  "social.groups.setRole": {
    service: "social",
    access: "user",
    body: z.strictObject({ groupId: id, userId: id, role: z.enum(["admin", "member"]) }),
    value: groupResult,
  },
  /** Owner only: make another member the owner; the previous owner becomes an admin. */
  "social.groups.transfer": { service: "social", access: "user", body: memberTarget, value: groupResult },
  /** Owner only. */
  "social.groups.rename": {
    service: "social",
    access: "user",
    body: z.strictObject({ groupId: id, name: groupNameField }),
    value: groupResult,
  },
  /** Owner only: ends the group for everyone; its history stays readable to its members. */
  "social.groups.disband": { service: "social", access: "user", body: groupTarget, value: groupResult },

  /** Acknowledge (delete) some of the caller's notices; ids that are not theirs are ignored. */
  "social.notices.ack": {
    service: "social",
    access: "user",
    body: z.strictObject({ ids: z.array(id).min(1).max(SOCIAL_LIMITS.noticeAckMax) }),
    value: z.object({ acknowledged: z.number().int().nonnegative() }),
  },
} as const satisfies Record<string, CommandSpec>;

// ---------------------------------------------------------------------------------------------
// Events pushed to users (`evt.user.<id>`, forwarded by the gateways as `{t:"event", type, body}`)
// ---------------------------------------------------------------------------------------------

/** Why a pending friend request went away. `withdrawn`: removed by a block. */
export const requestRemovedReasonSchema = z.enum(["cancelled", "declined", "accepted", "withdrawn"]);
/** Why a pending invitation went away. `withdrawn`: group disbanded, a block, or it expired. */
export const invitationRemovedReasonSchema = z.enum(["accepted", "declined", "withdrawn"]);

export const SOCIAL_EVENTS = {
  /** To the addressee: a new friend request. */
  "social.friendRequest.received.v1": z.object({ request: friendRequestSchema }),
  /** To the requester (all devices): their request is pending. */
  "social.friendRequest.sent.v1": z.object({ request: friendRequestSchema }),
  /** To both sides: a pending request is gone. */
  "social.friendRequest.removed.v1": z.object({ requestId: id, reason: requestRemovedReasonSchema }),
  /** To both sides: a new friend (with their presence). */
  "social.friend.added.v1": z.object({ friend: friendSchema }),
  /** To both sides: a friendship ended (unfriended, or a block; which one is not said). */
  "social.friend.removed.v1": z.object({ userId: id }),
  /** To the blocker only (all devices). The blocked user is never told. */
  "social.block.added.v1": z.object({ block: blockSchema }),
  "social.block.removed.v1": z.object({ userId: id }),
  /** To every current member and the affected user: a group change, with the group's new state. */
  "social.group.updated.v1": z.object({ group: groupInfoSchema, event: groupEventViewSchema }),
  /** To a user who is no longer in a group (left on another device, kicked, or disbanded). */
  "social.group.removed.v1": z.object({
    group: groupRefSchema,
    reason: z.enum(["left", "kicked", "disbanded"]),
    /** kicked: who removed them (so the conversation can say it at once). */
    by: publicUserSchema.optional(),
  }),
  /** To the invitee: a new group invitation. */
  "social.invitation.received.v1": z.object({ invitation: invitationSchema }),
  /** To the invitee (all devices): an invitation is gone. */
  "social.invitation.removed.v1": z.object({ invitationId: id, reason: invitationRemovedReasonSchema }),
  /** A notice was stored for the recipient; acknowledge it with social.notices.ack. */
  "social.notice.created.v1": z.object({ notice: noticeSchema }),
  /**
   * To the user's friends and fellow group members, never across a block. Coalesced (only the
   * latest state of a burst is sent) and droppable for slow readers; social.overview is the truth.
   */
  "presence.changed.v1": z.object({ userId: id, online: z.boolean(), lastSeenAt: timestamp.nullable() }),
} as const;

export type SocialEventType = keyof typeof SOCIAL_EVENTS;
export type SocialEventBody<T extends SocialEventType> = z.infer<(typeof SOCIAL_EVENTS)[T]>;

export function isSocialEventType(type: string): type is SocialEventType {
  return Object.hasOwn(SOCIAL_EVENTS, type);
}
