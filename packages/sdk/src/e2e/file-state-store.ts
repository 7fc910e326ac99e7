/**
 * The Node SDK's end-to-end state: a directory per user under a state directory,
 *
 *     <dir>/<userId>/device.bin
 *     <dir>/<userId>/backup-keys.json   (the history backup keys: [{ version, key: base64url }])
 *     <dir>/<userId>/groups/<conversationId with ':' as '-'>.bin
 *     <dir>/<userId>/reads/<conversationId with ':' as '-'>.jsonl
 *
 * Directories 0700, files 0600 (they hold private keys and decrypted messages). Every write of a
 * state goes to a temporary file that is synced and renamed over the old one, so a crash leaves the
 * old state or the new one, never half of either: a torn group state would be a device that can no
 * longer read its conversation. Read records are appended (one JSON line each, synced): a crash
 * can tear only the last line, which loading skips; loading compacts a file mostly made of
 * replaced records.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { readRecordSeq, type ReadRecord } from "./contents.js";
import { b64, fromB64 } from "./base64url.js";
import { checkedBackupKeys, checkedConversationId, type E2eStateStore, type StoredBackupKey } from "./state-store.js";

export class FileE2eStateStore implements E2eStateStore {
  constructor(readonly dir: string) {}

  async loadDevice(userId: number) {
    return readIfThere(this.devicePath(userId));
  }
  async saveDevice(userId: number, state: Uint8Array) {
    await writeAtomically(this.devicePath(userId), state);
  }
  async loadGroup(userId: number, conversationId: string) {
    return readIfThere(this.groupPath(userId, conversationId));
  }
  async saveGroup(userId: number, conversationId: string, state: Uint8Array) {
    await writeAtomically(this.groupPath(userId, conversationId), state);
  }
  async deleteGroup(userId: number, conversationId: string) {
    await rm(this.groupPath(userId, conversationId), { force: true });
  }
  async loadReads(userId: number, conversationId: string) {
    const file = this.readsPath(userId, conversationId);
    const bytes = await readIfThere(file);
    if (!bytes) return [];
    const lines = new TextDecoder().decode(bytes).split("\n");
    const bySeq = new Map<unknown, { record: unknown }>();
    for (const line of lines) {
      if (line === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue; // torn by a crash mid-append
      }
      // Every line is `{ seq, record }` (saveReads): a later line of a seq replaces an earlier one.
      if (typeof value !== "object" || value === null || !("seq" in value) || !("record" in value)) continue;
      bySeq.set(value.seq, value);
    }
    const kept = [...bySeq.values()];
    if (lines.length > 2 * kept.length + 64) {
      await writeAtomically(file, new TextEncoder().encode(kept.map((l) => `\n${JSON.stringify(l)}`).join("")));
    }
    return kept.map((l) => l.record);
  }
  async saveReads(userId: number, conversationId: string, records: readonly ReadRecord[]) {
    if (records.length === 0) return;
    // The leading newline ends a line a crash may have torn, so this append stays whole.
    const text = records.map((record) => `\n${JSON.stringify({ seq: readRecordSeq(record), record })}`).join("");
    await appendSynced(this.readsPath(userId, conversationId), new TextEncoder().encode(text));
  }
  async loadBackupKeys(userId: number) {
    const bytes = await readIfThere(this.backupKeysPath(userId));
    if (!bytes) return [];
    try {
      const saved: unknown = JSON.parse(new TextDecoder().decode(bytes));
      if (!Array.isArray(saved)) return [];
      return checkedBackupKeys(
        saved.map((k: { version?: unknown; key?: unknown }) => ({
          version: k?.version,
          key: typeof k?.key === "string" ? fromB64(k.key) : undefined,
        })),
      );
    } catch {
      return []; // not JSON or not base64: as good as no key (the device asks again)
    }
  }
  async saveBackupKeys(userId: number, keys: readonly StoredBackupKey[]) {
    const json = JSON.stringify(checkedBackupKeys(keys).map((k) => ({ version: k.version, key: b64(k.key) })));
    await writeAtomically(this.backupKeysPath(userId), new TextEncoder().encode(json));
  }
  async clear(userId: number) {
    await rm(this.userDir(userId), { recursive: true, force: true });
  }

  private userDir(userId: number) {
    if (!Number.isSafeInteger(userId) || userId <= 0) throw new RangeError(`not a user id: ${userId}`);
    return path.join(this.dir, String(userId));
  }
  private devicePath(userId: number) {
    return path.join(this.userDir(userId), "device.bin");
  }
  private backupKeysPath(userId: number) {
    return path.join(this.userDir(userId), "backup-keys.json");
  }
  private groupPath(userId: number, conversationId: string) {
    return path.join(this.userDir(userId), "groups", `${fileName(conversationId)}.bin`);
  }
  private readsPath(userId: number, conversationId: string) {
    return path.join(this.userDir(userId), "reads", `${fileName(conversationId)}.jsonl`);
  }
}

const fileName = (conversationId: string) => checkedConversationId(conversationId).replaceAll(":", "-");

async function appendSynced(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const handle = await open(file, "a", 0o600);
  let created: boolean;
  try {
    created = (await handle.stat()).size === 0;
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await syncDir(path.dirname(file));
}

export async function readIfThere(file: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename is durable only once the directory's entry is.
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
