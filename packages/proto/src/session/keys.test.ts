/**
 * The key schedule computes HKDF as its HMACs (keys.ts) and node:crypto moves raw public keys
 * through JWK (node.ts): both must give exactly what the textbook operations give, on random input,
 * beyond the few fixed inputs of vectors.json.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { SUITES, type CryptoBackend, type Suite } from "./backend.js";
import { concat, utf8 } from "./bytes.js";
import { deriveHandshakeSecrets, expand, trafficKeys } from "./keys.js";
import { nodeBackend } from "./node.js";
import { webBackend } from "./web.js";

const backends: [string, CryptoBackend][] = [
  ["node", nodeBackend],
  ["web", webBackend],
];
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const EMPTY = new Uint8Array(0);
const hkdf = (ikm: Uint8Array, salt: Uint8Array, label: string, length: number) =>
  nodeBackend.hkdf(ikm, salt, utf8(`sealroom/v1 ${label}`), length);

describe.each(backends)("the key schedule on %s equals HKDF-SHA256", (_name, backend) => {
  test("expand, for any secret, label and length up to one block", async () => {
    await fc.assert(
      fc.asyncProperty(bytes(0, 80), fc.string({ maxLength: 24 }), fc.integer({ min: 1, max: 32 }), async (s, l, n) => {
        expect(await expand(backend, s, l, n)).toEqual(await hkdf(s, EMPTY, l, n));
      }),
      { numRuns: 60 },
    );
  });

  test("the handshake secrets and traffic keys", async () => {
    await fc.assert(
      fc.asyncProperty(bytes(32, 32), bytes(32, 65), bytes(32, 32), fc.boolean(), async (psk, ecdh, th, resumed) => {
        const label = resumed ? "resumed master" : "master";
        const secrets = await deriveHandshakeSecrets(backend, psk, ecdh, th, label);
        const master = await hkdf(concat(psk, ecdh), th, label, 32);
        expect(secrets.master).toEqual(master);
        for (const [key, name] of [
          ["c2s", "c2s"],
          ["s2c", "s2c"],
          ["finishedClient", "finished c"],
          ["finishedServer", "finished s"],
          ["resumption", "resumption"],
        ] as const) {
          expect(secrets[key]).toEqual(await hkdf(master, EMPTY, name, 32));
        }
        const traffic = await trafficKeys(backend, secrets.c2s);
        expect(traffic.key).toEqual(await hkdf(secrets.c2s, EMPTY, "key", 32));
        expect(traffic.iv).toEqual(await hkdf(secrets.c2s, EMPTY, "iv", 12));
      }),
      { numRuns: 30 },
    );
  });

  test("more than one block per label is refused rather than computed wrongly", async () => {
    await expect(expand(backend, new Uint8Array(32), "key", 33)).rejects.toThrow();
  });
});

describe.each([SUITES.X25519_AES256GCM_SHA256, SUITES.P256_AES256GCM_SHA256] as Suite[])(
  "node:crypto's raw public keys, suite %i",
  (suite) => {
    // WebCrypto imports node's raw key and node imports WebCrypto's: a wrong encoding either way
    // gives two different secrets.
    test("node and WebCrypto agree on the shared secret across raw public keys", async () => {
      for (let i = 0; i < 10; i++) {
        const own = await nodeBackend.generateEphemeral(suite);
        const peer = await webBackend.generateEphemeral(suite);
        expect(await nodeBackend.ecdh(suite, own, peer.publicKey)).toEqual(
          await webBackend.ecdh(suite, peer, own.publicKey),
        );
      }
    });

    test("a key of the wrong length is refused", async () => {
      const own = await nodeBackend.generateEphemeral(suite);
      const peer = (await nodeBackend.generateEphemeral(suite)).publicKey;
      await expect(nodeBackend.ecdh(suite, own, peer.subarray(1))).rejects.toThrow();
      await expect(nodeBackend.ecdh(suite, own, concat(peer, new Uint8Array(1)))).rejects.toThrow();
    });
  },
);

describe("node:crypto refuses P-256 points an attacker could choose", () => {
  const suite = SUITES.P256_AES256GCM_SHA256;

  test("a point off the curve, a compressed point, the point at infinity", async () => {
    const own = await nodeBackend.generateEphemeral(suite);
    const peer = (await nodeBackend.generateEphemeral(suite)).publicKey;
    const offCurve = peer.slice();
    offCurve[64]! ^= 1;
    const compressed = peer.slice();
    compressed[0] = 2;
    const infinity = concat(new Uint8Array([4]), new Uint8Array(64));
    for (const bad of [offCurve, compressed, infinity]) {
      await expect(nodeBackend.ecdh(suite, own, bad)).rejects.toThrow();
    }
  });
});
