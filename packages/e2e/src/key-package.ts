import { decodeMlsMessage } from "ts-mls";
import { makeKeyPackageRef, verifyKeyPackage } from "ts-mls/keyPackage.js";
import { toHex } from "./bytes.js";
import { E2eError } from "./errors.js";
import { assertCredentialNames, type MemberIdentity } from "./identity.js";
import { CIPHERSUITE_NAME, ciphersuite } from "./suite.js";

/**
 * Checks an uploaded KeyPackage (MLSMessage bytes) the way the key directory will: our
 * ciphersuite, a valid signature by the leaf's key, a credential naming exactly `expected` (the
 * signed-in user and the device it uploads for), and the device's registered signature key if
 * given. Returns its ref (hex) and signature key. Throws E2eError (`invalid_message`,
 * `identity_mismatch`).
 */
export async function checkKeyPackage(
  bytes: Uint8Array,
  expected: MemberIdentity,
  signaturePublicKey?: Uint8Array,
): Promise<{ ref: string; signaturePublicKey: Uint8Array }> {
  const cs = await ciphersuite();
  let decoded;
  try {
    decoded = decodeMlsMessage(bytes, 0)?.[0];
  } catch (cause) {
    throw new E2eError("invalid_message", "malformed KeyPackage", { cause });
  }
  if (decoded?.wireformat !== "mls_key_package") {
    throw new E2eError("invalid_message", "not a KeyPackage");
  }
  const kp = decoded.keyPackage;
  if (kp.cipherSuite !== CIPHERSUITE_NAME) {
    throw new E2eError("invalid_message", `ciphersuite ${kp.cipherSuite} is not Sealroom's`);
  }
  if (!(await verifyKeyPackage(kp, cs.signature))) {
    throw new E2eError("invalid_message", "bad KeyPackage signature");
  }
  assertCredentialNames(kp.leafNode.credential, expected);
  const key = kp.leafNode.signaturePublicKey;
  if (signaturePublicKey !== undefined && toHex(signaturePublicKey) !== toHex(key)) {
    throw new E2eError("identity_mismatch", "the KeyPackage is signed by another device key");
  }
  return { ref: toHex(await makeKeyPackageRef(kp, cs.hash)), signaturePublicKey: key };
}
