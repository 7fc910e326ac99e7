/**
 * Bringing the store's conversations up to date with the server: after every sign-in, list the
 * conversations and sync each one that moved on, a few at a time; per conversation, fetch
 * everything after head, page by page, one sync at a time. Live events only hint; this is what
 * repairs whatever they missed.
 */
import type { ConversationSummary, ConversationsCursor, Entry, ReadState } from "@sealroom/proto/chat";
import type { SealroomClient } from "../client.js";
import { adoptSummary, learnPeople, logFromSummary, seeFrom, type ChangeClock, type Conv } from "./conversation.js";
import { fetchRetrying } from "./fetch.js";
import type { ConversationLog } from "./log.js";
import type { SyncStatus } from "./types.js";

/** Conversations synced at once during a catch-up. */
const CATCH_UP_CONCURRENCY = 4;
/** After a catch-up failed while still signed in (the service kept failing), try again this late. */
const RETRY_CATCH_UP_MS = 2000;

/** What the catch-up needs of the store that holds the conversations. */
export interface CatchUpHost {
  readonly client: Pick<SealroomClient, "call" | "state">;
  readonly pageSize: number;
  /** The store's change clock: a list reply keeps what changed live after it was asked for. */
  readonly clock: ChangeClock;
  conv(conversationId: string): Conv | undefined;
  create(conversationId: string, log: ConversationLog): Conv;
  /** The opening of a conversation a live entry showed first, while its first page is in flight. */
  openingOf(conversationId: string): Promise<void> | undefined;
  setRead(c: Conv, read: ReadState): void;
  /** Applies an entry (as a live one would be). */
  receive(entry: Entry): void;
  setStatus(status: SyncStatus): void;
  /** Whether the store is started (a failed catch-up is retried only then). */
  running(): boolean;
  /** Runs `fn` after `ms`, unless the store stops first. */
  later(fn: () => void, ms: number): void;
}

export class CatchUp {
  private current: Promise<void> | undefined;
  private again = false;

  constructor(private readonly host: CatchUpHost) {}

  /** The catch-up in flight, if any. */
  get running(): Promise<void> | undefined {
    return this.current;
  }

  /** Lists the conversations and syncs each one that moved on. Runs after every sign-in. */
  run(): Promise<void> {
    if (this.current) {
      this.again = true;
      return this.current;
    }
    const host = this.host;
    this.current = (async () => {
      try {
        do {
          this.again = false;
          host.setStatus("catching-up");
          const conversations = await this.listConversations();
          // A few at a time: a burst of syncs would run into the gateway's per-connection rate limit.
          let next = 0;
          const worker = async () => {
            while (next < conversations.length) {
              const { summary, sentAt } = conversations[next++]!;
              await this.adopt(summary, sentAt);
            }
          };
          await Promise.all(Array.from({ length: CATCH_UP_CONCURRENCY }, worker));
        } while (this.again);
        host.setStatus(host.client.state === "ready" ? "up-to-date" : "offline");
      } catch {
        // Disconnected meanwhile: the next sign-in catches up again. Still signed in (the service
        // kept failing): try again a little later.
        host.setStatus("offline");
        if (host.client.state === "ready" && host.running()) host.later(() => void this.run(), RETRY_CATCH_UP_MS);
      } finally {
        this.current = undefined;
      }
    })();
    return this.current;
  }

  /** Fetches everything after head, page by page; one sync per conversation at a time. */
  sync(c: Conv): Promise<void> {
    if (c.syncing) {
      c.resync = true;
      return c.syncing;
    }
    c.syncing = (async () => {
      try {
        do {
          c.resync = false;
          for (;;) {
            const asked = c.log.head;
            const page = await fetchRetrying(this.host.client, "chat.sync", {
              conversationId: c.meta.conversationId,
              afterSeq: asked,
              limit: this.host.pageSize,
            });
            seeFrom(c, page.visibleFromSeq);
            learnPeople(c, page.people);
            // Entries up to visibleFromSeq do not exist for this user (a group before their join).
            if (c.log.head < page.visibleFromSeq) {
              for (const e of c.log.skipTo(page.visibleFromSeq)) this.host.receive(e);
            }
            for (const e of page.entries) this.host.receive(e);
            // A page that moved nothing would be asked for again and again, at network speed.
            if (page.entries.length === 0 || c.log.head >= page.lastSeq || c.log.head === asked) break;
          }
        } while (c.resync);
      } finally {
        c.syncing = undefined;
      }
    })();
    return c.syncing;
  }

  /**
   * Every page of the list (a page stops at the service's byte bound and says so: `more`), each
   * summary with the clock when its page was asked for (a retry's sending is later still: the
   * earlier time keeps more of what changed live, never less).
   */
  private async listConversations(): Promise<Array<{ summary: ConversationSummary; sentAt: number }>> {
    const all: Array<{ summary: ConversationSummary; sentAt: number }> = [];
    let after: ConversationsCursor | undefined;
    for (;;) {
      const sentAt = this.host.clock.now;
      const page = await fetchRetrying(this.host.client, "chat.conversations", after ? { after } : {});
      for (const summary of page.conversations) all.push({ summary, sentAt });
      const last = page.conversations.at(-1);
      if (page.more !== true || !last) return all;
      after = { lastActivityTs: last.lastActivityTs, conversationId: last.conversationId };
    }
  }

  private async adopt(s: ConversationSummary, sentAt: number): Promise<void> {
    // Being opened by a live entry (its first page in flight): the page places it and the entry
    // is released as new; then the summary applies as to one held. Made from the summary instead,
    // the window would hold that entry already, and the page's entry would never be released.
    if (!this.host.conv(s.conversationId)) await this.host.openingOf(s.conversationId);
    // Never held: start at its newest entry, without replaying history. Held but not placed (a
    // call answered before the list made it): the same.
    const held = this.host.conv(s.conversationId);
    const c = held ?? this.host.create(s.conversationId, logFromSummary(s));
    if (held && !held.log.placed) {
      for (const e of held.log.place(s.lastSeq, s.last ? [s.last] : [])) this.host.receive(e);
    }
    adoptSummary(c, s, sentAt);
    this.host.setRead(c, s.read);
    if (s.lastSeq > c.log.head) await this.sync(c);
  }
}
