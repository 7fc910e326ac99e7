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
import {
  SOCIAL_LIMITS,
  blockSchema,
  friendRequestSchema,
  friendSchema,
  groupDetailSchema,
  groupEventViewSchema,
  groupInviteSchema,
  groupRefSchema,
  groupInfoSchema,
  idSchema as id,
  invitationSchema,
  myGroupSchema,
  noticeSchema,
  profileSchema,
  timestampSchema as timestamp,
} from "./social-model.js";
import { avatarImageSchema, groupAvatarImageSchema, setAvatarBody } from "./social-avatar.js";

export * from "./social-model.js";
export * from "./social-avatar.js";

// ---------------------------------------------------------------------------------------------
// Group names
// ---------------------------------------------------------------------------------------------

/** Control characters and the bidi embedding/override/isolate marks that can disguise a name. */
export const FORBIDDEN_IN_NAMES = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]/u;

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

export type ProfileTextCheck = { ok: true; text: string } | { ok: false };

/**
 * A display name, an "about" line or a group topic: NFC-normalized and trimmed, at most `max`
 * characters (code points), no control, bidi-control or invisible characters (as group names).
 * "" is allowed: it clears the field (a display name then falls back to the username).
 */
export function checkProfileText(raw: string, max: number): ProfileTextCheck {
  const text = raw.normalize("NFC").trim();
  if ([...text].length > max) return { ok: false };
  if (FORBIDDEN_IN_NAMES.test(text) || hasInvisible(text)) return { ok: false };
  return { ok: true, text };
}

// ---------------------------------------------------------------------------------------------
// Command bodies and values
// ---------------------------------------------------------------------------------------------

const empty = z.strictObject({});
const groupNameField = z.string().max(SOCIAL_LIMITS.groupNameMax * 8);
/** Transport bounds only; the service checks the rules (checkProfileText) and answers BAD_REQUEST. */
const displayNameField = z.string().max(SOCIAL_LIMITS.displayNameMax * 8);
const aboutField = z.string().max(SOCIAL_LIMITS.aboutMax * 8);
const topicField = z.string().max(SOCIAL_LIMITS.topicMax * 8);

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
  /** The caller's own profile, always (the Settings form starts from it). */
  me: profileSchema,
  /** The friends' profiles that have something set (a display name or about). */
  profiles: z.array(profileSchema).max(SOCIAL_LIMITS.friendsMax),
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

  /** Owner only (whoever may rename the group); the same topic again changes nothing and succeeds. */
  "social.groups.setTopic": {
    service: "social",
    access: "user",
    body: z.strictObject({ groupId: id, topic: topicField }),
    value: groupResult,
  },
  /**
   * Set (or with `image: null` remove) the group's picture: owner only (whoever may rename the
   * group: FORBIDDEN otherwise), checked as social.profile.setAvatar (BAD_REQUEST, PAYLOAD_TOO_LARGE);
   * NOT_FOUND for a non-member, CONFLICT once disbanded. Recorded as a "picture" or "pictureRemoved"
   * group change (social.group.updated.v1 to the members); the same picture again changes nothing.
   */
  "social.groups.setAvatar": {
    service: "social",
    access: "user",
    body: setAvatarBody.extend({ groupId: id }),
    value: groupResult,
  },
  /**
   * The group's picture, to its members (also once disbanded) and pending invitees; NOT_FOUND for
   * anyone else and when there is none. Costs a picture read, like social.profiles.avatar.
   */
  "social.groups.avatar": {
    service: "social",
    access: "user",
    body: groupTarget,
    value: z.object({ avatar: groupAvatarImageSchema }),
  },

  /**
   * Change the caller's display name and/or about line; an omitted field stays, "" clears it.
   * Friends and fellow group members are told (social.profile.updated.v1).
   */
  "social.profile.update": {
    service: "social",
    access: "user",
    body: z.strictObject({ displayName: displayNameField.optional(), about: aboutField.optional() }),
    value: z.object({ profile: profileSchema }),
  },
  /**
   * Profiles by user id, as the caller may see them: full for themself, friends and fellow members
   * of a group (not across a block, in either direction); username only for anyone else. Unknown
   * ids are left out.
   */
  "social.profiles.get": {
    service: "social",
    access: "user",
    body: z.strictObject({ userIds: z.array(id).min(1).max(SOCIAL_LIMITS.profilesGetMax) }),
    value: z.object({ profiles: z.array(profileSchema).max(SOCIAL_LIMITS.profilesGetMax) }),
  },
  /**
   * Set (or with `image: null` remove) the caller's profile picture: PNG, JPEG, WebP or GIF by its
   * magic bytes (BAD_REQUEST otherwise), at most AVATAR_LIMITS.bytesMax bytes (PAYLOAD_TOO_LARGE).
   * The same picture again changes nothing. Told like a profile update (social.profile.updated.v1).
   */
  "social.profile.setAvatar": {
    service: "social",
    access: "user",
    body: setAvatarBody,
    value: z.object({ profile: profileSchema }),
  },
  /**
   * A user's picture, to whoever may see their profile (as social.profiles.get); NOT_FOUND for
   * anyone else and when there is none. Costs a lookup, like social.profiles.get.
   */
  "social.profiles.avatar": {
    service: "social",
    access: "user",
    body: z.strictObject({ userId: id }),
    value: z.object({ avatar: avatarImageSchema }),
  },

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
  /**
   * To the user (all devices), their friends and fellow members of active groups, never across a
   * block: the user's profile changed.
   */
  "social.profile.updated.v1": z.object({ profile: profileSchema }),
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
