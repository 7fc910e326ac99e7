/**
 * ChatStore: every conversation of the signed-in user as a gap-free, duplicate-free, ordered
 * stream, kept current from live events and repaired by sync; an outbox that delivers each message
 * exactly once; read state, receipts and typing. An observable store for UIs:
 *
 *   const chat = new ChatStore(client);
 *   chat.start();
 *   const snapshot = useSyncExternalStore(chat.subscribe, chat.getSnapshot);   // React
 *   await chat.send("dm:3:7", "hello");
 *
 * Live events are hints: an entry beyond the next expected seq waits while the gap is fetched with
 * chat.sync; after every sign-in (a reconnect resumes the session) the store lists the
 * conversations and syncs each one from the last seq it holds, in bounded pages. A conversation it
 * has never held starts at its newest entries (no history replay at login): `loadOlder` pages back.
 */
import {
  CHAT_EVENTS,
  CHAT_LIMITS,
  groupConversationId,
  isChatEventType,
  type ChangeAck,
  type ChatEventBody,
  type ChatEventType,
  type ConversationSummary,
  type ConversationsCursor,
  type Entry,
  type Page,
  type ReadState,
  type SendAck,
  type TextEntry,
} from "@sealroom/proto/chat";
import type { PublicUser } from "@sealroom/proto/auth";
import type { CommandBody, CommandValue } from "@sealroom/proto/commands";
import { AppError } from "@sealroom/proto/errors";
import { SOCIAL_EVENTS } from "@sealroom/proto/social";
import type { SealroomClient } from "../client.js";
import { ConversationLog, type TimelineEntry } from "./log.js";
import { Outbox, type OutboxOptions, type PendingMessage } from "./outbox.js";
import { ChangeNotifier } from "../notifier.js";

/** Conversations synced at once during a catch-up. */
const CATCH_UP_CONCURRENCY = 4;
/** Retries of a retryable failure of one read before the catch-up gives up (and tries later). */
const FETCH_ATTEMPTS = 6;
/** A message that waited at least this long on the device (offline) shows when it was written. */
const WAITED_MS = 60_000;

export type SyncStatus = "offline" | "catching-up" | "up-to-date";

export interface ConversationView {
  conversationId: string;
  kind: "dm" | "group";
  peer: PublicUser | null;
  /** `removed`: the user left or was kicked; the history up to then stays, read-only. */
  group: ConversationSummary["group"];
  /** Messages and system entries held, ascending, edits and deletions applied. */
  entries: readonly TimelineEntry[];
  /** The last seq applied (every entry up to it has been seen, in order). */
  headSeq: number;
  /** Older entries exist before the window: loadOlder() fetches them. */
  hasOlder: boolean;
  visibleFromSeq: number;
  lastActivityTs: number;
  /** The user's read pointer, and unread text messages of others after it. */
  readSeq: number;
  unread: number;
  /** Other participants' read pointers known so far (from chat.read.v1 and loadReceipts). */
  receipts: Readonly<Record<number, number>>;
  /** Who is typing now. */
  typing: readonly PublicUser[];
  /** Messages not acked yet, or failed. */
  pending: readonly PendingMessage[];
  /**
   * seq -> when it was written (this device's clock), for the user's messages sent from this store
   * that waited at least a minute before the server had them (written offline): the entry's `ts` is
   * when the server stored it. Kept only in memory, not carried to other participants (a client's
   * clock is not the server's to vouch for).
   */
  written: Readonly<Record<number, number>>;
  /**
   * Usernames of the senders in the pages read of this conversation (the service's `people`): a
   * former group member, who cannot list the group's members, still names who wrote what.
   */
  people: Readonly<Record<number, string>>;
}

export interface ChatSnapshot {
  status: SyncStatus;
  /** Most recently active first. */
  conversations: readonly ConversationView[];
  byId: Readonly<Record<string, ConversationView>>;
}

export interface ChatStoreOptions {
  /**
   * Entries per sync and history request (at most 200). Safe at any size: the service also ends a
   * page at CHAT_LIMITS.replyBytesMax (`truncated`), and sync goes on until it reaches lastSeq.
   */
  pageSize?: number;
  /** How long a live seq gap may stay open (entries arriving out of order) before it is fetched. */
  gapDelayMs?: number;
  outbox?: OutboxOptions;
}

interface Conv {
  meta: Omit<ConversationView, "entries" | "headSeq" | "hasOlder" | "unread" | "receipts" | "typing" | "pending" | "written">;
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

export class ChatStore {
  private readonly convs = new Map<string, Conv>();
  /** Conversations being opened (first page in flight), with the live entries that wait for it. */
  private readonly opening = new Map<string, Entry[]>();
  /** What live events told about conversations being opened, applied once they exist. */
  private readonly described = new Map<string, (c: Conv) => void>();
  private readonly notifier = new ChangeNotifier();
  private readonly entryListeners = new Set<(entry: Entry) => void>();
  private readonly outbox: Outbox;
  private status: SyncStatus = "offline";
  private snapshot: ChatSnapshot | undefined;
  private offs: Array<() => void> = [];
  private catchingUp: Promise<void> | undefined;
  private catchUpAgain = false;
  private readonly pageSize: number;
  private readonly gapDelayMs: number;
  private readonly lastTyping = new Map<string, number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** The signed-in user (still known when the client has already forgotten it at sign-out). */
  private userId: number | undefined;

  constructor(
    private readonly client: SealroomClient,
    opts: ChatStoreOptions = {},
  ) {
    this.pageSize = Math.min(opts.pageSize ?? CHAT_LIMITS.pageMax, CHAT_LIMITS.pageMax);
    this.gapDelayMs = opts.gapDelayMs ?? 100;
    this.outbox = new Outbox(
      client,
      {
        changed: (id) => this.touch(this.convs.get(id)),
        acked: (message, ack) => {
          this.receive(this.ackEntry(message, ack));
          this.noteWritten(message, ack);
        },
      },
      opts.outbox,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle and observation
  // -------------------------------------------------------------------------------------------

  /** Follows the client: catches up now if signed in, and after every sign-in from then on. */
  start(): void {
    if (this.offs.length > 0) return;
    this.offs.push(
      this.client.on("event", (type, body) => this.onEvent(type, body)),
      this.client.on("state", (s) => {
        if (s !== "ready") this.setStatus("offline");
      }),
      this.client.on("signedIn", (user) => {
        this.userId = user.id;
        this.outbox.restore(user.id);
        void this.catchUp();
      }),
      this.client.on("signedOut", (reason) => {
        if (reason === "logout" && this.userId !== undefined) this.outbox.forgetStored(this.userId);
        this.clear();
      }),
    );
    if (this.client.state === "ready") {
      this.userId = this.client.user?.id;
      if (this.client.user) this.outbox.restore(this.client.user.id);
      void this.catchUp();
    }
  }

  stop(): void {
    for (const off of this.offs) off();
    this.offs = [];
    this.outbox.stop();
    for (const c of this.convs.values()) clearTimeout(c.gapTimer);
    for (const t of this.timers) clearTimeout(t);
  }

  /** For useSyncExternalStore: called after changes (batched per microtask). */
  subscribe = this.notifier.subscribe;

  /** The current state; the same object until something changes. */
  getSnapshot = (): ChatSnapshot => {
    if (this.snapshot) return this.snapshot;
    const views = [...this.convs.values()].map((c) => this.viewOf(c));
    views.sort((a, b) => b.lastActivityTs - a.lastActivityTs || a.conversationId.localeCompare(b.conversationId));
    this.snapshot = { status: this.status, conversations: views, byId: Object.fromEntries(views.map((v) => [v.conversationId, v])) };
    return this.snapshot;
  };

  /** Every log entry (edits and deletions too), per conversation in seq order, each once. */
  onEntry(listener: (entry: Entry) => void): () => void {
    this.entryListeners.add(listener);
    return () => this.entryListeners.delete(listener);
  }

  get syncStatus(): SyncStatus {
    return this.status;
  }

  /** Resolves when the store is up to date (after the current catch-up). */
  async whenUpToDate(): Promise<void> {
    while (this.status !== "up-to-date") {
      await (this.catchingUp ?? new Promise<void>((resolve) => {
        const off = this.subscribe(() => {
          if (this.status === "up-to-date" || this.catchingUp) {
            off();
            resolve();
          }
        });
      }));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Actions
  // -------------------------------------------------------------------------------------------

  /** Sends a text message (exactly once, retried until acked); resolves with its ack. */
  send(conversationId: string, text: string): Promise<SendAck> {
    this.ensure(conversationId);
    return this.outbox.send(conversationId, text);
  }

  retry(clientMsgId: string): Promise<SendAck> | undefined {
    return this.outbox.retry(clientMsgId);
  }

  discard(clientMsgId: string): void {
    this.outbox.discard(clientMsgId);
  }

  async edit(conversationId: string, seq: number, text: string): Promise<ChangeAck> {
    const ack = await this.client.request("chat.edit", { conversationId, seq, text });
    const me = this.client.user?.id;
    if (me !== undefined) this.receive({ kind: "edit", id: ack.id, conversationId, seq: ack.seq, ts: ack.ts, senderId: me, targetSeq: seq, text });
    return ack;
  }

  async delete(conversationId: string, seq: number): Promise<ChangeAck> {
    const ack = await this.client.request("chat.delete", { conversationId, seq });
    const me = this.client.user?.id;
    if (me !== undefined) this.receive({ kind: "delete", id: ack.id, conversationId, seq: ack.seq, ts: ack.ts, senderId: me, targetSeq: seq });
    return ack;
  }

  /** Marks the conversation read up to `seq` (default: everything held). */
  async markRead(conversationId: string, seq?: number): Promise<void> {
    const c = this.convs.get(conversationId);
    const target = seq ?? c?.log.head ?? 0;
    if (c && target <= c.read.readSeq) return;
    const { read } = await this.client.request("chat.markRead", { conversationId, seq: target });
    this.setRead(this.ensure(conversationId), read);
  }

  /** Fetches every participant's read pointer. */
  async loadReceipts(conversationId: string): Promise<void> {
    const { receipts } = await this.client.request("chat.receipts", { conversationId });
    const c = this.ensure(conversationId);
    const me = this.client.user?.id;
    for (const r of receipts) if (r.userId !== me) c.receipts[r.userId] = Math.max(c.receipts[r.userId] ?? 0, r.readSeq);
    this.touch(c);
  }

  /** Tells the others the user is typing (at most once per interval; errors are ignored). */
  typing(conversationId: string): void {
    const now = Date.now();
    if (now - (this.lastTyping.get(conversationId) ?? 0) < CHAT_LIMITS.typingIntervalMs) return;
    this.lastTyping.set(conversationId, now);
    void this.client.call("chat.typing", { conversationId });
  }

  /** Loads a page of older entries; resolves with how many it added (0: the beginning). */
  async loadOlder(conversationId: string, limit: number = CHAT_LIMITS.pageDefault): Promise<number> {
    const c = this.ensure(conversationId);
    if (c.log.base <= c.meta.visibleFromSeq) return 0;
    const page = await this.client.request("chat.history", { conversationId, beforeSeq: c.log.base + 1, limit });
    c.meta.visibleFromSeq = page.visibleFromSeq;
    learnPeople(c, page.people);
    const first = page.entries[0]?.seq;
    c.log.prepend(page.entries, first === undefined ? page.visibleFromSeq : first - 1);
    this.touch(c);
    return page.entries.filter((e) => e.kind === "text" || e.kind === "system").length;
  }

  // -------------------------------------------------------------------------------------------
  // Catching up
  // -------------------------------------------------------------------------------------------

  /** Lists the conversations and syncs each one that moved on. Runs after every sign-in. */
  catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    this.catchingUp = (async () => {
      try {
        do {
          this.catchUpAgain = false;
          this.setStatus("catching-up");
          const conversations = await this.listConversations();
          // A few at a time: a burst of syncs would run into the gateway's per-connection rate limit.
          let next = 0;
          const worker = async () => {
            while (next < conversations.length) await this.adopt(conversations[next++]!);
          };
          await Promise.all(Array.from({ length: CATCH_UP_CONCURRENCY }, worker));
        } while (this.catchUpAgain);
        this.setStatus(this.client.state === "ready" ? "up-to-date" : "offline");
      } catch {
        // Disconnected meanwhile: the next sign-in catches up again. Still signed in (the service
        // kept failing): try again a little later.
        this.setStatus("offline");
        if (this.client.state === "ready" && this.offs.length > 0) {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            void this.catchUp();
          }, 2000);
          this.timers.add(timer);
        }
      } finally {
        this.catchingUp = undefined;
      }
    })();
    return this.catchingUp;
  }

  /** Every page of the list: a page stops at the service's byte bound and says so (`more`). */
  private async listConversations(): Promise<ConversationSummary[]> {
    const all: ConversationSummary[] = [];
    let after: ConversationsCursor | undefined;
    for (;;) {
      const page = await this.fetch("chat.conversations", after ? { after } : {});
      all.push(...page.conversations);
      const last = page.conversations.at(-1);
      if (page.more !== true || !last) return all;
      after = { lastActivityTs: last.lastActivityTs, conversationId: last.conversationId };
    }
  }

  /**
   * A read the store needs (list, sync, first page): retried while signed in when the failure is
   * retryable (rate limit, timeout, busy), honouring retryAfterMs; anything else throws. A page
   * too large to send (REPLY_TOO_LARGE: a server configured with a smaller NATS max_payload than
   * its page bound) is asked for again with half the entries, down to one.
   */
  private async fetch<T extends "chat.conversations" | "chat.sync" | "chat.history">(type: T, body: CommandBody<T>): Promise<CommandValue<T>> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.client.call(type, body);
      if (result.ok) return result.value as CommandValue<T>;
      if (result.error.code === "REPLY_TOO_LARGE" && "limit" in body && typeof body.limit === "number" && body.limit > 1) {
        body = { ...body, limit: Math.ceil(body.limit / 2) };
        continue;
      }
      if (!result.error.retryable || attempt >= FETCH_ATTEMPTS || this.client.state !== "ready") throw AppError.from(result.error);
      const delay = Math.max(result.error.retryAfterMs ?? 0, Math.min(2000, 100 * 2 ** attempt));
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private async adopt(s: ConversationSummary): Promise<void> {
    let c = this.convs.get(s.conversationId);
    if (!c) {
      // Never held: start at its newest entry, without replaying history.
      const log = new ConversationLog(s.lastSeq);
      if (s.last) log.reset(s.lastSeq, [s.last]);
      c = this.create(s.conversationId, log);
    }
    c.meta = { ...c.meta, kind: s.kind, peer: s.peer, group: s.group, visibleFromSeq: s.visibleFromSeq, lastActivityTs: Math.max(c.meta.lastActivityTs, s.lastActivityTs), readSeq: s.read.readSeq };
    learnPeople(c, s.people);
    this.setRead(c, s.read);
    if (s.lastSeq > c.log.head) await this.sync(c);
  }

  /** Fetches everything after head, page by page; one sync per conversation at a time. */
  private sync(c: Conv): Promise<void> {
    if (c.syncing) {
      c.resync = true;
      return c.syncing;
    }
    c.syncing = (async () => {
      try {
        do {
          c.resync = false;
          for (;;) {
            const page: Page = await this.fetch("chat.sync", { conversationId: c.meta.conversationId, afterSeq: c.log.head, limit: this.pageSize });
            c.meta.visibleFromSeq = page.visibleFromSeq;
            learnPeople(c, page.people);
            // Entries up to visibleFromSeq do not exist for this user (a group before their join).
            if (c.log.head < page.visibleFromSeq) c.log.skipTo(page.visibleFromSeq);
            for (const e of page.entries) this.receive(e);
            if (page.entries.length === 0 || c.log.head >= page.lastSeq) break;
          }
        } while (c.resync);
      } finally {
        c.syncing = undefined;
      }
    })();
    return c.syncing;
  }

  // -------------------------------------------------------------------------------------------
  // Receiving
  // -------------------------------------------------------------------------------------------

  private onEvent(type: string, raw: unknown): void {
    if (type === "social.group.removed.v1") return this.groupRemoved(raw);
    if (!isChatEventType(type)) return;
    const parsed = CHAT_EVENTS[type].safeParse(raw);
    if (!parsed.success) return;
    this.handle(type, parsed.data as ChatEventBody<ChatEventType>);
  }

  private handle(type: ChatEventType, body: ChatEventBody<ChatEventType>): void {
    if (type === "chat.message.created.v1" || type === "chat.message.updated.v1") {
      const { entry } = body as ChatEventBody<"chat.message.created.v1"> | ChatEventBody<"chat.message.updated.v1">;
      if (type === "chat.message.created.v1") this.describe(entry.conversationId, body as ChatEventBody<"chat.message.created.v1">);
      const c = this.convs.get(entry.conversationId);
      if (!c) {
        // A conversation this store does not hold yet: start it at its newest page.
        void this.open(entry.conversationId, entry);
        return;
      }
      this.receive(entry);
    } else if (type === "chat.read.v1") {
      const r = body as ChatEventBody<"chat.read.v1">;
      const c = this.convs.get(r.conversationId);
      if (!c) return;
      if (r.userId === this.client.user?.id) {
        if (r.read) this.setRead(c, r.read);
      } else {
        c.receipts[r.userId] = Math.max(c.receipts[r.userId] ?? 0, r.readSeq);
        this.touch(c);
      }
    } else if (type === "typing.started.v1") {
      const t = body as ChatEventBody<"typing.started.v1">;
      const c = this.convs.get(t.conversationId);
      if (!c || t.user.id === this.client.user?.id) return;
      c.typing.set(t.user.id, { user: t.user, until: Date.now() + CHAT_LIMITS.typingTtlMs });
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const current = c.typing.get(t.user.id);
        if (current && current.until <= Date.now()) {
          c.typing.delete(t.user.id);
          this.touch(c);
        }
      }, CHAT_LIMITS.typingTtlMs + 10);
      this.timers.add(timer);
      this.touch(c);
    }
  }

  /**
   * First sight of a conversation through a live entry: start it at its newest page (no history
   * replay); live entries arriving meanwhile wait and are applied after the page.
   */
  private async open(conversationId: string, entry: Entry): Promise<void> {
    const waiting = this.opening.get(conversationId);
    if (waiting) return void waiting.push(entry);
    const pending = [entry];
    this.opening.set(conversationId, pending);
    let page: Page | undefined;
    try {
      page = await this.fetch("chat.history", { conversationId, limit: CHAT_LIMITS.pageDefault });
    } catch {
      // Not readable, or disconnected: start at the entry itself; a catch-up fills the rest in.
    }
    this.opening.delete(conversationId);
    let c = this.convs.get(conversationId);
    if (!c) {
      c = this.create(conversationId, new ConversationLog(page ? page.lastSeq : entry.seq - 1));
      if (page) {
        c.meta.visibleFromSeq = page.visibleFromSeq;
        learnPeople(c, page.people);
        c.log.reset(page.lastSeq, page.entries.filter((e): e is TimelineEntry => e.kind === "text" || e.kind === "system"));
        for (const e of page.entries) this.emitEntry(e);
        const last = page.entries.findLast((e) => e.kind === "text" || e.kind === "system");
        if (last) c.meta.lastActivityTs = last.ts;
        // Its read state is not known yet: everything of others in the page counts as unread.
        this.setRead(c, c.read);
      }
    }
    for (const e of pending) this.receive(e);
    this.touch(c);
  }

  /**
   * What a live message tells about its conversation: the group's (new) name, and a DM partner
   * (the sender, unless it is the user on another device). A conversation first seen live, or
   * started by this user, has no summary from chat.conversations until the next catch-up.
   */
  private describe(conversationId: string, body: ChatEventBody<"chat.message.created.v1">): void {
    const { group, sender } = body;
    const apply = (c: Conv) => {
      if (group) c.meta.group = { id: group.id, name: group.name, disbanded: c.meta.group?.disbanded ?? false };
      if (c.meta.kind === "dm" && !c.meta.peer && sender && sender.id !== this.client.user?.id) c.meta.peer = sender;
    };
    const c = this.convs.get(conversationId);
    if (c) apply(c);
    else this.described.set(conversationId, apply);
  }

  /**
   * Disbanded: the conversation stays, read-only. Left or kicked: it stays too, read-only, with its
   * history up to the departure (the chat service serves that span) and who removed the user.
   */
  private groupRemoved(raw: unknown): void {
    const parsed = SOCIAL_EVENTS["social.group.removed.v1"].safeParse(raw);
    if (!parsed.success) return;
    const { group, reason, by } = parsed.data;
    const c = this.convs.get(groupConversationId(group.id));
    if (!c) return;
    const current = c.meta.group ?? { id: group.id, name: group.name, disbanded: false };
    if (reason === "disbanded") c.meta.group = { ...current, disbanded: true };
    else c.meta.group = { ...current, removed: { reason, by: by ?? null, ts: Date.now() } };
    c.typing.clear();
    this.touch(c);
  }

  /** Applies an entry from anywhere (live, sync, ack); schedules a gap fetch if it waits. */
  private receive(entry: Entry): void {
    const c = this.convs.get(entry.conversationId) ?? this.create(entry.conversationId, new ConversationLog(0));
    const released = c.log.receive(entry);
    const me = this.client.user?.id;
    for (const e of released) {
      if (e.kind === "text") {
        if (e.senderId !== me && e.seq > Math.max(c.read.countedSeq, c.read.readSeq)) c.extraUnread++;
        c.typing.delete(e.senderId);
      }
      if (e.kind === "text" || e.kind === "system") c.meta.lastActivityTs = Math.max(c.meta.lastActivityTs, e.ts);
      this.emitEntry(e);
    }
    if (released.length > 0) this.touch(c);
    if (c.log.gap && !c.gapTimer) {
      c.gapTimer = setTimeout(() => {
        c.gapTimer = undefined;
        if (c.log.gap) void this.sync(c).catch(() => undefined);
      }, this.gapDelayMs);
    }
  }

  private emitEntry(e: Entry): void {
    for (const l of this.entryListeners) {
      try {
        l(e);
      } catch (err) {
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  private ackEntry(message: PendingMessage, ack: SendAck): TextEntry {
    return {
      kind: "text",
      id: ack.id,
      conversationId: ack.conversationId,
      seq: ack.seq,
      ts: ack.ts,
      senderId: this.client.user?.id ?? 0,
      clientMsgId: ack.clientMsgId,
      text: message.text,
      editedTs: null,
      deletedTs: null,
    };
  }

  /**
   * Written offline: it waited a minute or more by this device's clock, and the server's time is a
   * minute or more after the device's writing time. Both, so that neither a skewed device clock
   * (no wait, times differ) nor a resend after a reload of a message the server already had (the
   * ack's time is the original one) shows a written time that is not one.
   */
  private noteWritten(message: PendingMessage, ack: SendAck): void {
    const waited = Date.now() - message.writtenTs;
    if (waited < WAITED_MS || ack.ts - message.writtenTs < WAITED_MS) return;
    const c = this.convs.get(ack.conversationId);
    if (!c) return;
    c.written[ack.seq] = message.writtenTs;
    this.touch(c);
  }

  private setRead(c: Conv, read: ReadState): void {
    if (read.readSeq < c.read.readSeq) return;
    c.read = read;
    c.meta.readSeq = read.readSeq;
    const me = this.client.user?.id;
    const from = Math.max(read.countedSeq, read.readSeq);
    c.extraUnread = c.log.timeline.filter((e) => e.kind === "text" && e.seq > from && e.senderId !== me && e.deletedTs === null).length;
    this.touch(c);
  }

  // -------------------------------------------------------------------------------------------
  // State
  // -------------------------------------------------------------------------------------------

  private ensure(conversationId: string): Conv {
    return this.convs.get(conversationId) ?? this.create(conversationId, new ConversationLog(0));
  }

  private create(conversationId: string, log: ConversationLog): Conv {
    const kind = conversationId.startsWith("group:") ? "group" : "dm";
    const c: Conv = {
      meta: { conversationId, kind, peer: null, group: null, visibleFromSeq: 0, lastActivityTs: 0, readSeq: 0, people: {} },
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
    this.convs.set(conversationId, c);
    this.described.get(conversationId)?.(c);
    this.described.delete(conversationId);
    this.touch(c);
    return c;
  }

  private viewOf(c: Conv): ConversationView {
    if (c.view) return c.view;
    c.view = {
      ...c.meta,
      entries: c.log.timeline.slice(),
      headSeq: c.log.head,
      hasOlder: c.log.base > c.meta.visibleFromSeq,
      unread: Math.min(CHAT_LIMITS.unreadMax, c.read.unread + c.extraUnread),
      receipts: { ...c.receipts },
      typing: [...c.typing.values()].map((t) => t.user),
      pending: this.pendingOf(c),
      written: { ...c.written },
    };
    return c.view;
  }

  /**
   * The outbox's messages not yet in the log. The live event of one's own message can arrive before
   * the reply to the send: listing it then as pending too would show it twice until the ack.
   */
  private pendingOf(c: Conv): PendingMessage[] {
    const pending = this.outbox.pending(c.meta.conversationId);
    if (pending.length === 0) return pending;
    const me = this.client.user?.id;
    const held = new Set(c.log.timeline.flatMap((e) => (e.kind === "text" && e.senderId === me ? [e.clientMsgId] : [])));
    return pending.filter((m) => !held.has(m.clientMsgId));
  }

  private touch(c: Conv | undefined): void {
    if (c) c.view = undefined;
    this.changed();
  }

  private setStatus(status: SyncStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.changed();
  }

  private changed(): void {
    this.snapshot = undefined;
    this.notifier.notify();
  }

  private clear(): void {
    for (const c of this.convs.values()) clearTimeout(c.gapTimer);
    this.convs.clear();
    this.setStatus("offline");
  }
}

/** Records the senders a page or summary names (a new object, so the view changes). */
function learnPeople(c: Conv, people: readonly PublicUser[] | undefined): void {
  if (!people || people.every((p) => c.meta.people[p.id] === p.username)) return;
  const names: Record<number, string> = { ...c.meta.people };
  for (const p of people) names[p.id] = p.username;
  c.meta.people = names;
  c.view = undefined;
}
