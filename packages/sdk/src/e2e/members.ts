/**
 * Who should be in a conversation's MLS group, and the KeyPackages of the devices missing from it
 * (docs/E2E.md section 3, membership sync). Members come from the conversation id (a DM: both
 * users) or from social (a group's member list); devices from the key directory. Only missing
 * devices are claimed: a claim uses up a one-time KeyPackage.
 */
import type { Group, MemberIdentity } from "@sealroom/e2e";
import { parseConversationId } from "@sealroom/proto/chat";
import { AppError } from "@sealroom/proto/errors";
import type { SealroomClient } from "../client.js";
import { fromB64 } from "./base64url.js";

export interface MissingDevices {
  keyPackages: Uint8Array[];
  deviceIds: string[];
}

/** The users who may be in the conversation now. */
export async function conversationMembers(client: Pick<SealroomClient, "request">, conversationId: string) {
  const ref = parseConversationId(conversationId);
  if (!ref) throw new AppError("BAD_REQUEST", "Not a conversation id.");
  if (ref.kind === "dm") return [ref.low, ref.high];
  const detail = await client.request("social.groups.get", { groupId: ref.groupId });
  return detail.members.map((m) => m.user.id);
}

/** KeyPackages of the member devices not in `group` (this device excluded), claimed now. */
export async function claimMissing(
  client: Pick<SealroomClient, "request">,
  conversationId: string,
  group: Group,
  me: MemberIdentity,
): Promise<MissingDevices> {
  const inGroup = new Set(group.members().map((m) => `${m.userId}/${m.deviceId}`));
  const out: MissingDevices = { keyPackages: [], deviceIds: [] };
  for (const userId of await conversationMembers(client, conversationId)) {
    let devices;
    try {
      ({ devices } = await client.request("auth.keys.devices", { userId }));
    } catch (err) {
      // No longer a friend or co-member (NOT_FOUND): not one to add.
      if (err instanceof AppError && err.code === "NOT_FOUND") continue;
      throw err;
    }
    const missing = devices
      .map((d) => d.deviceId)
      .filter((id) => !inGroup.has(`${userId}/${id}`) && !(userId === me.userId && id === me.deviceId));
    if (missing.length === 0) continue;
    const claimed = await client.request("auth.keys.claim", { userId, deviceIds: missing });
    for (const kp of claimed.keyPackages) {
      out.keyPackages.push(fromB64(kp.keyPackage));
      out.deviceIds.push(kp.deviceId);
    }
  }
  return out;
}
