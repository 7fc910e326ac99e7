/**
 * What the viewer may do to a member, mirroring the service's rules (docs/protocol/social.md,
 * "Groups"), so a screen offers only actions that can succeed. The service still decides.
 */
import type { GroupRole } from "@sealroom/sdk/browser";

export interface MemberActions {
  kick: boolean;
  promote: boolean;
  demote: boolean;
  transfer: boolean;
}

export const NO_ACTIONS: MemberActions = { kick: false, promote: false, demote: false, transfer: false };

export function memberActions(
  viewer: GroupRole,
  target: GroupRole,
  isSelf: boolean,
  disbanded: boolean,
): MemberActions {
  if (isSelf || disbanded) return NO_ACTIONS;
  const owner = viewer === "owner";
  return {
    kick: owner ? target !== "owner" : viewer === "admin" && target === "member",
    promote: owner && target === "member",
    demote: owner && target === "admin",
    transfer: owner && target !== "owner",
  };
}

/** Group-wide actions of the viewer. */
export function groupActions(viewer: GroupRole, disbanded: boolean) {
  const owner = viewer === "owner" && !disbanded;
  return { rename: owner, disband: owner, invite: !disbanded, leave: !disbanded };
}
