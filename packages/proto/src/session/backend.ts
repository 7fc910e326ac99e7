/**
 * The primitives the session needs, implemented twice: `node:crypto` on servers (fast for small
 * frames) and WebCrypto in browsers. The protocol code above this interface is shared, and the
 * test vectors in vectors.ts must come out byte for byte the same from both.
 */

/** Key-agreement groups, chosen by the client by feature detection. */
export const SUITES = {
  /** X25519 + AES-256-GCM + HKDF-SHA256, RSA-OAEP-SHA256 key transport. Preferred. */
  X25519_AES256GCM_SHA256: 0x01,
  /** P-256 (uncompressed points) + AES-256-GCM + HKDF-SHA256, RSA-OAEP-SHA256. Fallback. */
  P256_AES256GCM_SHA256: 0x02,
} as const;
export type Suite = (typeof SUITES)[keyof typeof SUITES];

export function isSuite(n: number): n is Suite {
  return n === SUITES.X25519_AES256GCM_SHA256 || n === SUITES.P256_AES256GCM_SHA256;
}

/** Public key length on the wire for each suite. */
export function ephemeralLength(suite: Suite): number {
  return suite === SUITES.X25519_AES256GCM_SHA256 ? 32 : 65;
}

/** An ephemeral key pair; `privateKey` is backend-specific and never leaves the backend. */
export interface EphemeralKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: unknown;
}

/** AES-256-GCM under one fixed key; 12-byte nonce, 16-byte tag appended to the ciphertext. */
export interface Aead {
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Rejects when the tag does not verify. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
  /** seal() without a promise, where the platform encrypts synchronously (node:crypto; not WebCrypto). */
  sealSync?(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
}

export interface CryptoBackend {
  readonly name: "node" | "web";
  randomBytes(n: number): Uint8Array;
  sha256(data: Uint8Array): Promise<Uint8Array>;
  /** HKDF-SHA256 (extract then expand). */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /** Which suites this platform can run, in order of preference. */
  supportedSuites(): Promise<Suite[]>;
  generateEphemeral(suite: Suite): Promise<EphemeralKeyPair>;
  /** Imports a fixed ephemeral private key (PKCS#8 DER); for test vectors only. */
  importEphemeral(suite: Suite, pkcs8: Uint8Array, publicKey: Uint8Array): Promise<EphemeralKeyPair>;
  /** Raw shared secret (X25519 output, or the P-256 x coordinate). Rejects invalid public keys. */
  ecdh(suite: Suite, own: EphemeralKeyPair, peerPublic: Uint8Array): Promise<Uint8Array>;
  /** RSA-OAEP with SHA-256 (and MGF1-SHA-256) to a public key given as SPKI DER. */
  rsaOaepEncrypt(spkiDer: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  aead(key: Uint8Array): Promise<Aead>;
}

/** The server's long-term RSA key, decrypting with RSA-OAEP-SHA256 only. */
export interface ServerKey {
  /** SubjectPublicKeyInfo DER, announced to clients in the ServerKey frame. */
  readonly spki: Uint8Array;
  /** SHA-256 of `spki`: the fingerprint clients pin. */
  readonly keyId: Uint8Array;
  decrypt(ciphertext: Uint8Array): Promise<Uint8Array>;
  /** The resumption ticket key of a rotation period, derived from the private key (keys.ts deriveTicketKey). */
  ticketKey?(period: number): Promise<Uint8Array>;
}
