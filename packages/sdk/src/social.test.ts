import { describe, expect, it } from "vitest";
import { PresenceMap, isSocialEvent, parseSocialEvent } from "./social.js";

describe("social events in the SDK", () => {
  it("parses events whose body matches the contract and rejects the rest", () => {
    expect(parseSocialEvent("presence.changed.v1", { userId: 3, online: true, lastSeenAt: null })).toEqual({
      type: "presence.changed.v1",
      body: { userId: 3, online: true, lastSeenAt: null },
    });
    expect(parseSocialEvent("presence.changed.v1", { userId: "3", online: true, lastSeenAt: null })).toBeUndefined();
    expect(parseSocialEvent("social.nope.v1", {})).toBeUndefined();
    expect(isSocialEvent({ type: "social.friend.removed.v1", body: { userId: 4 } }, "social.friend.removed.v1")).toBe(
      true,
    );
    expect(isSocialEvent({ type: "social.friend.removed.v1", body: {} }, "social.friend.removed.v1")).toBe(false);
  });

  it("PresenceMap follows presence and new friends", () => {
    const map = new PresenceMap();
    map.seed([{ user: { id: 1, username: "a" }, presence: { online: false, lastSeenAt: 5 } }]);
    expect(map.isOnline(1)).toBe(false);
    expect(map.apply({ type: "presence.changed.v1", body: { userId: 1, online: true, lastSeenAt: null } })).toBe(1);
    expect(map.isOnline(1)).toBe(true);
    const friend = { user: { id: 2, username: "b" }, since: 1, presence: { online: true, lastSeenAt: null } };
    expect(map.apply({ type: "social.friend.added.v1", body: { friend } })).toBe(2);
    expect(map.get(2)).toEqual({ online: true, lastSeenAt: null });
    expect(map.apply({ type: "social.block.removed.v1", body: { userId: 9 } })).toBeUndefined();
  });
});
