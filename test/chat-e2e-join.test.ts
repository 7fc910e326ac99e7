/**
 * A user's new device joins an encrypted conversation by itself with an External Commit (RFC 9420
 * section 12.4.3.2; docs/E2E.md section 3, "A user's new device"), through the real stack
 * (gateways, auth's key directory, chat as the Delivery Service, social, NATS, SQLite or
 * PostgreSQL): in a quiet DM it sends at once, the peer reads it, it reads what follows and not
 * what came before; its first send racing the peer's send (which adds it) converges on one leaf; a
 * request that fails while it joins from a Welcome (the join position, the key directory) does not
 * lose the Welcome.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { inspectMembership } from "@sealroom/e2e";
import { AppError } from "@sealroom/proto/errors";
import { MemoryE2eStateStore, dmConversationId } from "@sealroom/sdk/node";
import type { Stack } from "./support/stack.js";
import { befriend, device, signUp } from "./social-helpers.js";
import { until } from "./support/chat.js";
import { allRead, devicesChanged, e2eChatWorld, pageToStart, type E2eChatter } from "./support/e2e-chat.js";

const world = e2eChatWorld();
const { plaintexts, withE2e, fileStore, messagesOf } = world;
let stack: Stack;
beforeAll(() => {
  stack = world.stack;
});

async function say(from: E2eChatter, conversationId: string, text: string): Promise<number> {
  plaintexts.push(text);
  return (await from.chat.send(conversationId, text)).seq;
}

/** Two befriended users with one device each, the DM's group established by the first's message. */
async function quietDm(first: string, second: string) {
  const a = withE2e(await signUp(stack, first, { gateway: 0 }), new MemoryE2eStateStore());
  const b = withE2e(await signUp(stack, second, { gateway: 1 }), new MemoryE2eStateStore());
  await befriend(a, b);
  for (const c of [a, b]) await c.chat.e2e?.deviceReady();
  const dm = dmConversationId(a.user.id, b.user.id);
  const early = await say(a, dm, `early from ${first}`);
  await allRead([b], dm, [`early from ${first}`]);
  return { a, b, dm, early };
}

describe("a user's new device joins by External Commit", () => {
  test("in a quiet DM it sends at once; the peer reads it; it reads what follows, not what came before", async () => {
    const { a: alice, b: bob, dm, early } = await quietDm("nia", "oto");
    const phone = withE2e(await device(stack, alice, 1), fileStore());
    await phone.chat.e2e?.deviceReady();

    // Nobody else sends: the phone's first message joins the group by itself.
    const first = await say(phone, dm, "first from the new phone");
    await allRead([alice, bob, phone], dm, ["first from the new phone"]);
    expect(bob.at(dm, first)).toMatchObject({ e2e: "decrypted", senderId: alice.user.id });
    const log = await messagesOf(dm);
    const commits = log.filter((m) => m.kind === "mls.commit");
    expect(commits).toHaveLength(2); // the group's establishment, then the phone's External Commit
    expect(commits[1]).toMatchObject({ senderId: alice.user.id });
    expect(await stack.db.mlsWelcome.count({ where: { deviceId: (await thisDeviceId(phone)) ?? "" } })).toBe(0);

    const reply = await say(bob, dm, "bob answers the phone");
    await allRead([alice, phone], dm, ["bob answers the phone"]);
    expect(phone.at(dm, reply)).toMatchObject({ e2e: "decrypted", text: "bob answers the phone" });
    // Sent before it joined: not for the phone (docs/E2E.md section 1), shown as such, not as a failure.
    await pageToStart(phone, dm);
    expect(phone.at(dm, early)).toMatchObject({ e2e: "unavailable", text: "" });
    for (const c of [alice, bob, phone]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("its first send racing the peer's send (which adds it) converges: one leaf, both messages everywhere", async () => {
    const { a: cat, b: dan, dm } = await quietDm("cat", "dan");
    const heard = devicesChanged(dan, cat.user.id);
    const phone = withE2e(await device(stack, cat, 1), fileStore());
    await phone.chat.e2e?.deviceReady();
    // Dan's engine learns of the phone, so his next send adds it (the committer rule).
    await until(() => devicesChanged(dan, cat.user.id) > heard, "dan told of cat's phone", 20_000);
    plaintexts.push("the phone races", "dan races");
    await Promise.all([phone.chat.send(dm, "the phone races"), dan.chat.send(dm, "dan races")]);
    await allRead([cat, dan, phone], dm, ["the phone races", "dan races"]);

    const { groupInfo } = await cat.client.request("chat.mls.groupInfo", { conversationId: dm });
    const leaves = inspectMembership(new Uint8Array(Buffer.from(groupInfo, "base64url"))).leaves;
    const phoneId = await thisDeviceId(phone);
    expect(leaves.filter((l) => l.member?.deviceId === phoneId)).toHaveLength(1);
    // One of the two got the phone in (an Add with its Welcome, or its own External Commit); the
    // other either lost the epoch (STALE_EPOCH, caught up) or came late enough to find it done.
    // Never both: one commit besides the group's establishment.
    expect((await messagesOf(dm)).filter((m) => m.kind === "mls.commit")).toHaveLength(2);
    for (const c of [cat, dan, phone]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("a new device is in the group for the next message, and a request failing while it joins from its Welcome loses nothing", async () => {
    const { a: eve, b: fay, dm } = await quietDm("eve", "fay");
    const phone = withE2e(await device(stack, eve, 1), fileStore());
    // The phone's first look for where its group starts fails, as when the chat service restarts
    // just then: its Welcome must still be joinable afterwards (the KeyPackage not used up yet).
    let failed = 0;
    const request = phone.client.request.bind(phone.client);
    phone.client.request = ((type, body) => {
      if (type === "chat.history" && failed++ === 0) return Promise.reject(new AppError("UNAVAILABLE"));
      return request(type, body);
    }) as typeof phone.client.request;
    await phone.chat.e2e?.deviceReady();
    // Fay sends at once: her engine adds the phone first, having heard of it or having been told
    // by the DS (GROUP_INCOMPLETE when her cached lists were older than the phone).
    const seq = await say(fay, dm, "fay, with the phone in the group");
    await allRead([eve, phone], dm, ["fay, with the phone in the group"]);
    expect(phone.at(dm, seq)).toMatchObject({ e2e: "decrypted" });
    expect(failed).toBeGreaterThan(0);
    for (const c of [eve, fay, phone]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("a key directory that does not answer while a device joins from its Welcome delays the join, loses nothing", async () => {
    const { a: ida, b: jon, dm } = await quietDm("ida", "jon");
    const phone = withE2e(await device(stack, ida, 1), fileStore());
    await phone.chat.e2e?.deviceReady();
    // Every device list the phone asks for while checking the Welcome's leaves fails, once.
    let failed = 0;
    const request = phone.client.request.bind(phone.client);
    phone.client.request = ((type, body) => {
      if (type === "auth.keys.devices" && failed++ === 0) return Promise.reject(new AppError("UNAVAILABLE"));
      return request(type, body);
    }) as typeof phone.client.request;
    const seq = await say(jon, dm, "jon, while the directory hiccups");
    await allRead([ida, phone], dm, ["jon, while the directory hiccups"]);
    expect(phone.at(dm, seq)).toMatchObject({ e2e: "decrypted" });
    expect(failed).toBeGreaterThan(0);
    for (const c of [ida, jon, phone]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("a Welcome inbox that does not answer while a new device reads its first entries: they are read once it answers, not left unavailable", async () => {
    const { a: gus, b: hal, dm } = await quietDm("gus", "hal");
    const phone = withE2e(await device(stack, gus, 1), fileStore());
    await phone.chat.e2e?.deviceReady();
    // Every look into the phone's Welcome inbox fails until told otherwise: the reads of the entries
    // that add it, and the one the Welcome's event starts. A quiet DM brings no later entry.
    let failing = true;
    let failed = 0;
    const request = phone.client.request.bind(phone.client);
    phone.client.request = ((type, body) => {
      if (type === "chat.mls.welcomes" && failing) {
        failed++;
        return Promise.reject(new AppError("UNAVAILABLE"));
      }
      return request(type, body);
    }) as typeof phone.client.request;
    const seq = await say(hal, dm, "hal, while the inbox is down");
    await until(() => failed >= 3, "the phone's inbox reads to fail", 20_000);
    failing = false;
    await allRead([phone], dm, ["hal, while the inbox is down"]);
    expect(phone.at(dm, seq)).toMatchObject({ e2e: "decrypted" });
    for (const c of [gus, hal, phone]) expect(c.chat.e2e?.undecryptable).toBe(0);
  });

  test("no plaintext in the database's messages nor on NATS", async () => {
    await world.expectNoPlaintext(6);
  });
});

async function thisDeviceId(chatter: E2eChatter): Promise<string | undefined> {
  return (await chatter.chat.e2e?.thisDevice())?.deviceId;
}
