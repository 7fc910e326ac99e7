/**
 * A device's fingerprint from its signature key as the key directory lists it (base64url): the
 * first 16 bytes of SHA-256 of the Ed25519 public key as 8 groups of 4 hex digits, the same value
 * the SDK's engine shows for this device (`fingerprint` in @sealroom/e2e), computed with WebCrypto so
 * the settings screen does not load the engine for it.
 */
export async function deviceFingerprint(signatureKey: string): Promise<string> {
  const b64 = signatureKey.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return hex.match(/.{4}/g)!.join(":");
}
