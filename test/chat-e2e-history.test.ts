/**
 * History on a new device (issue #18; docs/E2E.md section 12), through the real stack (two
 * gateways, auth, chat, social, NATS, SQLite or PostgreSQL): the user's first device makes the
 * backup key and archives what it reads; a new device of the same user shows what came before it
 * joined as unavailable until another device approves it (both show the same code) or the
 * recovery passphrase unlocks the key; then it reads the whole history, edits applied. The server
 * holds only sealed entries: no plaintext in the database, on NATS or in a log line.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { MemoryE2eStateStore, dmConversationId, type IncomingApproval } from "@sealroom/sdk/node";
import type { Stack } from "./support/stack.js";
import { befriend, device, password, signUp } from "./social-helpers.js";
import { until } from "./support/chat.js";
import { allRead, e2eChatWorld, pageToStart, type E2eChatter } from "./support/e2e-chat.js";

const world = e2eChatWorld();
const { plaintexts, withE2e, fileStore } = world;
let stack: Stack;
beforeAll(() => {
  stack = world.stack;
});

async function say(from: E2eChatter, conversationId: string, text: string): Promise<number> {
  plaintexts.push(text);
  return (await from.chat.send(conversationId, text)).seq;
}

const status = (c: E2eChatter) => c.chat.backup?.status.kind;

/**
 * Each test signs up two or three users (argon2id at auth), readies their MLS devices and a backup
 * key, and pages through history on several devices. In one CI run on a machine at half speed the
 * wait for the first backup key alone passed 20 s, inside the default 30-s test timeout, so these
 * tests get their own and that wait a longer one.
 */
const SLOW = { timeout: 120_000 };

/** Polls a count in the database until it is `want`. */
async function untilCount(count: () => Promise<number>, want: number, what: string): Promise<void> {
  for (let tries = 0; (await count()) !== want; tries++) {
    if (tries > 200) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A DM of two befriended users, some history in it, archived by the first user's laptop. */
async function dmWithHistory(first: string, second: string) {
  const laptop = withE2e(await signUp(stack, first, { gateway: 0 }), fileStore());
  const peer = withE2e(await signUp(stack, second, { gateway: 1 }), new MemoryE2eStateStore());
  await befriend(laptop, peer);
  for (const c of [laptop, peer]) await c.chat.e2e?.deviceReady();
  await until(() => status(laptop) === "ready", "the laptop made the backup key", 60_000);
  const dm = dmConversationId(laptop.user.id, peer.user.id);
  const texts = [`hello from ${first}`, `hello from ${second}`, `${first} again`];
  const seqs = [await say(laptop, dm, texts[0]!), await say(peer, dm, texts[1]!), await say(laptop, dm, texts[2]!)];
  await allRead([laptop, peer], dm, texts);
  const edited = `${first} again, edited`;
  plaintexts.push(edited);
  const editSeq = (await laptop.chat.edit(dm, seqs[2]!, edited)).seq;
  await until(() => peer.textsOf(dm).includes(edited), "the peer sees the edit", 20_000);
  // Every content the laptop read or sent is in its archive (3 messages and the edit).
  for (let tries = 0; (await stack.db.archiveEntry.count({ where: { userId: laptop.user.id } })) < 4; tries++) {
    if (tries > 200) throw new Error("the laptop did not archive the conversation");
    await new Promise((r) => setTimeout(r, 100));
  }
  return { laptop, peer, dm, seqs, editSeq, texts: [texts[0]!, texts[1]!, edited] };
}

describe("history on a new device", SLOW, () => {
  test("a new device reads the whole history once a signed-in device approves it (same code on both)", async () => {
    const { laptop, dm, seqs, editSeq, texts } = await dmWithHistory("hbl", "hbp");
    const phone = withE2e(await device(stack, laptop, 1), fileStore());
    await phone.chat.e2e?.deviceReady();
    await until(() => status(phone) === "locked", "the phone is locked", 20_000);
    await pageToStart(phone, dm);
    await until(() => phone.at(dm, seqs[0]!) !== undefined, "the phone shows the history", 20_000);
    expect(phone.at(dm, seqs[0]!)).toMatchObject({ e2e: "unavailable" });

    phone.chat.backup?.requestApproval();
    let asked: IncomingApproval | undefined;
    await until(() => (asked = laptop.chat.backup?.incoming.find((a) => a.state === "asked")) !== undefined, "asked");
    laptop.chat.backup?.compare(asked!.requestId);
    await until(
      () =>
        phone.chat.backup?.outgoing?.state === "comparing" && laptop.chat.backup?.incoming[0]?.state === "comparing",
      "both devices compare",
    );
    const phoneCode = phone.chat.backup?.outgoing?.state === "comparing" ? phone.chat.backup.outgoing.code : "";
    const laptopCode =
      laptop.chat.backup?.incoming[0]?.state === "comparing" ? laptop.chat.backup.incoming[0].code : "";
    expect(phoneCode).toMatch(/^\d{3} \d{3}$/);
    expect(laptopCode).toBe(phoneCode);
    await laptop.chat.backup?.confirm(asked!.requestId);
    await until(() => status(phone) === "ready", "the phone holds the key", 20_000);

    await allRead([phone], dm, texts);
    expect(phone.at(dm, seqs[2]!)).toMatchObject({ e2e: "decrypted", text: texts[2], editedTs: expect.any(Number) });
    // The edit, shown as one more unavailable message while locked, is no message once read.
    expect(phone.at(dm, editSeq)).toBeUndefined();
    expect(phone.chat.e2e?.undecryptable).toBe(0);
    await world.expectNoPlaintext(3);
  });

  test("the recovery passphrase unlocks the history on a new device; a wrong one does not", async () => {
    const { laptop, dm, seqs, editSeq, texts } = await dmWithHistory("hpl", "hpp");
    await laptop.chat.backup?.setPassphrase("a long enough recovery passphrase");
    const tablet = withE2e(await device(stack, laptop, 0), new MemoryE2eStateStore());
    await until(() => tablet.chat.backup?.status.kind === "locked", "the tablet is locked", 20_000);
    expect(tablet.chat.backup?.status).toMatchObject({ kind: "locked", passphrase: true });
    await pageToStart(tablet, dm);
    await until(() => tablet.at(dm, seqs[1]!) !== undefined, "the tablet shows the history", 20_000);
    expect(tablet.at(dm, seqs[1]!)).toMatchObject({ e2e: "unavailable" });

    expect(await tablet.chat.backup?.unlockWithPassphrase("not the recovery passphrase")).toBe(false);
    expect(status(tablet)).toBe("locked");
    expect(await tablet.chat.backup?.unlockWithPassphrase("a long enough recovery passphrase")).toBe(true);
    await allRead([tablet], dm, texts);
    expect(tablet.at(dm, editSeq)).toBeUndefined();
    expect(tablet.chat.e2e?.undecryptable).toBe(0);
    // The passphrase is not in anything the server saw.
    plaintexts.push("a long enough recovery passphrase");
    await world.expectNoPlaintext(3);
  });
});

describe("a message deleted for everyone", SLOW, () => {
  test("leaves every member's archive, and a new device shows nothing in its place", async () => {
    const { laptop, peer, dm, seqs, texts } = await dmWithHistory("hdl", "hdp");
    const conv = await stack.db.conversation.findUniqueOrThrow({ where: { key: dm } });
    const archived = (userId: number) =>
      stack.db.archiveEntry.count({ where: { userId, conversationId: conv.id, seq: seqs[1]! } });
    await untilCount(() => archived(peer.user.id), 1, "the peer archived its message");
    expect(await archived(laptop.user.id)).toBe(1);

    // Each member's devices, reading the delete, replace their archived copy with the deletion
    // (sealed anew: other bytes, whatever the size).
    const sealedAt = async (userId: number) =>
      Buffer.from(
        (await stack.db.archiveEntry.findFirst({ where: { userId, conversationId: conv.id, seq: seqs[1]! } }))
          ?.sealed ?? [],
      ).toString("hex");
    const before = new Map([laptop, peer].map((c) => [c, ""]));
    for (const c of [laptop, peer]) before.set(c, await sealedAt(c.user.id));
    await peer.chat.delete(dm, seqs[1]!);
    for (const c of [laptop, peer]) {
      for (let tries = 0; ; tries++) {
        const now = await sealedAt(c.user.id);
        if (now !== "" && now !== before.get(c)) break;
        if (tries > 200) throw new Error(`${c.name}'s archive kept the deleted message`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const passphrase = "a passphrase for the deleted test";
    plaintexts.push(passphrase);
    await laptop.chat.backup?.setPassphrase(passphrase);
    const tablet = withE2e(await device(stack, laptop, 0), new MemoryE2eStateStore());
    await until(() => status(tablet) === "locked", "the tablet is locked", 20_000);
    expect(await tablet.chat.backup?.unlockWithPassphrase(passphrase)).toBe(true);
    await pageToStart(tablet, dm);
    await allRead([tablet], dm, [texts[0]!, texts[2]!]);
    // In its place the deletion was archived: nothing shows there, not even a locked placeholder.
    expect(tablet.at(dm, seqs[1]!)).toBeUndefined();
    expect(tablet.chat.e2e?.undecryptable).toBe(0);
    await world.expectNoPlaintext(3);
  });
});

describe("rotating the backup key when a device is removed", SLOW, () => {
  test("the other devices take the new key by themselves, the removed one is left behind, and a new device reads everything", async () => {
    const { laptop, peer, dm, texts } = await dmWithHistory("hrl", "hrp");
    const passphrase = "the first recovery passphrase";
    plaintexts.push(passphrase);
    await laptop.chat.backup?.setPassphrase(passphrase);
    const phone = withE2e(await device(stack, laptop, 1), fileStore());
    const stolen = withE2e(await device(stack, laptop, 0), new MemoryE2eStateStore());
    for (const c of [phone, stolen]) {
      // Listed (so handed the next key) once its KeyPackages are published.
      await c.chat.e2e?.deviceReady();
      await until(() => status(c) === "locked", "a new device is locked", 20_000);
      expect(await c.chat.backup?.unlockWithPassphrase(passphrase)).toBe(true);
    }
    const stolenId = (await stolen.chat.e2e!.thisDevice()).deviceId;

    await laptop.chat.backup!.removeDevice(stolenId);
    expect(laptop.chat.backup?.status).toEqual({ kind: "ready", version: 2, passphrase: false });
    // The phone was handed the new key through one of its KeyPackages, with nobody asked.
    await until(
      () => phone.chat.backup?.status.kind === "ready" && phone.chat.backup.status.version === 2,
      "the phone took the new key",
      20_000,
    );
    expect(stolen.chat.backup?.keyFor(2)).toBeUndefined();

    const after = "said after the rotation";
    await say(peer, dm, after);
    await pageToStart(phone, dm);
    await allRead([laptop, phone], dm, [...texts, after]);
    for (let tries = 0; ; tries++) {
      const sealed = await stack.db.archiveEntry.count({ where: { userId: laptop.user.id, keyVersion: 2 } });
      if (sealed > 0) break;
      if (tries > 200) throw new Error("nothing was archived under the new key");
      await new Promise((r) => setTimeout(r, 100));
    }

    // The rotation dropped the passphrase (the remover does not know it): locked until set again.
    const desk = withE2e(await device(stack, laptop, 1), new MemoryE2eStateStore());
    await until(() => status(desk) === "locked", "the desk is locked", 20_000);
    expect(desk.chat.backup?.status).toEqual({ kind: "locked", passphrase: false });
    const second = "the second recovery passphrase";
    plaintexts.push(second);
    await phone.chat.backup?.setPassphrase(second);
    await until(() => desk.chat.backup?.status.kind === "locked" && desk.chat.backup.status.passphrase, "told");
    expect(await desk.chat.backup?.unlockWithPassphrase(second)).toBe(true);
    // The link back opened the first key too: what was archived before the rotation reads.
    expect(desk.chat.backup?.keyFor(1)).toEqual(laptop.chat.backup?.keyFor(1));
    await pageToStart(desk, dm);
    await allRead([desk], dm, [...texts, after]);
    expect(desk.chat.e2e?.undecryptable).toBe(0);
    await world.expectNoPlaintext(3);
  });

  test("a password change, which signs every other device out, rotates the key too", async () => {
    const { laptop } = await dmWithHistory("hcl", "hcp");
    const phone = withE2e(await device(stack, laptop, 1), new MemoryE2eStateStore());
    await phone.chat.e2e?.deviceReady();
    await laptop.client.changePassword(password, "a brand new password");
    await until(
      () => laptop.chat.backup?.status.kind === "ready" && laptop.chat.backup.status.version === 2,
      "the laptop rotated",
      20_000,
    );
    // Nobody else was left to hand the key to.
    expect(await stack.db.backupDeviceWrap.count({ where: { userId: laptop.user.id } })).toBe(0);
    expect(await stack.db.backupKeyLink.count({ where: { userId: laptop.user.id, version: 2 } })).toBe(1);
  });
});
