import { describe, expect, it } from "vitest";
import { AppError } from "@sealroom/proto/errors";
import { AvatarCache, decodeBase64url, encodeBase64url, type AvatarClient } from "./avatar-cache.js";

/** Answers social.profiles.avatar and social.groups.avatar from `replies` in turn, counting the calls. */
function scripted(replies: Array<string | AppError>) {
  const calls: Array<number | string> = [];
  const client = {
    request: (type: string, body: { userId?: number; groupId?: number }) => {
      if (type === "social.groups.avatar") calls.push(`g${body.groupId}`);
      else {
        expect(type).toBe("social.profiles.avatar");
        calls.push(body.userId!);
      }
      const next = replies.shift() ?? new AppError("NOT_FOUND");
      if (next instanceof AppError) return Promise.reject(next);
      return Promise.resolve({ avatar: { ...body, version: next, mime: "image/png", data: "iVBORw" } });
    },
  } as unknown as AvatarClient;
  return { client, calls };
}

describe("AvatarCache", () => {
  it("fetches each version once, however many ask at the same time or later", async () => {
    const { client, calls } = scripted(["v1".padEnd(16, "x")]);
    const cache = new AvatarCache(client);
    const [a, b] = await Promise.all([cache.get(7, "v1"), cache.get(7, "v1")]);
    expect(a).toBe(b);
    expect(await cache.get(7, "v1")).toBe(a);
    expect(calls).toEqual([7]);
    expect([...a!.bytes]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it("waits out RATE_LIMITED, and does not keep a failure", async () => {
    const { client, calls } = scripted([new AppError("RATE_LIMITED", "slow", 5), "v".repeat(16)]);
    const cache = new AvatarCache(client);
    expect((await cache.get(1, "v"))?.mime).toBe("image/png");
    expect(calls).toEqual([1, 1]);

    expect(await cache.get(2, "w")).toBeUndefined(); // NOT_FOUND
    expect(await cache.get(2, "w")).toBeUndefined();
    expect(calls).toEqual([1, 1, 2, 2]);
  });

  it("keeps the most recently used `capacity` pictures", async () => {
    const { client, calls } = scripted(["a", "b", "c", "a"].map((v) => v.repeat(16)));
    const cache = new AvatarCache(client, 2);
    await cache.get(1, "a");
    await cache.get(2, "b");
    await cache.get(1, "a"); // used again: 2 is now the oldest
    await cache.get(3, "c");
    await cache.get(1, "a");
    expect(calls).toEqual([1, 2, 3]);
    cache.clear();
    await cache.get(1, "a");
    expect(calls).toEqual([1, 2, 3, 1]);
  });

  it("keeps a group's pictures apart from a user's with the same id, fetched from social.groups.avatar", async () => {
    const { client, calls } = scripted(["u".repeat(16), "g".repeat(16)]);
    const cache = new AvatarCache(client);
    const user = await cache.get(5, "v");
    const group = await cache.getGroup(5, "v");
    expect(await cache.getGroup(5, "v")).toBe(group);
    expect(calls).toEqual([5, "g5"]);
    expect(user).toMatchObject({ userId: 5, version: "u".repeat(16) });
    expect(group).toMatchObject({ groupId: 5, version: "g".repeat(16) });
  });

  it("base64url round-trips every byte value, without padding", () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    const text = encodeBase64url(bytes);
    expect(text).toBe(Buffer.from(bytes).toString("base64url"));
    expect([...decodeBase64url(text)]).toEqual([...bytes]);
  });
});
