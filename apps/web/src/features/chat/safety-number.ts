/**
 * The safety number of a pair of users (docs/E2E.md section 4, "Verification"): 60 digits computed
 * on the device from both users' device signature keys as the key directory lists them, the same
 * on both sides. Signal's scheme, with a user's set of device keys in place of one identity key:
 *
 *   keys(u)  = u's Ed25519 public keys (32 bytes each), sorted bytewise, concatenated
 *   h0       = SHA-512(0x0000 || keys(u) || utf8(decimal userId))
 *   h(i+1)   = SHA-512(h(i) || keys(u)), 5200 times
 *   digits(u)= the first 30 bytes of the last hash as six 5-byte big-endian numbers, each mod
 *              100000, written as 5 digits
 *   number   = digits of the user with the lower id, then the other's: 60 digits
 *
 * Any device added, removed or replaced on either side changes the number.
 */

const VERSION = new Uint8Array([0, 0]);
export const SAFETY_ITERATIONS = 5200;

export interface UserKeys {
  userId: number;
  /** Device signature keys, base64url, in any order. */
  signatureKeys: readonly string[];
}

export function fromBase64Url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A user's key set in canonical form: the keys as hex, sorted (hex order is bytewise order), so
 * two listings of the same devices compare equal whatever order the directory returned them in.
 */
export function keySet(signatureKeys: readonly string[]): string[] {
  return signatureKeys.map((k) => hex(fromBase64Url(k))).sort();
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function sha512(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-512", data));
}

/** The 30 digits one user contributes. */
export async function userDigits(user: UserKeys, iterations = SAFETY_ITERATIONS): Promise<string> {
  const keys = concat(
    keySet(user.signatureKeys).map((h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16))),
  );
  let hash = await sha512(concat([VERSION, keys, new TextEncoder().encode(String(user.userId))]));
  for (let i = 0; i < iterations; i++) hash = await sha512(concat([hash, keys]));
  let digits = "";
  for (let chunk = 0; chunk < 6; chunk++) {
    // 40 bits fit a double exactly, so plain arithmetic is exact here.
    let n = 0;
    for (let b = 0; b < 5; b++) n = n * 256 + hash[chunk * 5 + b]!;
    digits += String(n % 100000).padStart(5, "0");
  }
  return digits;
}

/** The pair's 60-digit safety number, the same whichever user computes it. */
export async function safetyNumber(a: UserKeys, b: UserKeys, iterations = SAFETY_ITERATIONS): Promise<string> {
  const [first, second] = a.userId <= b.userId ? [a, b] : [b, a];
  return (await userDigits(first, iterations)) + (await userDigits(second, iterations));
}

/** The 60 digits as 12 groups of 5, the way both screens show them. */
export function safetyGroups(number: string): string[] {
  return number.match(/.{5}/g) ?? [];
}
