// External Commits (RFC 9420 section 12.4.3.2) with real MLS (ts-mls, ciphersuite 0x0001): a
// device joins from a published GroupInfo by itself, members process its commit, and the
// Delivery Service's keyless view (inspectSender, inspectProposals) of it and of other messages.
import { describe, expect, it } from "vitest";
import {
  decodeContent,
  Device,
  E2eError,
  encodeContent,
  ExternalSenderKey,
  inspectMembership,
  inspectProposals,
  inspectSender,
  textContent,
  type Group,
} from "./index.js";

const kp = async (d: Device) => (await d.createKeyPackages(1))[0]!.bytes;

async function text(group: Group, bytes: Uint8Array): Promise<string> {
  const decoded = decodeContent((await group.decrypt(bytes)).data);
  if (decoded.kind !== "content" || decoded.content.type !== "text") throw new Error("not text");
  return decoded.content.text;
}

/** alice's laptop and bob in a DM group that lists the server as external sender. */
async function dm() {
  const server = await ExternalSenderKey.create();
  const alice = await Device.create({ userId: 1, deviceId: "alice-laptop" });
  const bob = await Device.create({ userId: 2, deviceId: "bob-web" });
  const a = await alice.createGroup("dm:1:2", { externalSenders: [server.descriptor()] });
  const add = await a.addMembers([await kp(bob)]);
  a.mergePendingCommit();
  const b = await bob.joinFromWelcome(add.welcome!);
  return { server, alice, bob, a, b, groupInfo: add.groupInfo };
}

describe("Device.joinExternal", () => {
  it("joins from the GroupInfo alone; members process the commit and both sides read each other", async () => {
    const { a, b, groupInfo } = await dm();
    const before = await a.encrypt(encodeContent(textContent("before the phone joined")));
    const phone = await Device.create({ userId: 1, deviceId: "alice-phone" });
    const { group: p, bundle, resync } = await phone.joinExternal(groupInfo);
    expect(resync).toBe(false);
    expect(bundle.epoch).toBe(1n);
    expect(bundle.welcome).toBeUndefined();
    expect(p.epoch).toBe(2n);

    const seenByBob = await b.processMessage(bundle.commit);
    expect(seenByBob).toMatchObject({ kind: "commit", epoch: 2n, own: false, removedSelf: false });
    expect(seenByBob.kind === "commit" && seenByBob.committer).toBeUndefined();
    expect(seenByBob.kind === "commit" && seenByBob.added.map((m) => m.deviceId)).toEqual(["alice-phone"]);
    await a.processMessage(bundle.commit);

    // The new GroupInfo carries the external sender and the joiner's leaf: the next join works from it.
    const info = inspectMembership(bundle.groupInfo);
    expect(info.epoch).toBe(2);
    expect(info.externalSenderKeys).toHaveLength(1);
    expect(info.leaves.map((l) => l.member?.deviceId)).toEqual(["alice-laptop", "bob-web", "alice-phone"]);

    expect(await text(b, await p.encrypt(encodeContent(textContent("first from the phone"))))).toBe(
      "first from the phone",
    );
    expect(await text(p, await b.encrypt(encodeContent(textContent("hi phone"))))).toBe("hi phone");
    // What was sent before the join is not for the phone (section 1: no history for new devices).
    await expect(p.decrypt(before)).rejects.toBeInstanceOf(E2eError);
  });

  it("the DS's view: a new_member_commit whose joiner leaf names the device, only an ExternalInit", async () => {
    const { groupInfo } = await dm();
    const phone = await Device.create({ userId: 1, deviceId: "alice-phone" });
    const { bundle } = await phone.joinExternal(groupInfo);
    const sender = inspectSender(bundle.commit);
    expect(sender.kind).toBe("new_member_commit");
    if (sender.kind !== "new_member_commit") return;
    expect(sender.joiner?.member).toEqual({ userId: 1, deviceId: "alice-phone" });
    expect(Buffer.from(sender.joiner!.signatureKey)).toEqual(Buffer.from(phone.signaturePublicKey));
    expect(inspectProposals(bundle.commit)).toEqual({
      adds: [],
      removes: [],
      references: 0,
      others: ["external_init"],
    });
  });

  it("a device whose old leaf is still in the tree resyncs: the commit removes that leaf only", async () => {
    const { a, b, bob, groupInfo } = await dm();
    // bob lost his group state but kept his device (same key): his leaf 1 is still there.
    const { group, bundle, resync } = await bob.joinExternal(groupInfo);
    expect(resync).toBe(true);
    expect(inspectProposals(bundle.commit).removes).toEqual([1]);
    const seen = await a.processMessage(bundle.commit);
    // The new leaf takes the freed slot with the same key: the members are the same devices.
    expect(seen).toMatchObject({ kind: "commit", epoch: 2n, removedSelf: false });
    expect(a.members().map((m) => `${m.leafIndex}:${m.deviceId}`)).toEqual(["0:alice-laptop", "1:bob-web"]);
    expect(await text(a, await group.encrypt(encodeContent(textContent("back again"))))).toBe("back again");
    // The old state cannot follow: its leaf was replaced.
    await expect(b.processMessage(bundle.commit)).rejects.toBeInstanceOf(E2eError);
  });

  it("a join from a GroupInfo already left behind is a commit of the old epoch (the DS refuses it as stale)", async () => {
    const { a, b, groupInfo } = await dm();
    const update = await a.commitPending();
    a.mergePendingCommit();
    await b.processMessage(update.commit);
    const phone = await Device.create({ userId: 1, deviceId: "alice-phone" });
    const { bundle } = await phone.joinExternal(groupInfo);
    expect(bundle.epoch).toBe(1n);
    await expect(a.processMessage(bundle.commit)).rejects.toMatchObject({ code: "stale_epoch" });
  });

  it("a GroupInfo without the ratchet tree, or not a GroupInfo, is invalid_message", async () => {
    const { a } = await dm();
    const phone = await Device.create({ userId: 1, deviceId: "alice-phone" });
    await expect(phone.joinExternal(await kp(phone))).rejects.toMatchObject({ code: "invalid_message" });
    await expect(phone.joinExternal(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: "invalid_message" });
    expect(a.epoch).toBe(1n);
  });
});

describe("inspectSender", () => {
  it("reads a member commit's leaf, the server's proposal as external, and nothing of a PrivateMessage", async () => {
    const { server, a, b, groupInfo } = await dm();
    const [proposal] = await server.proposeRemove(groupInfo, { userId: 2 });
    expect(inspectSender(proposal!)).toEqual({ kind: "external", senderIndex: 0 });
    const commit = await b.commitPending();
    expect(inspectSender(commit.commit)).toEqual({ kind: "member", leafIndex: 1 });
    expect(inspectSender(await a.encrypt(encodeContent(textContent("x"))))).toEqual({ kind: "encrypted" });
    expect(() => inspectSender(new Uint8Array([0, 1]))).toThrow(E2eError);
    expect(() => inspectSender(groupInfo)).toThrow(E2eError);
  });
});
