/**
 * One conversation's state in the chat store, and the transitions that change it. Each transition
 * is synchronous and does no I/O (no client, no timers): the store decides when to fetch and whom
 * to notify, these decide what the state becomes, so they are unit-tested on their own.
 */
import type { PublicUser } from "@sealroom/proto/auth";
import {
  isMuted,
  NO_SETTINGS,
  type ChangeAck,
  type ConversationSummary,
  type DeleteEntry,
  type EditEntry,
  type Entry,
  type Page,
  type ReadState,
  type SendAck,
  type TextEntry,
} from "@sealroom/proto/chat";
import type { ChatEventBody } from "@sealroom/proto/chat-events";
import type { SocialEventBody } from "@sealroom/proto/social";
import { ConversationLog, type TimelineEntry } from "./log.js";
import type { PendingMessage } from "./outbox.js";
import type { ConversationView } from "./types.js";

/** A message that waited at least this long on the device (offline) shows when it was written. */
const WAITED_MS = 60_000;

export type ConvMeta = Omit<
  ConversationView,
  "entries" | "headSeq" | "hasOlder" | "unread" | "receipts" | "typing" | "pending" | "written"
>;

export interface Conv {
  meta: ConvMeta;
  written: Record<number, number>;
  log: ConversationLog;
  read: ReadState;
  /** Unread text of others applied after `read` was counted. */
  extraUnread: number;
  receipts: Record<number, number>;
  typing: Map<number, { user: PublicUser; until: number }>;
  /** A sync of this conversation is running / needs to run again. */
  syncing: Promise<void> | undefined;
  resync: boolean;
  gapTimer: ReturnType<typeof setTimeout> | undefined;
  /** The snapshot view, until the conversation changes. */
  view: ConversationView | undefined;
}

export function newConv(conversationId: string, log: ConversationLog): Conv {
  const kind = conversationId.startsWith("group:") ? "group" : "dm";
  return {
    meta: {
      conversationId,
      kind,
      peer: null,
      group: null,
      visibleFromSeq: 0,
      lastActivityTs: 0,
      readSeq: 0,
      people: {},
      settings: NO_SETTINGS,
    },
    log,
    written: {},
    read: { readSeq: 0, unread: 0, countedSeq: 0 },
    extraUnread: 0,
    receipts: {},
    typing: new Map(),
    syncing: undefined,
    resync: false,
    gapTimer: undefined,
    view: undefined,
  };
}

/** The log of a conversation first seen in the list: its newest entry, no history replayed. */
export function logFromSummary(s: ConversationSummary): ConversationLog {
  const log = new ConversationLog(s.lastSeq);
  if (s.last) log.reset(s.lastSeq, [s.last]);
  return log;
}

/** Takes what chat.conversations says about a conversation (its read state separately: applyRead). */
export function adoptSummary(c: Conv, s: ConversationSummary): void {
  c.meta = {
    ...c.meta,
    kind: s.kind,
    peer: s.peer,
    group: s.group,
    visibleFromSeq: s.visibleFromSeq,
    lastActivityTs: Math.max(c.meta.lastActivityTs, s.lastActivityTs),
    readSeq: s.read.readSeq,
    settings: s.settings ?? c.meta.settings,
  };
  learnPeople(c, s.people);
}

/** Records the senders a page or summary names (a new object, so the view changes). */
export function learnPeople(c: Conv, people: readonly PublicUser[] | undefined): void {
  if (!people || people.every((p) => c.meta.people[p.id] === p.username)) return;
  const names: Record<number, string> = { ...c.meta.people };
  for (const p of people) names[p.id] = p.username;
  c.meta.people = names;
  c.view = undefined;
}

/** Starts a conversation first seen live at its newest page; returns the entries it released. */
export function startFromPage(c: Conv, page: Page): Entry[] {
  c.meta.visibleFromSeq = page.visibleFromSeq;
  c.log.reset(
    page.lastSeq,
    page.entries.filter((e): e is TimelineEntry => e.kind === "text" || e.kind === "system"),
  );
  const last = page.entries.findLast((e) => e.kind === "text" || e.kind === "system");
  if (last) c.meta.lastActivityTs = last.ts;
  return page.entries;
}

/**
 * Applies an entry to the log; returns the entries it released, in order, after counting them:
 * others' text after the read pointer is unread, its sender stops typing, activity moves on.
 */
export function applyEntry(c: Conv, entry: Entry, me: number | undefined): Entry[] {
  const released = c.log.receive(entry);
  for (const e of released) {
    if (e.kind === "text") {
      if (e.senderId !== me && e.seq > Math.max(c.read.countedSeq, c.read.readSeq)) newFromOthers(c, Date.now());
      c.typing.delete(e.senderId);
    }
    if (e.kind === "text" || e.kind === "system") c.meta.lastActivityTs = Math.max(c.meta.lastActivityTs, e.ts);
  }
  return released;
}

/**
 * A new message of someone else arrived: one more unread, and an archived conversation that is not
 * muted comes back to the list (the service's rule, docs/protocol/chat.md "chat.settings.set").
 */
export function newFromOthers(c: Conv, now: number): void {
  c.extraUnread++;
  const settings = c.meta.settings;
  if (settings.archived && !isMuted(settings, now)) c.meta.settings = { ...settings, archived: false };
}

/** The user's read state (from any of their devices); an older one than held is ignored. */
export function applyRead(c: Conv, read: ReadState, me: number | undefined): boolean {
  if (read.readSeq < c.read.readSeq) return false;
  c.read = read;
  c.meta.readSeq = read.readSeq;
  const from = Math.max(read.countedSeq, read.readSeq);
  c.extraUnread = c.log.timeline.filter(
    (e) => e.kind === "text" && e.seq > from && e.senderId !== me && e.deletedTs === null,
  ).length;
  return true;
}

/** Another participant's read pointer; it only moves forward. */
export function applyReceipt(c: Conv, userId: number, readSeq: number): void {
  c.receipts[userId] = Math.max(c.receipts[userId] ?? 0, readSeq);
}

/** Someone started typing; returns when it lapses (the store expires it then, see expireTyping). */
export function applyTyping(c: Conv, user: PublicUser, now: number, ttlMs: number): number {
  const until = now + ttlMs;
  c.typing.set(user.id, { user, until });
  return until;
}

/** Drops a typing indicator that was not renewed; returns whether one was dropped. */
export function expireTyping(c: Conv, userId: number, now: number): boolean {
  const current = c.typing.get(userId);
  if (!current || current.until > now) return false;
  c.typing.delete(userId);
  return true;
}

/**
 * What a live message tells about its conversation: the group's (new) name, and a DM partner
 * (the sender, unless it is the user on another device).
 */
export function applyDescription(
  c: Conv,
  body: ChatEventBody<"chat.message.created.v1">,
  me: number | undefined,
): void {
  const { group, sender } = body;
  if (group) c.meta.group = { id: group.id, name: group.name, disbanded: c.meta.group?.disbanded ?? false };
  if (c.meta.kind === "dm" && !c.meta.peer && sender && sender.id !== me) c.meta.peer = sender;
}

/**
 * Disbanded: the conversation stays, read-only. Left or kicked: it stays too, read-only, with its
 * history up to the departure (the chat service serves that span) and who removed the user.
 */
export function applyGroupRemoved(c: Conv, body: SocialEventBody<"social.group.removed.v1">, now: number): void {
  const { group, reason, by } = body;
  const current = c.meta.group ?? { id: group.id, name: group.name, disbanded: false };
  if (reason === "disbanded") c.meta.group = { ...current, disbanded: true };
  else c.meta.group = { ...current, removed: { reason, by: by ?? null, ts: now } };
  c.typing.clear();
}

/** The log entry an ack stands for (the live event of it may come later, or not at all). */
export function ackEntry(message: PendingMessage, ack: SendAck, me: number | undefined): TextEntry {
  return {
    kind: "text",
    id: ack.id,
    conversationId: ack.conversationId,
    seq: ack.seq,
    ts: ack.ts,
    senderId: me ?? 0,
    clientMsgId: ack.clientMsgId,
    text: message.text,
    editedTs: null,
    deletedTs: null,
  };
}

/** The log entry the user's edit of `targetSeq` stands for, from its ack (the live event may come later). */
export function editEntry(
  conversationId: string,
  targetSeq: number,
  text: string,
  ack: ChangeAck,
  me: number,
): EditEntry {
  return { kind: "edit", id: ack.id, conversationId, seq: ack.seq, ts: ack.ts, senderId: me, targetSeq, text };
}

/** The log entry the user's deletion of `targetSeq` stands for, from its ack. */
export function deleteEntry(conversationId: string, targetSeq: number, ack: ChangeAck, me: number): DeleteEntry {
  return { kind: "delete", id: ack.id, conversationId, seq: ack.seq, ts: ack.ts, senderId: me, targetSeq };
}

/**
 * Written offline: it waited a minute or more by this device's clock, and the server's time is a
 * minute or more after the device's writing time. Both, so that neither a skewed device clock
 * (no wait, times differ) nor a resend after a reload of a message the server already had (the
 * ack's time is the original one) shows a written time that is not one. Returns whether it noted.
 */
export function noteWritten(c: Conv, message: PendingMessage, ack: SendAck, now: number): boolean {
  const waited = now - message.writtenTs;
  if (waited < WAITED_MS || ack.ts - message.writtenTs < WAITED_MS) return false;
  c.written[ack.seq] = message.writtenTs;
  return true;
}
