/**
 * The KeyPackages of the member devices missing from a conversation's MLS group (docs/E2E.md
 * section 3, membership sync). Members and their devices come from the DeviceDirectory (cached);
 * only missing devices are claimed: a claim uses up a one-time KeyPackage.
 */
import type { Group, MemberIdentity } from "@sealroom/e2e";
import { AppError } from "@sealroom/proto/errors";
import type { SealroomClient } from "../client.js";
import { fromB64 } from "./base64url.js";
import type { DeviceDirectory } from "./directory.js";

export interface MissingDevices {
  keyPackages: Uint8Array[];
  deviceIds: string[];
}

/** KeyPackages of the member devices not in `group` (this device excluded), claimed now. */
export async function claimMissing(
  client: Pick<SealroomClient, "request">,
  directory: DeviceDirectory,
  conversationId: string,
  group: Group,
  me: MemberIdentity,
): Promise<MissingDevices> {
  const inGroup = new Set(group.members().map((m) => `${m.userId}/${m.deviceId}`));
  const out: MissingDevices = { keyPackages: [], deviceIds: [] };
  for (const userId of await directory.conversationMembers(conversationId)) {
    const devices = await directory.devicesOf(userId);
    const missing = (devices ?? [])
      .map((d) => d.deviceId)
      .filter((id) => !inGroup.has(`${userId}/${id}`) && !(userId === me.userId && id === me.deviceId));
    if (missing.length === 0) continue;
    let claimed;
    try {
      claimed = await client.request("auth.keys.claim", { userId, deviceIds: missing });
    } catch (err) {
      // The cached list was older than a change of who may see whom: not one to add now.
      if (err instanceof AppError && err.code === "NOT_FOUND") {
        directory.invalidate();
        continue;
      }
      throw err;
    }
    for (const kp of claimed.keyPackages) {
      out.keyPackages.push(fromB64(kp.keyPackage));
      out.deviceIds.push(kp.deviceId);
    }
  }
  return out;
}
