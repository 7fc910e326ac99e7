/**
 * Where a device keeps its search index (docs/SEARCH.md): one snapshot per user, replaced whole
 * on every save (the index's own JSON form plus what was indexed from where, `LocalSearch`).
 * Plaintext at rest, like the read records beside it: signing out deletes it (`clear`).
 *
 * Implementations: memory (tests, bots), a file in the Node state directory
 * (`FileSearchIndexStore`, node.ts), IndexedDB in browsers (`IdbSearchIndexStore`, browser.ts).
 */
export interface SearchIndexStore {
  /** The snapshot saved last, unchecked (the caller checks it and rebuilds when it is not one). */
  load(userId: number): Promise<unknown>;
  save(userId: number, snapshot: unknown): Promise<void>;
  clear(userId: number): Promise<void>;
  /**
   * Writes land in the order they were started, even while an earlier one is still being written
   * (IndexedDB runs a store's readwrite transactions in the order they were created). LocalSearch
   * then starts each save at once instead of after the one before, so the save a page makes as it
   * goes is never left waiting behind one still in flight, and lost with the page.
   */
  readonly ordersWrites?: boolean;
}

export class MemorySearchIndexStore implements SearchIndexStore {
  private readonly held = new Map<number, unknown>();

  async load(userId: number) {
    return structuredClone(this.held.get(userId));
  }
  async save(userId: number, snapshot: unknown) {
    this.held.set(userId, structuredClone(snapshot));
  }
  async clear(userId: number) {
    this.held.delete(userId);
  }
}

export function checkedUserId(userId: number): number {
  if (!Number.isSafeInteger(userId) || userId <= 0) throw new RangeError(`not a user id: ${userId}`);
  return userId;
}
