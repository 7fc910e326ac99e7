import { describe, expect, test } from "vitest";
import { b64, fromB64 } from "../e2e/base64url.js";
import {
  approvalSecrets,
  commitmentOf,
  newApprovalKeyPair,
  openGrant,
  sealGrant,
  sixDigits,
} from "./approval-crypto.js";
import { keyCheck, newBackupKey, openEntry, sealEntry, unwrapWithPassphrase, wrapWithPassphrase } from "./crypto.js";

const place = { userId: 7, conversationId: "dm:7:9", seq: 12, keyVersion: 1 };
const text = new TextEncoder().encode("what was said");

describe("archive entries", () => {
  test("open under the same key and place, and nowhere else", async () => {
    const key = newBackupKey();
    const sealed = await sealEntry(key, place, text);
    expect(await openEntry(key, place, sealed)).toEqual(text);
    expect(await openEntry(Uint8Array.from(key), place, sealed)).toEqual(text);
    expect(await openEntry(newBackupKey(), place, sealed)).toBeUndefined();
    for (const moved of [
      { ...place, userId: 8 },
      { ...place, conversationId: "group:1" },
      { ...place, seq: 13 },
      { ...place, keyVersion: 2 },
    ]) {
      expect(await openEntry(key, moved, sealed)).toBeUndefined();
    }
  });

  test("a tampered, truncated or malformed entry does not open, and nothing throws", async () => {
    const key = newBackupKey();
    const bytes = fromB64(await sealEntry(key, place, text));
    for (const at of [0, 12, bytes.length - 1]) {
      const tampered = Uint8Array.from(bytes);
      tampered[at]! ^= 1;
      expect(await openEntry(key, place, b64(tampered))).toBeUndefined();
    }
    for (const bad of [b64(bytes.slice(0, 27)), "", "not base64!", "A", "=="]) {
      expect(await openEntry(key, place, bad)).toBeUndefined();
    }
    expect(await openEntry(new Uint8Array(3), place, b64(bytes))).toBeUndefined();
  });

  test("each seal takes a fresh nonce", async () => {
    const key = newBackupKey();
    expect(await sealEntry(key, place, text)).not.toBe(await sealEntry(key, place, text));
  });
});

test("the key check is 43 base64url characters, the same for the same key", async () => {
  const key = newBackupKey();
  expect(await keyCheck(key)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(await keyCheck(Uint8Array.from(key))).toBe(await keyCheck(key));
  expect(await keyCheck(newBackupKey())).not.toBe(await keyCheck(key));
});

describe("the passphrase wrap", () => {
  test("argon2id 64 MiB, t=3; unwraps with the passphrase (NFKC), not another one or another version", async () => {
    const key = newBackupKey();
    const wrap = await wrapWithPassphrase(key, 3, "correct horse ﬁ battery");
    expect(wrap).toMatchObject({ kdf: "argon2id", memoryKiB: 65536, iterations: 3, parallelism: 1 });
    expect(fromB64(wrap.salt)).toHaveLength(16);
    // "ﬁ" (the ligature) and "fi" are one passphrase after NFKC.
    expect(await unwrapWithPassphrase(wrap, 3, "correct horse fi battery")).toEqual(key);
    expect(await unwrapWithPassphrase(wrap, 3, "correct horse fi batterY")).toBeUndefined();
    expect(await unwrapWithPassphrase(wrap, 4, "correct horse fi battery")).toBeUndefined();
  }, 60_000);

  test("a wrap that is not one, or names parameters out of bounds, is refused without deriving", async () => {
    const key = newBackupKey();
    const wrap = await wrapWithPassphrase(key, 1, "a long enough phrase", {
      memoryKiB: 19 * 1024,
      iterations: 1,
      parallelism: 1,
    });
    expect(await unwrapWithPassphrase(wrap, 1, "a long enough phrase")).toEqual(key);
    expect(await unwrapWithPassphrase({ ...wrap, memoryKiB: 4 * 1024 * 1024 }, 1, "a long enough phrase")).toBe(
      undefined,
    );
    expect(await unwrapWithPassphrase({ ...wrap, wrapped: "x" }, 1, "a long enough phrase")).toBeUndefined();
    expect(await unwrapWithPassphrase(null, 1, "a long enough phrase")).toBeUndefined();
    const tampered = fromB64(wrap.wrapped);
    tampered[20]! ^= 1;
    expect(await unwrapWithPassphrase({ ...wrap, wrapped: b64(tampered) }, 1, "a long enough phrase")).toBe(undefined);
  }, 60_000);
});

describe("approval secrets", () => {
  test("both sides derive the same code and wrap key; the grant opens only for its request and version", async () => {
    const fresh = await newApprovalKeyPair();
    const old = await newApprovalKeyPair();
    expect(fresh.publicKey).toHaveLength(65);
    const n = await approvalSecrets({ requestId: "r1", own: fresh, peerPublicKey: old.publicKey, role: "new" });
    const o = await approvalSecrets({ requestId: "r1", own: old, peerPublicKey: fresh.publicKey, role: "old" });
    expect(n.code).toMatch(/^\d{3} \d{3}$/);
    expect(o.code).toBe(n.code);

    const key = newBackupKey();
    const wrapped = await sealGrant(o.wrapKey, "r1", 2, key);
    expect(await openGrant(n.wrapKey, "r1", 2, wrapped)).toEqual(key);
    expect(await openGrant(n.wrapKey, "r2", 2, wrapped)).toBeUndefined();
    expect(await openGrant(n.wrapKey, "r1", 3, wrapped)).toBeUndefined();
    expect(await openGrant(n.wrapKey, "r1", 2, "garbage!")).toBeUndefined();
  });

  test("a key substituted in the middle gives different codes on the two sides", async () => {
    const fresh = await newApprovalKeyPair();
    const old = await newApprovalKeyPair();
    const mallory = await newApprovalKeyPair();
    // The server hands each side Mallory's key instead of the other's.
    const n = await approvalSecrets({ requestId: "r", own: fresh, peerPublicKey: mallory.publicKey, role: "new" });
    const o = await approvalSecrets({ requestId: "r", own: old, peerPublicKey: mallory.publicKey, role: "old" });
    expect(n.code).not.toBe(o.code);
    // Another request id gives another code for the same keys.
    const other = await approvalSecrets({ requestId: "s", own: fresh, peerPublicKey: old.publicKey, role: "new" });
    const same = await approvalSecrets({ requestId: "r", own: fresh, peerPublicKey: old.publicKey, role: "new" });
    expect(other.code).not.toBe(same.code);
  });

  test("the commitment is SHA-256 of the key; a point that is not one is refused", async () => {
    const pair = await newApprovalKeyPair();
    expect(fromB64(await commitmentOf(pair.publicKey))).toHaveLength(32);
    expect(await commitmentOf(pair.publicKey)).not.toBe(await commitmentOf((await newApprovalKeyPair()).publicKey));
    const notAPoint = new Uint8Array(65).fill(4);
    await expect(
      approvalSecrets({ requestId: "r", own: pair, peerPublicKey: notAPoint, role: "old" }),
    ).rejects.toThrow();
  });

  test("six digits: a rejected word moves to the next one; zero padded", () => {
    const bytes = new Uint8Array(32);
    new DataView(bytes.buffer).setUint32(0, 0xffffffff);
    new DataView(bytes.buffer).setUint32(4, 42);
    expect(sixDigits(bytes)).toBe("000 042");
    new DataView(bytes.buffer).setUint32(0, 1_234_567);
    expect(sixDigits(bytes)).toBe("234 567");
  });
});
