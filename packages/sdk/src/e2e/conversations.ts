/**
 * What the engine holds per conversation for the signed-in user (docs/E2E.md section 6): the group
 * record (MLS state, reading position, join epoch), what has been read (ConversationContents, its
 * records restored from the store once per session), and the seqs of this device's own accepted
 * messages not yet reached by the reader. Loaded lazily from the state store, saved after every
 * change: read records first, then the group state.
 */
import type { Device } from "@sealroom/e2e";
import { ConversationContents, checkedReads, type ContentArchive } from "./contents.js";
import { decodeGroupRecord, encodeGroupRecord, type GroupRecord } from "./group-record.js";
import type { E2eStateStore } from "./state-store.js";

export class ConversationStates {
  private readonly records = new Map<string, GroupRecord>();
  private readonly contents = new Map<string, ConversationContents>();
  /** Conversations whose read records have been loaded from the store (or are being loaded). */
  private readonly restored = new Map<string, Promise<void>>();
  /** Seqs of this device's own accepted messages, per conversation, not yet reached by the reader. */
  private readonly settled = new Map<string, Set<number>>();

  /**
   * `userId` is the signed-in user (undefined: nobody, nothing is loaded or saved); `ignored` is
   * told of every change refused because its sender is not its target's.
   */
  constructor(
    private readonly store: E2eStateStore,
    private readonly userId: () => number | undefined,
    private readonly ignored: () => void,
    private readonly archive?: ContentArchive,
  ) {}

  /** The conversations whose contents are held in memory. */
  held(): Array<[string, ConversationContents]> {
    return [...this.contents];
  }

  /** Forgets everything held in memory (a sign-in or sign-out); the store keeps its part. */
  clear(): void {
    this.records.clear();
    this.contents.clear();
    this.restored.clear();
    this.settled.clear();
  }

  contentsOf(conversationId: string): ConversationContents {
    let contents = this.contents.get(conversationId);
    if (!contents) {
      contents = new ConversationContents(this.ignored, this.archive);
      this.contents.set(conversationId, contents);
    }
    return contents;
  }

  /** The conversation's read records from the store into its contents, once per session. */
  restore(conversationId: string): Promise<void> {
    const userId = this.userId();
    if (userId === undefined) return Promise.resolve();
    let done = this.restored.get(conversationId);
    if (!done) {
      done = this.store.loadReads(userId, conversationId).then((raw) => {
        if (this.userId() === userId) this.contentsOf(conversationId).restore(checkedReads(raw, conversationId));
      });
      this.restored.set(conversationId, done);
      done.catch(() => this.restored.delete(conversationId));
    }
    return done;
  }

  /** The conversation's group record, from memory or the store; undefined when this device has none. */
  async record(conversationId: string, device: Device): Promise<GroupRecord | undefined> {
    const held = this.records.get(conversationId);
    const userId = this.userId();
    if (held || userId === undefined) return held;
    const bytes = await this.store.loadGroup(userId, conversationId);
    const record = bytes && decodeGroupRecord(bytes, device);
    if (record) this.records.set(conversationId, record);
    return record;
  }

  /**
   * Forgets the conversation's group (removed from it, or too far behind to catch up): the device
   * joins again as a new member. What it read stays (the read records are kept). Only while the
   * group is still `stale`, the record the caller found wanting: Welcomes are joined beside the
   * conversation's tasks, and one adopted meanwhile is the device's new membership. Dropping that
   * one left a member invited back unable to read until she sent (chat-e2e's "reads a member's
   * message sent before she does anything", failed once in a full run under load).
   */
  async drop(conversationId: string, stale: GroupRecord): Promise<void> {
    if (this.records.get(conversationId) !== stale) return;
    this.records.delete(conversationId);
    this.settled.delete(conversationId);
    const userId = this.userId();
    if (userId !== undefined) await this.store.deleteGroup(userId, conversationId);
  }

  /** A new group record (created or joined), saved. */
  async adopt(conversationId: string, record: GroupRecord): Promise<void> {
    this.records.set(conversationId, record);
    await this.save(conversationId, record);
  }

  /**
   * The read records changed since the last save, then the group state: in this order, so a crash
   * between the two leaves a message kept and its keys not yet used up (read again, skipped as
   * read), never its keys gone and the message not kept.
   */
  async save(conversationId: string, record: GroupRecord): Promise<void> {
    const userId = this.userId();
    if (userId === undefined) return;
    const contents = this.contents.get(conversationId);
    const changed = contents?.takeChanged() ?? [];
    try {
      await this.store.saveReads(userId, conversationId, changed);
    } catch (err) {
      contents?.changedAgain(changed);
      throw err;
    }
    await this.store.saveGroup(userId, conversationId, encodeGroupRecord(record));
  }

  /** The reader's position, moved over this device's own accepted messages. */
  position(conversationId: string, record: GroupRecord): number {
    const own = this.settled.get(conversationId);
    while (own?.delete(record.seq + 1)) record.seq++;
    return record.seq;
  }

  /** This device's own message (or commit) was accepted at `seq`: the reader need not read it. */
  settle(conversationId: string, record: GroupRecord, seq: number): void {
    const own = this.settled.get(conversationId) ?? new Set<number>();
    own.add(seq);
    this.settled.set(conversationId, own);
    this.position(conversationId, record);
  }
}
