// A chat service that requires end-to-end encryption (ChatConfig.requireEncryption,
// CHAT_REQUIRE_E2E=1): plaintext is refused in every conversation, before and without an MLS group,
// and nothing of it is written; encrypted messages go through as on any server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup, type Harness } from "./test/harness.js";
import { mlsKit } from "./test/mls.js";
import { chatConfigFromEnv, loadEnv } from "./env.js";
import { resolveChatConfig } from "./config.js";

let h: Harness;
beforeAll(async () => {
  h = await setup({ config: { requireEncryption: true } });
});
afterAll(async () => {
  await h?.teardown();
});
const { cid, member, establish, join, sendText, sync, textOf, friends } = mlsKit(() => h);

describe("a server that requires end-to-end encryption", () => {
  it("refuses plaintext in a conversation with no group yet, writing nothing; MLS messages pass", async () => {
    const { a, b, dm } = await friends();
    const refused = await h.refusal(a, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "in the clear" });
    expect(refused).toMatchObject({
      code: "ENCRYPTION_REQUIRED",
      message: "This server accepts only end-to-end encrypted messages.",
    });
    expect(await h.db.message.count({ where: { body: { contains: "in the clear" } } })).toBe(0);
    expect(await h.db.conversation.findUnique({ where: { key: dm } })).toBeNull();

    const alice = await member(a);
    const bob = await member(b);
    const { group } = await establish(dm, alice, [bob]);
    const gb = await join(bob);
    await sendText(alice, group, dm, "encrypted is fine");
    const [entry] = await sync(b, dm, 1);
    expect(await textOf(gb, entry)).toBe("encrypted is fine");
    const again = await h.refusal(a, "chat.send", { conversationId: dm, clientMsgId: cid(), text: "still no" });
    expect(again?.code).toBe("ENCRYPTION_REQUIRED");
  });

  it("is on unless the environment turns it off", () => {
    const base = { DATABASE_URL: "file:/tmp/x.db" };
    expect(chatConfigFromEnv(loadEnv(base)).requireEncryption).toBe(true);
    expect(resolveChatConfig().requireEncryption).toBe(true);
    expect(chatConfigFromEnv(loadEnv({ ...base, CHAT_REQUIRE_E2E: "0" })).requireEncryption).toBe(false);
    expect(() => loadEnv({ ...base, CHAT_REQUIRE_E2E: "yes" })).toThrow();
  });
});
