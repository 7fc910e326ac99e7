/**
 * One conversation's log as the SDK holds it: a contiguous window of entries (base, head], fed by
 * live events, sync pages and acks in any order and any number of times, released to the
 * application strictly in seq order, each seq once. Entries beyond head+1 wait in a buffer until
 * the gap is filled (the store fetches the gap with chat.sync). Edits and deletions are applied to
 * the message they target when it is in the window.
 */
import type { DeleteEntry, EditEntry, Entry, SystemEntry, TextEntry } from "@sealroom/proto/chat";

/** Changes of messages before the window remembered at most (see beforeWindow). */
const BEFORE_WINDOW_MAX = 256;

/** What a UI shows: messages and system entries, with edits and deletions applied. */
export type TimelineEntry = TextEntry | SystemEntry;

export class ConversationLog {
  /** Entries with seq <= base are not held (older history, not loaded). */
  base: number;
  /** The last seq released: every entry in (base, head] has been applied. */
  head: number;
  /** The visible entries of the window, ascending. */
  readonly timeline: TimelineEntry[] = [];
  private readonly buffer = new Map<number, Entry>();
  /**
   * Edits and deletions of messages before the window, by target: a history page asked for before
   * one of them can be read before it too and bring the message as it was. Applied at prepend.
   */
  private readonly beforeWindow = new Map<number, EditEntry | DeleteEntry>();

  /**
   * False for a window made before anything said where the conversation is (ChatStore.ensure: a
   * call such as loadReceipts or markRead answered before the conversation list, or the engine
   * showing a message first): the list's summary or a first page places it (`place`), as it
   * would a window it makes itself. Otherwise a window at 0 would be synced from the first entry:
   * the whole history replayed, an encrypted one shown in full before the reader scrolls up.
   */
  placed: boolean;

  constructor(head: number, placed = true) {
    this.base = head;
    this.head = head;
    this.placed = placed;
  }

  /** The lowest seq missing after head, if entries wait beyond it. */
  get gap(): boolean {
    return this.buffer.size > 0;
  }

  /**
   * Takes an entry from anywhere; returns the entries released by it, in order (possibly none:
   * a duplicate, or one waiting for a gap to fill).
   */
  receive(entry: Entry): Entry[] {
    if (entry.seq <= this.head || this.buffer.has(entry.seq)) return [];
    this.buffer.set(entry.seq, entry);
    const released: Entry[] = [];
    for (let next = this.buffer.get(this.head + 1); next; next = this.buffer.get(this.head + 1)) {
      this.buffer.delete(next.seq);
      this.head = next.seq;
      this.apply(next);
      released.push(next);
    }
    // Released from the start: a conversation that is new, its window is from its first entry.
    if (released.length > 0) this.placed = true;
    return released;
  }

  /**
   * Drops buffered entries and holds `entries` (ascending, up to `head`) as the window. Its base is
   * below the first entry of any kind: a page of an encrypted conversation is MLS entries, which
   * the e2e engine shows once it has read them, and they belong to the window as much as text does.
   */
  reset(head: number, entries: readonly Entry[]): void {
    this.buffer.clear();
    this.base = entries.length > 0 ? entries[0]!.seq - 1 : head;
    this.head = head;
    const shown = entries.filter((e): e is TimelineEntry => e.kind === "text" || e.kind === "system");
    this.timeline.splice(0, this.timeline.length, ...shown);
    this.placed = true;
  }

  /**
   * Places a window that was not (see `placed`) as `reset` does; returns the entries that waited
   * in it, to be received again (those after `head` are still to come).
   */
  place(head: number, entries: readonly Entry[]): Entry[] {
    const waiting = [...this.buffer.values()];
    this.reset(head, entries);
    return waiting;
  }

  /**
   * A message read outside the log (the e2e engine's decryption) into the timeline by seq. Not one
   * before the window (false): the engine reads the log from its own position, which after a
   * restart or a reload can be far behind the page held, and a message from there would show
   * amid the newest ones, and count as new; the page that brings it shows it (prepend, then the
   * engine shows what it read). Nor one already held (false).
   */
  insert(entry: TimelineEntry): boolean {
    if (entry.seq <= this.base) return false;
    let at = this.timeline.length;
    while (at > 0 && this.timeline[at - 1]!.seq > entry.seq) at--;
    if (this.timeline[at - 1]?.seq === entry.seq) return false;
    this.timeline.splice(at, 0, entry);
    return true;
  }

  /**
   * Moves an empty window forward to `seq` (nothing before it is readable). Returns the entries
   * that waited after it, to be received again, as `place` does: left in the buffer, the one at
   * `seq + 1` would never be released (receive drops what the buffer holds as a duplicate).
   */
  skipTo(seq: number): Entry[] {
    if (seq <= this.head) return [];
    this.base = seq;
    this.head = seq;
    const waiting = [...this.buffer.values()].filter((e) => e.seq > seq);
    this.buffer.clear();
    return waiting;
  }

  /**
   * Older entries from history (ascending, all before the window). Edits inside are already applied.
   * Entries already held (an encrypted message the e2e engine showed before) are kept, in seq order.
   */
  prepend(entries: Entry[], newBase: number): void {
    const held = new Set(this.timeline.map((e) => e.seq));
    const older = entries
      .filter(
        (e): e is TimelineEntry => e.seq <= this.base && !held.has(e.seq) && (e.kind === "text" || e.kind === "system"),
      )
      .map((e) => this.caughtUp(e));
    this.timeline.unshift(...older);
    const firstHeld = this.timeline[older.length];
    const lastOlder = older[older.length - 1];
    if (firstHeld && lastOlder && firstHeld.seq < lastOlder.seq) this.timeline.sort((a, b) => a.seq - b.seq);
    this.base = Math.min(this.base, newBase);
  }

  /** An edit or deletion from outside the log (a decrypted one): applied to its target wherever it is. */
  change(entry: EditEntry | DeleteEntry): void {
    this.apply(entry);
  }

  find(seq: number): TextEntry | undefined {
    // Recent messages are the ones edited: search from the end.
    for (let i = this.timeline.length - 1; i >= 0; i--) {
      const e = this.timeline[i]!;
      if (e.seq === seq) return e.kind === "text" ? e : undefined;
      if (e.seq < seq) return undefined;
    }
    return undefined;
  }

  private apply(entry: Entry): void {
    switch (entry.kind) {
      case "text":
      case "system":
        this.timeline.push(entry);
        return;
      case "edit":
      case "delete":
        if (entry.targetSeq <= this.base) this.rememberBeforeWindow(entry);
        this.replace(entry.targetSeq, (t) => changed(t, entry));
        return;
      case "hidden":
        // A change of a message before the user's visibility start: it only fills its seq.
        return;
      case "mls.app":
      case "mls.commit":
      case "mls.proposal":
        // End-to-end encrypted: the entry only fills its seq here. With the store's e2e option the
        // engine (packages/sdk/src/e2e) reads it and puts the decrypted text into the timeline;
        // without it, released entries reach the application's listeners as they are.
        return;
    }
  }

  private rememberBeforeWindow(entry: EditEntry | DeleteEntry): void {
    const held = this.beforeWindow.get(entry.targetSeq);
    if (held && (held.kind === "delete" || held.seq > entry.seq)) return;
    this.beforeWindow.delete(entry.targetSeq);
    this.beforeWindow.set(entry.targetSeq, entry);
    // Edits of old messages are rare; past the bound the oldest is forgotten (shown as its page has it).
    if (this.beforeWindow.size > BEFORE_WINDOW_MAX) {
      for (const oldest of this.beforeWindow.keys()) {
        this.beforeWindow.delete(oldest);
        break;
      }
    }
  }

  /** A message from a history page with the change remembered for it, unless the page has it already. */
  private caughtUp(e: TimelineEntry): TimelineEntry {
    const change = this.beforeWindow.get(e.seq);
    if (!change) return e;
    this.beforeWindow.delete(e.seq);
    if (e.kind !== "text" || e.deletedTs !== null) return e;
    if (change.kind === "edit" && e.editedTs !== null && e.editedTs >= change.ts) return e;
    return changed(e, change);
  }

  private replace(seq: number, change: (t: TextEntry) => TextEntry): void {
    for (let i = this.timeline.length - 1; i >= 0; i--) {
      const e = this.timeline[i]!;
      if (e.seq < seq) return;
      if (e.seq === seq && e.kind === "text") {
        // A new object, so a UI memoized on the old one re-renders.
        this.timeline[i] = change(e);
        return;
      }
    }
  }
}

/** A message after an edit or deletion (a new object, so a UI memoized on the old one re-renders). */
function changed(t: TextEntry, entry: EditEntry | DeleteEntry): TextEntry {
  if (entry.kind === "edit") return { ...t, text: entry.text, editedTs: entry.ts };
  // A deleted file goes with its message (an encrypted entry's `attachment`, key included).
  const { attachment: _gone, ...kept } = t as typeof t & { attachment?: unknown };
  return { ...kept, text: "", deletedTs: entry.ts };
}
