/** The key schedule (docs/PROTOCOL.md, "Key schedule"). */
import type { CryptoBackend } from "./backend.js";
import { concat, u64, utf8 } from "./bytes.js";

/*
 * HKDF-SHA256 (RFC 5869) written out as its HMACs rather than one `backend.hkdf` call per key: every
 * output here is at most one hash long, so Expand is a single HMAC, and the keys derived from one
 * secret share one Extract. On node:crypto an HMAC costs a fifth of an `hkdfSync` call, and a
 * handshake derives a dozen keys. The bytes are exactly HKDF's (vectors.json, keys.test.ts).
 */

const HASH_LENGTH = 32;
/** RFC 5869 2.2: an absent salt is HashLen zero bytes (WebCrypto refuses an empty HMAC key). */
const ZERO_SALT = new Uint8Array(HASH_LENGTH);

/** HKDF-Extract: PRK = HMAC(salt, ikm). */
function extract(backend: CryptoBackend, salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array> {
  return backend.hmacSha256(salt.length === 0 ? ZERO_SALT : salt, ikm);
}

const infos = new Map<string, Uint8Array>();

/** info = "sealroom/v1 " + label, followed by Expand's first block counter (0x01); built once per label. */
function labelBlock(label: string): Uint8Array {
  let block = infos.get(label);
  if (!block) {
    block = concat(utf8(`sealroom/v1 ${label}`), new Uint8Array([1]));
    infos.set(label, block);
  }
  return block;
}

/** HKDF-Expand of at most one block: T(1) = HMAC(PRK, info || 0x01), truncated to `length`. */
async function expandBlock(
  backend: CryptoBackend,
  prk: Uint8Array,
  label: string,
  length: number,
): Promise<Uint8Array> {
  if (length > HASH_LENGTH) throw new Error("the key schedule derives at most one hash length per label");
  const t1 = await backend.hmacSha256(prk, labelBlock(label));
  return length === HASH_LENGTH ? t1 : t1.slice(0, length);
}

/** Several labels of one secret: HKDF-SHA256(secret, salt = empty, info = "sealroom/v1 " + label) each. */
async function expandLabels(
  backend: CryptoBackend,
  secret: Uint8Array,
  labels: readonly (readonly [label: string, length: number])[],
): Promise<Uint8Array[]> {
  const prk = await extract(backend, ZERO_SALT, secret);
  return Promise.all(labels.map(([label, length]) => expandBlock(backend, prk, label, length)));
}

/** HKDF-SHA256(secret, salt = empty, info = "sealroom/v1 " + label). */
export async function expand(
  backend: CryptoBackend,
  secret: Uint8Array,
  label: string,
  length: number,
): Promise<Uint8Array> {
  const [out] = await expandLabels(backend, secret, [[label, length]]);
  return out!;
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
  const prk = await extract(backend, transcriptHash, concat(rsaSecret, ecdhSecret));
  const master = await expandBlock(backend, prk, masterLabel, 32);
  const [c2s, s2c, finishedClient, finishedServer, resumption] = await expandLabels(backend, master, [
    ["c2s", 32],
    ["s2c", 32],
    ["finished c", 32],
    ["finished s", 32],
    ["resumption", 32],
  ]);
  return {
    master,
    c2s: c2s!,
    s2c: s2c!,
    finishedClient: finishedClient!,
    finishedServer: finishedServer!,
    resumption: resumption!,
  };
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
  const [key, iv] = await expandLabels(backend, secret, [
    ["key", 32],
    ["iv", 12],
  ]);
  return { key: key!, iv: iv! };
}

/** The next traffic secret of one direction after a KEY_UPDATE. */
export function nextTrafficSecret(backend: CryptoBackend, secret: Uint8Array): Promise<Uint8Array> {
  return expand(backend, secret, "update", 32);
}

/** nonce = iv XOR (0^32 || seq as 64-bit big-endian), as in TLS 1.3. */
export function nonceFor(iv: Uint8Array, seq: bigint): Uint8Array {
  const nonce = iv.slice();
  // Two 32-bit XORs instead of eight BigInt shifts: this runs for every record in both directions.
  const v = new DataView(nonce.buffer, nonce.byteOffset, 12);
  v.setUint32(4, v.getUint32(4) ^ Number((seq >> 32n) & 0xffffffffn));
  v.setUint32(8, v.getUint32(8) ^ Number(seq & 0xffffffffn));
  return nonce;
}
