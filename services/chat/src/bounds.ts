/**
 * Byte bounds of replies. NATS refuses a message above its max_payload, and a refused reply never
 * reaches the caller, so a page of entries or conversations is cut where its JSON would pass
 * CHAT_LIMITS.replyBytesMax, not only at its entry count (70 maximal messages are 1.1 MB).
 */
import { CHAT_LIMITS } from "@sealroom/proto/chat";

export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/**
 * Takes items in order while `shell` (the reply with an empty list) plus the items stays within
 * the bound; the first item is always taken (one entry or summary is far below it), so a page
 * never comes back empty while there is something to read.
 */
export function takeWithin<T>(
  items: Iterable<T>,
  shell: unknown,
  budget: number = CHAT_LIMITS.replyBytesMax,
): { taken: T[]; cut: boolean; json: string[] } {
  const taken: T[] = [];
  // Each taken item as JSON.stringify wrote it to measure it: a reply can reuse the text.
  const json: string[] = [];
  let used = jsonBytes(shell);
  for (const item of items) {
    const text = JSON.stringify(item);
    // The item and the comma before it.
    const size = Buffer.byteLength(text) + 1;
    if (taken.length > 0 && used + size > budget) return { taken, cut: true, json };
    used += size;
    taken.push(item);
    json.push(text);
  }
  return { taken, cut: false, json };
}

/**
 * takeWithin over items built one at a time by `make` (asynchronously): an item past the bound is
 * the last one built, so a page that stops early reads no further.
 */
export async function takeWithinAsync<S, T>(
  sources: Iterable<S>,
  make: (source: S) => Promise<T>,
  shell: unknown,
  budget: number = CHAT_LIMITS.replyBytesMax,
): Promise<{ taken: T[]; cut: boolean }> {
  const taken: T[] = [];
  let used = jsonBytes(shell);
  for (const source of sources) {
    const item = await make(source);
    const size = jsonBytes(item) + 1;
    if (taken.length > 0 && used + size > budget) return { taken, cut: true };
    used += size;
    taken.push(item);
  }
  return { taken, cut: false };
}
