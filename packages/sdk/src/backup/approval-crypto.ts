/**
 * The secrets of a device approval (docs/E2E.md section 12): each side's ephemeral ECDH P-256 pair,
 * the new device's commitment to its public key, and, from the shared secret, the six digits the
 * user compares and the key the backup key travels under.
 */
import { b64 } from "../e2e/base64url.js";
import { BACKUP_KEY_BYTES, decoded, hkdfAesKey, openWith, sealWith } from "./crypto.js";

/** An uncompressed P-256 point: 0x04, x, y. */
export const APPROVAL_PUBLIC_KEY_BYTES = 65;

type WebKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

export interface ApprovalKeyPair {
  /** Not extractable: it never leaves WebCrypto. */
  privateKey: WebKey;
  publicKey: Uint8Array;
}

export interface ApprovalSecrets {
  /** "123 456". */
  code: string;
  /** AES-256-GCM key for the grant. */
  wrapKey: WebKey;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

export async function newApprovalKeyPair(): Promise<ApprovalKeyPair> {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  return {
    privateKey: pair.privateKey,
    publicKey: new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey)),
  };
}

/** SHA-256 of the new device's public key, base64url: it is bound to its key before it sees the other's. */
export async function commitmentOf(publicKey: Uint8Array): Promise<string> {
  return b64(new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(publicKey))));
}

/**
 * Both sides derive the same code and wrap key: HKDF-SHA-256 over the ECDH secret, salted with the
 * request id, its info naming the purpose and both public keys (the new device's first). Throws
 * when the peer's key is not a P-256 point.
 */
export async function approvalSecrets(args: {
  requestId: string;
  own: ApprovalKeyPair;
  peerPublicKey: Uint8Array;
  /** Which side this is: fixes the order of the keys in the info. */
  role: "new" | "old";
}): Promise<ApprovalSecrets> {
  const { own, peerPublicKey, requestId } = args;
  if (peerPublicKey.length !== APPROVAL_PUBLIC_KEY_BYTES) throw new Error("not a P-256 public key");
  const peer = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(peerPublicKey),
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: "ECDH", public: peer }, own.privateKey, 256));
  const [newKey, oldKey] = args.role === "new" ? [own.publicKey, peerPublicKey] : [peerPublicKey, own.publicKey];
  const salt = new Uint8Array(utf8(requestId));
  const info = (label: string) => concat(utf8(label), newKey, oldKey);
  const base = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
  const codeBytes = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt, info: new Uint8Array(info("sealroom approval code v1|")) },
      base,
      256,
    ),
  );
  const wrapKey = await hkdfAesKey(shared, salt, info("sealroom approval key v1|"));
  return { code: sixDigits(codeBytes), wrapKey };
}

/**
 * Six uniform digits from 32 bytes: the first 4-byte word below the largest multiple of 10^6 that
 * fits in 32 bits (rejection sampling). A word is rejected with probability 2.3e-4, all eight
 * with 10^-29: only then is the last one reduced with its tiny bias.
 */
export function sixDigits(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const limit = Math.floor(2 ** 32 / 1e6) * 1e6;
  let word = 0;
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    word = view.getUint32(i);
    if (word < limit) break;
  }
  const digits = String(word % 1e6).padStart(6, "0");
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

const grantAad = (requestId: string, version: number) => utf8(`sealroom-approval-grant-v1|${requestId}|${version}`);

/** The backup key sealed for the new device: base64url of nonce, ciphertext, tag. */
export async function sealGrant(wrapKey: WebKey, requestId: string, version: number, key: Uint8Array): Promise<string> {
  return b64(await sealWith(wrapKey, grantAad(requestId, version), key));
}

/** The backup key of a grant, or undefined when it does not open (never throws). */
export async function openGrant(
  wrapKey: WebKey,
  requestId: string,
  version: number,
  wrapped: string,
): Promise<Uint8Array | undefined> {
  try {
    const bytes = decoded(wrapped, 12 + 16, 128);
    const key = bytes && (await openWith(wrapKey, grantAad(requestId, version), bytes));
    return key?.length === BACKUP_KEY_BYTES ? key : undefined;
  } catch {
    return undefined;
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
