/**
 * The device approval between HistoryBackup instances over an in-memory relay that can play a
 * malicious server (test/fake-backup-server.ts): the full exchange, a decline, a substituted key,
 * a grant from another device, a cancel, giving up, and messages that are not the protocol's.
 */
import { parseApprovalMessage } from "./approval-messages.js";
import { describe, expect, test } from "vitest";
import { b64 } from "../e2e/base64url.js";
import { MemoryE2eStateStore } from "../e2e/state-store.js";
import { newApprovalKeyPair } from "./approval-crypto.js";
import type { ApprovalTiming } from "./approval.js";
import { HistoryBackup } from "./history-backup.js";
import { deviceOnly, FakeBackupServer, type RelayedMessage } from "./test/fake-backup-server.js";

async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}
const tick = () => new Promise((r) => setTimeout(r, 30));

async function device(
  server: FakeBackupServer,
  deviceId: string,
  opts: { store?: MemoryE2eStateStore; timing?: ApprovalTiming } = {},
) {
  const store = opts.store ?? new MemoryE2eStateStore();
  const client = server.client(deviceId);
  const backup = new HistoryBackup(
    client,
    store,
    deviceOnly(deviceId),
    opts.timing ? { approvalTiming: opts.timing } : {},
  );
  backup.start();
  client.signIn();
  await until(() => backup.status.kind !== "loading", `${deviceId}'s status`);
  return { client, backup, store };
}

/** An old device holding the key (dev_a) and a new one (dev_b) that asked; dev_a sees the request. */
async function asked(server = new FakeBackupServer()) {
  const a = await device(server, "dev_a");
  const b = await device(server, "dev_b");
  expect(b.backup.status).toEqual({ kind: "locked", passphrase: false });
  b.backup.requestApproval();
  const requestId = b.backup.outgoing!.requestId;
  expect(b.backup.outgoing).toEqual({ requestId, state: "waiting" });
  await until(() => a.backup.incoming.length === 1, "the request on dev_a");
  expect(a.backup.incoming).toEqual([{ requestId, deviceId: "dev_b", state: "asked" }]);
  return { server, a, b, requestId };
}

/** A relayed body through the protocol's own schema: a message that breaks it fails the test. */
const parsed = (m: RelayedMessage) => {
  const message = parseApprovalMessage(m.body);
  if (!message) throw new Error(`not an approval message: ${m.body}`);
  return message;
};

describe("approving a new device", () => {
  test("compare, the same code on both, confirm: the new device holds the key and is ready", async () => {
    const { server, a, b, requestId } = await asked();
    a.backup.compare(requestId);
    expect(a.backup.incoming[0]?.state).toBe("connecting");
    await until(() => a.backup.incoming[0]?.state === "comparing", "dev_a comparing");
    await until(() => b.backup.outgoing?.state === "comparing", "dev_b comparing");
    const codeA = (a.backup.incoming[0] as { code: string }).code;
    expect(codeA).toMatch(/^\d{3} \d{3}$/);
    expect(b.backup.outgoing).toEqual({ requestId, state: "comparing", code: codeA, deviceId: "dev_a" });

    await a.backup.confirm(requestId);
    expect(a.backup.incoming[0]?.state).toBe("approved");
    await until(() => b.backup.status.kind === "ready", "dev_b ready");
    expect(b.backup.outgoing).toEqual({ requestId, state: "approved", deviceId: "dev_a" });
    expect(b.backup.keyFor(1)).toEqual(a.backup.keyFor(1));
    expect(await b.store.loadBackupKeys(7)).toHaveLength(1);
    // The relay saw public keys, a commitment and a sealed key: never the key itself.
    const key = b64(a.backup.keyFor(1)!);
    expect(server.sent.some((m) => m.body.includes(key))).toBe(false);

    a.backup.dismiss(requestId);
    expect(a.backup.incoming).toEqual([]);
  });

  test("declined while comparing (or when asked): the new device is told and stays locked", async () => {
    const { a, b, requestId } = await asked();
    a.backup.compare(requestId);
    await until(() => b.backup.outgoing?.state === "comparing", "dev_b comparing");
    a.backup.decline(requestId);
    expect(a.backup.incoming[0]?.state).toBe("declined");
    await until(() => b.backup.outgoing?.state === "declined", "dev_b declined");
    expect(b.backup.outgoing).toEqual({ requestId, state: "declined", deviceId: "dev_a" });
    expect(b.backup.status.kind).toBe("locked");
    await expect(a.backup.confirm(requestId)).rejects.toMatchObject({ code: "NOT_FOUND" });

    // Asking again is a new request; refusing it at once declines it too.
    b.backup.requestApproval();
    const again = b.backup.outgoing!.requestId;
    expect(again).not.toBe(requestId);
    await until(() => a.backup.incoming.some((i) => i.requestId === again), "the second request");
    a.backup.decline(again);
    await until(() => b.backup.outgoing?.state === "declined", "dev_b declined again");
  });

  test("a server that substitutes the new device's key fails the commitment: nothing is granted", async () => {
    const server = new FakeBackupServer();
    const mallory = await newApprovalKeyPair();
    server.relay = (m) =>
      parsed(m).t === "key" ? { ...m, body: JSON.stringify({ ...parsed(m), pk: b64(mallory.publicKey) }) } : m;
    const { a, b, requestId } = await asked(server);
    a.backup.compare(requestId);
    await until(() => a.backup.incoming[0]?.state === "failed", "dev_a failed");
    expect(a.backup.incoming[0]).toEqual({ requestId, deviceId: "dev_b", state: "failed" });
    await expect(a.backup.confirm(requestId)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await tick();
    expect(server.sent.filter((m) => parsed(m).t === "grant")).toEqual([]);
    expect(b.backup.status.kind).toBe("locked");
  });

  test("only the device whose offer was taken can grant: another's grant (or offer) is ignored", async () => {
    const server = new FakeBackupServer();
    const a = await device(server, "dev_a");
    // dev_c holds the key too (a copy of dev_a's store).
    const copy = new MemoryE2eStateStore();
    await copy.saveBackupKeys(7, await a.store.loadBackupKeys(7));
    const c = await device(server, "dev_c", { store: copy });
    expect(c.backup.status.kind).toBe("ready");
    const b = await device(server, "dev_b");
    b.backup.requestApproval();
    const requestId = b.backup.outgoing!.requestId;
    await until(() => a.backup.incoming.length === 1 && c.backup.incoming.length === 1, "both asked");

    a.backup.compare(requestId);
    // Both sides: dev_b compares once it has dev_a's offer, dev_a once it has dev_b's key after it.
    await until(
      () => b.backup.outgoing?.state === "comparing" && a.backup.incoming[0]?.state === "comparing",
      "dev_b comparing with dev_a",
    );
    c.backup.compare(requestId);
    await tick();
    // dev_b took dev_a's offer: dev_c never gets a key, and dev_b still compares with dev_a.
    expect(c.backup.incoming[0]?.state).toBe("connecting");
    expect(b.backup.outgoing).toMatchObject({ state: "comparing", deviceId: "dev_a" });

    // The relay hands dev_a's real grant to dev_b as if dev_c sent it.
    let held: RelayedMessage | undefined;
    server.relay = (m) => {
      if (parsed(m).t !== "grant") return m;
      held = m;
      return { ...m, fromDeviceId: "dev_c" };
    };
    await a.backup.confirm(requestId);
    await tick();
    expect(b.backup.outgoing?.state).toBe("comparing");
    expect(b.backup.status.kind).toBe("locked");

    server.broadcast(7, "auth.backup.deviceMessage.v1", held);
    await until(() => b.backup.status.kind === "ready", "dev_b ready with dev_a's grant");
    c.backup.stop();
  });

  test("a request dismissed while asked stays dismissed though the new device keeps asking", async () => {
    const server = new FakeBackupServer();
    const a = await device(server, "dev_a");
    const b = await device(server, "dev_b", { timing: { resendMs: 10, giveUpMs: 60_000 } });
    b.backup.requestApproval();
    await until(() => a.backup.incoming.length === 1, "the request on dev_a");
    a.backup.dismiss(b.backup.outgoing!.requestId);
    const sent = server.sent.length;
    await until(() => server.sent.length >= sent + 3, "three more requests");
    expect(a.backup.incoming).toEqual([]);
    expect(b.backup.outgoing?.state).toBe("waiting");
    b.backup.cancelApproval();
  });

  test("the new device cancelling removes the request from the old one", async () => {
    const { a, b, requestId } = await asked();
    a.backup.compare(requestId);
    await until(() => b.backup.outgoing?.state === "comparing", "dev_b comparing");
    b.backup.cancelApproval();
    expect(b.backup.outgoing).toBeUndefined();
    await until(() => a.backup.incoming.length === 0, "the request gone from dev_a");
  });

  test("asked again every few seconds while nobody answers, then given up (failed)", async () => {
    const server = new FakeBackupServer();
    await device(server, "dev_a");
    const b = await device(server, "dev_b", { timing: { resendMs: 20, giveUpMs: 150 } });
    server.relay = () => undefined; // dev_a is offline: nothing arrives
    b.backup.requestApproval();
    await until(() => b.backup.outgoing?.state === "failed", "dev_b giving up");
    const requests = server.sent.filter((m) => parsed(m).t === "request");
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(new Set(requests.map((m) => m.body)).size).toBe(1);
    expect(requests.every((m) => m.toDeviceId === null)).toBe(true);
  });

  test("messages that are not the protocol's, or not for this device, change nothing and throw nothing", async () => {
    const { server, a, b, requestId } = await asked();
    const junk = [
      "not json",
      "{}",
      JSON.stringify({ t: "grant", id: requestId, version: 1, wrapped: "A".repeat(60) }),
      JSON.stringify({ t: "offer", id: requestId, pk: "A".repeat(87) }),
      JSON.stringify({ t: "offer", id: "B".repeat(22), pk: "A".repeat(87) }),
      JSON.stringify({ t: "key", id: requestId, pk: "A".repeat(87) }),
      JSON.stringify({ t: "request", id: requestId, commit: "x" }),
    ];
    for (const body of junk)
      server.broadcast(7, "auth.backup.deviceMessage.v1", { fromDeviceId: "dev_z", toDeviceId: null, body });
    server.broadcast(7, "auth.backup.deviceMessage.v1", { fromDeviceId: "dev_a", toDeviceId: "dev_q", body: junk[3] });
    server.broadcast(7, "auth.backup.deviceMessage.v1", { nonsense: true });
    await tick();
    // dev_b took no offer: "A"*87 is not a P-256 point.
    expect(b.backup.outgoing).toEqual({ requestId, state: "waiting" });
    expect(a.backup.incoming).toEqual([{ requestId, deviceId: "dev_b", state: "asked" }]);
  });
});
