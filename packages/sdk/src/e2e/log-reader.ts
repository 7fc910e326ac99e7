/**
 * Reading a conversation's log into its MLS group (docs/E2E.md section 3): every MLS entry in seq
 * order, each once. Commits and proposals move the group on; application messages are decrypted
 * into text entries. The reader keeps its own position (`GroupRecord.seq`) apart from the chat
 * store's window: an entry beyond it first pulls the entries in between with chat.sync, so a
 * commit missed while offline is never skipped.
 */
import { decodeContent, E2eError, inspectMessage, type Content } from "@sealroom/e2e";
import type { Entry } from "@sealroom/proto/chat";
import type { MlsEntry } from "@sealroom/proto/chat-mls";
import type { SealroomClient } from "../client.js";
import { fromB64 } from "./base64url.js";
import type { ConversationContents, Surfaced } from "./contents.js";
import type { GroupRecord } from "./group-record.js";

export type { E2eStatus, E2eTextEntry } from "./contents.js";

export interface LogReaderHost {
  readonly client: Pick<SealroomClient, "request">;
  /** The content of an application message this device sent (MLS does not let it decrypt its own). */
  ownContent(clientMsgId: string): Content | undefined;
  /** What the engine has read of the conversation. */
  contents(conversationId: string): ConversationContents;
  surface(entries: Surfaced[]): void;
  save(conversationId: string, record: GroupRecord): Promise<void>;
  /** A commit or proposal was applied: who may be in the group, with which devices, may have changed. */
  membershipMoved(): void;
}

/** The device's group state cannot follow the log from its position: to be dropped and joined again. */
export class LostGroup extends Error {
  override readonly name = "LostGroup";
}

/** A failure that says nothing about the message: the device check (key directory) did not answer. */
export const isUnanswered = (err: unknown) => err instanceof E2eError && err.code === "check_unavailable";

const isMls = (e: Entry): e is MlsEntry => e.kind === "mls.app" || e.kind === "mls.commit" || e.kind === "mls.proposal";

export class LogReader {
  /**
   * Conversations whose log skipped seqs since this device's group last moved: entries it was not
   * shown, the span while its user was out of the group. A commit made there can refer to a
   * proposal inside that span (the server's Remove of this user, committed only after she was
   * back): the group state cannot follow it, which is a lost group, not an unreadable message.
   */
  private readonly afterHole = new Set<string>();

  constructor(private readonly host: LogReaderHost) {}

  /** Applies one entry right after the record's position; the record is saved afterwards. */
  async apply(conversationId: string, record: GroupRecord, entry: Entry): Promise<void> {
    if (entry.seq > record.seq + 1) this.afterHole.add(conversationId);
    if (isMls(entry)) await this.applyMls(record, entry);
    record.seq = entry.seq;
    await this.host.save(conversationId, record);
  }

  /** Pulls and applies the entries after the record's position up to `upTo` (the end by default). */
  async fill(conversationId: string, record: GroupRecord, upTo = Number.MAX_SAFE_INTEGER): Promise<void> {
    for (;;) {
      const page = await this.host.client.request("chat.sync", { conversationId, afterSeq: record.seq, limit: 200 });
      for (const entry of page.entries) {
        if (entry.seq <= record.seq) continue;
        if (entry.seq > upTo) return;
        await this.apply(conversationId, record, entry);
      }
      if (page.entries.length === 0 || record.seq >= Math.min(page.lastSeq, upTo)) return;
    }
  }

  /**
   * Where a device that joined at `epoch` starts reading: the seq of the commit that made that
   * epoch, found by paging back through history (a few pages; the commit is recent when a Welcome
   * is fresh). Failing that, the conversation's end.
   */
  async joinPosition(conversationId: string, epoch: bigint): Promise<number> {
    let beforeSeq: number | undefined;
    let end: number | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await this.host.client.request("chat.history", {
        conversationId,
        ...(beforeSeq === undefined ? {} : { beforeSeq }),
        limit: 200,
      });
      end ??= page.lastSeq;
      for (const entry of [...page.entries].reverse()) {
        if (entry.kind === "mls.commit" && epochOf(entry) === epoch - 1n) return entry.seq;
      }
      const first = page.entries[0];
      if (!first || first.seq <= page.visibleFromSeq + 1) break;
      beforeSeq = first.seq;
    }
    return end ?? 0;
  }

  private async applyMls(record: GroupRecord, entry: MlsEntry): Promise<void> {
    const epoch = epochOf(entry);
    const { group } = record;
    // The log is read without gaps, so a later epoch than the group's, or any entry after this
    // device's removal, means it cannot follow from here (removed, then invited back: what was
    // said in between is not its to read). The engine forgets the group and joins it again.
    if (epoch !== undefined && (epoch > group.epoch || !group.active)) throw new LostGroup();
    if (entry.kind !== "mls.app") {
      // An epoch already left: this device's own commit echoed, or one from before it joined.
      if (epoch === undefined || epoch < group.epoch) return;
      try {
        await group.processMessage(fromB64(entry.message));
        this.afterHole.delete(entry.conversationId);
        this.host.membershipMoved();
      } catch (err) {
        // The key directory did not answer: nothing was applied, and the position stays here so
        // the commit is read again (skipping it would leave every later message unreadable).
        if (isUnanswered(err)) throw err;
        if (this.afterHole.delete(entry.conversationId)) throw new LostGroup();
        this.fail(entry);
      }
      return;
    }
    const contents = this.host.contents(entry.conversationId);
    if (contents.isRead(entry.seq)) {
      // Kept before the group state moved past it (this device's own, or a crash between the two
      // saves): not decrypted again (its own cannot be; another's keys may be used up).
      const held = contents.entry(entry.seq);
      return this.host.surface(held ? [held] : []);
    }
    const own = this.host.ownContent(entry.clientMsgId);
    if (own !== undefined) return this.host.surface(contents.read(entry, own));
    if (epoch !== undefined && epoch < record.joinedEpoch) {
      return this.host.surface(contents.unreadable(entry, "unavailable"));
    }
    let content: Content | undefined;
    try {
      const { sender, data } = await group.decrypt(fromB64(entry.message));
      // The server names the sender of the entry; MLS authenticates it: they must agree.
      if (sender.userId !== entry.senderId) return this.fail(entry);
      const decoded = decodeContent(data);
      // A valid envelope this version does not know (a newer version or type): not a failure.
      if (decoded.kind === "content") content = decoded.content;
    } catch {
      // Bad ciphertext, a forged sender, an envelope that breaks its schema (E2eError), all alike.
      return this.fail(entry);
    }
    this.host.surface(content ? contents.read(entry, content) : contents.unreadable(entry, "unavailable"));
  }

  /** Counted, and for an application message shown as such: never silently dropped. */
  private fail(entry: MlsEntry): void {
    this.failures++;
    if (entry.kind === "mls.app") {
      this.host.surface(this.host.contents(entry.conversationId).unreadable(entry, "undecryptable"));
    }
  }

  /** MLS messages that should have been readable and were not (the "unable to decrypt" metric). */
  failures = 0;
}

/** The epoch in an entry's clear framing, or undefined for bytes that are not an MLS message. */
function epochOf(entry: MlsEntry): bigint | undefined {
  try {
    const info = inspectMessage(fromB64(entry.message));
    return info.wireFormat === "public" || info.wireFormat === "private" ? BigInt(info.epoch) : undefined;
  } catch {
    return undefined;
  }
}
