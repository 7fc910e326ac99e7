// The Delivery Service's keyless view of membership: GroupInfo leaves and external senders, and
// the Adds and Removes of real commits and proposals (ts-mls, ciphersuite 0x0001).
import { describe, expect, it } from "vitest";
import {
  decodeExternalSenderDescriptor,
  Device,
  E2eError,
  ExternalSenderKey,
  encodeContent,
  inspectMembership,
  inspectProposals,
  textContent,
} from "./index.js";

const kp = async (d: Device) => (await d.createKeyPackages(1))[0]!.bytes;

async function threeDevices(server?: ExternalSenderKey) {
  const alice = await Device.create({ userId: 1, deviceId: "alice" });
  const bob = await Device.create({ userId: 2, deviceId: "bob" });
  const carol = await Device.create({ userId: 3, deviceId: "carol" });
  const group = await alice.createGroup("group:7", { externalSenders: server ? [server.descriptor()] : [] });
  const add = await group.addMembers([await kp(bob), await kp(carol)]);
  group.mergePendingCommit();
  return { alice, bob, carol, group, add };
}

describe("inspectMembership", () => {
  it("lists the leaves with their credentials and keys, and the external senders", async () => {
    const server = await ExternalSenderKey.create();
    const { alice, bob, carol, add } = await threeDevices(server);
    const m = inspectMembership(add.groupInfo);
    expect(m.groupId).toBe("sealroom:1:group:7:0");
    expect(m.epoch).toBe(1);
    expect(m.leaves.map((l) => ({ leafIndex: l.leafIndex, ...l.member }))).toEqual([
      { leafIndex: 0, userId: 1, deviceId: "alice" },
      { leafIndex: 1, userId: 2, deviceId: "bob" },
      { leafIndex: 2, userId: 3, deviceId: "carol" },
    ]);
    expect(m.leaves.map((l) => Buffer.from(l.signatureKey))).toEqual(
      [alice, bob, carol].map((d) => Buffer.from(d.signaturePublicKey)),
    );
    expect(m.externalSenderKeys.map((k) => Buffer.from(k))).toEqual([Buffer.from(server.signaturePublicKey)]);
  });

  it("a group created without the server lists no external sender; garbage is invalid_message", async () => {
    const { add } = await threeDevices();
    expect(inspectMembership(add.groupInfo).externalSenderKeys).toEqual([]);
    expect(() => inspectMembership(add.commit)).toThrow(E2eError);
    expect(() => inspectMembership(new Uint8Array([1, 2, 3]))).toThrow(E2eError);
  });
});

describe("inspectProposals", () => {
  it("reads a commit's inline Adds and Removes", async () => {
    const { bob, carol, group, add } = await threeDevices();
    expect(inspectProposals(add.commit)).toEqual({
      adds: [
        { member: { userId: 2, deviceId: "bob" }, signatureKey: bob.signaturePublicKey },
        { member: { userId: 3, deviceId: "carol" }, signatureKey: carol.signaturePublicKey },
      ],
      removes: [],
      references: 0,
      others: [],
    });
    const remove = await group.removeMembers([{ userId: 3 }]);
    expect(inspectProposals(remove.commit)).toMatchObject({ adds: [], removes: [2], references: 0 });
    const update = await (await threeDevices()).group.commitPending();
    expect(inspectProposals(update.commit)).toEqual({ adds: [], removes: [], references: 0, others: [] });
  });

  it("reads the server's Remove proposals and a commit that references them", async () => {
    const server = await ExternalSenderKey.create();
    const { bob, add } = await threeDevices(server);
    const proposals = await server.proposeRemoveLeaves(add.groupInfo, [2]);
    expect(proposals).toHaveLength(1);
    expect(inspectProposals(proposals[0]!)).toEqual({ adds: [], removes: [2], references: 0, others: [] });
    const b = await bob.joinFromWelcome(add.welcome!);
    await b.processMessage(proposals[0]!);
    const commit = await b.commitPending();
    expect(inspectProposals(commit.commit)).toMatchObject({ adds: [], removes: [], references: 1 });
  });

  it("refuses what is not a handshake PublicMessage", async () => {
    const { group, add } = await threeDevices();
    const app = await group.encrypt(encodeContent(textContent("hi")));
    for (const bytes of [app, add.welcome!, add.groupInfo, new Uint8Array([0, 1])]) {
      expect(() => inspectProposals(bytes)).toThrow(E2eError);
    }
  });
});

describe("external sender descriptor", () => {
  it("round-trips what groups list", async () => {
    const server = await ExternalSenderKey.create();
    const decoded = decodeExternalSenderDescriptor(server.encodedDescriptor());
    expect(decoded).toEqual(server.descriptor());
    expect(() => decodeExternalSenderDescriptor(new Uint8Array([1]))).toThrow(E2eError);
  });
});
