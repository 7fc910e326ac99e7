/**
 * The browser's end-to-end state in IndexedDB: one database; object store `state` with keys
 * `<userId>/device` and `<userId>/group/<conversationId>`, values the state bytes, and
 * `<userId>/backupKeys`, the history backup keys (`[{ version, key: bytes }]`: a key of the
 * existing store, so no upgrade of the database was needed); object store
 * `reads` (version 2) with keys `<userId>/<conversationId>/<seq, 16 digits>`, values the read
 * records (so one conversation's records are one key range, in seq order).
 *
 * Writes ask for strict durability (flushed before the transaction completes): a group state that
 * a crash rolls back would be a device that has forgotten keys its messages need. Every tab of the
 * origin shares the database; IndexedDB's transactions keep each write whole.
 */
import { IdbDatabase, commit, request } from "../idb.js";
import { readRecordSeq, type ReadRecord } from "./contents.js";
import { checkedBackupKeys, checkedConversationId, type E2eStateStore, type StoredBackupKey } from "./state-store.js";

const DB_NAME = "sealroom-e2e";
const DB_VERSION = 2;
const STORE = "state";
const READS = "reads";

export class IdbE2eStateStore implements E2eStateStore {
  private readonly db: IdbDatabase;

  constructor(factory: IDBFactory = globalThis.indexedDB) {
    this.db = new IdbDatabase(factory, DB_NAME, DB_VERSION, (db, oldVersion) => {
      if (oldVersion < 1) db.createObjectStore(STORE);
      if (oldVersion < 2) db.createObjectStore(READS);
    });
  }

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
    await this.write(STORE, (s) => s.delete(key));
  }
  async loadReads(userId: number, conversationId: string): Promise<unknown[]> {
    const db = await this.db.open();
    const store = db.transaction(READS, "readonly").objectStore(READS);
    return request(store.getAll(prefixRange(readsPrefix(userId, conversationId))));
  }
  async saveReads(userId: number, conversationId: string, records: readonly ReadRecord[]) {
    if (records.length === 0) return;
    const prefix = readsPrefix(userId, conversationId);
    await this.write(READS, (s) => {
      for (const r of records) s.put(r, `${prefix}${String(readRecordSeq(r)).padStart(16, "0")}`);
    });
  }
  async loadBackupKeys(userId: number) {
    const db = await this.db.open();
    return checkedBackupKeys(
      await request(db.transaction(STORE, "readonly").objectStore(STORE).get(backupKeysKey(userId))),
    );
  }
  async saveBackupKeys(userId: number, keys: readonly StoredBackupKey[]) {
    const value = checkedBackupKeys(keys);
    await this.write(STORE, (s) => s.put(value, backupKeysKey(userId)));
  }
  async clear(userId: number) {
    const range = prefixRange(userPrefix(userId));
    await this.write([STORE, READS], (_, tx) => {
      tx.objectStore(STORE).delete(range);
      tx.objectStore(READS).delete(range);
    });
  }

  private async get(key: string): Promise<Uint8Array | undefined> {
    const db = await this.db.open();
    const value = await request(db.transaction(STORE, "readonly").objectStore(STORE).get(key));
    return value instanceof Uint8Array ? Uint8Array.from(value) : undefined;
  }

  private async put(key: string, state: Uint8Array): Promise<void> {
    const copy = Uint8Array.from(state);
    await this.write(STORE, (s) => s.put(copy, key));
  }

  /** One transaction over `stores`; `op` gets the first one's object store and the transaction. */
  private async write(
    stores: string | string[],
    op: (store: IDBObjectStore, tx: IDBTransaction) => void,
  ): Promise<void> {
    const db = await this.db.open();
    const names = typeof stores === "string" ? [stores] : stores;
    const tx = db.transaction(names, "readwrite", { durability: "strict" });
    op(tx.objectStore(names[0] ?? STORE), tx);
    await commit(tx);
  }
}

function userPrefix(userId: number): string {
  if (!Number.isSafeInteger(userId) || userId <= 0) throw new RangeError(`not a user id: ${userId}`);
  return `${userId}/`;
}
/** Every key starting with `prefix` sorts between it and it followed by the highest code unit. */
const prefixRange = (prefix: string) => IDBKeyRange.bound(prefix, `${prefix}\uffff`);
const readsPrefix = (userId: number, conversationId: string) =>
  `${userPrefix(userId)}${checkedConversationId(conversationId)}/`;
const deviceKey = (userId: number) => `${userPrefix(userId)}device`;
const backupKeysKey = (userId: number) => `${userPrefix(userId)}backupKeys`;
const groupKey = (userId: number, conversationId: string) =>
  `${userPrefix(userId)}group/${checkedConversationId(conversationId)}`;
