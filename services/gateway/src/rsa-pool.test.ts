import { constants, createPublicKey, publicEncrypt, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { generateServerKeyPem, nodeServerKey } from "@sealroom/proto/session/node";
import { RsaPool, pooledServerKey } from "./rsa-pool.js";
import { silentLog } from "./test/harness.js";

const pem = generateServerKeyPem(2048);
const key = nodeServerKey(pem);

function encrypt(secret: Uint8Array): Uint8Array {
  const pub = createPublicKey({ key: Buffer.from(key.spki), format: "der", type: "spki" });
  return publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, secret);
}

const pools: RsaPool[] = [];
function pool(threads = 2, inline = key.decrypt): RsaPool {
  const p = new RsaPool({ privatePem: pem, threads, inline, log: silentLog, restartDelayMs: 10 });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** An inline decryption that counts its calls, so a test can tell where a decryption ran. */
function countingInline() {
  const calls = { n: 0 };
  const inline = (c: Uint8Array) => {
    calls.n++;
    return key.decrypt(c);
  };
  return { calls, inline };
}

describe("RsaPool", () => {
  it("decrypts on its threads what the key decrypts inline, many at once", async () => {
    const { calls, inline } = countingInline();
    const p = pool(2, inline);
    const secrets = Array.from({ length: 50 }, () => new Uint8Array(randomBytes(32)));
    const out = await Promise.all(secrets.map((s) => p.decrypt(encrypt(s))));
    expect(out).toEqual(secrets);
    expect(calls.n).toBe(0);
  });

  it("rejects a ciphertext that does not decrypt, as the inline decryption does", async () => {
    const p = pool(1);
    const bad = encrypt(new Uint8Array(32));
    bad[10]! ^= 1;
    await expect(key.decrypt(bad)).rejects.toThrow();
    await expect(p.decrypt(bad)).rejects.toThrow("rsa decrypt failed");
    // The thread is still serving.
    const s = new Uint8Array(randomBytes(32));
    expect(await p.decrypt(encrypt(s))).toEqual(s);
  });

  it("loses nothing when a thread dies: what it had is decrypted inline, and the thread is replaced", async () => {
    const { calls, inline } = countingInline();
    const p = pool(1, inline);
    const secrets = Array.from({ length: 20 }, () => new Uint8Array(randomBytes(32)));
    const [worker] = p.workers;
    const pending = Promise.all(secrets.map((s) => p.decrypt(encrypt(s))));
    await worker!.terminate();
    expect(await pending).toEqual(secrets);
    await expect.poll(() => p.workers.length).toBe(1);
    expect(p.workers[0]).not.toBe(worker);
    const before = calls.n;
    const s = new Uint8Array(randomBytes(32));
    expect(await p.decrypt(encrypt(s))).toEqual(s);
    expect(calls.n).toBe(before);
  });

  it("decrypts inline after close", async () => {
    const { calls, inline } = countingInline();
    const p = pool(1, inline);
    await p.close();
    const s = new Uint8Array(randomBytes(32));
    expect(await p.decrypt(encrypt(s))).toEqual(s);
    expect(calls.n).toBe(1);
    expect(p.workers).toHaveLength(0);
  });

  it("a pooled key keeps the key's identity and ticket keys", async () => {
    const pooled = pooledServerKey(key, pool(1));
    expect(pooled.spki).toBe(key.spki);
    expect(pooled.keyId).toBe(key.keyId);
    expect(await pooled.ticketKey!(7)).toEqual(await key.ticketKey!(7));
  });
});
