import type { AuthenticationService, Credential } from "ts-mls";
import { fromUtf8, toHex, utf8 } from "./bytes.js";
import { E2eError } from "./errors.js";

/**
 * Who a leaf is: a Sealroom user (the auth service's numeric user id) and one of their devices.
 *
 * The MLS BasicCredential's `identity` is the UTF-8 text `sealroom:1:<userId>:<deviceId>`:
 * - `userId`: decimal, no leading zero, 1..2^31-1 (the ids of packages/proto);
 * - `deviceId`: 1-64 characters of `[A-Za-z0-9_-]` (the key directory assigns it; a random
 *   base64url string in practice).
 * Anything else is not a Sealroom member credential and is refused by `authenticationService`.
 * The server's external-sender credential is the text `sealroom:server` (see external.ts).
 */
export interface MemberIdentity {
  readonly userId: number;
  readonly deviceId: string;
}

export const CREDENTIAL_PREFIX = "sealroom:1:";
export const SERVER_CREDENTIAL_IDENTITY = "sealroom:server";
const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const USER_ID = /^[1-9][0-9]{0,9}$/;

export function isValidIdentity(id: MemberIdentity): boolean {
  return Number.isInteger(id.userId) && id.userId >= 1 && id.userId <= 2 ** 31 - 1 && DEVICE_ID.test(id.deviceId);
}

/** The BasicCredential naming `id`. */
export function memberCredential(id: MemberIdentity): Credential {
  if (!isValidIdentity(id)) throw new E2eError("identity_mismatch", "not a valid user/device id");
  return { credentialType: "basic", identity: utf8(`${CREDENTIAL_PREFIX}${id.userId}:${id.deviceId}`) };
}

/** The user and device a credential names, or undefined if it is not a member credential. */
export function parseMemberCredential(credential: Credential): MemberIdentity | undefined {
  if (credential.credentialType !== "basic") return undefined;
  let text: string;
  try {
    text = fromUtf8(credential.identity);
  } catch {
    return undefined;
  }
  if (!text.startsWith(CREDENTIAL_PREFIX)) return undefined;
  const [user, device, ...rest] = text.slice(CREDENTIAL_PREFIX.length).split(":");
  if (rest.length > 0 || user === undefined || device === undefined || !USER_ID.test(user)) {
    return undefined;
  }
  const id = { userId: Number(user), deviceId: device };
  return isValidIdentity(id) ? id : undefined;
}

export function isServerCredential(credential: Credential): boolean {
  if (credential.credentialType !== "basic") return false;
  try {
    return fromUtf8(credential.identity) === SERVER_CREDENTIAL_IDENTITY;
  } catch {
    return false;
  }
}

/**
 * Throws `identity_mismatch` unless `credential` names exactly `expected`. The server's key
 * directory will run this on every uploaded KeyPackage (the signed-in user and the device), and
 * clients on every leaf they add.
 */
export function assertCredentialNames(credential: Credential, expected: MemberIdentity): void {
  const got = parseMemberCredential(credential);
  if (got === undefined || got.userId !== expected.userId || got.deviceId !== expected.deviceId) {
    throw new E2eError(
      "identity_mismatch",
      `credential does not name user ${expected.userId} device ${expected.deviceId}`,
    );
  }
}

/**
 * Decides whether a leaf (its credential and signature key) may be in a group. Later the SDK
 * checks it against the key directory (the device list of the user); for now the default
 * accepts every well-formed member credential.
 */
export type DeviceCheck = (member: MemberIdentity, signaturePublicKey: Uint8Array) => boolean | Promise<boolean>;

/** ts-mls's hook, called for every leaf and external sender a device learns of. */
export function authenticationService(check?: DeviceCheck): AuthenticationService {
  return {
    async validateCredential(credential, signaturePublicKey) {
      if (isServerCredential(credential)) return true;
      const member = parseMemberCredential(credential);
      if (member === undefined) return false;
      if (check === undefined) return true;
      try {
        return await check(member, signaturePublicKey);
      } catch (cause) {
        // No answer is not a "no": the caller must be able to tell it from a refused leaf.
        throw new E2eError("check_unavailable", "the device check could not answer", { cause });
      }
    },
  };
}

/**
 * A device's fingerprint as people compare it: SHA-256 of its Ed25519 public key, the first 16
 * bytes as 8 groups of 4 hex digits.
 */
export async function fingerprint(signaturePublicKey: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", signaturePublicKey.slice().buffer));
  return (toHex(digest.slice(0, 16)).match(/.{4}/g) ?? []).join(" ");
}
