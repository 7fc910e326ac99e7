/**
 * On-device search (docs/SEARCH.md) through the real stack (gateways, chat as the Delivery Service,
 * NATS, SQLite or PostgreSQL), with end-to-end encryption on: what a device decrypts is indexed as
 * it arrives (English and Chinese), an edit is found by its new text and not its old, a deletion
 * is gone; the index is in the device's state directory, back after a restart, rebuilt from the
 * read records when it is missing, and deleted at logout. A result's message is loaded back into
 * the window with `loadAround`. The server never holds the words searched (the suite's check).
 */
import { existsSync, rmSync } from "node:fs";
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
  });
});
