// The per-device Welcome inbox of the MLS Delivery Service: chat.mls.welcomes and
// chat.mls.ackWelcomes act for the calling session's device only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, type Harness } from "./test/harness.js";
import { mlsKit } from "./test/mls.js";

let h: Harness;
beforeAll(async () => {
  h = await setup();
});
afterAll(async () => {
  await h?.teardown();
});
const { cid, member, establish, join, friends } = mlsKit(() => h);

describe("the Welcome inbox", () => {
  it("belongs to the calling device: another device's ack deletes nothing", async () => {
    const { a, b, dm } = await friends();
    const alice = await member(a);
    const phone = await member(a, `s${a}-phone`);
    const bob = await member(b);
    await establish(dm, alice, [phone, bob]);
    const { welcomes } = await h.call(b, "chat.mls.welcomes", {});
    expect(welcomes).toHaveLength(1);
    expect(welcomes[0]).toMatchObject({ conversationId: dm, epoch: 1 });
    // Alice's laptop has none; acking bob's id from it deletes nothing.
    expect((await h.call(a, "chat.mls.welcomes", {})).welcomes).toEqual([]);
    await h.call(a, "chat.mls.ackWelcomes", { ids: [welcomes[0]!.id] });
    expect((await h.call(b, "chat.mls.welcomes", {})).welcomes).toHaveLength(1);
    // Her phone, another session of the same user, has its own.
    const gp = await join(phone, `s${a}-phone`);
    expect(gp.epoch).toBe(1n);
    await join(bob);
    expect(await h.db.mlsWelcome.count({ where: { deviceId: { in: [phone.deviceId, bob.deviceId] } } })).toBe(0);
  });

  it("pages by 50, oldest first; acking a page lets the next one come", async () => {
    const { a, b, dm } = await friends();
    const bob = await member(b);
    await h.call(a, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "so the conversation exists" });
    const conv = await h.db.conversation.findUniqueOrThrow({ where: { key: dm } });
    // Rows as chat.mls.send stores them (their bytes are not read back by the service).
    for (let epoch = 1; epoch <= 51; epoch++) {
      await h.db.mlsWelcome.create({
        data: { deviceId: bob.deviceId, conversationId: conv.id, epoch, data: "AAEC", createdMs: Date.now() },
      });
    }
    const first = await h.call(b, "chat.mls.welcomes", {});
    expect(first.welcomes.map((w) => w.epoch)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(first.more).toBe(true);
    await h.call(b, "chat.mls.ackWelcomes", { ids: first.welcomes.map((w) => w.id) });
    const second = await h.call(b, "chat.mls.welcomes", {});
    expect(second).toMatchObject({ welcomes: [{ conversationId: dm, epoch: 51 }], more: false });
  });

  it("needs a registered device", async () => {
    const lone = await h.seed.user();
    expect((await h.refusal(lone, "chat.mls.welcomes", {}))?.code).toBe("DEVICE_NOT_REGISTERED");
    expect((await h.refusal(lone, "chat.mls.ackWelcomes", { ids: [1] }))?.code).toBe("DEVICE_NOT_REGISTERED");
  });
});
