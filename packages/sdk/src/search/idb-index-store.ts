/**
 * The browser's search index in IndexedDB: database `sealroom-search` (its own, so the end-to-end
 * state's database needs no upgrade), object store `index`, key the user id, value the snapshot as
 * a structured-clone object (no JSON string: IndexedDB stores the index's plain object as it is).
 * Relaxed durability: what a lost last save held is indexed again as its messages are loaded again
 * (docs/SEARCH.md). Every write is committed at once (`commit()`): the save a page makes as it
 * unloads (a reload, a closed tab) must land.
 */
import { checkedUserId, type SearchIndexStore } from "./index-store.js";

const DB_NAME = "sealroom-search";
const STORE = "index";

export class IdbSearchIndexStore implements SearchIndexStore {
  /** Each write creates its transaction in the order it was called: `open()` is one shared promise. */
  readonly ordersWrites = true;
  private db: Promise<IDBDatabase> | undefined;

  constructor(private readonly factory: IDBFactory = globalThis.indexedDB) {}

  async load(userId: number): Promise<unknown> {
    const db = await this.open();
    return request(db.transaction(STORE, "readonly").objectStore(STORE).get(checkedUserId(userId)));
  }
  async save(userId: number, snapshot: unknown): Promise<void> {
    const key = checkedUserId(userId);
    await this.write((s) => s.put(snapshot, key));
  }
  async clear(userId: number): Promise<void> {
    const key = checkedUserId(userId);
    await this.write((s) => s.delete(key));
  }

  private async write(op: (store: IDBObjectStore) => void): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(STORE, "readwrite", { durability: "relaxed" });
    op(tx.objectStore(STORE));
    // Committed now, not when the page's tasks run dry: a save from a page being hidden by a reload
    // or a closed tab (LocalSearch.flush) is otherwise aborted with the page, measured in Chromium.
    tx.commit();
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error("IndexedDB write failed"));
      tx.onabort = () => reject(tx.error ?? new Error("IndexedDB write aborted"));
    });
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = this.factory.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => {
        req.result.onversionchange = () => {
          req.result.close();
          this.db = undefined;
        };
        resolve(req.result);
      };
      req.onerror = () => reject(req.error ?? new Error("IndexedDB unavailable"));
      req.onblocked = () => reject(new Error("IndexedDB is being upgraded by another tab"));
    });
    this.db.catch(() => (this.db = undefined));
    return this.db;
  }
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB read failed"));
  });
}
