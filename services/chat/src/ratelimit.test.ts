/** The per-user write budget, end to end (the bucket itself: packages/runtime/src/ratelimit.test.ts). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dmConversationId } from "@sealroom/proto/chat";
import { BLOB_LIMITS } from "@sealroom/proto/chat-blobs";
import { setup, type Harness } from "./test/harness.js";

describe("the chat service's per-user budget (regression: a user on several gateways multiplied their rate)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup({ config: { sendRate: { perSec: 1, burst: 5 } } });
  });
  afterAll(async () => {
    await h?.teardown();
  });

  it("counts every connection of a user together; RATE_LIMITED with a retry hint; others unaffected", async () => {
    const [a, b, c] = [await h.seed.user(), await h.seed.user(), await h.seed.user()];
    await h.seed.friends(a, b);
    await h.seed.friends(c, b);
    // Each call comes from a different connection id (the harness numbers them), as from many gateways.
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        h.refusal(a, "chat.send", { conversationId: dmConversationId(a, b), clientMsgId: `r${i}`, text: "hi" }),
      ),
    );
    const refused = results.filter((r) => r !== undefined);
    expect(results.filter((r) => r === undefined).length).toBeLessThanOrEqual(6);
    expect(refused.length).toBeGreaterThanOrEqual(6);
    for (const r of refused) expect(r).toMatchObject({ code: "RATE_LIMITED", retryable: true });
    expect(refused[0]!.retryAfterMs).toBeGreaterThan(0);
    // Edits and deletes spend the same budget; reading does not.
    expect(await h.refusal(a, "chat.delete", { conversationId: dmConversationId(a, b), seq: 1 })).toMatchObject({
      code: "RATE_LIMITED",
    });
    expect(await h.refusal(a, "chat.history", { conversationId: dmConversationId(a, b) })).toBeUndefined();
    expect(
      await h.refusal(c, "chat.send", { conversationId: dmConversationId(c, b), clientMsgId: "c1", text: "hi" }),
    ).toBeUndefined();
  });
});

describe("the chat service's per-user reading budget (S7: a user's many connections multiplied one's reading rate)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await setup({ config: { readRate: { perSec: 1, burst: 400 } } });
  });
  afterAll(async () => {
    await h?.teardown();
  });

  it("charges a page its requested size across all of a user's connections; RATE_LIMITED before any read; others unaffected", async () => {
    const [a, b, c] = [await h.seed.user(), await h.seed.user(), await h.seed.user()];
    await h.seed.friends(a, b);
    await h.seed.friends(c, b);
    const dm = dmConversationId(a, b);
    // Two full pages fit the burst (each call from another connection id, as from many gateways);
    // the third does not, whether history or sync, and says when to come back.
    expect(await h.refusal(a, "chat.history", { conversationId: dm, limit: 200 })).toBeUndefined();
    expect(await h.refusal(a, "chat.sync", { conversationId: dm, afterSeq: 0, limit: 200 })).toBeUndefined();
    const refused = await h.refusal(a, "chat.history", { conversationId: dm, limit: 200 });
    expect(refused).toMatchObject({ code: "RATE_LIMITED", retryable: true });
    expect(refused!.retryAfterMs).toBeGreaterThan(100_000); // 200 entries at 1 a second
    expect(await h.refusal(a, "chat.sync", { conversationId: dm, afterSeq: 0, limit: 200 })).toMatchObject({
      code: "RATE_LIMITED",
    });
    // Sending is another budget; another user reads as before.
    expect(await h.refusal(a, "chat.send", { conversationId: dm, clientMsgId: "a1", text: "hi" })).toBeUndefined();
    expect(await h.refusal(c, "chat.history", { conversationId: dmConversationId(c, b), limit: 200 })).toBeUndefined();
  });
});

describe("the chat service's per-user budget for attachment bytes (S7: one user's uploads slowed everyone's messages)", () => {
  let h: Harness;
  const chunk = BLOB_LIMITS.chunkSealedBytes;
  beforeAll(async () => {
    h = await setup({ config: { blobRate: { perSec: 1000, burst: 2 * chunk } } });
  });
  afterAll(async () => {
    await h?.teardown();
  });

  it("charges each chunk put and got, across connections; RATE_LIMITED with the wait for the bytes; others unaffected", async () => {
    const [a, b, c] = [await h.seed.user(), await h.seed.user(), await h.seed.user()];
    await h.seed.friends(a, b);
    await h.seed.friends(c, b);
    const dm = dmConversationId(a, b);
    const data = Buffer.alloc(chunk, 7).toString("base64url");
    const { blobId } = await h.call(a, "chat.blob.start", { conversationId: dm, size: 3 * chunk });
    // Two full chunks fit the burst, from two connections; the third waits ~a chunk's bytes at 1000/s.
    expect(await h.refusal(a, "chat.blob.put", { blobId, index: 0, data }, "s-one")).toBeUndefined();
    expect(await h.refusal(a, "chat.blob.put", { blobId, index: 1, data }, "s-two")).toBeUndefined();
    const refused = await h.refusal(a, "chat.blob.put", { blobId, index: 2, data });
    expect(refused).toMatchObject({ code: "RATE_LIMITED", retryable: true });
    expect(refused!.retryAfterMs).toBeGreaterThan(20_000);
    // Downloads spend the same budget; another user has their own.
    expect(await h.refusal(a, "chat.blob.get", { blobId, index: 0 })).toMatchObject({ code: "RATE_LIMITED" });
    const other = await h.call(c, "chat.blob.start", { conversationId: dmConversationId(c, b), size: chunk });
    expect(await h.refusal(c, "chat.blob.put", { blobId: other.blobId, index: 0, data })).toBeUndefined();
    // Nothing else is charged: a message still goes.
    expect(await h.refusal(a, "chat.send", { conversationId: dm, clientMsgId: "after", text: "hi" })).toBeUndefined();
  });
});
