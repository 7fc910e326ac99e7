/**
 * Whether the user may still post in a conversation, as far as the social state says: a DM needs the
 * partner to be a friend (an unfriending or a block, either side, ends that), a group an active
 * membership. Unknown (no social state yet): yes, and the server decides.
 */
import { parseConversationId } from "@sealroom/sdk/browser";
import { useOptionalSocial } from "../social/index.js";
import { useMe } from "./hooks.js";

export function useMayPost(conversationId: string): boolean {
  const social = useOptionalSocial();
  const me = useMe();
  const ref = parseConversationId(conversationId);
  if (!ref || social?.status !== "ready" || me === undefined) return true;
  if (ref.kind === "dm") return social.friendsById.has(ref.low === me ? ref.high : ref.low);
  return social.groups.some((g) => g.id === ref.groupId);
}
