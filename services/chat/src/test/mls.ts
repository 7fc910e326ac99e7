/**
 * MLS helpers for the chat service's tests: real devices (@sealroom/e2e) registered in the key
 * directory's Device table, and the Delivery Service commands they use, through a Harness.
 */
import {
  Device,
  decodeContent,
  decodeExternalSenderDescriptor,
  encodeContent,
  textContent,
  type Group,
} from "@sealroom/e2e";
import { dmConversationId, type Entry } from "@sealroom/proto/chat";
import { expect } from "vitest";
import type { Harness } from "./harness.js";

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
export const bytes = (text: string) => new Uint8Array(Buffer.from(text, "base64url"));

export interface Member {
  userId: number;
  deviceId: string;
  device: Device;
}

/** The helpers, for the harness that `harness()` returns when they run (set up in beforeAll). */
export function mlsKit(harness: () => Harness) {
  let ids = 0;
  const cid = () => `mls-${process.pid}-${++ids}`;
  /**
   * A user with one registered device (its Device row, with the device's key, under the
   * harness's session of the user).
   */
  async function member(userId: number, session?: string): Promise<Member> {
    const deviceId = `dev-${userId}-${++ids}`;
    const device = await Device.create({ userId, deviceId });
    await harness().seed.device(userId, deviceId, session, b64(device.signaturePublicKey));
    return { userId, deviceId, device };
  }

  /** A new group of `conversationId` on `m`'s device, listing the server's external sender as the DS requires. */
  async function newGroup(m: Member, conversationId: string): Promise<Group> {
    const { externalSender } = await harness().call(m.userId, "chat.mls.serverSender", {});
    return m.device.createGroup(conversationId, {
      externalSenders: [decodeExternalSenderDescriptor(bytes(externalSender))],
    });
  }

  async function keyPackage(m: Member): Promise<Uint8Array> {
    return (await m.device.createKeyPackages(1))[0]!.bytes;
  }

  /** Alice's device creates the group of `conversationId`, adds `others`, and the DS accepts it. */
  async function establish(conversationId: string, alice: Member, others: Member[]) {
    const group = await newGroup(alice, conversationId);
    const kps = await Promise.all(others.map(keyPackage));
    const bundle = await group.addMembers(kps);
    const ack = await harness().call(alice.userId, "chat.mls.send", {
      conversationId,
      clientMsgId: cid(),
      message: b64(bundle.commit),
      groupInfo: b64(bundle.groupInfo),
      welcome: { message: b64(bundle.welcome!), deviceIds: others.map((o) => o.deviceId) },
    });
    group.mergePendingCommit();
    return { group, ack, bundle };
  }

  /** The device's Welcome from its inbox, joined and acked. */
  async function join(m: Member, session?: string): Promise<Group> {
    const { welcomes } = await harness().call(m.userId, "chat.mls.welcomes", {}, session);
    expect(welcomes).toHaveLength(1);
    const group = await m.device.joinFromWelcome(bytes(welcomes[0]!.message));
    await harness().call(m.userId, "chat.mls.ackWelcomes", { ids: [welcomes[0]!.id] }, session);
    return group;
  }

  async function sendText(m: Member, group: Group, conversationId: string, text: string, clientMsgId = cid()) {
    const message = b64(await group.encrypt(encodeContent(textContent(text))));
    // A new message, as the SDK's engine marks one (edits and reactions are not).
    return harness().call(m.userId, "chat.mls.send", { conversationId, clientMsgId, message, notify: true });
  }

  async function sync(userId: number, conversationId: string, afterSeq = 0): Promise<Entry[]> {
    return (await harness().call(userId, "chat.sync", { conversationId, afterSeq })).entries;
  }

  async function textOf(group: Group, entry: Entry | undefined): Promise<string> {
    if (entry?.kind !== "mls.app") throw new Error(`not an mls.app entry: ${entry?.kind}`);
    const decoded = decodeContent((await group.decrypt(bytes(entry.message))).data);
    if (decoded.kind !== "content" || decoded.content.type !== "text") throw new Error("not text");
    return decoded.content.text;
  }

  async function friends() {
    const a = await harness().seed.user();
    const b = await harness().seed.user();
    await harness().seed.friends(a, b);
    return { a, b, dm: dmConversationId(a, b) };
  }

  return { cid, member, newGroup, keyPackage, establish, join, sendText, sync, textOf, friends };
}
