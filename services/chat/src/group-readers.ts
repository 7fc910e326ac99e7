/**
 * Whose devices belong in a conversation's MLS group (docs/E2E.md section 3, "Membership sync"):
 * the registered devices (auth's Device rows, with their registered key) of the users who may read
 * it. The reconciler proposes removing every other leaf; the Delivery Service lets a member remove
 * only such leaves.
 */
import type { InspectedLeaf } from "@sealroom/e2e";
import { parseConversationId } from "@sealroom/proto/chat";
import type { Queries } from "./queries.js";

/**
 * Who may read the conversation now (docs/protocol/chat.md, access): a DM's two participants
 * (always: unfriending or blocking stops posting, not reading), a group's current members.
 */
export async function readers(q: Queries, key: string): Promise<Set<number>> {
  const ref = parseConversationId(key);
  if (!ref) return new Set();
  if (ref.kind === "dm") return new Set([ref.low, ref.high]);
  return new Set((await q.groupMemberIds.all(ref.groupId)).map((r) => r.userId));
}

/** Whether `leaf` is a registered device, under its registered key, of one of `allowed`. */
export async function belongs(q: Queries, allowed: ReadonlySet<number>, leaf: InspectedLeaf): Promise<boolean> {
  const member = leaf.member;
  if (!member || !allowed.has(member.userId)) return false;
  const device = await q.deviceById.get(member.deviceId);
  return (
    device?.userId === member.userId && device.signatureKey === Buffer.from(leaf.signatureKey).toString("base64url")
  );
}
