import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, test } from "vitest";
import { dmConversationId } from "@sealroom/proto/chat";
import { UserRateLimiter } from "./ratelimit.js";
import { setup, type Harness } from "./test/harness.js";

test("per user: a burst, then the rate; other users keep their own budget; idle users are forgotten", () => {
  let now = 0;
  const limiter = new UserRateLimiter({ perSec: 20, burst: 60 }, () => now);
  for (let i = 0; i < 60; i++) expect(limiter.take(1)).toBe(0);
  const wait = limiter.take(1);
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(50);
  expect(limiter.take(2)).toBe(0);
  now += 50;
  expect(limiter.take(1)).toBe(0);
  now += 11 * 60_000;
  limiter.take(3);
  expect(limiter.size).toBe(1);
});

test("property: over any schedule of calls, a user never gets more than burst + rate x elapsed", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 100 }), (gaps, perSec, burst) => {
      let now = 0;
      const limiter = new UserRateLimiter({ perSec, burst }, () => now);
      let allowed = 0;
      for (const gap of gaps) {
        now += gap;
        if (limiter.take(7) === 0) allowed++;
      }
      return allowed <= burst + (now / 1000) * perSec + 1e-9;
    }),
  );
});

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
      Array.from({ length: 12 }, (_, i) => h.refusal(a, "chat.send", { conversationId: dmConversationId(a, b), clientMsgId: `r${i}`, text: "hi" })),
    );
    const refused = results.filter((r) => r !== undefined);
    expect(results.filter((r) => r === undefined).length).toBeLessThanOrEqual(6);
    expect(refused.length).toBeGreaterThanOrEqual(6);
    for (const r of refused) expect(r).toMatchObject({ code: "RATE_LIMITED", retryable: true });
    expect(refused[0]!.retryAfterMs).toBeGreaterThan(0);
    // Edits and deletes spend the same budget; reading does not.
    expect(await h.refusal(a, "chat.delete", { conversationId: dmConversationId(a, b), seq: 1 })).toMatchObject({ code: "RATE_LIMITED" });
    expect(await h.refusal(a, "chat.history", { conversationId: dmConversationId(a, b) })).toBeUndefined();
    expect(await h.refusal(c, "chat.send", { conversationId: dmConversationId(c, b), clientMsgId: "c1", text: "hi" })).toBeUndefined();
  });
});
