/**
 * The Node SDK's search index: `<dir>/<userId>/search-index.json` (0600, directory 0700), written
 * to a temporary file, synced and renamed over the old one, so a crash leaves the old index or the
 * new one. Given the same directory as `FileE2eStateStore`, the index sits beside the read records
 * and that store's `clear` (sign-out) removes it too.
 */
import path from "node:path";
import { rm } from "node:fs/promises";
import { readIfThere, writeAtomically } from "../e2e/file-state-store.js";
import { checkedUserId, type SearchIndexStore } from "./index-store.js";

export class FileSearchIndexStore implements SearchIndexStore {
  constructor(readonly dir: string) {}

  async load(userId: number): Promise<unknown> {
    const bytes = await readIfThere(this.file(userId));
    if (!bytes) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    } catch {
      return undefined; // not an index: rebuilt
    }
  }
  async save(userId: number, snapshot: unknown): Promise<void> {
    await writeAtomically(this.file(userId), new TextEncoder().encode(JSON.stringify(snapshot)));
  }
  async clear(userId: number): Promise<void> {
    await rm(this.file(userId), { force: true });
  }

  private file(userId: number): string {
    return path.join(this.dir, String(checkedUserId(userId)), "search-index.json");
  }
}
