/**
 * The browser's end-to-end state in IndexedDB: one database, one object store, keys
 * `<userId>/device` and `<userId>/group/<conversationId>`, values the state bytes.
 *
 * Writes ask for strict durability (flushed before the transaction completes): a group state that
 * a crash rolls back would be a device that has forgotten keys its messages need. Every tab of the
 * origin shares the database; IndexedDB's transactions keep each write whole.
 */
import { checkedConversationId, type E2eStateStore } from "./state-store.js";

const DB_NAME = "sealroom-e2e";
const STORE = "state";

export class IdbE2eStateStore implements E2eStateStore {
  private db: Promise<IDBDatabase> | undefined;

  constructor(private readonly factory: IDBFactory = globalThis.indexedDB) {}

  async loadDevice(userId: number) {
    return this.get(deviceKey(userId));
  }
  async saveDevice(userId: number, state: Uint8Array) {
    return this.put(deviceKey(userId), state);
  }
  async loadGroup(userId: number, conversationId: string) {
    return this.get(groupKey(userId, conversationId));
  }
  async saveGroup(userId: number, conversationId: string, state: Uint8Array) {
    return this.put(groupKey(userId, conversationId), state);
  }
  async deleteGroup(userId: number, conversationId: string) {
    const key = groupKey(userId, conversationId);
    await this.write((s) => s.delete(key));
  }
  async clear(userId: number) {
    const prefix = userPrefix(userId);
    // Every key of the user sorts between the prefix and the prefix followed by the highest code unit.
    await this.write((s) => s.delete(IDBKeyRange.bound(prefix, `${prefix}\uffff`)));
  }

  private async get(key: string): Promise<Uint8Array | undefined> {
    const db = await this.open();
    const value = await request(db.transaction(STORE, "readonly").objectStore(STORE).get(key));
    return value instanceof Uint8Array ? Uint8Array.from(value) : undefined;
  }

  private async put(key: string, state: Uint8Array): Promise<void> {
    const copy = Uint8Array.from(state);
    await this.write((s) => s.put(copy, key));
  }

  private async write(op: (store: IDBObjectStore) => IDBRequest): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(STORE, "readwrite", { durability: "strict" });
    op(tx.objectStore(STORE));
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

function userPrefix(userId: number): string {
  if (!Number.isSafeInteger(userId) || userId <= 0) throw new RangeError(`not a user id: ${userId}`);
  return `${userId}/`;
}
const deviceKey = (userId: number) => `${userPrefix(userId)}device`;
const groupKey = (userId: number, conversationId: string) =>
  `${userPrefix(userId)}group/${checkedConversationId(conversationId)}`;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB read failed"));
  });
}
