/**
 * Key directory test helpers: real @sealroom/e2e devices registered through the auth service, and
 * the social rows (friendships, groups) the directory's audience rule reads, written straight into
 * the shared database as the social service would.
 */
import { Device, type PublishedKeyPackage } from "@sealroom/e2e";
import type { SessionGrant } from "@sealroom/proto/auth";
import { ctxOf, type Harness } from "./harness.js";

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

export interface RegisteredDevice {
  device: Device;
  deviceId: string;
  grant: SessionGrant;
}

/** A fresh device key registered on `grant`'s session, and the e2e Device holding it. */
export async function registerDevice(
  h: Harness,
  grant: SessionGrant,
  name = "Test browser",
): Promise<RegisteredDevice> {
  const keys = await Device.generateSignatureKeyPair();
  const { deviceId } = await h.ok(
    "auth.keys.registerDevice",
    { signatureKey: b64(keys.publicKey), name },
    ctxOf(grant),
  );
  const device = await Device.create({ userId: grant.user.id, deviceId }, {}, keys);
  return { device, deviceId, grant };
}

/** The upload body for these packages. */
export const uploadBody = (oneTime: PublishedKeyPackage[], lastResort?: PublishedKeyPackage) => ({
  keyPackages: oneTime.map((kp) => b64(kp.bytes)),
  ...(lastResort ? { lastResort: b64(lastResort.bytes) } : {}),
});

/** Uploads `n` one-time packages (and a last-resort one if asked) of a registered device. */
export async function stockUp(h: Harness, d: RegisteredDevice, n: number, lastResort = false) {
  const oneTime = await d.device.createKeyPackages(n);
  const last = lastResort ? await d.device.createLastResortKeyPackage() : undefined;
  const stock = await h.ok("auth.keys.uploadKeyPackages", uploadBody(oneTime, last), ctxOf(d.grant));
  return { oneTime, last, stock };
}

export async function befriend(h: Harness, a: number, b: number): Promise<void> {
  await h.db.friendship.create({ data: { userAId: Math.min(a, b), userBId: Math.max(a, b) } });
}

/** A group (as social makes it) whose current members are `userIds`, the first its owner. */
export async function groupOf(h: Harness, userIds: number[]): Promise<number> {
  const group = await h.db.group.create({ data: { name: "keys", ownerId: userIds[0]! } });
  await h.db.groupMember.createMany({
    data: userIds.map((userId, i) => ({ groupId: group.id, userId, role: i === 0 ? "owner" : "member" })),
  });
  return group.id;
}
