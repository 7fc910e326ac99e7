import { getCiphersuiteFromName, getCiphersuiteImpl, type CiphersuiteImpl, type CiphersuiteName } from "ts-mls";

/**
 * The one ciphersuite Sealroom uses: 0x0001, X25519 HPKE, AES-128-GCM, SHA-256, Ed25519
 * (RFC 9420 section 17.1, mandatory to implement). docs/E2E.md says why not X-Wing.
 */
export const CIPHERSUITE_NAME: CiphersuiteName = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";
export const CIPHERSUITE_ID = 0x0001;

let impl: Promise<CiphersuiteImpl> | undefined;

/** The ciphersuite's implementation (built once per process or page). */
export function ciphersuite(): Promise<CiphersuiteImpl> {
  impl ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE_NAME));
  return impl;
}
