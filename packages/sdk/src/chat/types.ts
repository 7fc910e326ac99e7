/** The chat store's public shapes: what a UI reads from a snapshot, and the store's options. */
import type { PublicUser } from "@sealroom/proto/auth";
import type { ConversationSettings, ConversationSummary } from "@sealroom/proto/chat";
import type { E2eOptions } from "../e2e/engine.js";
import type { E2eStateStore } from "../e2e/state-store.js";
import type { SearchConfig } from "../search/local-search.js";
import type { TimelineEntry } from "./log.js";
import type { OutboxOptions, PendingMessage } from "./outbox.js";

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
  /**
   * The user's own settings of the conversation (mute, pin, archive, marked unread), the same on
   * all their devices (chat.settings.set); `setSettings` changes them.
   */
  settings: ConversationSettings;
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
  /**
   * End-to-end encryption (docs/E2E.md, "The SDK engine"), on unless `false`: every conversation
   * this store sends in becomes an MLS group and its messages are encrypted; encrypted entries are
   * decrypted into text entries with an `e2e` flag. `store` keeps the device's keys and groups:
   * without one they live in memory, so every sign-in of a new process is a new device (it reads
   * from then on); a bot that restarts keeps them with `FileE2eStateStore`. `false` sends
   * plaintext, which a server refuses unless its operator allows it (`CHAT_REQUIRE_E2E=0`).
   */
  e2e?: (Omit<E2eOptions, "store"> & { store?: E2eStateStore }) | false;
  /**
   * On-device full-text search (docs/SEARCH.md): the messages this store holds and decrypts are
   * indexed and the index kept in `search.store`; `store.search` answers queries. Without it, none.
   */
  search?: SearchConfig;
}
