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
  type ConversationSettings,
  type ConversationSummary,
  type DeleteEntry,
  type EditEntry,
  type Entry,
  type Page,
  type ReadState,
  type SendAck,
  type SystemEntry,
  type TextEntry,
} from "@sealroom/proto/chat";
import type { ChatEventBody } from "@sealroom/proto/chat-events";
import type { SocialEventBody } from "@sealroom/proto/social";
import { ConversationLog } from "./log.js";
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
  /** What a page or list reply may overwrite and what it may not (see Order). */
  order: Order;
}

/**
 * A counter shared by a store's conversations, ticked by every change a live event (or a reply to
 * this device's own write) makes to what a list reply also carries. A list request notes it when
 * sent: a change ticked later is newer than the reply, or as new, and the reply must not undo it.
 */
export class ChangeClock {
  private n = 0;
  tick(): number {
    return ++this.n;
  }
  get now(): number {
    return this.n;
  }
}

/**
 * Replies can reach the device after live events that are newer than what they were read from (a
 * page read on a reader thread or by another chat instance, PostgreSQL's pool): each field they
 * carry is merged by its own order, never overwritten. Entries go by seq (log.ts); read pointers
 * and visibility only move forward; the rest is recorded here.
 */
export interface Order {
  clock: ChangeClock;
  /** The seq the group's name was told at: a live message's entry, a summary's lastSeq. */
  nameSeq: number;
  /** When (clock) a live removal from the group came (it has no seq of its own). */
  memberAt: number;
  /** The log position of the latest word on whether the user is in the group (for a live removal: the head then). */
  memberSeq: number;
  /** When (clock) the user's settings last changed live (an event, this device's own change). */
  settingsAt: number;
}

export function newConv(conversationId: string, log: ConversationLog, clock = new ChangeClock()): Conv {
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
    order: { clock, nameSeq: 0, memberAt: 0, memberSeq: 0, settingsAt: 0 },
  };
}

/** The log of a conversation first seen in the list: its newest entry, no history replayed. */
export function logFromSummary(s: ConversationSummary): ConversationLog {
  const log = new ConversationLog(s.lastSeq);
  if (s.last) log.reset(s.lastSeq, [s.last]);
  return log;
}

/**
 * Takes what chat.conversations says about a conversation (its read state separately: applyRead).
 * `sentAt`: the clock when the list was asked for; what changed live since is kept.
 */
export function adoptSummary(c: Conv, s: ConversationSummary, sentAt: number = c.order.clock.now): void {
  c.meta = {
    ...c.meta,
    kind: s.kind,
    peer: s.peer ?? c.meta.peer,
    group: summaryGroup(c, s, sentAt),
    visibleFromSeq: Math.max(c.meta.visibleFromSeq, s.visibleFromSeq),
    lastActivityTs: Math.max(c.meta.lastActivityTs, s.lastActivityTs),
    readSeq: Math.max(c.meta.readSeq, s.read.readSeq),
    settings: c.order.settingsAt > sentAt ? c.meta.settings : (s.settings ?? c.meta.settings),
  };
  learnPeople(c, s.people);
}

/**
 * The summary's group merged with what is held: its name if it is not older than the name held
 * (by seq), disbanded for good once either says so, and removed or not as the summary says unless
 * a live removal came after the list was asked for or the log said more recently (by seq).
 */
function summaryGroup(c: Conv, s: ConversationSummary, sentAt: number): ConvMeta["group"] {
  const held = c.meta.group;
  if (!s.group) return held;
  const o = c.order;
  const newerName = !held || s.lastSeq >= o.nameSeq;
  if (newerName) o.nameSeq = Math.max(o.nameSeq, s.lastSeq);
  let removed = held?.removed;
  if (o.memberAt <= sentAt && s.lastSeq >= o.memberSeq) {
    removed = s.group.removed;
    o.memberSeq = Math.max(o.memberSeq, s.lastSeq);
  }
  return {
    id: s.group.id,
    name: newerName ? s.group.name : (held?.name ?? s.group.name),
    disbanded: s.group.disbanded || (held?.disbanded ?? false),
    ...(removed ? { removed } : {}),
  };
}

/** Who may read from where only moves forward (a member who left and came back reads from the new join). */
export function seeFrom(c: Conv, visibleFromSeq: number): void {
  c.meta.visibleFromSeq = Math.max(c.meta.visibleFromSeq, visibleFromSeq);
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
  seeFrom(c, page.visibleFromSeq);
  c.log.reset(page.lastSeq, page.entries);
  const last = page.entries.findLast((e) => e.kind === "text" || e.kind === "system");
  if (last) c.meta.lastActivityTs = Math.max(c.meta.lastActivityTs, last.ts);
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
    if (e.kind === "system") applyJoined(c, e, me);
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
  if (settings.archived && !isMuted(settings, now)) applySettings(c, { ...settings, archived: false });
}

/**
 * The user's settings as changed live (chat.settings.v1, the reply to this device's change, or
 * an archived conversation coming back with a message): a list read before must not undo them.
 */
export function applySettings(c: Conv, settings: ConversationSettings): void {
  c.meta.settings = settings;
  c.order.settingsAt = c.order.clock.tick();
}

/**
 * The log says the user joined the group (again, after leaving or being kicked): no longer
 * removed, unless the removal was learned at a later position of the log.
 */
function applyJoined(c: Conv, e: SystemEntry, me: number | undefined): void {
  if (me === undefined || e.event.type !== "joined" || e.event.target?.id !== me) return;
  if (e.seq <= c.order.memberSeq) return;
  c.order.memberSeq = e.seq;
  const group = c.meta.group;
  if (!group?.removed) return;
  const { removed: _gone, ...rest } = group;
  c.meta.group = rest;
}

/**
 * The user's read state (from any of their devices); an older one than held is ignored: an
 * earlier read pointer, or the same one counted at an earlier seq.
 */
export function applyRead(c: Conv, read: ReadState, me: number | undefined): boolean {
  if (read.readSeq < c.read.readSeq) return false;
  if (read.readSeq === c.read.readSeq && read.countedSeq < c.read.countedSeq) return false;
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
 * What a live message tells about its conversation: the group's name (if not older, by seq, than
 * the one held: a message published before a rename can arrive after it), and a DM partner (the
 * sender, unless it is the user on another device). Whether the user is still in the group is not
 * the message's to say: one published before a removal can arrive after it.
 */
export function applyDescription(
  c: Conv,
  body: ChatEventBody<"chat.message.created.v1">,
  me: number | undefined,
): void {
  const { group, sender, entry } = body;
  const held = c.meta.group;
  if (group && (!held || entry.seq >= c.order.nameSeq)) {
    c.order.nameSeq = Math.max(c.order.nameSeq, entry.seq);
    c.meta.group = { ...held, id: group.id, name: group.name, disbanded: held?.disbanded ?? false };
  }
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
  else {
    c.meta.group = { ...current, removed: { reason, by: by ?? null, ts: now } };
    c.order.memberAt = c.order.clock.tick();
    c.order.memberSeq = Math.max(c.order.memberSeq, c.log.head);
  }
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
