/**
 * On-device search (docs/SEARCH.md) through the real stack (gateways, chat as the Delivery Service,
 * NATS, SQLite or PostgreSQL), with end-to-end encryption on: what a device decrypts is indexed as
 * it arrives (English and Chinese), an edit is found by its new text and not its old, a deletion
 * is gone; the index is in the device's state directory, back after a restart, rebuilt from the
 * read records when it is missing, and deleted at logout. A result's message is loaded back into
 * the window with `loadAround`; an edit stays found when its message's page is read again, and one
 * lost with the last save of the index is found again then. The server never holds the words
 * searched (the suite's check).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { FileSearchIndexStore, MemoryE2eStateStore, MemoryTicketStore, dmConversationId } from "@sealroom/sdk/node";
import type { Stack } from "./support/stack.js";
import { befriend, signUp } from "./social-helpers.js";
import { until } from "./support/chat.js";
import { e2eChatWorld, type E2eChatter } from "./support/e2e-chat.js";

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

const seqsFound = (c: E2eChatter, query: string) => c.chat.search?.search(query).hits.map((h) => h.seq) ?? [];

describe("search over what the device decrypted", () => {
  test("found as messages, edits and deletes arrive; kept across a restart; rebuilt from read records; deleted at logout", async () => {
    const tickets = new MemoryTicketStore();
    const state = fileStore();
    const search = () => ({ store: new FileSearchIndexStore(state.dir), saveDelayMs: 20 });
    const first = await signUp(stack, "rita", { gateway: 0 });
    const rita = { ...first, client: stack.client({ tickets }) };
    await rita.client.connect();
    await rita.client.login(first.name, "correct horse battery staple");
    const ritaChat = withE2e(rita, state, { search: search() });
    const sam = withE2e(await signUp(stack, "sam", { gateway: 1 }), new MemoryE2eStateStore(), {
      search: { store: new FileSearchIndexStore(fileStore().dir) },
    });
    await befriend(first, sam);
    const dm = dmConversationId(rita.user.id, sam.user.id);
    for (const c of [ritaChat, sam]) await c.chat.e2e?.deviceReady();

    const lighthouse = await say(sam, dm, "meet me at the lighthouse at noon");
    for (let i = 1; i <= 30; i++) await say(sam, dm, `filler line ${i}`);
    const station = await say(sam, dm, "明天在车站见面，别迟到");
    const camera = await say(sam, dm, "bring the old camera");
    const park = await say(sam, dm, "我们去公园散步吧");
    await until(() => seqsFound(ritaChat, "公园").length === 1, "indexed on rita's device", 20_000);
    expect(seqsFound(ritaChat, "lighthouse")).toEqual([lighthouse]);
    expect(seqsFound(ritaChat, "车站")).toEqual([station]);
    expect(seqsFound(ritaChat, "天在车")).toEqual([station]);
    // The sender finds what it sent too (its own messages, which it cannot decrypt, from its outbox).
    expect(seqsFound(sam, "lighthouse")).toEqual([lighthouse]);
    const hit = ritaChat.chat.search?.search("noon").hits[0];
    expect(hit).toMatchObject({ conversationId: dm, seq: lighthouse, senderId: sam.user.id });
    expect(hit?.snippet.highlights).toHaveLength(1);

    plaintexts.push("bring the new tripod");
    await sam.chat.edit(dm, camera, "bring the new tripod");
    await sam.chat.delete(dm, park);
    await until(
      () => seqsFound(ritaChat, "tripod").length === 1 && seqsFound(ritaChat, "公园").length === 0,
      "changes",
    );
    expect(seqsFound(ritaChat, "camera")).toEqual([]);
    expect(seqsFound(sam, "tripod")).toEqual([camera]);
    expect(seqsFound(sam, "公园")).toEqual([]);
    await ritaChat.chat.search?.flush();
    const indexFile = path.join(state.dir, String(rita.user.id), "search-index.json");
    expect(existsSync(indexFile)).toBe(true);

    // A restart: the new process starts at the newest page, the index has the rest.
    ritaChat.chat.stop();
    rita.client.close();
    first.client.close();
    const again = stack.client({ tickets });
    await again.connect();
    await until(() => again.state === "ready", "resumed");
    const restarted = withE2e({ ...first, client: again }, state, { search: search() });
    await until(() => restarted.chat.syncStatus === "up-to-date" && restarted.chat.search?.ready === true, "sync");
    expect(restarted.at(dm, lighthouse)).toBeUndefined();
    expect(seqsFound(restarted, "lighthouse")).toEqual([lighthouse]);
    expect(seqsFound(restarted, "tripod")).toEqual([camera]);
    expect(seqsFound(restarted, "公园")).toEqual([]);
    // The result's message, with the history around it, back in the window (read from the records).
    expect(await restarted.chat.loadAround(dm, lighthouse, 5)).toBe(true);
    await until(() => restarted.at(dm, lighthouse)?.text === "meet me at the lighthouse at noon", "jumped");

    // Without its index file the next start rebuilds it from the read records.
    restarted.chat.stop();
    await restarted.chat.search?.flush();
    rmSync(indexFile);
    const rebuilt = withE2e({ ...first, client: again }, state, { search: search() });
    await until(() => seqsFound(rebuilt, "lighthouse").length === 1, "rebuilt", 20_000);
    await until(() => seqsFound(rebuilt, "车站").length === 1, "rebuilt", 20_000);
    expect(seqsFound(rebuilt, "tripod")).toEqual([camera]);
    expect(seqsFound(rebuilt, "camera")).toEqual([]);
    expect(seqsFound(rebuilt, "公园")).toEqual([]);

    await again.logout();
    await until(() => !existsSync(indexFile), "deleted at logout");
    expect(rebuilt.chat.search?.search("lighthouse").hits).toEqual([]);
    await world.expectNoPlaintext(30);
  }, 120_000);

  test("an edit stays found when its message's page is read again; one lost with the last save comes back then", async () => {
    const tickets = new MemoryTicketStore();
    const state = fileStore();
    const search = () => ({ store: new FileSearchIndexStore(state.dir), saveDelayMs: 20 });
    const first = await signUp(stack, "rhea", { gateway: 0 });
    // The first start signs in; a restart resumes with the ticket, as a new process does.
    const start = async (signIn = false) => {
      const client = stack.client({ tickets });
      await client.connect();
      if (signIn) await client.login(first.name, "correct horse battery staple");
      await until(() => client.state === "ready", "signed in");
      const device = withE2e({ ...first, client }, state, { search: search() });
      await until(() => device.chat.search?.ready === true, "index loaded");
      return device;
    };
    let rhea = await start(true);
    const seb = withE2e(await signUp(stack, "seb", { gateway: 1 }), new MemoryE2eStateStore());
    await befriend(first, seb);
    const dm = dmConversationId(rhea.user.id, seb.user.id);
    for (const c of [rhea, seb]) await c.chat.e2e?.deviceReady();

    const camera = await say(seb, dm, "bring the old camera");
    // Enough after it that a new process's first page does not reach back to it.
    for (let i = 1; i <= 60; i++) await say(seb, dm, `later line ${i}`);
    await until(() => seqsFound(rhea, "later line 60").length === 1, "indexed", 20_000);
    await rhea.chat.search?.flush();
    const indexFile = path.join(state.dir, String(rhea.user.id), "search-index.json");
    const beforeEdit = readFileSync(indexFile);

    plaintexts.push("bring the new tripod");
    await seb.chat.edit(dm, camera, "bring the new tripod");
    await until(() => seqsFound(rhea, "tripod").length === 1, "edit indexed");
    const restart = async (lostLastSave: boolean) => {
      rhea.chat.stop();
      await rhea.chat.search?.flush();
      rhea.client.close();
      // The tab closed before the index's save after the edit (it waits `saveDelayMs`).
      if (lostLastSave) writeFileSync(indexFile, beforeEdit);
      rhea = await start();
      await until(() => rhea.chat.syncStatus === "up-to-date", "sync");
      expect(rhea.at(dm, camera)).toBeUndefined();
    };
    const pageBackTo = async (seq: number) => {
      expect(await rhea.chat.loadAround(dm, seq, 5)).toBe(true);
      await until(() => rhea.at(dm, seq)?.text === "bring the new tripod", "read again, as edited");
    };

    // Saved: found by the new text before and after the message's page is read again.
    await restart(false);
    expect(seqsFound(rhea, "tripod")).toEqual([camera]);
    await pageBackTo(camera);
    expect(seqsFound(rhea, "tripod")).toEqual([camera]);
    expect(seqsFound(rhea, "camera")).toEqual([]);

    // The save after the edit lost: the index has the old text until the message is read again,
    // then the new one.
    await restart(true);
    expect(seqsFound(rhea, "camera")).toEqual([camera]);
    await pageBackTo(camera);
    expect(seqsFound(rhea, "tripod")).toEqual([camera]);
    expect(seqsFound(rhea, "camera")).toEqual([]);
  }, 120_000);
});
