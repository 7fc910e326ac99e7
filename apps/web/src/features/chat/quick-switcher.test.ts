import { describe, expect, test } from "vitest";
import { filterEntries, fold, isSwitcherShortcut, type SwitcherEntry } from "./quick-switcher.js";

const entry = (title: string, username?: string, lastActivityTs = 0): SwitcherEntry => ({
  conversationId: `dm:${title}`,
  kind: username ? "dm" : "group",
  title,
  username,
  userId: undefined,
  groupId: undefined,
  archived: false,
  fresh: false,
  lastActivityTs,
});
const titles = (entries: readonly SwitcherEntry[]) => entries.map((e) => e.title);

describe("the quick switcher's matching", () => {
  test("folds case, accents and full-width letters, but keeps marks that are letters elsewhere", () => {
    expect(fold("José ÅSA")).toBe("jose asa");
    expect(fold("Ｔｅａｍ")).toBe("team");
    expect(fold("Ελένη")).toBe("ελενη");
    // Japanese dakuten is part of the letter: が stays が (not か).
    expect(fold("がっこう")).toBe("がっこう");
    expect(fold("团队")).toBe("团队");
  });

  test("every word is part of the name or username; names starting with the first word come first, then recency", () => {
    const all = [entry("Abbot", "abbot"), entry("Bob Smith", "bob"), entry("Team 团队"), entry("José", "pepe")];
    expect(titles(filterEntries(all, ""))).toEqual(["Abbot", "Bob Smith", "Team 团队", "José"]);
    expect(titles(filterEntries(all, "bo"))).toEqual(["Bob Smith", "Abbot"]);
    expect(titles(filterEntries(all, "SMITH"))).toEqual(["Bob Smith"]);
    expect(titles(filterEntries(all, "bob smi"))).toEqual(["Bob Smith"]);
    expect(titles(filterEntries(all, "jose"))).toEqual(["José"]);
    expect(titles(filterEntries(all, "pep"))).toEqual(["José"]);
    expect(titles(filterEntries(all, "团"))).toEqual(["Team 团队"]);
    expect(titles(filterEntries(all, "队"))).toEqual(["Team 团队"]);
    expect(titles(filterEntries(all, "zzz"))).toEqual([]);
  });
});

describe("the shortcut", () => {
  const key = (k: string, mods: Partial<KeyboardEvent> = {}) => ({
    key: k,
    code: `Key${k.toUpperCase()}`,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    isComposing: false,
    ...mods,
  });

  test("Ctrl+K elsewhere, Cmd+K on Apple systems (where Ctrl+K deletes to the end of the line)", () => {
    expect(isSwitcherShortcut(key("k", { ctrlKey: true }), false)).toBe(true);
    expect(isSwitcherShortcut(key("K", { ctrlKey: true }), false)).toBe(true); // Caps Lock
    expect(isSwitcherShortcut(key("k", { metaKey: true }), false)).toBe(false);
    expect(isSwitcherShortcut(key("k", { metaKey: true }), true)).toBe(true);
    expect(isSwitcherShortcut(key("k", { ctrlKey: true }), true)).toBe(false);
    expect(isSwitcherShortcut(key("k"), false)).toBe(false);
    expect(isSwitcherShortcut(key("k", { ctrlKey: true, shiftKey: true }), false)).toBe(false);
    expect(isSwitcherShortcut(key("k", { ctrlKey: true, isComposing: true }), false)).toBe(false);
  });

  test("a non-Latin layout counts the physical K key; a Latin one counts the letter", () => {
    expect(isSwitcherShortcut({ ...key("л", { ctrlKey: true }), code: "KeyK" }, false)).toBe(true);
    // Dvorak: the key where QWERTY has K types T.
    expect(isSwitcherShortcut({ ...key("t", { ctrlKey: true }), code: "KeyK" }, false)).toBe(false);
    expect(isSwitcherShortcut({ ...key("k", { ctrlKey: true }), code: "KeyV" }, false)).toBe(true);
  });
});
