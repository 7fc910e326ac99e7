/**
 * The cryptography of a backup key rotation (docs/E2E.md section 12, "Rotation"): the link back
 * (the replaced key sealed under the new one, so a device that gets the new key opens the older
 * archive too) and the HPKE context of the new key sealed to each remaining device.
 */
import { sealToKeyPackage } from "@sealroom/e2e";
import type { DeviceKeyWrap } from "@sealroom/proto/backup";
import { b64, fromB64 } from "../e2e/base64url.js";
import { BACKUP_KEY_BYTES, decoded, hkdfAesKey, openWith, sealWith } from "./crypto.js";

const utf8 = (text: string) => new TextEncoder().encode(text);
const linkAad = (userId: number, version: number) => utf8(`sealroom-backup-link-v1|${userId}|${version}`);
const linkKey = (key: Uint8Array) => hkdfAesKey(key, new Uint8Array(0), utf8("sealroom backup key link v1"));

/** The key of `version - 1` sealed under the key of `version`: base64url of nonce, key, tag. */
export async function sealLink(newKey: Uint8Array, version: number, userId: number, oldKey: Uint8Array) {
  return b64(await sealWith(await linkKey(newKey), linkAad(userId, version), oldKey));
}

/** The key of `version - 1`, or undefined when the link does not open under `newKey`. */
export async function openLink(
  newKey: Uint8Array,
  version: number,
  userId: number,
  sealed: string,
): Promise<Uint8Array | undefined> {
  const bytes = decoded(sealed, 12 + BACKUP_KEY_BYTES + 16, 12 + BACKUP_KEY_BYTES + 16);
  if (!bytes) return undefined;
  const key = await openWith(await linkKey(newKey), linkAad(userId, version), bytes);
  return key?.length === BACKUP_KEY_BYTES ? key : undefined;
}

/** HPKE's info and aad for the key of `version` sealed to `deviceId` of `userId`. */
export function wrapContext(userId: number, deviceId: string, version: number) {
  return {
    info: utf8("sealroom backup key to device v1"),
    aad: utf8(`sealroom-backup-wrap-v1|${userId}|${deviceId}|${version}`),
  };
}

/** One device of the user as the directory lists it, with a KeyPackage claimed from it. */
export interface WrapTarget {
  deviceId: string;
  /** base64url, as the directory lists it. */
  signatureKey: string;
  /** base64url MLSMessage, as auth.keys.claim returns it. */
  keyPackage: string;
}

/**
 * The new key sealed to the target's KeyPackage, after checking that the package names the
 * device and carries the key the directory lists for it (so the server cannot hand over a key of
 * its own choosing without also replacing the device's key, which safety numbers show).
 */
export async function wrapFor(
  userId: number,
  version: number,
  key: Uint8Array,
  target: WrapTarget,
): Promise<DeviceKeyWrap> {
  const { info, aad } = wrapContext(userId, target.deviceId, version);
  const { ref, enc, ct } = await sealToKeyPackage(
    fromB64(target.keyPackage),
    { userId, deviceId: target.deviceId },
    fromB64(target.signatureKey),
    key,
    info,
    aad,
  );
  return { deviceId: target.deviceId, keyPackageRef: hexToB64(ref), enc: b64(enc), sealed: b64(ct) };
}

export const hexToB64 = (hex: string) => b64(Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16)));
export const b64ToHex = (text: string) => [...fromB64(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
