/**
 * What the engine has read of one conversation's encrypted messages (docs/E2E.md section 5): each
 * message shown, by seq, with edits and deletes applied; content id to seq, so changes and replies
 * find their target; and changes whose target has not been read yet, applied when it is. Enough to
 * show a message again after the chat store forgot it (a reconnect) or pages back to it
 * (loadOlder). What changes is handed out as read records (`takeChanged`) for the state store, and
 * `restore` takes them back after a restart (docs/E2E.md section 6): MLS keeps no key of a message
 * once read, so what the device does not keep of it is gone.
 */
import type { Content } from "@sealroom/e2e";
import { textEntrySchema, type DeleteEntry, type EditEntry, type TextEntry } from "@sealroom/proto/chat";
import type { MlsEntry } from "@sealroom/proto/chat-mls";
import { z } from "zod";

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
  /** The users the text mentions (ids, from inside the encryption); absent when none. */
  mentions?: number[];
  /** Emoji reactions, in the order each emoji was first used; absent when there are none. */
  reactions?: Reaction[];
  /** A file (an `attachment` content): `text` is its caption. Absent on text messages. */
  attachment?: Attachment;
  /** The sender marked it as forwarded (content v2); absent otherwise, and once deleted. */
  forwarded?: true;
};

/** An attachment as the timeline shows it: what downloadAttachment needs, and how to present it. */
export interface Attachment {
  blobId: string;
  name: string;
  mime: string;
  /** Plaintext bytes. */
  size: number;
  /** The file's key (base64url): it never leaves the device unencrypted. */
  key: string;
  /** SHA-256 of the ciphertext (base64url). */
  sha256: string;
  /** Plaintext bytes sealed (the file, then zero padding); absent: `size`. */
  paddedSize?: number;
  /** A small preview the sender's device made, checked on receipt (@sealroom/e2e thumbnail.ts). */
  thumb?: AttachmentThumb;
}

/** An attachment's thumbnail: a JPEG or WebP of at most 320 px a side, base64url. */
export interface AttachmentThumb {
  mime: "image/jpeg" | "image/webp";
  width: number;
  height: number;
  data: string;
}

/** One emoji on a message and who reacted with it, in the order they did. */
export interface Reaction {
  emoji: string;
  userIds: number[];
}

/** Distinct emoji kept per message: reactions with a new emoji beyond this are ignored. */
export const REACTIONS_MAX = 20;

/** The reactions of a message after `userId` added (or, with `remove`, took back) `emoji`. */
export function withReaction(
  reactions: readonly Reaction[],
  userId: number,
  emoji: string,
  remove: boolean,
): Reaction[] {
  const out = reactions.map((r) => ({ emoji: r.emoji, userIds: [...r.userIds] }));
  const at = out.findIndex((r) => r.emoji === emoji);
  if (remove) {
    if (at < 0) return out;
    out[at]!.userIds = out[at]!.userIds.filter((id) => id !== userId);
    return out.filter((r) => r.userIds.length > 0);
  }
  if (at >= 0) {
    if (!out[at]!.userIds.includes(userId)) out[at]!.userIds.push(userId);
    return out;
  }
  if (out.length >= REACTIONS_MAX) return out;
  return [...out, { emoji, userIds: [userId] }];
}

/** A timeline message the engine made (it carries how it was read). */
export function isE2eText(entry: TextEntry): entry is E2eTextEntry {
  return "e2e" in entry && "contentId" in entry;
}

const e2eTextEntrySchema = textEntrySchema.extend({
  e2e: z.enum(["decrypted", "undecryptable", "unavailable"]),
  contentId: z.string().nullable(),
  replyTo: z.object({ contentId: z.string(), seq: z.number().int().positive().nullable() }).optional(),
  mentions: z.array(z.number().int().positive()).max(50).optional(),
  reactions: z
    .array(z.object({ emoji: z.string().min(1).max(32), userIds: z.array(z.number().int().positive()).min(1) }))
    .max(REACTIONS_MAX)
    .optional(),
  attachment: z
    .object({
      blobId: z.string().min(1).max(128),
      name: z.string().min(1).max(255),
      mime: z.string().min(1).max(127),
      size: z.number().int().nonnegative(),
      key: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
      sha256: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
      paddedSize: z.number().int().nonnegative().optional(),
      // Bounds of @sealroom/e2e's thumbnailSchema, restated: that module is loaded only with the engine.
      thumb: z
        .object({
          mime: z.enum(["image/jpeg", "image/webp"]),
          width: z.number().int().min(1).max(320),
          height: z.number().int().min(1).max(320),
          data: z
            .string()
            .max(16384)
            .regex(/^[A-Za-z0-9_-]+$/),
        })
        .optional(),
    })
    .optional(),
  // Records from before the mark have none: they read as not forwarded.
  forwarded: z.literal(true).optional(),
});

/**
 * One seq of the log as this device read it, for the state store: a message as shown now (edits
 * and deletes applied), or an edit or delete message already handled (not shown by itself).
 * Checked when loaded: a store is data from disk.
 */
export const readRecordSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("message"), entry: e2eTextEntrySchema }),
  z.object({ kind: z.literal("change"), seq: z.number().int().positive() }),
]);
export type ReadRecord = z.infer<typeof readRecordSchema>;

/**
 * The read records of a conversation among what a store loaded: one that is not a record of this
 * version, or of another conversation, is left out (what it held shows as unavailable).
 */
export function checkedReads(raw: readonly unknown[], conversationId: string): ReadRecord[] {
  const out: ReadRecord[] = [];
  for (const r of raw) {
    const parsed = readRecordSchema.safeParse(r);
    if (!parsed.success) continue;
    if (parsed.data.kind === "message" && parsed.data.entry.conversationId !== conversationId) continue;
    out.push(parsed.data);
  }
  return out;
}

/** The seq a read record is about (records of one seq replace each other). */
export const readRecordSeq = (r: ReadRecord): number => (r.kind === "message" ? r.entry.seq : r.seq);

/** A message's reactions changed: the timeline shows `reactions` on the message at `targetSeq`. */
export interface ReactionsEntry {
  kind: "reactions";
  conversationId: string;
  /** The reaction message's own seq, ts and sender. */
  seq: number;
  ts: number;
  senderId: number;
  targetSeq: number;
  reactions: Reaction[];
}

/**
 * A change (edit, delete, reaction) read at a seq that showed as an unreadable message, whose
 * target is not read (yet): no message is there, so the placeholder leaves the timeline.
 */
export interface GoneEntry {
  kind: "gone";
  conversationId: string;
  seq: number;
}

/** What the timeline should show after a message was read: the message, then changes it released. */
export type Surfaced = E2eTextEntry | EditEntry | DeleteEntry | ReactionsEntry | GoneEntry;

type Change = Extract<Content, { type: "edit" | "delete" | "reaction" }>;
type TextContent = Extract<Content, { type: "text" }>;
type AttachmentContent = Extract<Content, { type: "attachment" }>;

/** The history archive as contents see it (archive.ts). */
export interface ContentArchive {
  /** A content read (or sent) at `meta.seq`: archived once. */
  record(meta: AppMeta, content: Content): void;
  /**
   * The message at `target.seq` was deleted for everyone by `deletion`: its archived content goes,
   * and the deletion stands in its place.
   */
  forget(target: AppMeta, deletion: Content): void;
}

/** Changes kept for a target not read yet, per conversation; the oldest go first beyond this. */
const PENDING_MAX = 500;

export class ConversationContents {
  private readonly bySeq = new Map<number, E2eTextEntry>();
  private readonly seqOfId = new Map<string, number>();
  private readonly pending = new Map<string, Array<{ meta: AppMeta; change: Change }>>();
  private pendingCount = 0;
  /** Seqs of the change messages handled (applied, ignored or kept): each is handled once. */
  private readonly changes = new Set<number>();
  /** Seqs whose record changed since the last `takeChanged`. */
  private readonly changed = new Set<number>();

  /**
   * `ignored` is told of every change refused because its sender is not its target's; `archive` of
   * every content read, and of every message deleted for everyone (the history archive).
   */
  constructor(
    private readonly ignored: () => void,
    private readonly archive?: ContentArchive,
  ) {}

  /** The application messages shown as not readable here (the archive may have them). */
  unreadableEntries(): E2eTextEntry[] {
    return [...this.bySeq.values()].filter((e) => e.e2e !== "decrypted" && !this.changes.has(e.seq));
  }

  /** The message at `seq`, as shown now, if it was read. */
  entry(seq: number): E2eTextEntry | undefined {
    return this.bySeq.get(seq);
  }

  /**
   * Whether the application message at `seq` was read already: a message decrypted, or a change
   * handled (not one shown as unreadable: reading it again may do better).
   */
  isRead(seq: number): boolean {
    return this.bySeq.get(seq)?.e2e === "decrypted" || this.changes.has(seq);
  }

  /** The read records changed since the last call, for the state store. */
  takeChanged(): ReadRecord[] {
    const out: ReadRecord[] = [];
    for (const seq of this.changed) {
      const entry = this.bySeq.get(seq);
      out.push(entry ? { kind: "message", entry } : { kind: "change", seq });
    }
    this.changed.clear();
    return out;
  }

  /** Records `takeChanged` handed out that could not be saved: handed out again next time. */
  changedAgain(records: readonly ReadRecord[]): void {
    for (const r of records) this.changed.add(readRecordSeq(r));
  }

  /**
   * Takes back what an earlier life of the device read (the state store's records). What this life
   * read already stays (it is newer); a content id keeps its first seq.
   */
  restore(records: readonly ReadRecord[]): void {
    for (const record of records) {
      if (record.kind === "change") {
        this.changes.add(record.seq);
        continue;
      }
      const { entry } = record;
      if (this.isRead(entry.seq) || (entry.e2e !== "decrypted" && this.bySeq.has(entry.seq))) continue;
      this.bySeq.set(entry.seq, entry);
      const id = entry.contentId;
      if (id === null) continue;
      const claimed = this.seqOfId.get(id);
      if (claimed === undefined || claimed > entry.seq) this.seqOfId.set(id, entry.seq);
    }
  }

  /** A decrypted content (or this device's own): what it shows or changes. */
  read(meta: AppMeta, content: Content): Surfaced[] {
    this.archive?.record(meta, content);
    switch (content.type) {
      case "text":
        return this.text(meta, content);
      case "attachment":
        return this.text(meta, content);
      case "edit":
      case "delete":
      case "reaction":
        return this.change(meta, content);
    }
  }

  /** A message that could not be read (or of a type not shown): shown as such, once. */
  unreadable(meta: AppMeta, e2e: Exclude<E2eStatus, "decrypted">): Surfaced[] {
    if (this.bySeq.has(meta.seq) || this.changes.has(meta.seq)) return [];
    const entry = textEntry(meta, "", e2e, null);
    this.show(entry);
    return [entry];
  }

  /** A decrypted text (or attachment, its caption as text), then any change that waited for it. */
  text(meta: AppMeta, content: TextContent | AttachmentContent): Surfaced[] {
    if (this.isRead(meta.seq)) return [];
    const entry =
      content.type === "text" ? textEntry(meta, content.text, "decrypted", content.id) : attachmentEntry(meta, content);
    if (content.replyTo !== undefined) {
      entry.replyTo = { contentId: content.replyTo, seq: this.seqOfId.get(content.replyTo) ?? null };
    }
    if (content.type === "text" && content.mentions !== undefined) entry.mentions = [...content.mentions];
    if (content.forwarded) entry.forwarded = true;
    this.show(entry);
    // A content id is the sender's to choose: the first message to claim one keeps it.
    if (!this.seqOfId.has(content.id)) this.seqOfId.set(content.id, meta.seq);
    const out: Surfaced[] = [entry];
    const waiting = this.pending.get(content.id) ?? [];
    this.pending.delete(content.id);
    this.pendingCount -= waiting.length;
    for (const w of waiting) out.push(...this.apply(w.meta, w.change, entry));
    return out;
  }

  /** An edit, delete or reaction: applied to its target if read, kept until it is otherwise. */
  change(meta: AppMeta, change: Change): Surfaced[] {
    if (this.changes.has(meta.seq)) return [];
    this.changes.add(meta.seq);
    this.changed.add(meta.seq);
    // Shown as an unreadable message before it could be read (locked history, a late Welcome): it
    // is no message, and its record becomes the change's (`takeChanged` finds no entry at the seq).
    const placeholder = this.bySeq.delete(meta.seq);
    const targetSeq = this.seqOfId.get(change.target);
    const target = targetSeq === undefined ? undefined : this.bySeq.get(targetSeq);
    if (target) return this.apply(meta, change, target);
    const list = this.pending.get(change.target) ?? [];
    list.push({ meta, change });
    this.pending.set(change.target, list);
    if (++this.pendingCount > PENDING_MAX) this.dropOldestPending();
    return placeholder ? [{ kind: "gone", conversationId: meta.conversationId, seq: meta.seq }] : [];
  }

  private apply(meta: AppMeta, change: Change, target: E2eTextEntry): Surfaced[] {
    if (change.type === "reaction") return this.react(meta, change, target);
    // MLS authenticated the change's sender (the reader checked its leaf's user against senderId).
    if (meta.senderId !== target.senderId) {
      this.ignored();
      return [];
    }
    if (target.deletedTs !== null) return []; // nothing left to change
    const base = { id: meta.id, conversationId: meta.conversationId, seq: meta.seq, ts: meta.ts };
    const targetSeq = target.seq;
    if (change.type === "edit") {
      this.show({ ...target, text: change.text, editedTs: meta.ts });
      return [{ kind: "edit", senderId: meta.senderId, targetSeq, text: change.text, ...base }];
    }
    // A deleted file is gone from the timeline, its key with it, and from the user's archive.
    const { attachment: _gone, forwarded: _mark, ...kept } = target;
    this.show({ ...kept, text: "", deletedTs: meta.ts });
    this.archive?.forget({ ...meta, seq: targetSeq }, change);
    return [{ kind: "delete", senderId: meta.senderId, targetSeq, ...base }];
  }

  /** Anyone in the conversation may react to any message still there (MLS authenticated who). */
  private react(meta: AppMeta, reaction: Extract<Change, { type: "reaction" }>, target: E2eTextEntry): Surfaced[] {
    if (target.deletedTs !== null) return [];
    const reactions = withReaction(target.reactions ?? [], meta.senderId, reaction.emoji, reaction.remove ?? false);
    const { reactions: _old, ...rest } = target;
    this.show(reactions.length > 0 ? { ...rest, reactions } : rest);
    const { conversationId, seq, ts, senderId } = meta;
    return [{ kind: "reactions", conversationId, seq, ts, senderId, targetSeq: target.seq, reactions }];
  }

  private show(entry: E2eTextEntry): void {
    this.bySeq.set(entry.seq, entry);
    this.changed.add(entry.seq);
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

function attachmentEntry(meta: AppMeta, content: AttachmentContent): E2eTextEntry {
  const { blobId, name, mime, size, key, sha256, paddedSize, thumb } = content;
  return {
    ...textEntry(meta, content.caption ?? "", "decrypted", content.id),
    attachment: {
      blobId,
      name,
      mime,
      size,
      key,
      sha256,
      ...(paddedSize === undefined ? {} : { paddedSize }),
      ...(thumb === undefined ? {} : { thumb }),
    },
  };
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
