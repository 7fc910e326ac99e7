/**
 * Where a device keeps its end-to-end state (docs/E2E.md section 6): the device state (its Ed25519
 * key pair and the private halves of its unused KeyPackages), one MLS group state per
 * conversation, and what it has read of each conversation (read records: the decrypted messages,
 * as the keys to read them again are gone once used). The first two hold private keys and change
 * with every message; a device that loses them is a new device. It also keeps the user's history
 * backup keys (docs/E2E.md section 12), by version. Scoped by user: a process or browser profile that signs in as someone else must not
 * pick up the previous user's keys, and signing out deletes them (`clear`).
 *
 * Implementations: memory (tests, throwaway bots), a state directory for Node (`FileE2eStateStore`
 * in node.ts), IndexedDB for browsers.
 */
import { conversationIdSchema } from "@sealroom/proto/chat";
import { readRecordSeq, type ReadRecord } from "./contents.js";

export interface E2eStateStore {
  loadDevice(userId: number): Promise<Uint8Array | undefined>;
  saveDevice(userId: number, state: Uint8Array): Promise<void>;
  loadGroup(userId: number, conversationId: string): Promise<Uint8Array | undefined>;
  saveGroup(userId: number, conversationId: string, state: Uint8Array): Promise<void>;
  /** Keeps the group's read records (history stays readable on the device after a removal). */
  deleteGroup(userId: number, conversationId: string): Promise<void>;
  /**
   * The conversation's read records as saved (in any order, possibly several of one seq: the
   * last saved wins); unchecked, the engine checks them. Nothing saved: an empty list.
   */
  loadReads(userId: number, conversationId: string): Promise<unknown[]>;
  /** Adds or replaces (by seq) read records; written before the group state that moved past them. */
  saveReads(userId: number, conversationId: string, records: readonly ReadRecord[]): Promise<void>;
  /** The user's history backup keys held here (in any order; unchecked shapes dropped). None: an empty list. */
  loadBackupKeys(userId: number): Promise<StoredBackupKey[]>;
  /** Replaces the backup keys held here (the caller keeps the ring: the newest few versions). */
  saveBackupKeys(userId: number, keys: readonly StoredBackupKey[]): Promise<void>;
  /** Forgets everything of the user on this device (sign-out), backup keys included. */
  clear(userId: number): Promise<void>;
}

/** One version of the user's history backup key (32 bytes). */
export interface StoredBackupKey {
  version: number;
  key: Uint8Array;
}

/** The well-formed backup keys of what a store read back (a file or a database can hold anything). */
export function checkedBackupKeys(value: unknown): StoredBackupKey[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((k: unknown) =>
    typeof k === "object" &&
    k !== null &&
    "version" in k &&
    "key" in k &&
    Number.isSafeInteger(k.version) &&
    (k.version as number) >= 1 &&
    k.key instanceof Uint8Array &&
    k.key.length === 32
      ? [{ version: k.version as number, key: Uint8Array.from(k.key) }]
      : [],
  );
}

/**
 * The store, with writes dropped once their user is no longer signed in here (`current`): an
 * operation still in flight at a logout must not write back the state `clear` just deleted.
 */
export function writesWhileSignedIn(store: E2eStateStore, current: (userId: number) => boolean): E2eStateStore {
  return {
    loadDevice: (userId) => store.loadDevice(userId),
    saveDevice: async (userId, state) => (current(userId) ? store.saveDevice(userId, state) : undefined),
    loadGroup: (userId, id) => store.loadGroup(userId, id),
    saveGroup: async (userId, id, state) => (current(userId) ? store.saveGroup(userId, id, state) : undefined),
    deleteGroup: (userId, id) => store.deleteGroup(userId, id),
    loadReads: (userId, id) => store.loadReads(userId, id),
    saveReads: async (userId, id, records) => (current(userId) ? store.saveReads(userId, id, records) : undefined),
    loadBackupKeys: (userId) => store.loadBackupKeys(userId),
    saveBackupKeys: async (userId, keys) => (current(userId) ? store.saveBackupKeys(userId, keys) : undefined),
    clear: (userId) => store.clear(userId),
  };
}

/** Refuses a conversation id that is not one, so it can name a file or a key as it is. */
export function checkedConversationId(conversationId: string): string {
  return conversationIdSchema.parse(conversationId);
}

export class MemoryE2eStateStore implements E2eStateStore {
  private readonly devices = new Map<number, Uint8Array>();
  private readonly groups = new Map<string, Uint8Array>();
  private readonly reads = new Map<string, Map<number, ReadRecord>>();
  private readonly backupKeys = new Map<number, StoredBackupKey[]>();

  async loadDevice(userId: number) {
    return copy(this.devices.get(userId));
  }
  async saveDevice(userId: number, state: Uint8Array) {
    this.devices.set(userId, Uint8Array.from(state));
  }
  async loadGroup(userId: number, conversationId: string) {
    return copy(this.groups.get(groupKey(userId, conversationId)));
  }
  async saveGroup(userId: number, conversationId: string, state: Uint8Array) {
    this.groups.set(groupKey(userId, conversationId), Uint8Array.from(state));
  }
  async deleteGroup(userId: number, conversationId: string) {
    this.groups.delete(groupKey(userId, conversationId));
  }
  async loadReads(userId: number, conversationId: string) {
    return structuredClone([...(this.reads.get(groupKey(userId, conversationId))?.values() ?? [])]);
  }
  async saveReads(userId: number, conversationId: string, records: readonly ReadRecord[]) {
    const key = groupKey(userId, conversationId);
    const held = this.reads.get(key) ?? new Map<number, ReadRecord>();
    for (const r of records) held.set(readRecordSeq(r), structuredClone(r));
    this.reads.set(key, held);
  }
  async loadBackupKeys(userId: number) {
    return checkedBackupKeys(this.backupKeys.get(userId));
  }
  async saveBackupKeys(userId: number, keys: readonly StoredBackupKey[]) {
    this.backupKeys.set(userId, checkedBackupKeys(keys));
  }
  async clear(userId: number) {
    this.devices.delete(userId);
    this.backupKeys.delete(userId);
    for (const map of [this.groups, this.reads]) {
      for (const key of [...map.keys()]) if (key.startsWith(`${userId}/`)) map.delete(key);
    }
  }
}

const groupKey = (userId: number, conversationId: string) => `${userId}/${checkedConversationId(conversationId)}`;
const copy = (bytes: Uint8Array | undefined) => (bytes ? Uint8Array.from(bytes) : undefined);
