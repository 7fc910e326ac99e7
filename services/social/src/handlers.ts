/** The social commands. The actor is always the gateway-stamped user, never an id from the body. */
import { AppError } from "@sealroom/proto/errors";
import type { Handlers, KeyedTokenBucket, SignedInContext } from "@sealroom/runtime";
import type { createAvatars } from "./avatars.js";
import type { createGroupAvatars } from "./group-avatars.js";
import type { createBlocks } from "./blocks.js";
import type { createFriends } from "./friends.js";
import type { createGroups } from "./groups.js";
import type { createInvitations } from "./invitations.js";
import type { createNotices } from "./notices.js";
import type { createOverview } from "./overview.js";
import type { createProfiles } from "./profiles.js";
import type { createSearch } from "./search.js";

export interface Modules {
  friends: ReturnType<typeof createFriends>;
  blocks: ReturnType<typeof createBlocks>;
  groups: ReturnType<typeof createGroups>;
  invitations: ReturnType<typeof createInvitations>;
  notices: ReturnType<typeof createNotices>;
  overview: ReturnType<typeof createOverview>;
  profiles: ReturnType<typeof createProfiles>;
  avatars: ReturnType<typeof createAvatars>;
  groupAvatars: ReturnType<typeof createGroupAvatars>;
  search: ReturnType<typeof createSearch>;
}

/**
 * `writes` is each user's budget for changes across all their connections and gateways: the
 * gateway's per-connection bucket alone let a user with connections on several gateways multiply it.
 */
export function createHandlers(m: Modules, writes: KeyedTokenBucket<number>): Handlers<"social"> {
  /**
   * The actor, after taking `changes` tokens from their write budget: a group made with invitations
   * costs what making it and sending each invitation would (S7 in BENCHMARKS.md: at one token, a
   * create with 50 invitations was the cheapest way to load social and everyone's chat latency).
   */
  const writer = (ctx: SignedInContext, changes = 1): number => {
    const id = ctx.userId;
    const wait = writes.take(id, changes);
    if (wait > 0) throw new AppError("RATE_LIMITED", "Too many changes at once.", wait);
    return id;
  };
  return {
    "social.users.search": (ctx, b) => m.search.users(ctx.userId, b.prefix, b.limit),
    "social.overview": (ctx) => m.overview(ctx.userId),
    "social.friends.request": (ctx, b) => m.friends.request(writer(ctx), b.userId),
    "social.friends.cancel": (ctx, b) => m.friends.cancel(writer(ctx), b.requestId),
    "social.friends.accept": (ctx, b) => m.friends.accept(writer(ctx), b.requestId),
    "social.friends.decline": (ctx, b) => m.friends.decline(writer(ctx), b.requestId),
    "social.friends.remove": (ctx, b) => m.friends.remove(writer(ctx), b.userId),
    "social.blocks.add": (ctx, b) => m.blocks.add(writer(ctx), b.userId),
    "social.blocks.remove": (ctx, b) => m.blocks.remove(writer(ctx), b.userId),
    "social.groups.create": (ctx, b) => m.groups.create(writer(ctx, 1 + b.invite.length), b.name, b.invite),
    "social.groups.get": (ctx, b) => m.groups.get(ctx.userId, b.groupId),
    "social.groups.invite": (ctx, b) => m.invitations.invite(writer(ctx), b.groupId, b.userId),
    "social.groups.acceptInvite": (ctx, b) => m.invitations.accept(writer(ctx), b.invitationId),
    "social.groups.declineInvite": (ctx, b) => m.invitations.decline(writer(ctx), b.invitationId),
    "social.groups.withdrawInvite": (ctx, b) => m.invitations.withdraw(writer(ctx), b.invitationId),
    "social.groups.leave": (ctx, b) => m.groups.leave(writer(ctx), b.groupId),
    "social.groups.kick": (ctx, b) => m.groups.kick(writer(ctx), b.groupId, b.userId),
    "social.groups.setRole": (ctx, b) => m.groups.setRole(writer(ctx), b.groupId, b.userId, b.role),
    "social.groups.transfer": (ctx, b) => m.groups.transfer(writer(ctx), b.groupId, b.userId),
    "social.groups.rename": (ctx, b) => m.groups.rename(writer(ctx), b.groupId, b.name),
    "social.groups.disband": (ctx, b) => m.groups.disband(writer(ctx), b.groupId),
    "social.groups.setTopic": (ctx, b) => m.groups.setTopic(writer(ctx), b.groupId, b.topic),
    "social.profile.update": (ctx, b) => m.profiles.update(writer(ctx), b),
    "social.profiles.get": (ctx, b) => m.profiles.get(ctx.userId, b.userIds),
    "social.profile.setAvatar": (ctx, b) => m.avatars.set(writer(ctx), b.image),
    "social.profiles.avatar": (ctx, b) => m.avatars.get(ctx.userId, b.userId),
    "social.groups.setAvatar": (ctx, b) => m.groupAvatars.set(writer(ctx), b.groupId, b.image),
    "social.groups.avatar": (ctx, b) => m.groupAvatars.get(ctx.userId, b.groupId),
    "social.notices.ack": (ctx, b) => m.notices.ack(writer(ctx), b.ids),
  };
}
