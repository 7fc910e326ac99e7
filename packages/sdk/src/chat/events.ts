/**
 * Live events in the chat store. `routeEvent` (pure, unit-tested in events.test.ts) parses an event
 * and says what it means for which conversation, or nothing; `LiveEvents` applies that to the
 * store: a conversation first seen live is opened at its newest page, with the live entries that
 * arrive meanwhile waiting for it, and what a live message tells about a conversation not held yet
 * is kept until the conversation exists.
 */
import type { PublicUser } from "@sealroom/proto/auth";
import {
  CHAT_LIMITS,
  groupConversationId,
  type ConversationSettings,
  type Entry,
  type Page,
  type ReadState,
} from "@sealroom/proto/chat";
import { parseChatEvent, type ChatEventBody } from "@sealroom/proto/chat-events";
import { parseUntrusted } from "@sealroom/proto/parse";
import { SOCIAL_EVENTS, type SocialEventBody } from "@sealroom/proto/social";
import type { SealroomClient } from "../client.js";
import {
  applyDescription,
  applyGroupRemoved,
  applyReceipt,
  applySettings,
  applyTyping,
  expireTyping,
  learnPeople,
  startFromPage,
  type Conv,
} from "./conversation.js";
import { fetchRetrying } from "./fetch.js";
import { ConversationLog } from "./log.js";

/** What one live event means for the store; `routeEvent` returns undefined for anything else. */
export type LiveAction =
  /** A new or changed entry; a new message also describes its conversation (`described`). */
  | { kind: "entry"; entry: Entry; described?: ChatEventBody<"chat.message.created.v1"> }
  /** Another participant's read pointer moved. */
  | { kind: "receipt"; conversationId: string; userId: number; readSeq: number }
  /** The user's own read state (from another of their devices, or this one). */
  | { kind: "read"; conversationId: string; read: ReadState }
  /** Someone else started typing. */
  | { kind: "typing"; conversationId: string; user: PublicUser }
  /** The user's own settings of the conversation (from any of their devices). */
  | { kind: "settings"; conversationId: string; settings: ConversationSettings }
  /** The user left, was kicked from, or saw the disbanding of a group. */
  | { kind: "groupRemoved"; conversationId: string; body: SocialEventBody<"social.group.removed.v1"> };

/** Parses a live event (untrusted) and says what it means; undefined: nothing for the chat store. */
export function routeEvent(type: string, raw: unknown, me: number | undefined): LiveAction | undefined {
  if (type === "social.group.removed.v1") {
    const parsed = parseUntrusted(SOCIAL_EVENTS["social.group.removed.v1"], raw);
    if (!parsed.success) return undefined;
    return { kind: "groupRemoved", conversationId: groupConversationId(parsed.data.group.id), body: parsed.data };
  }
  const event = parseChatEvent(type, raw);
  if (!event) return undefined;
  switch (event.type) {
    case "chat.message.created.v1":
      return { kind: "entry", entry: event.body.entry, described: event.body };
    case "chat.message.updated.v1":
      return { kind: "entry", entry: event.body.entry };
    case "chat.read.v1": {
      const { conversationId, userId, readSeq, read } = event.body;
      if (userId !== me) return { kind: "receipt", conversationId, userId, readSeq };
      return read ? { kind: "read", conversationId, read } : undefined;
    }
    case "typing.started.v1": {
      const { conversationId, user } = event.body;
      return user.id === me ? undefined : { kind: "typing", conversationId, user };
    }
    case "chat.settings.v1":
      return { kind: "settings", conversationId: event.body.conversationId, settings: event.body.settings };
    case "chat.mls.welcome.v1":
      // For the end-to-end layer (not built into the SDK yet): nothing for the chat store.
      return undefined;
    default:
      return event satisfies never;
  }
}

/** What applying live events needs of the store that holds the conversations. */
export interface LiveEventsHost {
  readonly client: Pick<SealroomClient, "call" | "state" | "user">;
  conv(conversationId: string): Conv | undefined;
  create(conversationId: string, log: ConversationLog): Conv;
  /** Applies an entry (as from sync); schedules a gap fetch if it waits. */
  receive(entry: Entry): void;
  setRead(c: Conv, read: ReadState): void;
  emitEntry(entry: Entry): void;
  touch(c: Conv): void;
  /** Runs `fn` after `ms`, unless the store stops first. */
  later(fn: () => void, ms: number): void;
}

export class LiveEvents {
  /**
   * Conversations being opened (first page in flight): the live entries that wait for it, and the
   * opening itself, done once the conversation is held.
   */
  private readonly opening = new Map<string, { pending: Entry[]; done: Promise<void> }>();
  /** What live events told about conversations being opened, applied once they exist. */
  private readonly described = new Map<string, Array<ChatEventBody<"chat.message.created.v1">>>();
  /**
   * Everything else live events said about conversations being opened (a removal from the group,
   * the user's read state and settings, receipts, typing), applied once they exist, after their
   * description: the first page can come back after such an event (a page read on a reader thread,
   * or by another chat instance), which would otherwise be lost until the next catch-up.
   */
  private readonly whileOpening = new Map<string, LiveAction[]>();

  constructor(private readonly host: LiveEventsHost) {}

  /** A live event from the client. */
  onEvent(type: string, raw: unknown): void {
    const action = routeEvent(type, raw, this.host.client.user?.id);
    if (action) this.apply(action);
  }

  /** The opening of a conversation first seen through a live entry, while its first page is in flight. */
  openingOf(conversationId: string): Promise<void> | undefined {
    return this.opening.get(conversationId)?.done;
  }

  /** The store created a conversation: applies what live events told about it meanwhile. */
  created(c: Conv): void {
    const id = c.meta.conversationId;
    const me = this.host.client.user?.id;
    // Each of them, in any order: the name goes by seq (applyDescription), a DM partner is any sender.
    for (const body of this.described.get(id) ?? []) applyDescription(c, body, me);
    this.described.delete(id);
    const waiting = this.whileOpening.get(id);
    this.whileOpening.delete(id);
    for (const action of waiting ?? []) this.apply(action);
  }

  private apply(action: LiveAction): void {
    const host = this.host;
    if (action.kind === "entry") {
      const { entry, described } = action;
      if (described) this.describe(entry.conversationId, described);
      // A conversation this store does not hold yet: start it at its newest page.
      // One held but not placed yet (log.ts, `placed`) likewise.
      if (!host.conv(entry.conversationId)?.log.placed) return void this.open(entry.conversationId, entry);
      return host.receive(entry);
    }
    const c = host.conv(action.conversationId);
    if (!c) {
      if (!this.opening.has(action.conversationId)) return;
      const waiting = this.whileOpening.get(action.conversationId) ?? [];
      // Bounded like the page itself: typing renewals and receipts of a busy group could pile up.
      if (waiting.length < CHAT_LIMITS.pageMax) waiting.push(action);
      this.whileOpening.set(action.conversationId, waiting);
      return;
    }
    switch (action.kind) {
      case "receipt":
        applyReceipt(c, action.userId, action.readSeq);
        return host.touch(c);
      case "read":
        return host.setRead(c, action.read);
      case "typing": {
        const { user } = action;
        applyTyping(c, user, Date.now(), CHAT_LIMITS.typingTtlMs);
        host.later(() => {
          if (expireTyping(c, user.id, Date.now())) host.touch(c);
        }, CHAT_LIMITS.typingTtlMs + 10);
        return host.touch(c);
      }
      case "groupRemoved":
        applyGroupRemoved(c, action.body, Date.now());
        return host.touch(c);
      case "settings":
        applySettings(c, action.settings);
        return host.touch(c);
      default:
        return action satisfies never;
    }
  }

  /**
   * First sight of a conversation through a live entry: start it at its newest page (no history
   * replay); live entries arriving meanwhile wait and are applied after the page.
   */
  private open(conversationId: string, entry: Entry): void {
    const opening = this.opening.get(conversationId);
    if (opening) return void opening.pending.push(entry);
    const pending = [entry];
    this.opening.set(conversationId, { pending, done: this.openAtFirstPage(conversationId, entry, pending) });
  }

  private async openAtFirstPage(conversationId: string, entry: Entry, pending: Entry[]): Promise<void> {
    const host = this.host;
    let page: Page | undefined;
    try {
      page = await fetchRetrying(host.client, "chat.history", { conversationId, limit: CHAT_LIMITS.pageDefault });
    } catch {
      // Not readable, or disconnected: start at the entry itself; a catch-up fills the rest in.
    }
    this.opening.delete(conversationId);
    let c = host.conv(conversationId);
    if (!c?.log.placed) {
      c ??= host.create(conversationId, new ConversationLog(page ? page.lastSeq : entry.seq - 1));
      if (page) {
        learnPeople(c, page.people);
        for (const e of startFromPage(c, page)) host.emitEntry(e);
        // Its read state is not known yet: everything of others in the page counts as unread.
        host.setRead(c, c.read);
      } else if (!c.log.placed) {
        for (const e of c.log.place(entry.seq - 1, [])) host.receive(e);
      }
    }
    for (const e of pending) host.receive(e);
    host.touch(c);
  }

  /**
   * A conversation first seen live, or started by this user, has no summary from
   * chat.conversations until the next catch-up: a live message describes it meanwhile.
   */
  private describe(conversationId: string, body: ChatEventBody<"chat.message.created.v1">): void {
    const c = this.host.conv(conversationId);
    if (c) return applyDescription(c, body, this.host.client.user?.id);
    const waiting = this.described.get(conversationId) ?? [];
    if (waiting.length < CHAT_LIMITS.pageMax) waiting.push(body);
    this.described.set(conversationId, waiting);
  }
}
