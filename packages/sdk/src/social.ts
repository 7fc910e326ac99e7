/**
 * Friends, blocks, groups and presence for applications: typed calls over `client.request`, and
 * social events checked against the contract before a handler sees them.
 *
 *   const social = new SocialClient(client);
 *   const state = await social.overview();
 *   const off = social.on("social.friend.added.v1", ({ friend }) => ...);
 *
 * Events are hints (they can be missed while disconnected): after a reconnect, call overview()
 * (and groups.get for an open group) to resynchronise.
 */
import {
  SOCIAL_EVENTS,
  isSocialEventType,
  type AvatarImage,
  type Friend,
  type GroupAvatarImage,
  type GroupDetail,
  type GroupInfo,
  type GroupInvite,
  type Overview,
  type Profile,
  type Presence,
  type SocialEventBody,
  type SocialEventType,
} from "@sealroom/proto/social";
import { z } from "zod";
import type { PublicUser } from "@sealroom/proto/auth";
import { parseUntrusted } from "@sealroom/proto/parse";
import type { CommandValue } from "@sealroom/proto/commands";
import { encodeBase64url } from "./avatar-cache.js";
import type { SealroomClient } from "./client.js";

export type {
  AvatarImage,
  AvatarMime,
  Block,
  Friend,
  FriendRequest,
  GroupAvatarImage,
  GroupDetail,
  GroupEventView,
  GroupInfo,
  GroupInvite,
  GroupMember,
  GroupRole,
  Invitation,
  MyGroup,
  Notice,
  Overview,
  Presence,
  Profile,
  SocialEventBody,
  SocialEventType,
} from "@sealroom/proto/social";
export {
  AVATAR_LIMITS,
  AVATAR_MIME_TYPES,
  SOCIAL_EVENTS,
  SOCIAL_LIMITS,
  checkGroupName,
  checkProfileText,
  isSocialEventType,
} from "@sealroom/proto/social";

/** A social event whose body matched its contract. */
export type SocialEvent = { [T in SocialEventType]: { type: T; body: SocialEventBody<T> } }[SocialEventType];

/**
 * The event schemas seen per type, so a generic `T` keeps its body's type (TypeScript checks this
 * assignment key by key, and indexing a mapped type by `T` stays precise).
 */
const EVENT_SCHEMAS: { readonly [T in SocialEventType]: z.ZodType<SocialEventBody<T>> } = SOCIAL_EVENTS;

function parseBody<T extends SocialEventType>(type: T, body: unknown): SocialEventBody<T> | undefined {
  const parsed = parseUntrusted(EVENT_SCHEMAS[type], body);
  return parsed.success ? parsed.data : undefined;
}

/** Every social event as `{type, body}`, one discriminated union: parsing it gives a SocialEvent. */
export const socialEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("social.friendRequest.received.v1"),
    body: SOCIAL_EVENTS["social.friendRequest.received.v1"],
  }),
  z.object({ type: z.literal("social.friendRequest.sent.v1"), body: SOCIAL_EVENTS["social.friendRequest.sent.v1"] }),
  z.object({
    type: z.literal("social.friendRequest.removed.v1"),
    body: SOCIAL_EVENTS["social.friendRequest.removed.v1"],
  }),
  z.object({ type: z.literal("social.friend.added.v1"), body: SOCIAL_EVENTS["social.friend.added.v1"] }),
  z.object({ type: z.literal("social.friend.removed.v1"), body: SOCIAL_EVENTS["social.friend.removed.v1"] }),
  z.object({ type: z.literal("social.block.added.v1"), body: SOCIAL_EVENTS["social.block.added.v1"] }),
  z.object({ type: z.literal("social.block.removed.v1"), body: SOCIAL_EVENTS["social.block.removed.v1"] }),
  z.object({ type: z.literal("social.group.updated.v1"), body: SOCIAL_EVENTS["social.group.updated.v1"] }),
  z.object({ type: z.literal("social.group.removed.v1"), body: SOCIAL_EVENTS["social.group.removed.v1"] }),
  z.object({ type: z.literal("social.invitation.received.v1"), body: SOCIAL_EVENTS["social.invitation.received.v1"] }),
  z.object({ type: z.literal("social.invitation.removed.v1"), body: SOCIAL_EVENTS["social.invitation.removed.v1"] }),
  z.object({ type: z.literal("social.notice.created.v1"), body: SOCIAL_EVENTS["social.notice.created.v1"] }),
  z.object({ type: z.literal("social.profile.updated.v1"), body: SOCIAL_EVENTS["social.profile.updated.v1"] }),
  z.object({ type: z.literal("presence.changed.v1"), body: SOCIAL_EVENTS["presence.changed.v1"] }),
]);

// The union names every event type of SOCIAL_EVENTS (a new event that is not added fails to compile).
const everyEventInTheUnion: [SocialEventType] extends [z.infer<typeof socialEventSchema>["type"]] ? true : never = true;
void everyEventInTheUnion;

/** Validates an event from `client.on("event")`; undefined if it is not a (well-formed) social event. */
export function parseSocialEvent(type: string, body: unknown): SocialEvent | undefined {
  if (!isSocialEventType(type)) return undefined;
  const parsed = parseUntrusted(socialEventSchema, { type, body });
  return parsed.success ? parsed.data : undefined;
}

/** Type guard for one event type, validating the body. */
export function isSocialEvent<T extends SocialEventType>(
  event: { type: string; body: unknown },
  type: T,
): event is { type: T; body: SocialEventBody<T> } {
  return event.type === type && SOCIAL_EVENTS[type].safeParse(event.body).success;
}

export class SocialClient {
  constructor(private readonly client: Pick<SealroomClient, "on" | "request">) {}

  /** Calls `handler` with each valid event of `type`; returns an unsubscribe function. */
  on<T extends SocialEventType>(type: T, handler: (body: SocialEventBody<T>) => void): () => void {
    return this.client.on("event", (t, body) => {
      if (t !== type) return;
      const parsed = parseBody(type, body);
      if (parsed !== undefined) handler(parsed);
    });
  }

  /** Every valid social event (including presence.changed.v1). */
  onAny(handler: (event: SocialEvent) => void): () => void {
    return this.client.on("event", (type, body) => {
      const event = parseSocialEvent(type, body);
      if (event) handler(event);
    });
  }

  // People
  search(prefix: string, limit?: number): Promise<PublicUser[]> {
    return this.client
      .request("social.users.search", { prefix, ...(limit === undefined ? {} : { limit }) })
      .then((v) => v.users);
  }
  overview(): Promise<Overview> {
    return this.client.request("social.overview", {});
  }

  // Friends
  requestFriend(userId: number): Promise<CommandValue<"social.friends.request">> {
    return this.client.request("social.friends.request", { userId });
  }
  cancelRequest(requestId: number): Promise<void> {
    return this.client.request("social.friends.cancel", { requestId }).then(() => undefined);
  }
  acceptRequest(requestId: number): Promise<Friend> {
    return this.client.request("social.friends.accept", { requestId }).then((v) => v.friend);
  }
  declineRequest(requestId: number): Promise<void> {
    return this.client.request("social.friends.decline", { requestId }).then(() => undefined);
  }
  removeFriend(userId: number): Promise<void> {
    return this.client.request("social.friends.remove", { userId }).then(() => undefined);
  }

  // Blocks
  block(userId: number): Promise<void> {
    return this.client.request("social.blocks.add", { userId }).then(() => undefined);
  }
  unblock(userId: number): Promise<void> {
    return this.client.request("social.blocks.remove", { userId }).then(() => undefined);
  }

  // Groups
  createGroup(name: string, invite: number[] = []): Promise<GroupDetail> {
    return this.client.request("social.groups.create", { name, invite });
  }
  group(groupId: number): Promise<GroupDetail> {
    return this.client.request("social.groups.get", { groupId });
  }
  invite(groupId: number, userId: number): Promise<GroupInvite> {
    return this.client.request("social.groups.invite", { groupId, userId }).then((v) => v.invitation);
  }
  acceptInvitation(invitationId: number): Promise<GroupDetail> {
    return this.client.request("social.groups.acceptInvite", { invitationId });
  }
  declineInvitation(invitationId: number): Promise<void> {
    return this.client.request("social.groups.declineInvite", { invitationId }).then(() => undefined);
  }
  /** Withdraw a pending invitation (its inviter, the owner or an admin). */
  withdrawInvitation(invitationId: number): Promise<void> {
    return this.client.request("social.groups.withdrawInvite", { invitationId }).then(() => undefined);
  }
  leave(groupId: number): Promise<void> {
    return this.client.request("social.groups.leave", { groupId }).then(() => undefined);
  }
  kick(groupId: number, userId: number): Promise<GroupInfo> {
    return this.client.request("social.groups.kick", { groupId, userId }).then((v) => v.group);
  }
  setRole(groupId: number, userId: number, role: "admin" | "member"): Promise<GroupInfo> {
    return this.client.request("social.groups.setRole", { groupId, userId, role }).then((v) => v.group);
  }
  transfer(groupId: number, userId: number): Promise<GroupInfo> {
    return this.client.request("social.groups.transfer", { groupId, userId }).then((v) => v.group);
  }
  rename(groupId: number, name: string): Promise<GroupInfo> {
    return this.client.request("social.groups.rename", { groupId, name }).then((v) => v.group);
  }
  disband(groupId: number): Promise<GroupInfo> {
    return this.client.request("social.groups.disband", { groupId }).then((v) => v.group);
  }
  setTopic(groupId: number, topic: string): Promise<GroupInfo> {
    return this.client.request("social.groups.setTopic", { groupId, topic }).then((v) => v.group);
  }

  /** Owner only: sets the group's picture (as setAvatar), or removes it (null). */
  setGroupAvatar(groupId: number, image: Uint8Array | null): Promise<GroupInfo> {
    return this.client
      .request("social.groups.setAvatar", { groupId, image: image && encodeBase64url(image) })
      .then((v) => v.group);
  }
  /** A group's picture as it is now (NOT_FOUND: none, or not the caller's to see). SocialStore caches these by version. */
  groupAvatar(groupId: number): Promise<GroupAvatarImage> {
    return this.client.request("social.groups.avatar", { groupId }).then((v) => v.avatar);
  }

  // Profiles
  updateProfile(change: { displayName?: string; about?: string }): Promise<Profile> {
    return this.client.request("social.profile.update", change).then((v) => v.profile);
  }
  /** Profiles as the caller may see them (username only for people they share nothing with). */
  profiles(userIds: number[]): Promise<Profile[]> {
    return this.client.request("social.profiles.get", { userIds }).then((v) => v.profiles);
  }
  /** Sets the caller's picture (PNG, JPEG, WebP or GIF, at most AVATAR_LIMITS.bytesMax bytes), or removes it (null). */
  setAvatar(image: Uint8Array | null): Promise<Profile> {
    return this.client
      .request("social.profile.setAvatar", { image: image && encodeBase64url(image) })
      .then((v) => v.profile);
  }
  /** A user's picture as it is now (NOT_FOUND: none, or not the caller's to see). SocialStore caches these by version. */
  avatar(userId: number): Promise<AvatarImage> {
    return this.client.request("social.profiles.avatar", { userId }).then((v) => v.avatar);
  }

  // Notices
  ackNotices(ids: number[]): Promise<number> {
    return this.client.request("social.notices.ack", { ids }).then((v) => v.acknowledged);
  }
}

/**
 * Presence of the people a client can see, kept current: seed it from an overview or a group,
 * then feed it `presence.changed.v1` (and the friend events that carry presence).
 */
export class PresenceMap {
  private readonly map = new Map<number, Presence>();

  get(userId: number): Presence | undefined {
    return this.map.get(userId);
  }

  isOnline(userId: number): boolean {
    return this.map.get(userId)?.online ?? false;
  }

  seed(entries: Iterable<{ user: PublicUser; presence: Presence }>): void {
    for (const e of entries) this.map.set(e.user.id, e.presence);
  }

  /** Applies a social event; returns the user whose presence it set, if any. */
  apply(event: SocialEvent): number | undefined {
    if (event.type === "presence.changed.v1") {
      const { userId, online, lastSeenAt } = event.body;
      this.map.set(userId, { online, lastSeenAt });
      return userId;
    }
    if (event.type === "social.friend.added.v1") {
      this.map.set(event.body.friend.user.id, event.body.friend.presence);
      return event.body.friend.user.id;
    }
    return undefined;
  }

  /** Follows a client's events; returns an unsubscribe function. */
  follow(social: SocialClient, onChange?: (userId: number, presence: Presence) => void): () => void {
    return social.onAny((event) => {
      const userId = this.apply(event);
      const presence = userId === undefined ? undefined : this.map.get(userId);
      if (userId !== undefined && presence && onChange) onChange(userId, presence);
    });
  }
}
