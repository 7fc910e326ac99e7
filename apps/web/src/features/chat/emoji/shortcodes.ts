/**
 * Emoji shortcodes as GitHub and Slack spell them (`:smile:` -> 😄), from the gemoji package. Its
 * list is loaded on first use (the first `:` typed), so the app's first load does not carry it.
 */
import { useEffect, useState } from "react";

export interface Shortcode {
  name: string;
  emoji: string;
}

export interface ShortcodeIndex {
  /** The emoji of an exact name, e.g. "smile". */
  get(name: string): string | undefined;
  /** Up to `limit` matches: names starting with `query` first, then names containing it. */
  search(query: string, limit?: number): Shortcode[];
}

export function buildIndex(list: readonly { emoji: string; names: readonly string[] }[]): ShortcodeIndex {
  const byName = new Map<string, string>();
  for (const g of list) for (const name of g.names) byName.set(name, g.emoji);
  const names = [...byName.keys()];
  return {
    get: (name) => byName.get(name.toLowerCase()),
    search(query, limit = 6) {
      const q = query.toLowerCase();
      const starts = names.filter((n) => n.startsWith(q));
      const contains = names.filter((n) => !n.startsWith(q) && n.includes(q));
      const byLength = (a: string, b: string) => a.length - b.length || (a < b ? -1 : 1);
      return [...starts.sort(byLength), ...contains.sort(byLength)]
        .slice(0, limit)
        .map((name) => ({ name, emoji: byName.get(name)! }));
    },
  };
}

let loading: Promise<ShortcodeIndex> | undefined;

export function loadShortcodes(): Promise<ShortcodeIndex> {
  // A failed load (offline before the chunk came) is forgotten, so the next focus tries again.
  loading ??= import("gemoji").then(
    (m) => buildIndex(m.gemoji),
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/** The index once `wanted` has been true (it loads then); undefined before. */
export function useShortcodes(wanted: boolean): ShortcodeIndex | undefined {
  const [index, setIndex] = useState<ShortcodeIndex>();
  useEffect(() => {
    if (!wanted || index) return;
    let live = true;
    loadShortcodes().then(
      (i) => live && setIndex(i),
      () => undefined, // offline before the chunk came: typing simply stays plain text
    );
    return () => {
      live = false;
    };
  }, [wanted, index]);
  return index;
}

/** A shortcode being typed at the caret: ":sm" (two characters at least), at a word's start. */
const OPEN = /(?:^|\s):([a-z0-9_+-]{2,})$/i;
/** A finished one: ":smile:". */
const DONE = /(?:^|\s):([a-z0-9_+-]+):$/i;

export interface Typed {
  /** Where the ":" is. */
  start: number;
  query: string;
}

/** The shortcode being typed just before `caret`, if any. */
export function typedShortcode(text: string, caret: number): Typed | undefined {
  const m = OPEN.exec(text.slice(0, caret));
  return m ? { start: caret - m[1]!.length - 1, query: m[1]! } : undefined;
}

/**
 * When the text before the caret ends with a known ":name:", the text with the emoji in its place
 * and the caret after it; otherwise undefined.
 */
export function replaceFinished(
  text: string,
  caret: number,
  index: ShortcodeIndex,
): { text: string; caret: number } | undefined {
  const m = DONE.exec(text.slice(0, caret));
  const emoji = m && index.get(m[1]!);
  if (!m || !emoji) return undefined;
  const start = caret - m[1]!.length - 2;
  return { text: text.slice(0, start) + emoji + text.slice(caret), caret: start + emoji.length };
}

/** `text` with the typed shortcode at `typed` replaced by `emoji` (and a space after it). */
export function insertChosen(text: string, caret: number, typed: Typed, emoji: string) {
  const inserted = `${emoji} `;
  return {
    text: text.slice(0, typed.start) + inserted + text.slice(caret),
    caret: typed.start + inserted.length,
  };
}
