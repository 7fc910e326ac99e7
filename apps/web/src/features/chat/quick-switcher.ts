/**
 * What the quick switcher (Ctrl/Cmd+K, QuickSwitcher.tsx) lists and how typing narrows it: pure
 * functions of the chat's conversations, the people known and the text typed.
 */
import { dmConversationId, type ConversationView } from "@sealroom/sdk/browser";
import { conversationTitle, groupIdOf, peerOf, type Translate } from "./format.js";
import { shownName, type PeopleSnapshot } from "./people.js";

export interface SwitcherEntry {
  conversationId: string;
  kind: "dm" | "group";
  /** The name shown: a DM partner's display name (else username), or the group's name. */
  title: string;
  /** A DM partner's username, shown beside a display name that differs from it. */
  username: string | undefined;
  /** A DM partner's id, for their picture. */
  userId: number | undefined;
  /** A group conversation's group id, for its picture. */
  groupId: number | undefined;
  archived: boolean;
  /** A friend without a conversation yet: choosing it starts one, as the list's "Start a chat" does. */
  fresh: boolean;
  lastActivityTs: number;
}

/**
 * Every conversation, most recently active first, the archived ones after the others (they were put
 * away, yet one may still want to jump there), then friends without a conversation yet.
 */
export function switcherEntries(
  conversations: readonly ConversationView[],
  people: Pick<PeopleSnapshot, "friends" | "names" | "displayNames">,
  me: number | undefined,
  t: Translate,
): SwitcherEntry[] {
  const entries = conversations.map((view): SwitcherEntry => {
    const peer = peerOf(view, me, people.names);
    return {
      conversationId: view.conversationId,
      kind: view.kind,
      title: conversationTitle(view, t, me, people.names, people.displayNames),
      username: peer?.username,
      userId: peer?.id,
      groupId: groupIdOf(view),
      archived: view.settings.archived,
      fresh: false,
      lastActivityTs: view.lastActivityTs,
    };
  });
  const byRecency = (a: SwitcherEntry, b: SwitcherEntry) => b.lastActivityTs - a.lastActivityTs;
  const held = new Set(entries.map((e) => e.conversationId));
  const fresh: SwitcherEntry[] =
    me === undefined
      ? []
      : people.friends
          .map((f) => ({
            conversationId: dmConversationId(me, f.user.id),
            kind: "dm" as const,
            title: shownName(people, f.user),
            username: f.user.username,
            userId: f.user.id,
            groupId: undefined,
            archived: false,
            fresh: true,
            lastActivityTs: 0,
          }))
          .filter((e) => !held.has(e.conversationId));
  return [
    ...entries.filter((e) => !e.archived).sort(byRecency),
    ...entries.filter((e) => e.archived).sort(byRecency),
    ...fresh,
  ];
}

// Accents are dropped from Latin, Greek and Cyrillic letters only: elsewhere a combining mark can
// be a letter of its own (Japanese dakuten, Devanagari vowel signs) and "が" must not match "か".
const ACCENTED = /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{M}+/gu;

/**
 * Text as compared: compatibility-decomposed (full-width Ａ is A), accents dropped where they are
 * accents, lower case. Chinese is unchanged, so any run of its characters matches as a substring.
 */
export function fold(text: string): string {
  return text.normalize("NFKD").replace(ACCENTED, "$1").normalize("NFC").toLocaleLowerCase();
}

/**
 * The entries matching what was typed: every word of it is part of the name or the username.
 * Those where a name or username starts with the first word come first; recency orders the rest.
 */
export function filterEntries(entries: readonly SwitcherEntry[], query: string): SwitcherEntry[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  const [first] = words;
  if (first === undefined) return [...entries];
  const scored: { entry: SwitcherEntry; rank: number }[] = [];
  for (const entry of entries) {
    const names = [entry.title, entry.username ?? ""].map(fold);
    if (!words.every((w) => names.some((n) => n.includes(w)))) continue;
    const starts = names.some((n) => n.split(/\s+/).some((part) => part.startsWith(first)));
    scored.push({ entry, rank: starts ? 0 : 1 });
  }
  // Array.prototype.sort is stable: within a rank, the entries keep their recency order.
  return scored.sort((a, b) => a.rank - b.rank).map((s) => s.entry);
}

/** macOS and iOS use Cmd where other systems use Ctrl (there, Ctrl+K deletes to the line's end). */
export function isApplePlatform(platform: string): boolean {
  return /Mac|iPhone|iPad|iPod/.test(platform);
}

/** Whether a key press is the switcher's shortcut: Cmd+K on Apple systems, Ctrl+K elsewhere. */
export function isSwitcherShortcut(
  e: Pick<KeyboardEvent, "key" | "code" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey" | "isComposing">,
  apple: boolean,
): boolean {
  if (e.altKey || e.shiftKey || e.isComposing) return false;
  if (apple ? !e.metaKey || e.ctrlKey : !e.ctrlKey || e.metaKey) return false;
  // With a non-Latin layout (Russian, Greek) the key is another letter: the physical K key counts
  // then. With a Latin one the letter counts, wherever the layout puts it (Dvorak's K is not KeyK).
  return e.key.toLowerCase() === "k" || (!/^[a-z]$/i.test(e.key) && e.code === "KeyK");
}
