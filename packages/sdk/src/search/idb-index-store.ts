/**
 * The browser's search index in IndexedDB: database `sealroom-search` (its own, so the end-to-end
 * state's database needs no upgrade), object store `index`, key the user id, value the snapshot as
 * a structured-clone object (no JSON string: IndexedDB stores the index's plain object as it is).
 * Relaxed durability: what a lost last save held is indexed again as its messages are loaded again
 * (docs/SEARCH.md). Every write is committed at once (`commit()`): the save a page makes as it
 * unloads (a reload, a closed tab) must land.
 */
import { IdbDatabase, commit, request } from "../idb.js";
import { checkedUserId, type SearchIndexStore } from "./index-store.js";

const DB_NAME = "sealroom-search";
const STORE = "index";

export class IdbSearchIndexStore implements SearchIndexStore {
  /** Each write creates its transaction in the order it was called: `open()` is one shared promise. */
  readonly ordersWrites = true;
  private readonly db: IdbDatabase;

  constructor(factory: IDBFactory = globalThis.indexedDB) {
    this.db = new IdbDatabase(factory, DB_NAME, 1, (db) => db.createObjectStore(STORE));
  }

  async load(userId: number): Promise<unknown> {
    const db = await this.db.open();
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
    const db = await this.db.open();
    const tx = db.transaction(STORE, "readwrite", { durability: "relaxed" });
    op(tx.objectStore(STORE));
    // A save from a page being hidden (LocalSearch.flush) must land: see commit().
    await commit(tx);
  }
}
