/** Wording and grouping of the timeline: pure functions of the data and the language. */
import type { PublicUser } from "@sealroom/proto/auth";
import { parseConversationId, type PendingMessage, type SystemEntry, type TimelineEntry } from "@sealroom/sdk/browser";
import type { MessageKey } from "../../i18n/en.js";
import { e2eStatusOf } from "./e2e.js";
import type { Language, Vars } from "../../i18n/languages.js";
import { plainText } from "./markdown.js";

export type Translate = (key: MessageKey, vars?: Vars) => string;

/** Local calendar day, as a comparable key. */
export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** "Today", "Yesterday", or the date (with the year only when it is not this year). */
export function dayLabel(ts: number, now: number, lang: Language, t: Translate): string {
  if (dayKey(ts) === dayKey(now)) return t("chat.today");
  if (dayKey(ts) === dayKey(now - 86_400_000)) return t("chat.yesterday");
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(lang, {
    weekday: "long",
    month: "long",
    day: "numeric",
    ...(sameYear ? {} : { year: "numeric" }),
  }).format(ts);
}

export function timeLabel(ts: number, lang: Language): string {
  return new Intl.DateTimeFormat(lang, { hour: "numeric", minute: "2-digit" }).format(ts);
}

/** For the conversation list: a time today, a weekday this week, else a short date. */
export function shortWhen(ts: number, now: number, lang: Language): string {
  if (dayKey(ts) === dayKey(now)) return timeLabel(ts, lang);
  if (now - ts < 6 * 86_400_000) return new Intl.DateTimeFormat(lang, { weekday: "short" }).format(ts);
  return new Intl.DateTimeFormat(lang, { month: "short", day: "numeric" }).format(ts);
}

/** Display names by user id (people.ts): shown instead of the username where known. */
type DisplayNames = Readonly<Record<number, string>>;

/** Who is typing, as a translation key and its variables (see isolated() for rendering). */
export function typingMessage(
  users: readonly PublicUser[],
  displayNames: DisplayNames = {},
): { key: MessageKey; vars: Vars } | undefined {
  const [a, b] = users;
  if (!a) return undefined;
  const name = (u: PublicUser) => displayNames[u.id] ?? u.username;
  if (!b) return { key: "chat.typing.one", vars: { name: name(a) } };
  if (users.length === 2) return { key: "chat.typing.two", vars: { a: name(a), b: name(b) } };
  return { key: "chat.typing.many", vars: { count: users.length } };
}

/** A system entry as a translation key and its variables (see isolated() for rendering). */
export function systemMessage(
  entry: SystemEntry,
  t: Translate,
  displayNames: DisplayNames = {},
): { key: MessageKey; vars: Vars } {
  const e = entry.event;
  const name = (u: PublicUser | null) => (u ? (displayNames[u.id] ?? u.username) : t("chat.someone"));
  const vars = {
    actor: name(e.actor),
    target: name(e.target),
    name: (e.type === "topic" ? e.topic : e.name) ?? "",
  };
  const key: MessageKey =
    e.type === "role"
      ? e.role === "admin"
        ? "chat.sys.roleAdmin"
        : "chat.sys.roleMember"
      : e.type === "topic" && !e.topic
        ? "chat.sys.topicCleared"
        : SYSTEM_KEYS[e.type];
  return { key, vars };
}

const SYSTEM_KEYS = {
  created: "chat.sys.created",
  invited: "chat.sys.invited",
  joined: "chat.sys.joined",
  declined: "chat.sys.declined",
  uninvited: "chat.sys.uninvited",
  left: "chat.sys.left",
  kicked: "chat.sys.kicked",
  renamed: "chat.sys.renamed",
  topic: "chat.sys.topic",
  picture: "chat.sys.picture",
  pictureRemoved: "chat.sys.pictureRemoved",
  transferred: "chat.sys.transferred",
  disbanded: "chat.sys.disbanded",
} as const satisfies Record<Exclude<SystemEntry["event"]["type"], "role">, MessageKey>;

export function systemText(entry: SystemEntry, t: Translate, displayNames: DisplayNames = {}): string {
  const m = systemMessage(entry, t, displayNames);
  return t(m.key, m.vars);
}

/** What the list shows under a conversation's name. */
export function previewText(
  last: TimelineEntry | PendingMessage | undefined,
  me: number | undefined,
  t: Translate,
  displayNames: DisplayNames = {},
): string {
  if (!last) return t("chat.noMessages");
  // A message that failed says so in the list too: "You: hi" would claim it was sent.
  if (!("kind" in last))
    return t(last.status === "failed" ? "chat.notSentPreview" : "chat.youSaid", { text: oneLine(last.text) });
  if (last.kind === "system") return systemText(last, t, displayNames);
  if (last.deletedTs !== null) return t("chat.deleted");
  // Computed on this device: the server has no preview of an encrypted message.
  const e2e = e2eStatusOf(last);
  if (e2e === "undecryptable") return t("chat.undecryptablePreview");
  if (e2e === "unavailable") return t("chat.unavailablePreview");
  // A file: its name (and caption), as the list has no room for the card.
  const file = "attachment" in last ? (last.attachment as { name?: unknown } | undefined)?.name : undefined;
  const text = typeof file === "string" ? `📎 ${file}${last.text ? ` ${oneLine(last.text)}` : ""}` : oneLine(last.text);
  return last.senderId === me ? t("chat.youSaid", { text }) : text;
}

/** The words without Markdown markers ("**soon**" reads "soon"), on one line. */
function oneLine(text: string): string {
  return plainText(text).slice(0, 120);
}

export type OwnStatus = { kind: "sent" } | { kind: "read" } | { kind: "readBy"; count: number };

/**
 * The delivery state of one of the user's acked messages, from the others' read pointers: in a DM
 * "read" once the partner's pointer reaches it; in a group "read by N".
 */
export function ownStatus(
  seq: number,
  kind: "dm" | "group",
  receipts: Readonly<Record<number, number>>,
  me: number | undefined,
): OwnStatus {
  const others = Object.entries(receipts).filter(([id]) => Number(id) !== me);
  const readers = others.filter(([, readSeq]) => readSeq >= seq).length;
  if (kind === "dm") return readers > 0 ? { kind: "read" } : { kind: "sent" };
  return readers > 0 ? { kind: "readBy", count: readers } : { kind: "sent" };
}

export function statusText(s: OwnStatus, t: Translate): string {
  switch (s.kind) {
    case "sent":
      return t("chat.status.sent");
    case "read":
      return t("chat.status.read");
    case "readBy":
      return t("chat.status.readBy", { count: s.count });
  }
}

interface Titled {
  conversationId: string;
  kind: "dm" | "group";
  peer: PublicUser | null;
  group: { name: string } | null;
}

/**
 * A DM's partner: from the store's summary, else from the id and the names the app knows (a DM
 * the user just started, or first seen live, has no summary until the next catch-up).
 */
export function peerOf(
  view: Titled,
  me: number | undefined,
  names: Readonly<Record<number, string>>,
): PublicUser | null {
  if (view.kind !== "dm") return null;
  if (view.peer) return view.peer;
  const ref = parseConversationId(view.conversationId);
  if (ref?.kind !== "dm") return null;
  const other = ref.low === me ? ref.high : ref.low;
  const name = names[other];
  return name === undefined ? null : { id: other, username: name };
}

/** A group conversation's group id, for its picture; undefined for a DM. */
export function groupIdOf(view: { conversationId: string }): number | undefined {
  const ref = parseConversationId(view.conversationId);
  return ref?.kind === "group" ? ref.groupId : undefined;
}

/** The conversation's title: the partner's name, or the group's. */
export function conversationTitle(
  view: Titled,
  t: Translate,
  me?: number,
  names: Readonly<Record<number, string>> = {},
  displayNames: Readonly<Record<number, string>> = {},
): string {
  if (view.kind !== "dm") return view.group?.name ?? t("chat.group");
  const peer = peerOf(view, me, names);
  return peer ? (displayNames[peer.id] ?? peer.username) : t("chat.someone");
}
