/**
 * Who may do what in a group, as pure functions of roles (the service checks membership, the
 * group's state and the targets around them). Owner: everything but leaving; admin: invite and
 * kick plain members; member: invite their own friends and leave.
 */
import type { GroupRole } from "@sealroom/proto/social";

export type GroupAction = "invite" | "kick" | "setRole" | "transfer" | "rename" | "disband" | "leave";

/** Whether `role` may attempt `action` at all. */
export function mayAttempt(role: GroupRole, action: GroupAction): boolean {
  switch (action) {
    case "invite":
      return true;
    case "kick":
      return role === "owner" || role === "admin";
    case "setRole":
    case "transfer":
    case "rename":
    case "disband":
      return role === "owner";
    case "leave":
      return role !== "owner";
  }
}

/** Whether `actor` may kick a member with role `target` (never themself: checked by the caller). */
export function mayKick(actor: GroupRole, target: GroupRole): boolean {
  if (actor === "owner") return target !== "owner";
  if (actor === "admin") return target === "member";
  return false;
}

/** Members may invite only their friends; owners and admins anyone who has not blocked them. */
export function inviteNeedsFriendship(role: GroupRole): boolean {
  return role === "member";
}

/**
 * Kicks stick: a user the group removed comes back only through its owner or an admin, never
 * through a plain member (who could otherwise undo a kick at once).
 */
export function mayReinviteKicked(role: GroupRole): boolean {
  return role === "owner" || role === "admin";
}

/** Who may withdraw a pending invitation: its inviter, the owner and admins. */
export function mayWithdrawInvite(role: GroupRole, isInviter: boolean): boolean {
  return isInviter || role === "owner" || role === "admin";
}

export function isGroupRole(value: string): value is GroupRole {
  return value === "owner" || value === "admin" || value === "member";
}
