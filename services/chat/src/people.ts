/**
 * The senders named in a reply: a page (or a summary's last entry) carries `{id, username}` of
 * whoever wrote its entries, so any reader, a former group member included, can name them. Only
 * the senders of entries the reader gets: never the group's membership.
 */
import type { PublicUser } from "@sealroom/proto/auth";
import type { Entry } from "@sealroom/proto/chat";
import { userOrPlaceholder } from "./access.js";
import type { Queries } from "./queries.js";

/** `{ people }` for a reply holding `entries`; nothing when no entry has a sender. */
export async function sendersOf(q: Queries, entries: readonly Entry[]): Promise<{ people?: PublicUser[] }> {
  const ids = new Set<number>();
  // The server's proposals have no sender (null).
  for (const e of entries) if ("senderId" in e && e.senderId !== null) ids.add(e.senderId);
  if (ids.size === 0) return {};
  const people: PublicUser[] = [];
  for (const id of ids) {
    const u = await userOrPlaceholder(q, id);
    people.push({ id: u.id, username: u.username });
  }
  return { people };
}
