// Real MLS (ts-mls, ciphersuite 0x0001), no mocks: devices, a group per conversation, the
// server as external sender, persistence, and the refusals the Delivery Service relies on.
import { describe, expect, it } from "vitest";
import { decodeMlsMessage, encodeMlsMessage, proposeExternal } from "ts-mls";
import { packParts, unpackParts as unpack, utf8 } from "./bytes.js";
import { ciphersuite } from "./suite.js";
import {
  Device,
  E2eError,
  ExternalSenderKey,
  Group,
  checkKeyPackage,
  decodeContent,
  encodeContent,
  textContent,
  type E2eErrorCode,
} from "./index.js";

const CONV = "group:42";

async function send(group: Group, text: string): Promise<Uint8Array> {
  return group.encrypt(encodeContent(textContent(text)));
}

async function read(group: Group, bytes: Uint8Array): Promise<{ text: string; from: string }> {
  const { data, sender } = await group.decrypt(bytes);
  const decoded = decodeContent(data);
  if (decoded.kind !== "content" || decoded.content.type !== "text") throw new Error("not text");
  return { text: decoded.content.text, from: `${sender.userId}/${sender.deviceId}` };
}

async function rejects(p: Promise<unknown>, code: E2eErrorCode): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(E2eError);
  expect((err as E2eError).code).toBe(code);
}

async function keyPackage(device: Device): Promise<Uint8Array> {
  const [kp] = await device.createKeyPackages(1);
  return kp!.bytes;
}

/** alice's two devices and bob's one in one group, created by alice's laptop. */
async function threeDevices(server?: ExternalSenderKey) {
  const alice1 = await Device.create({ userId: 1, deviceId: "alice-laptop" });
  const alice2 = await Device.create({ userId: 1, deviceId: "alice-phone" });
  const bob = await Device.create({ userId: 2, deviceId: "bob-web" });
  const a1 = await alice1.createGroup(CONV, {
    externalSenders: server ? [server.descriptor()] : [],
  });
  const add = await a1.addMembers([await keyPackage(alice2), await keyPackage(bob)]);
  a1.mergePendingCommit(); // the DS accepted it
  const a2 = await alice2.joinFromWelcome(add.welcome!);
  const b = await bob.joinFromWelcome(add.welcome!);
  return { alice1, alice2, bob, a1, a2, b, groupInfo: add.groupInfo };
}

describe("@sealroom/e2e groups", () => {
  it("alice's two devices and bob's one all send and receive", async () => {
    const { a1, a2, b } = await threeDevices();
    expect([a1.epoch, a2.epoch, b.epoch]).toEqual([1n, 1n, 1n]);
    expect(a1.conversationId).toBe(CONV);
    expect(
      b
        .members()
        .map((m) => `${m.userId}/${m.deviceId}`)
        .sort(),
    ).toEqual(["1/alice-laptop", "1/alice-phone", "2/bob-web"]);

    const fromA1 = await send(a1, "hello from the laptop");
    expect(await read(a2, fromA1)).toEqual({ text: "hello from the laptop", from: "1/alice-laptop" });
    expect(await read(b, fromA1)).toEqual({ text: "hello from the laptop", from: "1/alice-laptop" });

    const fromA2 = await send(a2, "and from the phone");
    expect((await read(a1, fromA2)).from).toBe("1/alice-phone");
    expect((await read(b, fromA2)).text).toBe("and from the phone");

    const fromB = await send(b, "hi alice 👋");
    expect(await read(a1, fromB)).toEqual({ text: "hi alice 👋", from: "2/bob-web" });
    expect(await read(a2, fromB)).toEqual({ text: "hi alice 👋", from: "2/bob-web" });
  });

  it("a device added later cannot read what was sent before it joined", async () => {
    const { a1, a2, b } = await threeDevices();
    const before = await send(b, "before carol");
    await read(a1, before);
    const carol = await Device.create({ userId: 3, deviceId: "carol-1" });
    const add = await a1.addMembers([await keyPackage(carol)]);
    a1.mergePendingCommit();
    for (const g of [a2, b]) {
      const r = await g.processMessage(add.commit);
      expect(r.kind).toBe("commit");
      if (r.kind === "commit") expect(r.added.map((m) => m.userId)).toEqual([3]);
    }
    const c = await carol.joinFromWelcome(add.welcome!);
    expect(c.epoch).toBe(2n);
    // The old ciphertext is of epoch 1, which carol never had.
    await expect(c.decrypt(before)).rejects.toBeInstanceOf(E2eError);
    const after = await send(b, "after carol");
    expect((await read(c, after)).text).toBe("after carol");
  });

  it("a removed device keeping its old state cannot decrypt anything sent after its removal", async () => {
    const { a1, a2, b } = await threeDevices();
    const stolen = b.exportState(); // bob's device state, copied before the removal
    const remove = await a1.removeMembers([{ userId: 2 }]);
    a1.mergePendingCommit();
    const seenByA2 = await a2.processMessage(remove.commit);
    expect(seenByA2.kind === "commit" && seenByA2.removed.map((m) => m.deviceId)).toEqual(["bob-web"]);
    const secret = await send(a1, "after bob left");
    expect((await read(a2, secret)).text).toBe("after bob left");

    // bob's live state processes its own removal and is finished.
    const r = await b.processMessage(remove.commit);
    expect(r.kind === "commit" && r.removedSelf).toBe(true);
    expect(b.active).toBe(false);
    await rejects(b.decrypt(secret), "not_member");

    // The copy from before the removal (a thief, or a device that ignores the commit) neither.
    const bob2 = await Device.create({ userId: 2, deviceId: "bob-web" });
    const copy = Group.importState(stolen, bob2);
    await rejects(copy.decrypt(secret), "future_epoch");
    // Processing the removal commit only tells the copy that it is out.
    const seen = await copy.processMessage(remove.commit);
    expect(seen.kind === "commit" && seen.removedSelf).toBe(true);
    await rejects(copy.decrypt(secret), "not_member");
  });

  it("the server, as external sender, proposes a removal and a member commits it", async () => {
    const server = await ExternalSenderKey.create();
    const { a1, a2, b, groupInfo } = await threeDevices(server);
    // social says bob is out: the server proposes removing all his devices.
    const proposals = await server.proposeRemove(groupInfo, { userId: 2 });
    expect(proposals).toHaveLength(1);
    for (const g of [a1, a2, b]) {
      const r = await g.processMessage(proposals[0]!);
      expect(r).toMatchObject({ kind: "proposal", proposalType: "remove", fromServer: true });
      if (r.kind === "proposal") expect(r.target?.deviceId).toBe("bob-web");
    }
    expect(a2.pendingProposalCount).toBe(1);
    // The next member device to send (alice's phone) commits the pending proposals first.
    const commit = await a2.commitPending();
    a2.mergePendingCommit();
    const r1 = await a1.processMessage(commit.commit);
    expect(r1.kind === "commit" && r1.removed.map((m) => m.userId)).toEqual([2]);
    const rb = await b.processMessage(commit.commit);
    expect(rb.kind === "commit" && rb.removedSelf).toBe(true);
    const msg = await send(a2, "bob is gone");
    expect((await read(a1, msg)).text).toBe("bob is gone");
    await rejects(b.decrypt(msg), "not_member");
  });

  it("a server that is not the group's external sender cannot propose", async () => {
    const server = await ExternalSenderKey.create();
    const impostor = await ExternalSenderKey.create();
    const { groupInfo } = await threeDevices(server);
    await expect(impostor.proposeRemove(groupInfo, { userId: 2 })).rejects.toThrow();
  });

  it("state export and import continue the conversation", async () => {
    const { alice1, a1, bob, b } = await threeDevices();
    await read(b, await send(a1, "one"));
    const restoredBob = await Device.importState(bob.exportState());
    const b2 = Group.importState(b.exportState(), restoredBob);
    const restoredAlice = await Device.importState(alice1.exportState());
    const a1b = Group.importState(a1.exportState(), restoredAlice);
    expect(b2.epoch).toBe(1n);
    expect((await read(b2, await send(a1b, "two"))).text).toBe("two");
    expect((await read(a1b, await send(b2, "three"))).from).toBe("2/bob-web");
    // The restored device still holds its unused KeyPackages and can join with them.
    const [kp] = await restoredBob.createKeyPackages(1);
    const again = await Device.importState(restoredBob.exportState());
    expect(again.keyPackageRefs()).toContain(kp!.ref);
    // And a commit after the restore moves both on.
    const upd = await a1b.commitPending();
    a1b.mergePendingCommit();
    await b2.processMessage(upd.commit);
    expect(b2.epoch).toBe(2n);
    expect((await read(a1b, await send(b2, "four"))).text).toBe("four");
  });

  it("refuses tampered ciphertext", async () => {
    const { a1, b } = await threeDevices();
    const msg = await send(a1, "do not touch");
    for (const at of [msg.length - 1, msg.length - 20, Math.floor(msg.length / 2)]) {
      const bad = msg.slice();
      bad[at]! ^= 0x01;
      await expect(b.decrypt(bad)).rejects.toBeInstanceOf(E2eError);
    }
    expect((await read(b, msg)).text).toBe("do not touch"); // the untouched one still decrypts
  });

  it("refuses a stale commit (from an epoch already left) with a typed error", async () => {
    const { a1, a2, b } = await threeDevices();
    // Both alice's laptop and bob commit in epoch 1; the DS orders the laptop's first.
    const winner = await a1.commitPending();
    const loser = await b.commitPending();
    a1.mergePendingCommit();
    await a2.processMessage(winner.commit);
    await rejects(a2.processMessage(loser.commit), "stale_epoch");
    // bob sees the winner (his own pending commit is dropped), then retries in epoch 2.
    const r = await b.processMessage(winner.commit);
    expect(r.kind === "commit" && r.epoch).toBe(2n);
    expect(b.hasPendingCommit).toBe(false);
    const retry = await b.commitPending();
    expect(retry.epoch).toBe(2n);
    // The DS accepts it and it comes back in the log: bob's own commit is merged, not processed.
    const echoed = await b.processMessage(retry.commit);
    expect(echoed).toMatchObject({ kind: "commit", own: true, epoch: 3n });
    await a1.processMessage(retry.commit);
    await a2.processMessage(retry.commit);
    expect([a1.epoch, a2.epoch, b.epoch]).toEqual([3n, 3n, 3n]);
    // A message of another group is refused as such.
    const other = await (await Device.create({ userId: 9, deviceId: "x" })).createGroup("group:7");
    await rejects(a1.processMessage(await send(other, "elsewhere")), "wrong_group");
  });

  it("a one-time KeyPackage is used once; the last-resort one is kept", async () => {
    const alice = await Device.create({ userId: 1, deviceId: "a" });
    const bob = await Device.create({ userId: 2, deviceId: "b" });
    const last = await bob.createLastResortKeyPackage();
    const [once] = await bob.createKeyPackages(1);
    const g1 = await alice.createGroup("dm:1:2");
    const add1 = await g1.addMembers([once!.bytes]);
    await bob.joinFromWelcome(add1.welcome!);
    expect(bob.keyPackageRefs()).toEqual([last.ref]);
    const g2 = await alice.createGroup("group:5");
    const add2 = await g2.addMembers([last.bytes]);
    await bob.joinFromWelcome(add2.welcome!);
    expect(bob.keyPackageRefs()).toEqual([last.ref]);
    await rejects(bob.joinFromWelcome(add1.welcome!), "no_key_package");
  });

  it("checks that a KeyPackage's credential names the expected user and device", async () => {
    const bob = await Device.create({ userId: 2, deviceId: "bob-web" });
    const [kp] = await bob.createKeyPackages(1);
    const ok = await checkKeyPackage(kp!.bytes, { userId: 2, deviceId: "bob-web" }, bob.signaturePublicKey);
    expect(ok.ref).toBe(kp!.ref);
    await rejects(checkKeyPackage(kp!.bytes, { userId: 3, deviceId: "bob-web" }), "identity_mismatch");
    await rejects(checkKeyPackage(kp!.bytes, { userId: 2, deviceId: "other" }), "identity_mismatch");
    const mallory = await Device.create({ userId: 2, deviceId: "bob-web" });
    await rejects(
      checkKeyPackage(kp!.bytes, { userId: 2, deviceId: "bob-web" }, mallory.signaturePublicKey),
      "identity_mismatch",
    );
  });

  it("a device made from a key pair registered first signs its KeyPackages with that key", async () => {
    const keys = await Device.generateSignatureKeyPair();
    expect(keys.publicKey).toHaveLength(32);
    const bob = await Device.create({ userId: 2, deviceId: "assigned-id" }, {}, keys);
    expect(bob.signaturePublicKey).toEqual(keys.publicKey);
    const [kp] = await bob.createKeyPackages(1);
    const checked = await checkKeyPackage(kp!.bytes, { userId: 2, deviceId: "assigned-id" }, keys.publicKey);
    expect(checked.signaturePublicKey).toEqual(keys.publicKey);
    const back = await Device.importState(bob.exportState());
    expect(back.signaturePublicKey).toEqual(keys.publicKey);
  });

  it("a stored state naming an invalid identity is refused as invalid_state, not trusted", async () => {
    const bob = await Device.create({ userId: 2, deviceId: "b" });
    const [magic, , ...rest] = unpack(bob.exportState());
    for (const identity of ['{"userId":"2","deviceId":"b"}', '{"userId":2,"deviceId":"no:colons"}', "[2]", "null"]) {
      await rejects(Device.importState(packParts([magic!, utf8(identity), ...rest])), "invalid_state");
    }
  });

  it("a device check (the key directory, later) can refuse a leaf", async () => {
    const alice = await Device.create({ userId: 1, deviceId: "a" });
    const bob = await Device.create({ userId: 2, deviceId: "b" }, { checkDevice: (m) => m.userId !== 666 });
    const evil = await Device.create({ userId: 666, deviceId: "e" });
    const g = await alice.createGroup(CONV);
    const add = await g.addMembers([await keyPackage(bob), await keyPackage(evil)]);
    await rejects(bob.joinFromWelcome(add.welcome!), "invalid_message");
  });

  it("a device check that cannot answer changes nothing: the Welcome and the commit apply once it answers", async () => {
    let reachable = false;
    const checkDevice = () => {
      if (!reachable) throw new Error("the key directory did not answer");
      return true;
    };
    const alice = await Device.create({ userId: 1, deviceId: "a" });
    const bob = await Device.create({ userId: 2, deviceId: "b" }, { checkDevice });
    const carol = await Device.create({ userId: 3, deviceId: "c" });
    const g = await alice.createGroup(CONV);
    const add = await g.addMembers([await keyPackage(bob)]);
    g.mergePendingCommit();
    // Not a refusal (invalid_message): the KeyPackage stays, so the same Welcome joins later.
    await rejects(bob.joinFromWelcome(add.welcome!), "check_unavailable");
    reachable = true;
    const gb = await bob.joinFromWelcome(add.welcome!);
    reachable = false;
    const next = await g.addMembers([await keyPackage(carol)]);
    g.mergePendingCommit();
    await rejects(gb.processMessage(next.commit), "check_unavailable");
    expect(gb.epoch).toBe(1n);
    reachable = true;
    await gb.processMessage(next.commit);
    expect(gb.epoch).toBe(2n);
    expect((await read(gb, await send(g, "after both"))).text).toBe("after both");
  });

  it("late and out-of-order application messages still decrypt (no unable-to-decrypt)", async () => {
    const { a1, a2, b } = await threeDevices();
    const m1 = await send(a1, "first");
    const m2 = await send(a1, "second");
    const m3 = await send(a1, "third");
    // Out of order within the epoch.
    expect((await read(b, m3)).text).toBe("third");
    expect((await read(b, m1)).text).toBe("first");
    // A commit moves everyone to epoch 2; m2 (epoch 1) arrives afterwards and still decrypts.
    const upd = await a2.commitPending();
    a2.mergePendingCommit();
    await a1.processMessage(upd.commit);
    await b.processMessage(upd.commit);
    expect(b.epoch).toBe(2n);
    expect((await read(b, m2)).text).toBe("second");
    // A replay of an already decrypted message is refused.
    await expect(b.decrypt(m3)).rejects.toBeInstanceOf(E2eError);
  });

  it("a server proposal made for an epoch already left is stale; made again, it applies", async () => {
    const server = await ExternalSenderKey.create();
    const { a1, a2, b, groupInfo } = await threeDevices(server);
    const [old] = await server.proposeRemove(groupInfo, { userId: 2 });
    // Meanwhile alice's phone commits a key update: the proposal's epoch is gone.
    const upd = await a2.commitPending();
    a2.mergePendingCommit();
    await a1.processMessage(upd.commit);
    await b.processMessage(upd.commit);
    await rejects(a1.processMessage(old!), "stale_epoch");
    // The server proposes again from the GroupInfo published with that commit.
    const [fresh] = await server.proposeRemove(upd.groupInfo, { userId: 2 });
    expect(await a1.processMessage(fresh!)).toMatchObject({ kind: "proposal", fromServer: true });
  });

  it("members refuse an external proposal other than Remove", async () => {
    const server = await ExternalSenderKey.create();
    const { a1, groupInfo } = await threeDevices(server);
    const mallory = await Device.create({ userId: 66, deviceId: "m" });
    const [kp] = await mallory.createKeyPackages(1);
    const gi = decodeMlsMessage(groupInfo, 0)![0];
    const k = decodeMlsMessage(kp!.bytes, 0)![0];
    if (gi.wireformat !== "mls_group_info" || k.wireformat !== "mls_key_package") throw new Error();
    const serverState = server.exportState();
    // The server's key, used to propose an Add (what a compromised server might try).
    const [, pub, priv] = unpack(serverState);
    const add = await proposeExternal(
      gi.groupInfo,
      { proposalType: "add", add: { keyPackage: k.keyPackage } },
      pub!,
      priv!,
      await ciphersuite(),
    );
    await rejects(a1.processMessage(encodeMlsMessage(add)), "invalid_message");
    expect(a1.pendingProposalCount).toBe(0);
  });
});
