import { describe, expect, it } from "vitest";
import { revokes } from "./revocations.js";

describe("revokes", () => {
  it("covers every session, the listed ones, or all but one", () => {
    expect(revokes({ userId: 1 }, "a")).toBe(true);
    expect(revokes({ userId: 1, sessionIds: ["a", "b"] }, "b")).toBe(true);
    expect(revokes({ userId: 1, sessionIds: ["a", "b"] }, "c")).toBe(false);
    expect(revokes({ userId: 1, exceptSessionId: "a" }, "a")).toBe(false);
    expect(revokes({ userId: 1, exceptSessionId: "a" }, "b")).toBe(true);
  });
});
