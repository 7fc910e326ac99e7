/**
 * On-device search over what this device can read (docs/SEARCH.md), wired by ChatStore (its
 * `search` option): every text entry the store holds or releases is indexed (plaintext history as
 * loaded, end-to-end encrypted messages as the engine decrypts them), an edit replaces the text
 * indexed, a deletion removes it. The index is persisted per user (`SearchIndexStore`), saved a
 * moment after changes; a conversation's end-to-end read records are indexed once per index (so a
 * missing or unreadable index is rebuilt from them, history before the window included); signing
 * out (logout) deletes it.
 *
 * MiniSearch (message-index.ts) loads with the first sign-in (a dynamic import), so a web app's
 * first load does not carry it.
 */
import type { Entry, TextEntry } from "@sealroom/proto/chat";
import { z } from "zod";
import { checkedReads, isE2eText } from "../e2e/contents.js";
import { ChangeNotifier } from "../notifier.js";
import type { SearchIndexStore } from "./index-store.js";
import type { MessageIndex, SearchOptions, SearchResults } from "./message-index.js";

export interface SearchConfig {
  store: SearchIndexStore;
  /**
   * How long after a change the index is saved (ms, default 10 s): a burst is saved once. Each save
   * writes the whole index (at 100,000 messages, seconds of work: BENCHMARKS.md), so not often.
   */
  saveDelayMs?: number;
}

/** What is saved: the index and the conversations whose read records it holds already. */
const snapshotSchema = z.object({ v: z.literal(1), index: z.unknown(), seeded: z.array(z.string()) });
type Snapshot = z.infer<typeof snapshotSchema>;

type Op = (index: MessageIndex) => void;
/** The end-to-end read records of a conversation, as the state store keeps them (unchecked). */
export type ReadRecordsLoader = (userId: number, conversationId: string) => Promise<unknown[]>;

const EMPTY: SearchResults = { hits: [], total: 0, exact: true };

export class LocalSearch {
  private index: MessageIndex | undefined;
  private userId: number | undefined;
  /** Moves on at every open and drop: what an earlier session's loads bring back is dropped. */
  private session = 0;
  /** Moves on at every logout: a save queued before it must not write the index back. */
  private forgotten = 0;
  /** Changes that arrived before the index was loaded: applied once it is. */
  private queued: Op[] = [];
  private seeded = new Set<string>();
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readonly notifier = new ChangeNotifier();
  private readonly saveDelayMs: number;
  /** Moves on with every change of what a search would find (for a UI to search again). */
  revision = 0;

  constructor(
    private readonly config: SearchConfig,
    private readonly readRecords?: ReadRecordsLoader,
  ) {
    this.saveDelayMs = config.saveDelayMs ?? 10_000;
  }

  /** Told after changes (batched per microtask), like the chat store. */
  subscribe = this.notifier.subscribe;

  /** Whether the index is loaded (before that, searches find nothing). */
  get ready(): boolean {
    return this.index !== undefined;
  }

  /** Messages indexed. */
  get size(): number {
    return this.index?.size ?? 0;
  }

  /** Loads the user's index (or starts an empty one) and applies what waited. After every sign-in. */
  async open(userId: number): Promise<void> {
    if (this.userId === userId) return;
    // Another user's index goes; what arrived before any sign-in waits for this one.
    if (this.userId !== undefined) this.close();
    this.userId = userId;
    const session = ++this.session;
    const { MessageIndex } = await import("./message-index.js");
    await this.saving; // the previous session's last save first
    const raw = await this.config.store.load(userId).catch(() => undefined);
    if (this.session !== session) return; // signed out meanwhile
    let index: MessageIndex | undefined;
    const snapshot = snapshotSchema.safeParse(raw);
    if (snapshot.success) {
      try {
        index = await MessageIndex.loadAsync(snapshot.data.index);
        if (this.session !== session) return;
        this.seeded = new Set(snapshot.data.seeded);
      } catch {
        index = undefined; // not an index of this version: rebuilt
      }
    }
    this.index = index ?? MessageIndex.empty();
    const queued = this.queued;
    this.queued = [];
    for (const op of queued) op(this.index);
    if (queued.length > 0 || !index) this.scheduleSave();
    this.changed();
  }

  /** Indexes what an entry shows or changes: a message, an edit, a deletion. */
  apply(entry: Entry): void {
    switch (entry.kind) {
      case "text":
        return this.run(textOp(entry));
      case "edit":
        return this.run((ix) => ix.edit(entry.conversationId, entry.targetSeq, entry.text));
      case "delete":
        return this.run((ix) => ix.remove(entry.conversationId, entry.targetSeq));
      default:
        // System entries, hidden changes, MLS messages (the engine's decrypted text comes as text).
        return;
    }
  }

  applyAll(entries: readonly Entry[]): void {
    for (const e of entries) this.apply(e);
  }

  /**
   * Indexes the conversation's end-to-end read records once per index: history read in earlier
   * sessions, before what the chat store holds now. A message indexed already is newer: kept.
   */
  seed(conversationId: string): void {
    const { userId, session } = this;
    if (!this.readRecords || userId === undefined || this.seeded.has(conversationId)) return;
    this.seeded.add(conversationId);
    void this.readRecords(userId, conversationId)
      .then((raw) => {
        if (this.session !== session) return;
        const records = checkedReads(raw, conversationId);
        this.run((ix) => {
          for (const r of records) {
            if (r.kind === "message" && !ix.has(conversationId, r.entry.seq)) textOp(r.entry)(ix);
          }
        });
      })
      .catch(() => this.seeded.delete(conversationId));
  }

  search(query: string, opts?: SearchOptions): SearchResults {
    return this.index?.search(query, opts) ?? EMPTY;
  }

  /** Saves now what waits for the timer (before a process exits). */
  async flush(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.save();
    }
    await this.saving;
  }

  /** Signed out without logout (the session ended): saved, then dropped from memory. */
  close(): void {
    void this.flush();
    this.drop();
  }

  /** Logout: the user's index is deleted from the device. */
  async forget(userId: number): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.forgotten++;
    this.drop();
    await this.saving;
    await this.config.store.clear(userId);
  }

  private drop(): void {
    this.session++;
    this.userId = undefined;
    this.index = undefined;
    this.queued = [];
    this.seeded = new Set();
    this.changed();
  }

  private run(op: Op): void {
    if (!this.index) {
      this.queued.push(op);
      return;
    }
    op(this.index);
    this.changed();
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, this.saveDelayMs);
  }

  private save(): void {
    const { index, userId } = this;
    if (!index || userId === undefined) return;
    const snapshot: Snapshot = { v: 1, index: index.toJSON(), seeded: [...this.seeded] };
    const { store } = this.config;
    if (store.ordersWrites) {
      // Started now: the store keeps the order, and a page that is going has no time to wait.
      const written = store.save(userId, snapshot).catch(() => undefined);
      this.saving = Promise.all([this.saving, written]).then(() => undefined);
      return;
    }
    const forgotten = this.forgotten;
    // One save at a time, in order: a slow earlier one must not land after a later one. A session
    // that ended saves its last changes; a logout since this was queued drops it.
    this.saving = this.saving
      .then(() => (this.forgotten === forgotten ? this.config.store.save(userId, snapshot) : undefined))
      .catch(() => undefined); // kept in memory; the next change saves again
  }

  private changed(): void {
    this.revision++;
    this.notifier.notify();
  }
}

/**
 * A text entry as the index takes it: a deleted one is removed; an encrypted one this device could
 * not read says nothing of the text (a copy indexed from the read records stays).
 */
function textOp(entry: TextEntry): Op {
  return (ix) => {
    if (isE2eText(entry) && entry.e2e !== "decrypted") return;
    if (entry.deletedTs !== null) {
      ix.remove(entry.conversationId, entry.seq);
      return;
    }
    const { conversationId, seq, senderId, ts, text } = entry;
    ix.put({ conversationId, seq, senderId, ts, text });
  };
}
