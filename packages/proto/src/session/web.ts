/** The WebCrypto backend: used by browsers (and usable in Node 20, which the vector tests do). */
import { deriveTicketKey } from "./keys.js";
import { SUITES, type Aead, type CryptoBackend, type EphemeralKeyPair, type ServerKey, type Suite } from "./backend.js";

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) {
    throw new Error("WebCrypto is unavailable: browsers only provide it on https:// pages and on http://localhost");
  }
  return s;
}

/** WebCrypto wants ArrayBuffer-backed views; copy anything else (e.g. SharedArrayBuffer slices). */
function buf(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b);
}

function algorithm(suite: Suite): EcKeyImportParams | Algorithm {
  return suite === SUITES.X25519_AES256GCM_SHA256 ? { name: "X25519" } : { name: "ECDH", namedCurve: "P-256" };
}

class WebAead implements Aead {
  constructor(private readonly key: CryptoKey) {}

  async seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const params = { name: "AES-GCM", iv: buf(nonce), additionalData: buf(aad), tagLength: 128 };
    return new Uint8Array(await subtle().encrypt(params, this.key, buf(plaintext)));
  }

  async open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    const params = { name: "AES-GCM", iv: buf(nonce), additionalData: buf(aad), tagLength: 128 };
    return new Uint8Array(await subtle().decrypt(params, this.key, buf(ciphertext)));
  }
}

async function canUse(alg: Algorithm | EcKeyGenParams): Promise<boolean> {
  try {
    await subtle().generateKey(alg, false, ["deriveBits"]);
    return true;
  } catch {
    return false;
  }
}

export const webBackend: CryptoBackend = {
  name: "web",
  randomBytes(n) {
    const out = new Uint8Array(n);
    globalThis.crypto.getRandomValues(out);
    return out;
  },
  async sha256(data) {
    return new Uint8Array(await subtle().digest("SHA-256", buf(data)));
  },
  async hkdf(ikm, salt, info, length) {
    const key = await subtle().importKey("raw", buf(ikm), "HKDF", false, ["deriveBits"]);
    const params = { name: "HKDF", hash: "SHA-256", salt: buf(salt), info: buf(info) };
    return new Uint8Array(await subtle().deriveBits(params, key, length * 8));
  },
  async hmacSha256(key, data) {
    const k = await subtle().importKey("raw", buf(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await subtle().sign("HMAC", k, buf(data)));
  },
  async supportedSuites() {
    const out: Suite[] = [];
    if (await canUse({ name: "X25519" })) out.push(SUITES.X25519_AES256GCM_SHA256);
    if (await canUse({ name: "ECDH", namedCurve: "P-256" } as EcKeyGenParams)) {
      out.push(SUITES.P256_AES256GCM_SHA256);
    }
    return out;
  },
  async generateEphemeral(suite) {
    const pair = (await subtle().generateKey(algorithm(suite), false, ["deriveBits"])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await subtle().exportKey("raw", pair.publicKey));
    return { publicKey, privateKey: pair.privateKey };
  },
  async importEphemeral(suite, pkcs8, publicKey) {
    const privateKey = await subtle().importKey("pkcs8", buf(pkcs8), algorithm(suite), false, ["deriveBits"]);
    return { publicKey, privateKey };
  },
  async ecdh(suite, own, peerPublic) {
    const peer = await subtle().importKey("raw", buf(peerPublic), algorithm(suite), false, []);
    const name = suite === SUITES.X25519_AES256GCM_SHA256 ? "X25519" : "ECDH";
    const bits = await subtle().deriveBits(
      { name, public: peer } as EcdhKeyDeriveParams,
      (own as EphemeralKeyPair & { privateKey: CryptoKey }).privateKey,
      256,
    );
    return new Uint8Array(bits);
  },
  async rsaOaepEncrypt(spkiDer, data) {
    const key = await subtle().importKey("spki", buf(spkiDer), { name: "RSA-OAEP", hash: "SHA-256" }, false, [
      "encrypt",
    ]);
    return new Uint8Array(await subtle().encrypt({ name: "RSA-OAEP" }, key, buf(data)));
  },
  async aead(key) {
    const k = await subtle().importKey("raw", buf(key), "AES-GCM", false, ["encrypt", "decrypt"]);
    return new WebAead(k);
  },
};

/** A ServerKey on WebCrypto, from PKCS#8 DER; lets the vector tests run the server side on this backend. */
export async function webServerKey(pkcs8: Uint8Array, spki: Uint8Array): Promise<ServerKey> {
  const key = await subtle().importKey("pkcs8", buf(pkcs8), { name: "RSA-OAEP", hash: "SHA-256" }, false, ["decrypt"]);
  const keyId = await webBackend.sha256(spki);
  return {
    spki,
    keyId,
    ticketKey: (period) => deriveTicketKey(webBackend, pkcs8, period),
    async decrypt(ciphertext) {
      return new Uint8Array(await subtle().decrypt({ name: "RSA-OAEP" }, key, buf(ciphertext)));
    },
  };
}
