/**
 * HistoryBackup's client logic against a small in-memory stand-in for the four backup commands
 * (test/fake-backup-server.ts); the real services are exercised by the stack's integration test.
 */
import { describe, expect, test } from "vitest";
import { AppError } from "@sealroom/proto/errors";
import { MemoryE2eStateStore } from "../e2e/state-store.js";
import { keyCheck } from "./crypto.js";
import { HistoryBackup, passphraseProblem } from "./history-backup.js";
import { deviceOnly, FakeBackupServer } from "./test/fake-backup-server.js";

/** The cheapest argon2id the contract allows: these tests are about the logic, crypto.test.ts the cost. */
const passphraseKdf = { memoryKiB: 19 * 1024, iterations: 1, parallelism: 1 };

function device(server: FakeBackupServer, deviceId: string, store = new MemoryE2eStateStore()) {
  const client = server.client(deviceId);
  const backup = new HistoryBackup(client, store, deviceOnly(deviceId), { passphraseKdf });
  backup.start();
  return { client, backup, store };
}

async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}
const settled = (b: HistoryBackup) => until(() => b.status.kind !== "loading", "a status");

describe("the backup key", () => {
  test("the first device makes it (version 1), keeps it, and is ready; a later device is locked", async () => {
    const server = new FakeBackupServer();
    const first = device(server, "dev_a");
    first.client.signIn();
    await settled(first.backup);
    expect(first.backup.status).toEqual({ kind: "ready", version: 1, passphrase: false });
    const held = first.backup.currentKey()!;
    expect(held.version).toBe(1);
    expect(server.key).toEqual({ version: 1, check: await keyCheck(held.key), passphrase: null });
    expect(await first.store.loadBackupKeys(7)).toEqual([{ version: 1, key: held.key }]);
    expect(first.backup.userId).toBe(7);

    const second = device(server, "dev_b");
    second.client.signIn();
    await settled(second.backup);
    expect(second.backup.status).toEqual({ kind: "locked", passphrase: false });
    expect(second.backup.currentKey()).toBeUndefined();
    expect(server.key?.version).toBe(1);
  });

  test("two first devices at once: one makes the key, the other gets CONFLICT, reads it and is locked", async () => {
    const server = new FakeBackupServer();
    const a = device(server, "dev_a");
    const b = device(server, "dev_b");
    a.client.signIn();
    b.client.signIn();
    await Promise.all([settled(a.backup), settled(b.backup)]);
    expect(server.conflicts).toBe(1);
    const kinds = [a.backup.status.kind, b.backup.status.kind].sort();
    expect(kinds).toEqual(["locked", "ready"]);
    const loser = a.backup.status.kind === "locked" ? a : b;
    // The key it made and lost is not kept: it would never open anything.
    expect(await loser.store.loadBackupKeys(7)).toEqual([]);
    expect(loser.backup.keyFor(1)).toBeUndefined();
  });

  test("a device that signs in again with its stored key is ready at once; a stored key that does not check out is dropped", async () => {
    const server = new FakeBackupServer();
    const first = device(server, "dev_a");
    first.client.signIn();
    await settled(first.backup);
    first.backup.stop();

    const again = device(server, "dev_a2", first.store);
    again.client.signIn();
    await settled(again.backup);
    expect(again.backup.status).toEqual({ kind: "ready", version: 1, passphrase: false });

    const wrong = new MemoryE2eStateStore();
    await wrong.saveBackupKeys(7, [{ version: 1, key: new Uint8Array(32).fill(3) }]);
    const other = device(server, "dev_c", wrong);
    other.client.signIn();
    await settled(other.backup);
    expect(other.backup.status.kind).toBe("locked");
    expect(await wrong.loadBackupKeys(7)).toEqual([]);
  });

  test("signing out forgets the key here; the status is loading until the next sign-in", async () => {
    const server = new FakeBackupServer();
    const a = device(server, "dev_a");
    a.client.signIn();
    await settled(a.backup);
    a.client.signOut();
    expect(a.backup.status).toEqual({ kind: "loading" });
    expect(a.backup.currentKey()).toBeUndefined();
    expect(a.backup.keyFor(1)).toBeUndefined();
    expect(a.backup.userId).toBeUndefined();
  });

  test("a status read that times out is tried again until one answers: the device does not stay loading", async () => {
    const server = new FakeBackupServer();
    const first = device(server, "dev_a");
    first.client.signIn();
    await settled(first.backup);

    server.failStatusReads.count = 2;
    const again = device(server, "dev_a2", first.store);
    again.client.signIn();
    // No event and no new sign-in comes: only the retries can bring it to ready (0.5 s, then 1 s).
    for (let i = 0; i < 100 && again.backup.status.kind === "loading"; i++) await new Promise((r) => setTimeout(r, 50));
    expect(again.backup.status).toEqual({ kind: "ready", version: 1, passphrase: false });
    expect(server.failStatusReads.count).toBe(0);
  });

  test("a refused status read is not retried, nor one begun before a sign-out", async () => {
    const server = new FakeBackupServer();
    const a = device(server, "dev_a");
    server.failStatusReads = { count: 1, error: new AppError("BAD_REQUEST") };
    a.client.signIn();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(server.statusReads).toBe(1);
    expect(a.backup.status).toEqual({ kind: "loading" });

    server.failStatusReads = { count: 1, error: new AppError("TIMEOUT") };
    a.client.signIn();
    await until(() => server.statusReads === 2, "the read that times out");
    a.client.signOut();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(server.statusReads).toBe(2);
    expect(a.backup.status).toEqual({ kind: "loading" });
  });
});

describe("the recovery passphrase", () => {
  test("weak ones are refused before anything is derived", async () => {
    expect(passphraseProblem("eleven char")).toBe("short");
    expect(passphraseProblem("ａｂｃｄｅｆｇｈｉｊｋ")).toBe("short"); // 11 full-width letters
    expect(passphraseProblem("aaaaaaaaaaaaaaaa")).toBe("common");
    expect(passphraseProblem("1234567890123")).toBe("common");
    expect(passphraseProblem("twelve chars")).toBeUndefined();

    const server = new FakeBackupServer();
    const a = device(server, "dev_a");
    a.client.signIn();
    await settled(a.backup);
    const refused = await a.backup.setPassphrase("too short").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe("BAD_REQUEST");
    expect(server.key?.passphrase).toBeNull();
  });

  test("set on one device, a locked device unlocks with it (not with a wrong one); removed again", async () => {
    const server = new FakeBackupServer();
    const a = device(server, "dev_a");
    a.client.signIn();
    await settled(a.backup);
    const b = device(server, "dev_b");
    b.client.signIn();
    await settled(b.backup);
    const locked = (await b.backup.setPassphrase("a locked device has no key").catch((e: unknown) => e)) as AppError;
    expect(locked.code).toBe("CONFLICT");

    await a.backup.setPassphrase("correct horse battery staple");
    expect(a.backup.status).toEqual({ kind: "ready", version: 1, passphrase: true });
    expect(server.key?.passphrase).toMatchObject({ kdf: "argon2id" });
    // b hears of it (auth.backup.changed.v1) and reads the status again.
    await until(() => b.backup.status.kind === "locked" && b.backup.status.passphrase, "b to see the passphrase");

    expect(await b.backup.unlockWithPassphrase("correct horse battery stapler")).toBe(false);
    expect(b.backup.status.kind).toBe("locked");
    expect(await b.backup.unlockWithPassphrase("correct horse battery staple")).toBe(true);
    expect(b.backup.status).toEqual({ kind: "ready", version: 1, passphrase: true });
    expect(b.backup.keyFor(1)).toEqual(a.backup.keyFor(1));
    expect(await b.store.loadBackupKeys(7)).toHaveLength(1);

    await a.backup.removePassphrase();
    expect(server.key?.passphrase).toBeNull();
    await until(() => b.backup.status.kind === "ready" && !b.backup.status.passphrase, "b to see it removed");
    const c = device(server, "dev_c");
    c.client.signIn();
    await settled(c.backup);
    const none = (await c.backup
      .unlockWithPassphrase("correct horse battery staple")
      .catch((e: unknown) => e)) as AppError;
    expect(none.code).toBe("NOT_FOUND");
  });
});
