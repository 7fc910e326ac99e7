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
 *
 * The parts: conversation.ts (one conversation's state and its transitions), events.ts (what each
 * live event means, and opening conversations first seen live), catch-up.ts (list and sync),
 * view.ts (snapshots), fetch.ts (the reads' retry policy); this class wires them to the client and
 * the outbox.
 */
import {
  CHAT_LIMITS,
  checkMessageText,
  type ChangeAck,
  type ConversationSettings,
  type Entry,
  type ReadState,
  type SendAck,
} from "@sealroom/proto/chat";
import { AppError } from "@sealroom/proto/errors";
import type { SealroomClient } from "../client.js";
import { ChangeNotifier } from "../notifier.js";
import { CatchUp } from "./catch-up.js";
import {
  ackEntry,
  applyEntry,
  applyRead,
  applyReceipt,
  applySettings,
  ChangeClock,
  deleteEntry,
  editEntry,
  learnPeople,
  newConv,
  newFromOthers,
  noteWritten,
  seeFrom,
  startFromPage,
  type Conv,
} from "./conversation.js";
import { isE2eText, type Attachment, type AttachmentThumb, type E2eTextEntry, type Surfaced } from "../e2e/contents.js";
import { downloadAttachment, uploadAttachment, type TransferOptions } from "../attachments/transfer.js";
import type { E2eChange } from "../e2e/engine.js";
import { LazyE2eEngine } from "../e2e/lazy-engine.js";
import { MemoryE2eStateStore } from "../e2e/state-store.js";
import { LocalSearch } from "../search/local-search.js";
import { HistoryBackup, type BackupDevice } from "../backup/history-backup.js";
import { LiveEvents } from "./events.js";
import { ConversationLog } from "./log.js";
import { newClientMsgId, Outbox, type PendingMessage, type TextExtras } from "./outbox.js";
import type { ChatSnapshot, ChatStoreOptions, SyncStatus } from "./types.js";
import { buildSnapshot, buildView } from "./view.js";

export type { ChatSnapshot, ChatStoreOptions, ConversationView, SyncStatus } from "./types.js";

export class ChatStore {
  private readonly convs = new Map<string, Conv>();
  /** Orders live changes against list replies (conversation.ts, Order). */
  private readonly clock = new ChangeClock();
  private readonly notifier = new ChangeNotifier();
  private readonly entryListeners = new Set<(entry: Entry) => void>();
  private readonly outbox: Outbox;
  private readonly catchUpper: CatchUp;
  private readonly live: LiveEvents;
  private status: SyncStatus = "offline";
  /** A whole conversation list has been adopted since start: every conversation then was held. */
  private listed = false;
  private snapshot: ChatSnapshot | undefined;
  private offs: Array<() => void> = [];
  private readonly gapDelayMs: number;
  private readonly lastTyping = new Map<string, number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** The signed-in user (still known when the client has already forgotten it at sign-out). */
  private userId: number | undefined;
  /**
   * End-to-end encryption, unless switched off (`opts.e2e: false`): every conversation sent in is encrypted.
   * Its code loads on `start` (a dynamic import): bundlers keep MLS out of a web app's first load.
   */
  readonly e2e: LazyE2eEngine | undefined;
  /** On-device search over what this store holds and decrypts (`opts.search`, docs/SEARCH.md). */
  readonly search: LocalSearch | undefined;
  /** The history backup (docs/E2E.md section 12): with the engine, unless switched off. */
  readonly backup: HistoryBackup | undefined;

  constructor(
    private readonly client: SealroomClient,
    opts: ChatStoreOptions = {},
  ) {
    this.gapDelayMs = opts.gapDelayMs ?? 100;
    const e2eStore = opts.e2e === false ? undefined : (opts.e2e?.store ?? new MemoryE2eStateStore());
    const engine = () => {
      if (!this.e2e) throw new AppError("NOT_FOUND", "End-to-end encryption is off.");
      return this.e2e;
    };
    const device: BackupDevice = {
      id: async () => (await engine().thisDevice()).deviceId,
      openSealed: (refHex, enc, ct, info, aad) => engine().openSealed(refHex, enc, ct, info, aad),
    };
    const backup = opts.e2e !== false && e2eStore ? new HistoryBackup(client, e2eStore, device) : undefined;
    const e2e =
      opts.e2e !== false && e2eStore
        ? new LazyE2eEngine(client, { ...opts.e2e, store: e2eStore, archive: backup }, (entry) => this.surface(entry))
        : undefined;
    this.e2e = e2e;
    this.backup = backup;
    let ready = false;
    // The key arrived (created, approved, unlocked): what showed as unavailable is looked up again.
    backup?.on("change", () => {
      const now = backup.status.kind === "ready";
      if (now && !ready) e2e?.backupKeyArrived();
      ready = now;
    });
    this.search =
      opts.search && new LocalSearch(opts.search, e2eStore && ((userId, id) => e2eStore.loadReads(userId, id)));
    this.outbox = new Outbox(
      client,
      {
        changed: (id) => this.touch(this.convs.get(id)),
        acked: (message, ack) => this.acked(message, ack),
        ...(e2e
          ? {
              send: (id: string, clientMsgId: string, text: string, extras: TextExtras) =>
                e2e.send(id, clientMsgId, text, extras),
            }
          : {}),
      },
      opts.outbox,
    );
    this.catchUpper = new CatchUp({
      client,
      pageSize: Math.min(opts.pageSize ?? CHAT_LIMITS.pageMax, CHAT_LIMITS.pageMax),
      clock: this.clock,
      conv: (id) => this.convs.get(id),
      create: (id, log) => this.create(id, log),
      openingOf: (id) => this.live.openingOf(id),
      setRead: (c, read) => this.setRead(c, read),
      receive: (entry) => this.receive(entry),
      setStatus: (status) => this.setStatus(status),
      running: () => this.offs.length > 0,
      later: (fn, ms) => this.later(fn, ms),
    });
    this.live = new LiveEvents({
      client,
      conv: (id) => this.convs.get(id),
      create: (id, log) => this.create(id, log),
      receive: (entry) => this.receive(entry),
      setRead: (c, read) => this.setRead(c, read),
      emitEntry: (entry) => this.emitEntry(entry),
      touch: (c) => this.touch(c),
      later: (fn, ms) => this.later(fn, ms),
    });
  }

  /** Follows the client: catches up now if signed in, and after every sign-in from then on. */
  start(): void {
    if (this.offs.length > 0) return;
    this.e2e?.start();
    this.backup?.start();
    this.offs.push(
      this.client.on("event", (type, body) => this.live.onEvent(type, body)),
      this.client.on("state", (s) => {
        if (s !== "ready") this.setStatus("offline");
      }),
      this.client.on("signedIn", (user) => {
        this.userId = user.id;
        this.e2e?.signedIn();
        void this.search?.open(user.id);
        this.outbox.restore(user.id);
        void this.catchUp();
      }),
      this.client.on("signedOut", (reason) => {
        if (reason === "logout" && this.userId !== undefined) this.outbox.forgetStored(this.userId);
        void this.e2e?.signedOut(reason, this.userId);
        if (reason === "logout" && this.userId !== undefined) void this.search?.forget(this.userId);
        else this.search?.close();
        this.clear();
      }),
    );
    if (this.client.state === "ready") {
      this.userId = this.client.user?.id;
      this.e2e?.signedIn();
      if (this.client.user) this.outbox.restore(this.client.user.id);
      if (this.client.user) void this.search?.open(this.client.user.id);
      void this.catchUp();
    }
  }

  stop(): void {
    for (const off of this.offs) off();
    this.offs = [];
    this.e2e?.stop();
    this.backup?.stop();
    void this.search?.flush();
    this.outbox.stop();
    for (const c of this.convs.values()) clearTimeout(c.gapTimer);
    for (const t of this.timers) clearTimeout(t);
  }

  /** For useSyncExternalStore: called after changes (batched per microtask). */
  subscribe = this.notifier.subscribe;

  /** The current state; the same object until something changes. */
  getSnapshot = (): ChatSnapshot => {
    if (this.snapshot) return this.snapshot;
    const me = this.client.user?.id;
    const views = [...this.convs.values()].map(
      (c) => (c.view ??= buildView(c, this.outbox.pending(c.meta.conversationId), me)),
    );
    this.snapshot = buildSnapshot(this.status, views);
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
      await (this.catchUpper.running ??
        new Promise<void>((resolve) => {
          const off = this.subscribe(() => {
            if (this.status === "up-to-date" || this.catchUpper.running) {
              off();
              resolve();
            }
          });
        }));
    }
  }

  /** Lists the conversations and syncs each one that moved on. Runs after every sign-in. */
  catchUp(): Promise<void> {
    return this.catchUpper.run();
  }

  /**
   * Sends a text message (exactly once, retried until acked); resolves with its ack. `replyToSeq`
   * (end-to-end encrypted conversations): the message it answers, named inside the encryption by
   * its content id (docs/E2E.md section 5), kept with the message in the outbox's store.
   * `mentions` (end-to-end encrypted conversations): the user ids the text mentions, carried inside
   * the encryption; a plaintext message has nowhere to carry them and goes without. `forwarded`
   * (end-to-end encrypted conversations): the text is copied from another message and carries the
   * "forwarded" mark (content v2, docs/E2E.md section 5); a plaintext message goes without it too.
   */
  send(
    conversationId: string,
    text: string,
    opts: { replyToSeq?: number; mentions?: readonly number[]; forwarded?: boolean } = {},
  ): Promise<SendAck> {
    this.ensure(conversationId);
    const replyTo = opts.replyToSeq === undefined ? undefined : this.encrypted(conversationId, opts.replyToSeq);
    const mentions = opts.mentions && opts.mentions.length > 0 ? opts.mentions : undefined;
    const forwarded = opts.forwarded === true ? true : undefined;
    if (!this.e2e || (!replyTo?.contentId && !mentions && !forwarded)) return this.outbox.send(conversationId, text);
    return this.outbox.send(conversationId, text, newClientMsgId(), {
      replyTo: replyTo?.contentId ?? undefined,
      mentions,
      forwarded,
    });
  }

  retry(clientMsgId: string): Promise<SendAck> | undefined {
    return this.outbox.retry(clientMsgId);
  }

  discard(clientMsgId: string): void {
    this.outbox.discard(clientMsgId);
  }

  /**
   * Edits one of the user's messages. In an end-to-end encrypted conversation (the target was
   * read by the engine) the edit is an encrypted `edit` content (docs/E2E.md section 5), else chat.edit.
   */
  async edit(conversationId: string, seq: number, text: string): Promise<ChangeAck> {
    const target = this.encrypted(conversationId, seq);
    if (target) {
      const check = checkMessageText(text);
      if (!check.ok) throw new AppError(check.reason === "too-long" ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST");
      return this.changeEncrypted(target, { type: "edit", text });
    }
    const ack = await this.client.request("chat.edit", { conversationId, seq, text });
    const me = this.client.user?.id;
    if (me !== undefined) this.receive(editEntry(conversationId, seq, text, ack, me));
    return ack;
  }

  /**
   * Deletes one of the user's messages for everyone (encrypted as `delete` where the target is);
   * a file's blob is deleted from the server too (the server cannot tell which message names it).
   */
  async delete(conversationId: string, seq: number): Promise<ChangeAck> {
    const target = this.encrypted(conversationId, seq);
    if (target) {
      const ack = await this.changeEncrypted(target, { type: "delete" });
      const blobId = target.attachment?.blobId;
      if (blobId !== undefined) void this.client.call("chat.blob.delete", { blobId });
      return ack;
    }
    const ack = await this.client.request("chat.delete", { conversationId, seq });
    const me = this.client.user?.id;
    if (me !== undefined) this.receive(deleteEntry(conversationId, seq, ack, me));
    return ack;
  }

  /**
   * Toggles the user's `emoji` reaction on a message of an end-to-end encrypted conversation: added,
   * or taken back if it was there. Reactions exist only inside the encryption (docs/E2E.md section 5).
   */
  async react(conversationId: string, seq: number, emoji: string): Promise<SendAck> {
    const target = this.encrypted(conversationId, seq);
    const me = this.client.user?.id;
    if (!this.e2e || !target || me === undefined)
      throw new AppError("FORBIDDEN", "Reactions are for end-to-end encrypted messages this device has read.");
    const mine = target.reactions?.some((r) => r.emoji === emoji && r.userIds.includes(me)) ?? false;
    return this.e2e.react(target, emoji, mine);
  }

  /**
   * Sends a file into an end-to-end encrypted conversation: sealed on this device under a fresh
   * key, uploaded chunk by chunk (`onProgress`, cancel with `signal`), then announced by an
   * encrypted `attachment` message carrying the key, its SHA-256, name, type, size and caption.
   * Refused before any byte is sent over the server's limits (BLOB_TOO_LARGE, QUOTA_EXCEEDED).
   * `thumb`: a preview the caller made (a browser draws one on a canvas; Node has none, so the
   * SDK makes none itself); left out if invalid or if it would not fit the message with the caption.
   * `forwarded`: the file is copied from another message and carries the "forwarded" mark.
   */
  async sendAttachment(
    conversationId: string,
    file: Uint8Array | Blob,
    meta: {
      name: string;
      mime: string;
      caption?: string;
      replyTo?: string;
      thumb?: AttachmentThumb;
      forwarded?: boolean;
    },
    opts: TransferOptions = {},
  ): Promise<SendAck> {
    if (!this.e2e) throw new AppError("FORBIDDEN", "Attachments are for end-to-end encrypted conversations.");
    // An empty caption is none; any other must be a valid message text.
    if (meta.caption && !checkMessageText(meta.caption).ok) throw new AppError("BAD_REQUEST", "Invalid caption.");
    const e2e = await import("@sealroom/e2e");
    const ref = await uploadAttachment(this.client, conversationId, file, opts);
    const content = {
      // The mark is a v2 field (encodeContent would choose v2 for it anyway).
      v: meta.forwarded === true ? e2e.CONTENT_VERSION_MAX : e2e.CONTENT_VERSION,
      type: "attachment",
      id: e2e.newContentId(),
      blobId: ref.blobId,
      name: meta.name.slice(0, 255) || "file",
      mime: meta.mime.slice(0, 127) || "application/octet-stream",
      size: ref.size,
      ...(ref.paddedSize === undefined ? {} : { paddedSize: ref.paddedSize }),
      key: ref.key,
      sha256: ref.sha256,
      ...(meta.caption ? { caption: meta.caption } : {}),
      ...(meta.replyTo === undefined ? {} : { replyTo: meta.replyTo }),
      ...(meta.forwarded === true ? { forwarded: true as const } : {}),
    } as const;
    const withThumb = meta.thumb ? { ...content, thumb: meta.thumb } : undefined;
    const fits = (c: typeof withThumb) => {
      try {
        return c !== undefined && e2e.encodeContent(c).length > 0;
      } catch {
        return false;
      }
    };
    try {
      return await this.e2e.sendContent(conversationId, withThumb && fits(withThumb) ? withThumb : content);
    } catch (err) {
      void this.client.call("chat.blob.delete", { blobId: ref.blobId });
      throw err;
    }
  }

  /** Downloads and opens a file of the timeline; E2eError `attachment_corrupt` if it is not the one sent. */
  downloadAttachment(attachment: Attachment, opts: TransferOptions = {}): Promise<Uint8Array> {
    return downloadAttachment(this.client, attachment, opts);
  }

  /**
   * Marks the conversation read up to `seq` (default: everything held). Also clears "marked
   * unread", so it asks the service then even with nothing new to read.
   */
  async markRead(conversationId: string, seq?: number): Promise<void> {
    const c = this.convs.get(conversationId);
    const target = seq ?? c?.log.head ?? 0;
    if (c && target <= c.read.readSeq && !c.meta.settings.markedUnread) return;
    const { read } = await this.client.request("chat.markRead", { conversationId, seq: target });
    this.setRead(this.ensure(conversationId), read);
  }

  /**
   * Changes the user's own settings of a conversation (the fields given; the rest stay): `muted`
   * null unmutes, `{ until: null }` mutes until unmuted. The user's other devices follow
   * (chat.settings.v1). Resolves with the settings in force.
   */
  async setSettings(
    conversationId: string,
    change: Partial<Omit<ConversationSettings, "muted">> & { muted?: ConversationSettings["muted"] },
  ): Promise<ConversationSettings> {
    const { settings } = await this.client.request("chat.settings.set", { conversationId, ...change });
    this.applySettings(conversationId, settings);
    return settings;
  }

  private applySettings(conversationId: string, settings: ConversationSettings): void {
    const c = this.convs.get(conversationId);
    if (!c) return;
    applySettings(c, settings);
    this.touch(c);
  }

  /** Fetches every participant's read pointer. */
  async loadReceipts(conversationId: string): Promise<void> {
    const { receipts } = await this.client.request("chat.receipts", { conversationId });
    const c = this.ensure(conversationId);
    const me = this.client.user?.id;
    for (const r of receipts) if (r.userId !== me) applyReceipt(c, r.userId, r.readSeq);
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
    if (!c.log.placed) return this.loadNewest(c, limit);
    if (c.log.base <= c.meta.visibleFromSeq) return 0;
    const page = await this.client.request("chat.history", { conversationId, beforeSeq: c.log.base + 1, limit });
    seeFrom(c, page.visibleFromSeq);
    learnPeople(c, page.people);
    // A page read before the user came back to the group may reach back into the span before.
    const entries = page.entries.filter((e) => e.seq > c.meta.visibleFromSeq);
    const first = entries[0]?.seq;
    c.log.prepend(entries, first === undefined ? c.meta.visibleFromSeq : first - 1);
    this.search?.applyAll(entries);
    this.touch(c);
    // Encrypted entries: read by the engine as far as this device's group state goes.
    await this.e2e?.history(conversationId, entries);
    const shown = (e: Entry) =>
      e.kind === "text" || e.kind === "system" || (this.e2e !== undefined && e.kind === "mls.app");
    return entries.filter(shown).length;
  }

  /**
   * loadOlder of a conversation asked for before the list placed it (log.ts, `placed`): its
   * newest page, as a conversation first seen live starts (the list may place it meanwhile: then
   * the page before its window).
   */
  private async loadNewest(c: Conv, limit: number): Promise<number> {
    const conversationId = c.meta.conversationId;
    const page = await this.client.request("chat.history", { conversationId, limit });
    if (c.log.placed) return this.loadOlder(conversationId, limit);
    learnPeople(c, page.people);
    const waiting = c.log.place(page.lastSeq, []);
    for (const e of startFromPage(c, page)) this.emitEntry(e);
    for (const e of waiting) this.receive(e);
    this.touch(c);
    await this.e2e?.history(conversationId, page.entries);
    const shown = (e: Entry) =>
      e.kind === "text" || e.kind === "system" || (this.e2e !== undefined && e.kind === "mls.app");
    return page.entries.filter(shown).length;
  }

  /**
   * Pages back until `seq` and `context` entries before it are held (a search result's message with
   * the history around it: everything after it up to now is held already, the window being gap-free).
   * Resolves with whether `seq` is in the window now (false: not visible to the user).
   */
  async loadAround(conversationId: string, seq: number, context = 20): Promise<boolean> {
    const c = this.ensure(conversationId);
    for (;;) {
      const base = c.log.base;
      if (base < seq - context || base <= c.meta.visibleFromSeq) break;
      await this.loadOlder(conversationId, CHAT_LIMITS.pageMax);
      if (c.log.base === base) break; // nothing older came back
    }
    return seq > c.log.base && seq <= c.log.head;
  }

  /** The entry at `seq` if it is a message of an end-to-end encrypted conversation, read by the engine. */
  /**
   * The encrypted message an edit or delete is for; undefined for a plaintext one (chat.edit and
   * chat.delete then). With the engine on, a target this store does not show as plaintext is never
   * changed in plaintext: the new text would cross the server in the clear (an encrypted message
   * not read yet, or not loaded: NOT_FOUND, try again once it shows).
   */
  private encrypted(conversationId: string, seq: number): E2eTextEntry | undefined {
    if (!this.e2e) return undefined;
    const entry = this.convs.get(conversationId)?.log.find(seq);
    if (entry && isE2eText(entry)) return entry;
    if (entry?.kind === "text") return undefined;
    throw new AppError("NOT_FOUND", "That message is not shown on this device yet.");
  }

  private async changeEncrypted(target: E2eTextEntry, change: E2eChange): Promise<ChangeAck> {
    if (!this.e2e) throw new AppError("INTERNAL");
    return this.e2e.change(target, change);
  }

  /** Applies an entry from anywhere (live, sync, ack); schedules a gap fetch if it waits. */
  private receive(entry: Entry): void {
    const c = this.ensure(entry.conversationId);
    const released = applyEntry(c, entry, this.client.user?.id);
    for (const e of released) this.emitEntry(e);
    if (released.length > 0) this.touch(c);
    if (c.log.gap && !c.gapTimer) {
      c.gapTimer = setTimeout(() => {
        c.gapTimer = undefined;
        if (c.log.gap) void this.catchUpper.sync(c).catch(() => undefined);
      }, this.gapDelayMs);
    }
  }

  private acked(message: PendingMessage, ack: SendAck): void {
    const entry = ackEntry(message, ack, this.client.user?.id);
    this.receive(this.e2e ? this.e2e.acked(entry) : entry);
    const c = this.convs.get(ack.conversationId);
    if (c && noteWritten(c, message, ack, Date.now())) this.touch(c);
  }

  /**
   * A released entry to the application. With end-to-end encryption, MLS entries go to the engine
   * first; an application message reaches the listeners as the text entry the engine makes of it.
   */
  private emitEntry(e: Entry): void {
    if (this.e2e && (e.kind === "mls.app" || e.kind === "mls.commit" || e.kind === "mls.proposal")) {
      this.e2e.onEntry(e);
      if (e.kind === "mls.app") return;
    }
    this.search?.apply(e);
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

  /**
   * From the engine: a decrypted (or unreadable) message into the timeline by seq, once; an
   * encrypted edit or delete applied to its target as a plaintext one is.
   */
  private surface(entry: Surfaced): void {
    const c = this.ensure(entry.conversationId);
    if (entry.kind !== "text") dropUnreadable(c, entry.seq);
    if (entry.kind === "gone") return this.touch(c);
    if (entry.kind === "reactions") {
      const at = c.log.timeline.findIndex((e) => e.seq === entry.targetSeq);
      const target = c.log.timeline[at];
      if (!target || target.kind !== "text" || !isE2eText(target)) return;
      const { reactions: _old, ...rest } = target;
      const updated: E2eTextEntry = entry.reactions.length > 0 ? { ...rest, reactions: entry.reactions } : rest;
      c.log.timeline[at] = updated;
      this.touch(c);
      return;
    }
    if (entry.kind !== "text") {
      c.log.change(entry);
      this.emitEntry(entry);
      this.touch(c);
      return;
    }
    const timeline = c.log.timeline;
    const held = timeline.findIndex((e) => e.seq === entry.seq);
    if (held >= 0) {
      // Read again after it showed as unreadable (a Welcome processed since): the text replaces it.
      const old = timeline[held];
      if (entry.e2e !== "decrypted" || old?.kind !== "text" || !isE2eText(old) || old.e2e === "decrypted") return;
      timeline[held] = entry;
      this.emitEntry(entry);
      this.touch(c);
      return;
    }
    if (!c.log.insert(entry)) return;
    const me = this.client.user?.id;
    if (entry.senderId !== me && entry.seq > Math.max(c.read.countedSeq, c.read.readSeq)) newFromOthers(c, Date.now());
    c.meta.lastActivityTs = Math.max(c.meta.lastActivityTs, entry.ts);
    this.emitEntry(entry);
    this.touch(c);
  }

  private setRead(c: Conv, read: ReadState): void {
    if (applyRead(c, read, this.client.user?.id)) this.touch(c);
  }

  private ensure(conversationId: string): Conv {
    // Before the first list, not placed yet: the list or a first page says where its window
    // starts (log.ts, `placed`). After it, one not held is new since (a DM's first message sent
    // from here): all of it is new, from its first entry, and a later list syncs it from there
    // (placing it at the list's summary would hold that entry without ever emitting it).
    return this.convs.get(conversationId) ?? this.create(conversationId, new ConversationLog(0, this.listed));
  }

  private create(conversationId: string, log: ConversationLog): Conv {
    const c = newConv(conversationId, log, this.clock);
    this.convs.set(conversationId, c);
    // What the new window holds already (a list summary's last message), and earlier sessions' reads.
    this.search?.applyAll(log.timeline);
    this.search?.seed(conversationId);
    this.live.created(c);
    this.touch(c);
    return c;
  }

  private later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private touch(c: Conv | undefined): void {
    if (c) c.view = undefined;
    this.changed();
  }

  private setStatus(status: SyncStatus): void {
    if (this.status === status) return;
    this.status = status;
    if (status === "up-to-date") this.listed = true;
    this.changed();
  }

  private changed(): void {
    this.snapshot = undefined;
    this.notifier.notify();
  }

  private clear(): void {
    for (const c of this.convs.values()) clearTimeout(c.gapTimer);
    this.convs.clear();
    this.listed = false;
    this.setStatus("offline");
  }
}

/**
 * An edit, delete or reaction shown as an unreadable message before it could be read (locked
 * history, a late Welcome) is no message: once read, its placeholder leaves the timeline.
 */
function dropUnreadable(c: Conv, seq: number): void {
  const timeline = c.log.timeline;
  const at = timeline.findIndex((e) => e.seq === seq);
  const held = timeline[at];
  if (held?.kind === "text" && isE2eText(held) && held.e2e !== "decrypted") timeline.splice(at, 1);
}
