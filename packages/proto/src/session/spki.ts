import { SUITES, ephemeralLength, type Suite } from "./backend.js";
import { concat, fromHex } from "./bytes.js";

/** DER prefixes that wrap a raw public key into a SubjectPublicKeyInfo (RFC 8410, RFC 5480). */
const SPKI_PREFIX = {
  [SUITES.X25519_AES256GCM_SHA256]: fromHex("302a300506032b656e032100"),
  [SUITES.P256_AES256GCM_SHA256]: fromHex("3059301306072a8648ce3d020106082a8648ce3d030107034200"),
} as const;

export function spkiFromRaw(suite: Suite, raw: Uint8Array): Uint8Array {
  if (raw.length !== ephemeralLength(suite)) throw new Error("bad public key length");
  return concat(SPKI_PREFIX[suite], raw);
}
