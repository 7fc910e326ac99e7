/**
 * What the engine has read of one conversation's encrypted messages (docs/E2E.md section 5): each
 * message shown, by seq, with edits and deletes applied; content id to seq, so changes and replies
 * find their target; and changes whose target has not been read yet, applied when it is. Kept in
 * memory for the engine's life (like the texts of this device's own messages): enough to show a
 * message again after the chat store forgot it (a reconnect) or pages back to it (loadOlder).
 */
import type { Content } from "@sealroom/e2e";
import type { DeleteEntry, EditEntry, TextEntry } from "@sealroom/proto/chat";
import type { MlsEntry } from "@sealroom/proto/chat-mls";

/**
 * How an encrypted message reached the timeline: `decrypted`; `unavailable` (sent before this
 * device joined, or read in an earlier life of this device whose keys are gone by design, or of a
 * content type this version does not show: not a failure); `undecryptable` (should have been
 * readable and was not: counted).
 */
export type E2eStatus = "decrypted" | "undecryptable" | "unavailable";

/** The log entry of an application message, as far as the timeline needs it. */
export type AppMeta = Pick<
  Extract<MlsEntry, { kind: "mls.app" }>,
  "id" | "conversationId" | "seq" | "ts" | "senderId" | "clientMsgId"
>;

/**
 * A message of an end-to-end encrypted conversation: today's TextEntry (edits and deletes applied
 * to `text`, `editedTs`, `deletedTs` as for plaintext), how it was read (`e2e`), its content id
 * (null when it could not be read), and what it replies to: the target's content id, with its seq
 * when this device has read the target (null otherwise).
 */
export type E2eTextEntry = TextEntry & {
  e2e: E2eStatus;
  contentId: string | null;
  replyTo?: { contentId: string; seq: number | null };
};

/** A timeline message the engine made (it carries how it was read). */
export function isE2eText(entry: TextEntry): entry is E2eTextEntry {
  return "e2e" in entry && "contentId" in entry;
}

/** What the timeline should show after a message was read: the message, then changes it released. */
export type Surfaced = E2eTextEntry | EditEntry | DeleteEntry;

type Change = Extract<Content, { type: "edit" | "delete" }>;
type TextContent = Extract<Content, { type: "text" }>;

/** Changes kept for a target not read yet, per conversation; the oldest go first beyond this. */
const PENDING_MAX = 500;

export class ConversationContents {
  private readonly bySeq = new Map<number, E2eTextEntry>();
  private readonly seqOfId = new Map<string, number>();
  private readonly pending = new Map<string, Array<{ meta: AppMeta; change: Change }>>();
  private pendingCount = 0;
  /** Seqs of the change messages handled (applied, ignored or kept): each is handled once. */
  private readonly changes = new Set<number>();

  /** `ignored` is told of every change refused because its sender is not its target's. */
  constructor(private readonly ignored: () => void) {}

  /** The message at `seq`, as shown now, if it was read. */
  entry(seq: number): E2eTextEntry | undefined {
    return this.bySeq.get(seq);
  }

  /** A decrypted content (or this device's own): what it shows or changes. */
  read(meta: AppMeta, content: Content): Surfaced[] {
    switch (content.type) {
      case "text":
        return this.text(meta, content);
      case "edit":
      case "delete":
        return this.change(meta, content);
      default:
        // Reactions and attachments: defined, not shown by this version.
        return this.unreadable(meta, "unavailable");
    }
  }

  /** A message that could not be read (or of a type not shown): shown as such, once. */
  unreadable(meta: AppMeta, e2e: Exclude<E2eStatus, "decrypted">): Surfaced[] {
    if (this.bySeq.has(meta.seq) || this.changes.has(meta.seq)) return [];
    const entry = textEntry(meta, "", e2e, null);
    this.bySeq.set(meta.seq, entry);
    return [entry];
  }

  /** A decrypted text, then any change that waited for it. */
  text(meta: AppMeta, content: TextContent): Surfaced[] {
    if (this.bySeq.has(meta.seq)) return [];
    const entry = textEntry(meta, content.text, "decrypted", content.id);
    if (content.replyTo !== undefined) {
      entry.replyTo = { contentId: content.replyTo, seq: this.seqOfId.get(content.replyTo) ?? null };
    }
    this.bySeq.set(meta.seq, entry);
    // A content id is the sender's to choose: the first message to claim one keeps it.
    if (!this.seqOfId.has(content.id)) this.seqOfId.set(content.id, meta.seq);
    const out: Surfaced[] = [entry];
    const waiting = this.pending.get(content.id) ?? [];
    this.pending.delete(content.id);
    this.pendingCount -= waiting.length;
    for (const w of waiting) out.push(...this.apply(w.meta, w.change, entry));
    return out;
  }

  /** An edit or delete: applied to its target if read, kept until it is otherwise. */
  change(meta: AppMeta, change: Change): Surfaced[] {
    if (this.changes.has(meta.seq)) return [];
    this.changes.add(meta.seq);
    const targetSeq = this.seqOfId.get(change.target);
    const target = targetSeq === undefined ? undefined : this.bySeq.get(targetSeq);
    if (target) return this.apply(meta, change, target);
    const list = this.pending.get(change.target) ?? [];
    list.push({ meta, change });
    this.pending.set(change.target, list);
    if (++this.pendingCount > PENDING_MAX) this.dropOldestPending();
    return [];
  }

  private apply(meta: AppMeta, change: Change, target: E2eTextEntry): Surfaced[] {
    // MLS authenticated the change's sender (the reader checked its leaf's user against senderId).
    if (meta.senderId !== target.senderId) {
      this.ignored();
      return [];
    }
    if (target.deletedTs !== null) return []; // nothing left to change
    const base = { id: meta.id, conversationId: meta.conversationId, seq: meta.seq, ts: meta.ts };
    const targetSeq = target.seq;
    if (change.type === "edit") {
      this.bySeq.set(targetSeq, { ...target, text: change.text, editedTs: meta.ts });
      return [{ kind: "edit", ...base, senderId: meta.senderId, targetSeq, text: change.text }];
    }
    this.bySeq.set(targetSeq, { ...target, text: "", deletedTs: meta.ts });
    return [{ kind: "delete", ...base, senderId: meta.senderId, targetSeq }];
  }

  private dropOldestPending(): void {
    const [first] = this.pending;
    if (!first) return;
    const [id, list] = first;
    list.shift();
    this.pendingCount--;
    if (list.length === 0) this.pending.delete(id);
  }
}

export function textEntry(meta: AppMeta, text: string, e2e: E2eStatus, contentId: string | null): E2eTextEntry {
  const { id, conversationId, seq, ts, senderId, clientMsgId } = meta;
  return {
    kind: "text",
    id,
    conversationId,
    seq,
    ts,
    senderId,
    clientMsgId,
    text,
    editedTs: null,
    deletedTs: null,
    e2e,
    contentId,
  };
}
