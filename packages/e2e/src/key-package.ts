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

/**
 * Seals `plaintext` to a device through one of its KeyPackages (HPKE to the package's init key, as
 * an MLS Welcome reaches a new member), after `checkKeyPackage` with the device's directory key:
 * only that device, holding the private init key, can open it (`Device.openSealed`). Used to hand
 * a rotated history backup key to the user's remaining devices (docs/E2E.md section 12). `info`
 * names the purpose and `aad` binds the context; both must be the same when opening.
 */
export async function sealToKeyPackage(
  keyPackage: Uint8Array,
  expected: MemberIdentity,
  signaturePublicKey: Uint8Array,
  plaintext: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
): Promise<{ ref: string; enc: Uint8Array; ct: Uint8Array }> {
  const { ref } = await checkKeyPackage(keyPackage, expected, signaturePublicKey);
  const decoded = decodeMlsMessage(keyPackage, 0)?.[0];
  if (decoded?.wireformat !== "mls_key_package") throw new E2eError("invalid_message", "not a KeyPackage");
  const cs = await ciphersuite();
  const publicKey = await cs.hpke.importPublicKey(decoded.keyPackage.initKey);
  const { enc, ct } = await cs.hpke.seal(publicKey, plaintext, info, aad);
  return { ref, enc, ct };
}
