/** The `node:crypto` backend: used by the gateway and by Node clients. */
import {
  constants,
  createCipheriv,
  createECDH,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import {
  SUITES,
  ephemeralLength,
  type Aead,
  type CryptoBackend,
  type EphemeralKeyPair,
  type ServerKey,
  type Suite,
} from "./backend.js";
import { deriveTicketKey } from "./keys.js";

interface NodeKeyPair extends EphemeralKeyPair {
  readonly privateKey: KeyObject;
}

/*
 * Raw public keys go in and out of KeyObjects as JWK, not SPKI DER: OpenSSL 3's DER encoder and
 * decoder cost ~80 us each per X25519 key here, JWK 2-11 us, and a handshake does one of each.
 * Node checks a JWK EC point is on the curve, as the DER decoder did.
 *
 * Ephemeral keys are never made with generateKeyPair(Sync), whose keys must not be exported as
 * JWK: the thread can deadlock. Node (20 at least) holds the key's mutex while it builds the JWK's
 * strings; a garbage collection during that runs the destructor of the key's generation job, which
 * locks the same mutex. It hung a test process about once in 20 runs of resume.fuzz.test.ts, and
 * would hang a gateway the same way; test/chaos/keygen.chaos.test.ts makes thousands of keys under
 * constant collection. Keys imported from JWK have no generation job.
 */

const COORDINATE = 32;

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");
}

/** A big-endian number as fixed-length bytes (left-padded, should an encoder drop leading zeros). */
function fixedLength(b: Uint8Array, length: number): Uint8Array {
  if (b.length === 0 || b.length > length) throw new Error("unexpected key encoding from node:crypto");
  const out = new Uint8Array(length);
  out.set(b, length - b.length);
  return out;
}

/** A JWK member as fixed-length bytes. */
function jwkBytes(member: string | undefined, length: number): Uint8Array {
  return fixedLength(Buffer.from(member ?? "", "base64url"), length);
}

/**
 * X25519: any 32 random bytes are a private key (RFC 7748 section 5 clamps them). Node's JWK import
 * of a private OKP key reads only `d` (`x` must be a string; OpenSSL derives the public key).
 */
function x25519Pair(): NodeKeyPair {
  const d = b64url(randomBytes(COORDINATE));
  const privateKey = createPrivateKey({ key: { kty: "OKP", crv: "X25519", d, x: "" }, format: "jwk" });
  return { privateKey, publicKey: jwkBytes(privateKey.export({ format: "jwk" }).x, COORDINATE) };
}

/** P-256: the pair from an ECDH object (its public key comes out raw), as a KeyObject through JWK. */
function p256Pair(): NodeKeyPair {
  const ecdh = createECDH("prime256v1");
  const publicKey = u8(ecdh.generateKeys());
  const [x, y] = [publicKey.subarray(1, 1 + COORDINATE), publicKey.subarray(1 + COORDINATE)].map(b64url);
  const d = b64url(fixedLength(u8(ecdh.getPrivateKey()), COORDINATE));
  const privateKey = createPrivateKey({ key: { kty: "EC", crv: "P-256", x, y, d }, format: "jwk" });
  return { privateKey, publicKey };
}

/** Throws for a key of the wrong length, a P-256 point not in uncompressed form or not on the curve. */
function publicFromRaw(suite: Suite, raw: Uint8Array): KeyObject {
  if (raw.length !== ephemeralLength(suite)) throw new Error("bad public key length");
  if (suite === SUITES.X25519_AES256GCM_SHA256) {
    return createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64url(raw) }, format: "jwk" });
  }
  if (raw[0] !== 4) throw new Error("not an uncompressed P-256 point");
  const x = b64url(raw.subarray(1, 1 + COORDINATE));
  const y = b64url(raw.subarray(1 + COORDINATE));
  return createPublicKey({ key: { kty: "EC", crv: "P-256", x, y }, format: "jwk" });
}

function u8(b: Buffer | ArrayBuffer): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.length);
}

class NodeAead implements Aead {
  constructor(private readonly key: Uint8Array) {}

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(this.sealSync(nonce, aad, plaintext));
  }

  sealSync(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const c = createCipheriv("aes-256-gcm", this.key, nonce);
    c.setAAD(aad);
    const head = c.update(plaintext);
    const tail = c.final();
    return u8(Buffer.concat([head, tail, c.getAuthTag()]));
  }

  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    try {
      if (ciphertext.length < 16) throw new Error("ciphertext shorter than the tag");
      const d = createDecipheriv("aes-256-gcm", this.key, nonce);
      d.setAAD(aad);
      d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      const head = d.update(ciphertext.subarray(0, ciphertext.length - 16));
      const tail = d.final();
      // GCM's final() returns nothing: no copy for it.
      return Promise.resolve(u8(tail.length === 0 ? head : Buffer.concat([head, tail])));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error("decrypt failed"));
    }
  }
}

export const nodeBackend: CryptoBackend = {
  name: "node",
  randomBytes: (n) => u8(randomBytes(n)),
  sha256: (data) => Promise.resolve(u8(createHash("sha256").update(data).digest())),
  hkdf: (ikm, salt, info, length) => Promise.resolve(u8(hkdfSync("sha256", ikm, salt, info, length))),
  hmacSha256: (key, data) => Promise.resolve(u8(createHmac("sha256", key).update(data).digest())),
  supportedSuites: () => Promise.resolve([SUITES.X25519_AES256GCM_SHA256, SUITES.P256_AES256GCM_SHA256]),

  generateEphemeral(suite) {
    return Promise.resolve(suite === SUITES.X25519_AES256GCM_SHA256 ? x25519Pair() : p256Pair());
  },

  importEphemeral(_suite, pkcs8, publicKey) {
    const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
    const pair: NodeKeyPair = { publicKey, privateKey };
    return Promise.resolve(pair);
  },

  ecdh(suite, own, peerPublic) {
    try {
      const publicKey = publicFromRaw(suite, peerPublic);
      const secret = diffieHellman({ privateKey: (own as NodeKeyPair).privateKey, publicKey });
      return Promise.resolve(u8(secret));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error("ecdh failed"));
    }
  },

  rsaOaepEncrypt(spkiDer, data) {
    const key = createPublicKey({ key: Buffer.from(spkiDer), format: "der", type: "spki" });
    const out = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, data);
    return Promise.resolve(u8(out));
  },

  aead: (key) => Promise.resolve(new NodeAead(key)),
};

/** Loads the gateway's RSA private key (PKCS#8 PEM) as a ServerKey. */
export function nodeServerKey(privatePem: string): ServerKey {
  const key = createPrivateKey(privatePem);
  if (key.asymmetricKeyType !== "rsa") throw new Error("the server key must be an RSA key");
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new Error(`the server key has ${bits} bits; at least 2048 are required`);
  const spki = u8(createPublicKey(key).export({ format: "der", type: "spki" }));
  const keyId = u8(createHash("sha256").update(spki).digest());
  const pkcs8 = u8(key.export({ format: "der", type: "pkcs8" }));
  return {
    spki,
    keyId,
    ticketKey: (period) => deriveTicketKey(nodeBackend, pkcs8, period),
    decrypt(ciphertext) {
      try {
        const out = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, ciphertext);
        return Promise.resolve(u8(out));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error("rsa decrypt failed"));
      }
    },
  };
}

/** Generates a new RSA server key as PKCS#8 PEM. */
export function generateServerKeyPem(bits = 3072): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}
