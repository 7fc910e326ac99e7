/** IndexedDB's callbacks as promises, for the SDK's browser stores (end-to-end state, search index). */

/** One database, opened on first use and again after it was closed for another tab or failed to open. */
export class IdbDatabase {
  private db: Promise<IDBDatabase> | undefined;

  constructor(
    private readonly factory: IDBFactory,
    private readonly name: string,
    private readonly version: number,
    /** Brings a database from `oldVersion` (0: new) to `version`. */
    private readonly upgrade: (db: IDBDatabase, oldVersion: number) => void,
  ) {}

  /** One shared promise: callers that await it create their transactions in the order they called. */
  open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = this.factory.open(this.name, this.version);
      req.onupgradeneeded = (event) => this.upgrade(req.result, event.oldVersion);
      req.onsuccess = () => {
        // Another tab upgrading the database later must not be blocked by this one.
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

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB read failed"));
  });
}

/**
 * Commits `tx` now, not when the page's tasks run dry, and resolves once it is complete. Chromium
 * aborts a transaction still open when the page goes (a reload, a closed tab): a save made as the
 * page is hidden would be lost, and a device's group state left behind what it already decrypted.
 */
export function commit(tx: IDBTransaction): Promise<void> {
  tx.commit();
  return new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB write failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB write aborted"));
  });
}
