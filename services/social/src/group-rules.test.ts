import { describe, expect, it } from "vitest";
import { GROUP_ROLES, checkGroupName } from "@sealroom/proto/social";
import { mayAttempt, mayKick, type GroupAction } from "./group-rules.js";

describe("group rules", () => {
  it.each([
    ["owner", ["invite", "kick", "setRole", "transfer", "rename", "disband"]],
    ["admin", ["invite", "kick", "leave"]],
    ["member", ["invite", "leave"]],
  ] as const)("%s may attempt exactly %j", (role, allowed) => {
    const actions: GroupAction[] = ["invite", "kick", "setRole", "transfer", "rename", "disband", "leave"];
    expect(actions.filter((a) => mayAttempt(role, a))).toEqual(allowed);
  });

  it("kicks: the owner anyone else, admins plain members, members nobody", () => {
    const table = GROUP_ROLES.flatMap((actor) =>
      GROUP_ROLES.filter((target) => mayKick(actor, target)).map((t) => `${actor}>${t}`),
    );
    expect(table).toEqual(["owner>admin", "owner>member", "admin>member"]);
  });

  it("group names: NFC, trimmed, 1-64 characters, no control or bidi characters", () => {
    expect(checkGroupName("  e\u0301 ")).toEqual({ ok: true, name: "\u00e9" });
    expect(checkGroupName("🙂".repeat(64)).ok).toBe(true);
    expect(checkGroupName("🙂".repeat(65)).ok).toBe(false);
    for (const bad of ["", " \t\n", "a\u0000b", "a\u202Eb", "a\u2066b", "line\u2028break"])
      expect(checkGroupName(bad).ok).toBe(false);
  });
});
