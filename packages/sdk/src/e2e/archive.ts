/**
 * The user's history archive on the server (docs/E2E.md section 12): every content this device
 * reads (or sends) is sealed under the user's backup key and stored at its (conversation, seq)
 * with chat.backup.put; what this device cannot decrypt with MLS (sent before it joined, or lost
 * to a failure) is looked up there and read as if decrypted. Without the backup key (the device
 * is not approved yet) nothing is written and nothing is found.
 *
 * An archived plaintext is the sender's user id (4 bytes, big-endian) and the content as MLS
 * carries it (encodeContent: padded to a bucket, so the server sees sizes only to the bucket).
 * The sender is checked against the log entry's: the server cannot move a content to another
 * sender, and the seal's associated data binds it to the user, conversation and seq.
 */
import { decodeContent, encodeContent, type Content } from "@sealroom/e2e";
import { BACKUP_LIMITS, type ArchiveEntry } from "@sealroom/proto/backup";
import { AppError } from "@sealroom/proto/errors";
import type { SealroomClient } from "../client.js";
import { openEntry, sealEntry } from "../backup/crypto.js";
import type { AppMeta } from "./contents.js";

/** The backup keys this device holds (HistoryBackup). */
export interface ArchiveKeys {
  currentKey(): { version: number; key: Uint8Array } | undefined;
  keyFor(version: number): Uint8Array | undefined;
}

type Client = Pick<SealroomClient, "request">;

/** Seqs fetched around one that is looked up (a history page is 50 entries; a range is 500 at most). */
const FETCH_BEFORE = 249;
const FETCH_AFTER = 250;
/** Sealed characters per put: a put stays well inside the 64 KiB command limit. */
const PUT_CHARS_MAX = 48 * 1024;
/** Entries waiting to be stored; beyond it the oldest are not archived (counted). */
const QUEUE_MAX = 5000;
/** Quiet time before a put, so a burst of reads goes in one. */
const FLUSH_DELAY_MS = 300;
const RETRY_DELAY_MS = 5000;

interface Pending {
  conversationId: string;
  seq: number;
  sealed: Promise<ArchiveEntry | undefined>;
}

export class HistoryArchive {
  /** Per conversation: seqs stored, queued, or found in the archive (not written again). */
  private readonly known = new Map<string, Set<number>>();
  /** Per conversation: archived entries fetched, by seq, and the seq ranges already fetched. */
  private readonly fetched = new Map<string, { entries: Map<number, ArchiveEntry>; ranges: Array<[number, number]> }>();
  private readonly inflight = new Map<string, Promise<void>>();
  private queue: Pending[] = [];
  /** Per conversation: seqs whose archived content is to be deleted (deleted for everyone). */
  private deletions = new Map<string, Set<number>>();
  /** What is sealed in a deleted content's place once it is gone (`forget`), by conversation and seq. */
  private readonly standIns = new Map<string, { target: AppMeta; deletion: Content }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing = false;

  /** Contents not archived: the queue was full, or the server refused them. */
  dropped = 0;
  /** Contents read from the archive. */
  restored = 0;

  constructor(
    private readonly client: Client,
    private readonly keys: ArchiveKeys,
    private readonly userId: () => number | undefined,
  ) {}

  /** Whether this device holds the user's backup key (else nothing is written or found). */
  holdsKey(): boolean {
    return this.userId() !== undefined && this.keys.currentKey() !== undefined;
  }

  /** Forgets what it held (a sign-in or sign-out); unsent entries go with it. */
  clear(): void {
    this.known.clear();
    this.fetched.clear();
    this.queue = [];
    this.deletions.clear();
    this.standIns.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A content this device read or sent: archived once, unless the archive gave it. */
  record(meta: AppMeta, content: Content): void {
    const known = this.knownOf(meta.conversationId);
    if (known.has(meta.seq) || !this.holdsKey()) return;
    known.add(meta.seq);
    this.enqueue(meta, content);
  }

  private enqueue(meta: AppMeta, content: Content): void {
    const userId = this.userId();
    const current = this.keys.currentKey();
    if (userId === undefined || !current) return;
    if (this.queue.length >= QUEUE_MAX) {
      this.dropped++;
      return;
    }
    const ctx = { userId, conversationId: meta.conversationId, seq: meta.seq, keyVersion: current.version };
    const sealed = sealEntry(current.key, ctx, plaintextOf(meta.senderId, content)).then(
      (s): ArchiveEntry => ({ seq: meta.seq, keyVersion: current.version, sealed: s }),
      () => undefined,
    );
    this.queue.push({ conversationId: meta.conversationId, seq: meta.seq, sealed });
    this.schedule(FLUSH_DELAY_MS);
  }

  /**
   * The message at `target.seq` was deleted for everyone: its content leaves the user's archive
   * (whichever device stored it; not stored at all if still queued here), and the deletion itself
   * is sealed in its place, so a new device shows nothing there and a device of the user that
   * reads the message late cannot store it again (an entry stays once stored). The delete needs
   * no key; the stand-in only goes with one.
   */
  forget(target: AppMeta, deletion: Content): void {
    const { conversationId, seq } = target;
    if (this.userId() === undefined) return;
    this.knownOf(conversationId).add(seq);
    this.queue = this.queue.filter((p) => p.conversationId !== conversationId || p.seq !== seq);
    this.fetched.get(conversationId)?.entries.delete(seq);
    let seqs = this.deletions.get(conversationId);
    if (!seqs) this.deletions.set(conversationId, (seqs = new Set()));
    seqs.add(seq);
    this.standIns.set(`${conversationId}:${seq}`, { target, deletion });
    this.schedule(FLUSH_DELAY_MS);
  }

  /**
   * The content archived for this log entry, if this device holds its key and it opens for this
   * user, conversation, seq and sender; undefined otherwise (also when the archive did not answer:
   * asked again next time).
   */
  async content(meta: AppMeta): Promise<Content | undefined> {
    const userId = this.userId();
    if (userId === undefined || !this.keys.currentKey()) return undefined;
    const entry = await this.lookup(meta.conversationId, meta.seq).catch(() => undefined);
    const key = entry && this.keys.keyFor(entry.keyVersion);
    if (!entry || !key) return undefined;
    const ctx = { userId, conversationId: meta.conversationId, seq: meta.seq, keyVersion: entry.keyVersion };
    const plain = await openEntry(key, ctx, entry.sealed).catch(() => undefined);
    const content = plain && contentOf(plain, meta.senderId);
    if (content) {
      this.knownOf(meta.conversationId).add(meta.seq);
      this.restored++;
    }
    return content;
  }

  private async lookup(conversationId: string, seq: number): Promise<ArchiveEntry | undefined> {
    let held = this.fetched.get(conversationId);
    if (!held) this.fetched.set(conversationId, (held = { entries: new Map(), ranges: [] }));
    const covered = () => held.ranges.some(([from, to]) => seq >= from && seq <= to);
    while (!covered()) {
      const key = `${conversationId}:${Math.floor(seq / (FETCH_BEFORE + FETCH_AFTER + 1))}`;
      let fetching = this.inflight.get(key);
      if (!fetching) {
        fetching = this.fetchRange(conversationId, seq, held).finally(() => this.inflight.delete(key));
        this.inflight.set(key, fetching);
      }
      await fetching;
    }
    return held.entries.get(seq);
  }

  private async fetchRange(
    conversationId: string,
    seq: number,
    held: { entries: Map<number, ArchiveEntry>; ranges: Array<[number, number]> },
  ): Promise<void> {
    const fromSeq = Math.max(1, seq - FETCH_BEFORE);
    const toSeq = seq + FETCH_AFTER;
    const { entries } = await this.client.request("chat.backup.get", { conversationId, fromSeq, toSeq });
    for (const entry of entries) held.entries.set(entry.seq, entry);
    held.ranges.push([fromSeq, toSeq]);
  }

  private knownOf(conversationId: string): Set<number> {
    let known = this.known.get(conversationId);
    if (!known) this.known.set(conversationId, (known = new Set()));
    return known;
  }

  private schedule(ms: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  /**
   * Puts what is queued, one conversation's batch at a time, then deletes what was deleted for
   * everyone (after the puts: a delete is read after its message, so it never precedes that
   * message's put). A batch that fails waits and goes again.
   */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const conversationId = this.queue[0]!.conversationId;
        const batch = await this.takeBatch(conversationId);
        if (batch.length === 0) continue;
        const ok = await this.put(conversationId, batch);
        if (!ok) return this.schedule(RETRY_DELAY_MS);
      }
      for (const [conversationId, seqs] of this.deletions) {
        const batch = [...seqs].slice(0, BACKUP_LIMITS.putMax);
        if (!(await this.delete(conversationId, batch))) return this.schedule(RETRY_DELAY_MS);
        for (const seq of batch) {
          seqs.delete(seq);
          const standIn = this.standIns.get(`${conversationId}:${seq}`);
          this.standIns.delete(`${conversationId}:${seq}`);
          if (standIn) this.enqueue(standIn.target, standIn.deletion);
        }
        if (seqs.size === 0) this.deletions.delete(conversationId);
        if (this.queue.length > 0 || this.deletions.size > 0) return this.schedule(0);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** False when it should be tried again later; a refusal that will not change is given up. */
  private async delete(conversationId: string, seqs: number[]): Promise<boolean> {
    try {
      await this.client.request("chat.backup.delete", { conversationId, seqs });
      return true;
    } catch (err) {
      return err instanceof AppError && !err.retryable;
    }
  }

  /** Up to putMax sealed entries of one conversation, within PUT_CHARS_MAX, taken off the queue. */
  private async takeBatch(conversationId: string): Promise<ArchiveEntry[]> {
    const batch: ArchiveEntry[] = [];
    let chars = 0;
    const rest: Pending[] = [];
    for (const pending of this.queue) {
      if (pending.conversationId !== conversationId || batch.length >= BACKUP_LIMITS.putMax) {
        rest.push(pending);
        continue;
      }
      const entry = await pending.sealed;
      if (!entry) {
        this.dropped++;
        continue;
      }
      if (batch.length > 0 && chars + entry.sealed.length > PUT_CHARS_MAX) {
        rest.push(pending);
        continue;
      }
      batch.push(entry);
      chars += entry.sealed.length;
    }
    this.queue = rest;
    return batch;
  }

  /** False when it should be tried again later (the entries go back on the queue). */
  private async put(conversationId: string, entries: ArchiveEntry[]): Promise<boolean> {
    try {
      await this.client.request("chat.backup.put", { conversationId, entries });
      return true;
    } catch (err) {
      if (err instanceof AppError && !err.retryable) {
        // A seq the server does not take (the message was deleted, or the user left): not archived.
        this.dropped += entries.length;
        return true;
      }
      const back = entries.map((entry) => ({ conversationId, seq: entry.seq, sealed: Promise.resolve(entry) }));
      this.queue = [...back, ...this.queue];
      return false;
    }
  }
}

function plaintextOf(senderId: number, content: Content): Uint8Array {
  const body = encodeContent(content);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, senderId);
  out.set(body, 4);
  return out;
}

/** The archived content, when it is one and its sender is the log entry's. */
function contentOf(plain: Uint8Array, senderId: number): Content | undefined {
  if (plain.length < 4) return undefined;
  if (new DataView(plain.buffer, plain.byteOffset, plain.byteLength).getUint32(0) !== senderId) return undefined;
  try {
    const decoded = decodeContent(plain.subarray(4));
    return decoded.kind === "content" ? decoded.content : undefined;
  } catch {
    return undefined;
  }
}
