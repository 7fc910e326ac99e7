/** The key schedule (docs/PROTOCOL.md, "Key schedule"). */
import type { CryptoBackend } from "./backend.js";
import { concat, u64, utf8 } from "./bytes.js";

const EMPTY = new Uint8Array(0);

/** HKDF-SHA256(secret, salt = empty, info = "sealroom/v1 " + label). */
export function expand(backend: CryptoBackend, secret: Uint8Array, label: string, length: number): Promise<Uint8Array> {
  return backend.hkdf(secret, EMPTY, utf8(`sealroom/v1 ${label}`), length);
}

export interface HandshakeSecrets {
  master: Uint8Array;
  c2s: Uint8Array;
  s2c: Uint8Array;
  finishedClient: Uint8Array;
  finishedServer: Uint8Array;
  /** What a resumption ticket carries, so a later connection can skip the RSA operation. */
  resumption: Uint8Array;
}

/**
 * ms = HKDF-SHA256(ikm = k_rsa || ecdh, salt = transcript hash, info = "sealroom/v1 master").
 * The RSA-transported secret authenticates the server; the ECDH secret gives forward secrecy;
 * the transcript salt binds every handshake byte. A resumed handshake puts the ticket's resumption
 * secret where k_rsa was, under its own label, so its keys never equal a full handshake's.
 */
export async function deriveHandshakeSecrets(
  backend: CryptoBackend,
  rsaSecret: Uint8Array,
  ecdhSecret: Uint8Array,
  transcriptHash: Uint8Array,
  masterLabel: "master" | "resumed master" = "master",
): Promise<HandshakeSecrets> {
  const master = await backend.hkdf(
    concat(rsaSecret, ecdhSecret),
    transcriptHash,
    utf8(`sealroom/v1 ${masterLabel}`),
    32,
  );
  const [c2s, s2c, finishedClient, finishedServer, resumption] = await Promise.all([
    expand(backend, master, "c2s", 32),
    expand(backend, master, "s2c", 32),
    expand(backend, master, "finished c", 32),
    expand(backend, master, "finished s", 32),
    expand(backend, master, "resumption", 32),
  ]);
  return { master, c2s, s2c, finishedClient, finishedServer, resumption };
}

/** The key of a ResumeHello's binder: proof that the client holds the ticket's resumption secret. */
export function binderKey(backend: CryptoBackend, resumption: Uint8Array): Promise<Uint8Array> {
  return expand(backend, resumption, "binder", 32);
}

/** binder = HMAC-SHA256(binder key, SHA-256(ServerKey || ResumeHello up to the binder)). */
export async function resumptionBinder(
  backend: CryptoBackend,
  resumption: Uint8Array,
  serverKeyFrame: Uint8Array,
  helloPrefix: Uint8Array,
): Promise<Uint8Array> {
  const hash = await backend.sha256(concat(serverKeyFrame, helloPrefix));
  return backend.hmacSha256(await binderKey(backend, resumption), hash);
}

/**
 * The ticket key of one rotation period: HKDF(ikm = the RSA private key as PKCS#8 DER, salt = the
 * period index as 64-bit big-endian, info = "sealroom/v1 ticket key"). Every replica holds the same
 * key file, so all agree on it without talking to each other.
 */
export function deriveTicketKey(
  backend: CryptoBackend,
  privateKeyPkcs8: Uint8Array,
  period: number,
): Promise<Uint8Array> {
  return backend.hkdf(privateKeyPkcs8, u64(BigInt(period)), utf8("sealroom/v1 ticket key"), 32);
}

export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

export async function trafficKeys(backend: CryptoBackend, secret: Uint8Array): Promise<TrafficKeys> {
  const [key, iv] = await Promise.all([expand(backend, secret, "key", 32), expand(backend, secret, "iv", 12)]);
  return { key, iv };
}

/** The next traffic secret of one direction after a KEY_UPDATE. */
export function nextTrafficSecret(backend: CryptoBackend, secret: Uint8Array): Promise<Uint8Array> {
  return expand(backend, secret, "update", 32);
}

/** nonce = iv XOR (0^32 || seq as 64-bit big-endian), as in TLS 1.3. */
export function nonceFor(iv: Uint8Array, seq: bigint): Uint8Array {
  const nonce = iv.slice();
  for (let i = 0; i < 8; i++) {
    nonce[11 - i]! ^= Number((seq >> BigInt(8 * i)) & 0xffn);
  }
  return nonce;
}
