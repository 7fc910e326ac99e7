/**
 * The social data model: limits, friends, blocks, groups and their members and invitations, the
 * group-event outbox the chat service reads, and notices. The commands and events that carry them
 * are in social.ts, which re-exports everything here. Documented in docs/protocol/social.md.
 */
import { z } from "zod";
import { publicUserSchema } from "./auth.js";
import { avatarVersionSchema } from "./social-avatar.js";

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
  /** Display names, in characters after NFC normalization and trimming ("" clears it). */
  displayNameMax: 64,
  /** A profile's "about" line and a group's topic, in characters, same rules. */
  aboutMax: 200,
  topicMax: 200,
  /** Profiles read by one social.profiles.get. */
  profilesGetMax: 100,
} as const;

/** A row id: a positive 32-bit integer. */
export const idSchema = z
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1);
/** Unix milliseconds. */
export const timestampSchema = z.number().int().nonnegative();
const id = idSchema;
const timestamp = timestampSchema;

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
  /** What the group is about; "" when none. Set by whoever may rename the group. */
  topic: z.string().max(1024),
  /**
   * The group picture's version (social-avatar.ts; bytes: social.groups.avatar); null: none. Set
   * by whoever may rename the group.
   */
  avatar: avatarVersionSchema.nullable(),
});
export type GroupInfo = z.infer<typeof groupInfoSchema>;

/** A group in the viewer's list: the info and the viewer's role. */
export const myGroupSchema = groupInfoSchema.extend({ role: groupRoleSchema });
export type MyGroup = z.infer<typeof myGroupSchema>;

/**
 * What one user may see of another's profile. Only the user, their friends and the members of a
 * group they share (not disbanded), without a block in either direction, see `displayName`,
 * `about` and `avatar`; anyone else gets them all null (the username only).
 */
export const profileSchema = z.object({
  user: publicUserSchema,
  /** The name to show instead of the username; null: show the username. */
  displayName: z.string().max(256).nullable(),
  about: z.string().max(1024).nullable(),
  /** The profile picture's version (social-avatar.ts; bytes: social.profiles.avatar); null: none. */
  avatar: avatarVersionSchema.nullable(),
});
export type Profile = z.infer<typeof profileSchema>;

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
  /** The members' profiles the viewer may see that have something set (a display name or about). */
  profiles: z.array(profileSchema).max(SOCIAL_LIMITS.groupMembersMax),
});
export type GroupDetail = z.infer<typeof groupDetailSchema>;

export const groupRefSchema = z.object({ id, name: z.string().max(256) });

/** A pending invitation as its invitee sees it. */
export const invitationSchema = z.object({
  id,
  group: groupRefSchema.extend({
    memberCount: z.number().int().nonnegative(),
    /** The group picture's version when the invitation was listed or sent (the invitee may read it). */
    avatar: avatarVersionSchema.nullable(),
  }),
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
  /** The topic changed ("" when it was cleared). */
  "topic",
  /** The group picture was set or replaced (the new version is in the group's info). */
  "picture",
  /** The group picture was removed. */
  "pictureRemoved",
  "transferred",
  "disbanded",
] as const;
export const groupEventTypeSchema = z.enum(GROUP_EVENT_TYPES);
export type GroupEventType = z.infer<typeof groupEventTypeSchema>;

/**
 * `GroupEvent.data` (JSON), written with each change so a timeline can render it without lookups:
 * "alice invited bob", "alice renamed the group to X", "alice made bob an admin".
 * created: name. invited/uninvited/joined/declined/left/kicked: names. role: role (the new one).
 * renamed: name, previousName. topic: topic (the new one). picture, pictureRemoved: names only. transferred: target is the new owner (the actor becomes admin).
 * disbanded: name.
 */
export const groupEventDataSchema = z.object({
  actorName: z.string().max(128).optional(),
  targetName: z.string().max(128).optional(),
  name: z.string().max(256).optional(),
  previousName: z.string().max(256).optional(),
  role: groupRoleSchema.optional(),
  topic: z.string().max(1024).optional(),
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
  /** The new topic (topic). */
  topic: z.string().max(1024).optional(),
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
