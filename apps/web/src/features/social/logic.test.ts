import { describe, expect, test } from "vitest";
import type { SocialSnapshot } from "@sealroom/sdk/browser";
import { groupNameProblem } from "./groupName.js";
import { memberActions, NO_ACTIONS } from "./permissions.js";
import { formatRelative } from "./time.js";
import { toSocialView } from "./view.js";

const friend = (id: number, username: string, online: boolean, lastSeenAt: number | null = null) => ({
  user: { id, username },
  since: 1,
  presence: { online, lastSeenAt },
});

describe("the social view", () => {
  test("friends come online first, then by name; pending counts add requests and invitations", () => {
    const snapshot = {
      status: "ready",
      friends: [friend(2, "amy", false, 5), friend(3, "zed", true), friend(4, "bob", true)],
      incoming: [{ id: 1 }, { id: 2 }],
      outgoing: [{ id: 3 }],
      blocked: [],
      invitations: [{ id: 9 }],
      groups: [],
      notices: [],
      groupDetails: {},
      goneGroups: {},
    } as unknown as SocialSnapshot;
    const view = toSocialView(snapshot);
    expect(view.friends.map((f) => f.username)).toEqual(["bob", "zed", "amy"]);
    expect(view.friends[2]).toEqual({ userId: 2, username: "amy", online: false, lastSeenAt: 5, since: 1 });
    expect(view.friendsById.get(3)?.online).toBe(true);
    expect(view.pending).toEqual({ requests: 2, invitations: 1, total: 3 });
  });
});

describe("who may do what to a member", () => {
  test("the owner may do everything to others, nothing to themself", () => {
    expect(memberActions("owner", "member", false, false)).toEqual({
      kick: true,
      promote: true,
      demote: false,
      transfer: true,
    });
    expect(memberActions("owner", "admin", false, false)).toEqual({
      kick: true,
      promote: false,
      demote: true,
      transfer: true,
    });
    expect(memberActions("owner", "owner", true, false)).toEqual(NO_ACTIONS);
  });
  test("an admin may only kick plain members; a member nothing", () => {
    expect(memberActions("admin", "member", false, false)).toEqual({ ...NO_ACTIONS, kick: true });
    expect(memberActions("admin", "admin", false, false)).toEqual(NO_ACTIONS);
    expect(memberActions("admin", "owner", false, false)).toEqual(NO_ACTIONS);
    expect(memberActions("member", "member", false, false)).toEqual(NO_ACTIONS);
  });
  test("a disbanded group allows nothing", () => {
    expect(memberActions("owner", "member", false, true)).toEqual(NO_ACTIONS);
  });
});

describe("group names", () => {
  test("1-64 characters after trimming, counted in code points, no control characters", () => {
    expect(groupNameProblem("   ")).toBe("required");
    expect(groupNameProblem("  Trip  ")).toBeUndefined();
    expect(groupNameProblem("x".repeat(64))).toBeUndefined();
    expect(groupNameProblem("x".repeat(65))).toBe("long");
    expect(groupNameProblem("😀".repeat(64))).toBeUndefined(); // 128 UTF-16 units, 64 characters
    expect(groupNameProblem("a\u202Eb")).toBe("characters");
    expect(groupNameProblem("周末旅行")).toBeUndefined();
  });
});

describe("last seen", () => {
  const now = Date.UTC(2026, 10, 28, 12);
  test("relative and localized; under a minute is 'just now'; past a week a date", () => {
    expect(formatRelative("en", now - 30_000, now)).toBeUndefined();
    expect(formatRelative("en", now - 5 * 60_000, now)).toBe("5 minutes ago");
    expect(formatRelative("zh-CN", now - 5 * 60_000, now)).toBe("5分钟前");
    expect(formatRelative("en", now - 3 * 3_600_000, now)).toBe("3 hours ago");
    expect(formatRelative("en", now - 26 * 3_600_000, now)).toBe("yesterday");
    expect(formatRelative("en", now - 30 * 86_400_000, now)).toMatch(/2026/);
  });
});
