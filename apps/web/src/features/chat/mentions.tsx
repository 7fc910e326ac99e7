/**
 * Mentions: `@username` in a message, for a member of the conversation. The composer offers the
 * members as the user types `@` (display name and username), and at sending the message names the
 * members whose `@username` it holds (typed or chosen alike) in its encrypted content's `mentions`
 * (packages/e2e content.ts): the server never learns who is mentioned. On screen a mention of a
 * listed user is highlighted, a mention of the user more so, and such a message notifies them even
 * in a muted conversation (notifications.ts).
 */
import type { ReactNode } from "react";
import { isE2eText, type ConversationView, type TextEntry } from "@sealroom/sdk/browser";

/** One user who can be mentioned in a conversation. */
export interface Mentionable {
  id: number;
  username: string;
  /** The display name, when they set one. */
  displayName?: string | undefined;
}

/** An `@` being typed at the caret: where it starts and what follows it so far. */
export interface TypedMention {
  start: number;
  query: string;
}

/** Characters of a username (PROTOCOL.md 9: letters, combining marks, digits, '_', '.', '-'). */
const NAME_CHAR = /[\p{L}\p{M}\p{N}_.-]/u;
/** A mention token in a text; a trailing '.' is the sentence's, not the name's. */
const MENTION_RE = /(^|[^\p{L}\p{M}\p{N}_.@-])@([\p{L}\p{M}\p{N}_.-]{1,64})/gu;
/** Suggestions offered at most. */
const SUGGESTIONS_MAX = 6;

/**
 * The `@query` the caret is in, if any: an `@` at the start or after a space or punctuation,
 * then name characters up to the caret (nothing yet is a query too: `@` alone lists everyone).
 */
export function typedMention(text: string, caret: number): TypedMention | undefined {
  let i = caret;
  while (i > 0 && NAME_CHAR.test(text[i - 1]!) && caret - i <= 64) i--;
  if (i === 0 || text[i - 1] !== "@") return undefined;
  const at = i - 1;
  const before = at > 0 ? text[at - 1]! : "";
  if (before !== "" && (NAME_CHAR.test(before) || before === "@")) return undefined;
  return { start: at, query: text.slice(i, caret) };
}

/**
 * The members matching `query`: username or a word of the display name starting with it first,
 * then containing it; case-insensitive. The user themself is never offered.
 */
export function matchMembers(members: readonly Mentionable[], query: string, me: number | undefined): Mentionable[] {
  const q = query.toLocaleLowerCase();
  const others = members.filter((m) => m.id !== me);
  const words = (m: Mentionable) =>
    [m.username, ...(m.displayName ?? "").split(/\s+/), m.displayName ?? ""].map((w) => w.toLocaleLowerCase());
  const starts = others.filter((m) => words(m).some((w) => w !== "" && w.startsWith(q)));
  const contains = others.filter((m) => !starts.includes(m) && words(m).some((w) => w.includes(q)));
  const byName = (a: Mentionable, b: Mentionable) =>
    (a.displayName ?? a.username).localeCompare(b.displayName ?? b.username);
  return [...starts.sort(byName), ...contains.sort(byName)].slice(0, SUGGESTIONS_MAX);
}

/** The text with the typed `@query` replaced by `@username ` (and where the caret goes). */
export function insertMention(
  text: string,
  caret: number,
  typed: TypedMention,
  member: Mentionable,
): { text: string; caret: number } {
  const inserted = `@${member.username} `;
  const rest = text.slice(caret).replace(/^ /, "");
  return { text: text.slice(0, typed.start) + inserted + rest, caret: typed.start + inserted.length };
}

/** Every `@name` token of a text, as typed (without the '@'). */
function mentionTokens(text: string): { index: number; length: number; name: string }[] {
  const out: { index: number; length: number; name: string }[] = [];
  for (const m of text.matchAll(MENTION_RE)) {
    const name = m[2]!.replace(/\.+$/, "");
    if (name === "") continue;
    out.push({ index: m.index + m[1]!.length, length: name.length + 1, name });
  }
  return out;
}

/** The members a text mentions: those whose `@username` it holds (case-insensitive), each once. */
export function mentionedIn(text: string, members: readonly Mentionable[], me: number | undefined): number[] {
  const byName = new Map(members.filter((m) => m.id !== me).map((m) => [m.username.toLocaleLowerCase(), m.id]));
  const ids = new Set<number>();
  for (const t of mentionTokens(text)) {
    const id = byName.get(t.name.toLocaleLowerCase());
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

/** How a message's mentions are shown: the mentioned users by username, and who "me" is. */
export interface MentionMarks {
  byName: ReadonlyMap<string, { id: number; shown: string }>;
  me: number | undefined;
}

/**
 * The marks of a message: only the users its content names in `mentions` (an `@word` that matches
 * nobody it mentions stays text), shown by the name the app shows them by.
 */
export function marksOf(
  entry: TextEntry,
  me: number | undefined,
  user: (id: number) => { username: string; shown: string } | undefined,
): MentionMarks | undefined {
  const ids = isE2eText(entry) ? entry.mentions : undefined;
  if (!ids || ids.length === 0) return undefined;
  const byName = new Map<string, { id: number; shown: string }>();
  for (const id of ids) {
    const u = user(id);
    if (u) byName.set(u.username.toLocaleLowerCase(), { id, shown: u.shown });
  }
  return { byName, me };
}

/** Whether the message mentions the user. */
export const mentionsMe = (entry: TextEntry, me: number | undefined): boolean =>
  me !== undefined && isE2eText(entry) && (entry.mentions?.includes(me) ?? false);

/**
 * A text with its mentions as highlighted chips (`rest` renders everything between them: the
 * links). The chip says the name the app shows; its title the `@username` as typed.
 */
export function withMentions(text: string, marks: MentionMarks | undefined, rest: (s: string) => ReactNode): ReactNode {
  if (!marks) return rest(text);
  const parts: ReactNode[] = [];
  let last = 0;
  for (const t of mentionTokens(text)) {
    const mark = marks.byName.get(t.name.toLocaleLowerCase());
    if (!mark) continue;
    if (t.index > last) parts.push(rest(text.slice(last, t.index)));
    const me = mark.id === marks.me;
    parts.push(
      <span
        key={`m${t.index}`}
        className="mention"
        data-me={me || undefined}
        data-testid={me ? "mention-me" : "mention"}
        title={`@${t.name}`}
      >
        <bdi>@{mark.shown}</bdi>
      </span>,
    );
    last = t.index + t.length;
  }
  if (last === 0) return rest(text);
  if (last < text.length) parts.push(rest(text.slice(last)));
  return parts;
}

/**
 * Unread messages held of a conversation that mention the user (after the read pointer, not
 * deleted): what the list's @ badge and its mentions filter show. Only what this device holds and
 * decrypted: the server cannot know.
 */
export function unreadMentions(view: Pick<ConversationView, "entries" | "readSeq">, me: number | undefined): number {
  return view.entries.filter(
    (e) => e.kind === "text" && e.seq > view.readSeq && e.deletedTs === null && e.senderId !== me && mentionsMe(e, me),
  ).length;
}
