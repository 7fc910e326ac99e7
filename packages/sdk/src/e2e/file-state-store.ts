/**
 * The Node SDK's end-to-end state: a directory per user under a state directory,
 *
 *     <dir>/<userId>/device.bin
 *     <dir>/<userId>/groups/<conversationId with ':' as '-'>.bin
 *
 * Directories 0700, files 0600 (they hold private keys). Every write goes to a temporary file that
 * is synced and renamed over the old one, so a crash leaves the old state or the new one, never
 * half of either: a torn group state would be a device that can no longer read its conversation.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { checkedConversationId, type E2eStateStore } from "./state-store.js";

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
  private groupPath(userId: number, conversationId: string) {
    const name = checkedConversationId(conversationId).replaceAll(":", "-");
    return path.join(this.userDir(userId), "groups", `${name}.bin`);
  }
}

async function readIfThere(file: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
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
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
