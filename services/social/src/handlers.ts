/** The social commands. The actor is always the gateway-stamped user, never an id from the body. */
import { AppError } from "@sealroom/proto/errors";
import type { RequestContext } from "@sealroom/proto/nats";
import type { Handlers } from "@sealroom/runtime";
import type { createBlocks } from "./blocks.js";
import type { createFriends } from "./friends.js";
import type { createGroups } from "./groups.js";
import type { createInvitations } from "./invitations.js";
import type { createNotices } from "./notices.js";
import type { createOverview } from "./overview.js";
import type { createSearch } from "./search.js";

export interface Modules {
  friends: ReturnType<typeof createFriends>;
  blocks: ReturnType<typeof createBlocks>;
  groups: ReturnType<typeof createGroups>;
  invitations: ReturnType<typeof createInvitations>;
  notices: ReturnType<typeof createNotices>;
  overview: ReturnType<typeof createOverview>;
  search: ReturnType<typeof createSearch>;
}

/** The signed-in user (serveCommands has already refused commands without one). */
function actor(ctx: RequestContext): number {
  if (ctx.userId === undefined) throw new AppError("NOT_AUTHENTICATED");
  return ctx.userId;
}

export function createHandlers(m: Modules): Handlers<"social"> {
  return {
    "social.users.search": (ctx, b) => m.search.users(actor(ctx), b.prefix, b.limit),
    "social.overview": (ctx) => m.overview(actor(ctx)),
    "social.friends.request": (ctx, b) => m.friends.request(actor(ctx), b.userId),
    "social.friends.cancel": (ctx, b) => m.friends.cancel(actor(ctx), b.requestId),
    "social.friends.accept": (ctx, b) => m.friends.accept(actor(ctx), b.requestId),
    "social.friends.decline": (ctx, b) => m.friends.decline(actor(ctx), b.requestId),
    "social.friends.remove": (ctx, b) => m.friends.remove(actor(ctx), b.userId),
    "social.blocks.add": (ctx, b) => m.blocks.add(actor(ctx), b.userId),
    "social.blocks.remove": (ctx, b) => m.blocks.remove(actor(ctx), b.userId),
    "social.groups.create": (ctx, b) => m.groups.create(actor(ctx), b.name, b.invite),
    "social.groups.get": (ctx, b) => m.groups.get(actor(ctx), b.groupId),
    "social.groups.invite": (ctx, b) => m.invitations.invite(actor(ctx), b.groupId, b.userId),
    "social.groups.acceptInvite": (ctx, b) => m.invitations.accept(actor(ctx), b.invitationId),
    "social.groups.declineInvite": (ctx, b) => m.invitations.decline(actor(ctx), b.invitationId),
    "social.groups.leave": (ctx, b) => m.groups.leave(actor(ctx), b.groupId),
    "social.groups.kick": (ctx, b) => m.groups.kick(actor(ctx), b.groupId, b.userId),
    "social.groups.setRole": (ctx, b) => m.groups.setRole(actor(ctx), b.groupId, b.userId, b.role),
    "social.groups.transfer": (ctx, b) => m.groups.transfer(actor(ctx), b.groupId, b.userId),
    "social.groups.rename": (ctx, b) => m.groups.rename(actor(ctx), b.groupId, b.name),
    "social.groups.disband": (ctx, b) => m.groups.disband(actor(ctx), b.groupId),
    "social.notices.ack": (ctx, b) => m.notices.ack(actor(ctx), b.ids),
  };
}
