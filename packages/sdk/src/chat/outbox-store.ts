/**
 * Where the outbox keeps the messages the server has not acknowledged, per user, so that a reload
 * or a closed tab before the connection returns does not lose them: the next page (or process)
 * signed in as that user sends them again with the same clientMsgId, so each is stored once.
 *
 * Pluggable: memory (the default; Node processes and tests), localStorage in browsers
 * (`StorageOutboxStore`), or anything with the same three calls (a file, IndexedDB behind a cache).
 * Several tabs may share one store: each writes only its own messages (put/remove, never a
 * wholesale replace), and a message both tabs send is still stored once by the service.
 */
import { z } from "zod";
import { appErrorSchema } from "@sealroom/proto/errors";
import { clientMsgIdSchema, conversationIdSchema } from "@sealroom/proto/chat";

/** What is kept of one waiting message. */
export const storedMessageSchema = z.object({
  conversationId: conversationIdSchema,
  clientMsgId: clientMsgIdSchema,
  text: z.string(),
  /** When it was written, by the device's clock (Unix ms). */
  writtenTs: z.number().int().nonnegative(),
  status: z.enum(["sending", "failed"]),
  error: appErrorSchema.optional(),
  /** End-to-end encrypted conversations: the content id of the message this one replies to. */
  replyTo: z.string().min(1).max(64).optional(),
  /** End-to-end encrypted conversations: the user ids the text mentions. */
  mentions: z.array(z.number().int().positive()).min(1).max(50).optional(),
  /** End-to-end encrypted conversations: it carries the "forwarded" mark. */
  forwarded: z.literal(true).optional(),
});
export type StoredMessage = z.infer<typeof storedMessageSchema>;

export interface OutboxStore {
  /** The user's waiting messages, in the order they were written. */
  load(userId: number): StoredMessage[];
  /** Adds or replaces (by clientMsgId) one message. */
  put(userId: number, message: StoredMessage): void;
  remove(userId: number, clientMsgId: string): void;
}

export class MemoryOutboxStore implements OutboxStore {
  private readonly users = new Map<number, StoredMessage[]>();
  load(userId: number): StoredMessage[] {
    return [...(this.users.get(userId) ?? [])];
  }
  put(userId: number, message: StoredMessage): void {
    this.users.set(userId, upsert(this.users.get(userId) ?? [], message));
  }
  remove(userId: number, clientMsgId: string): void {
    this.users.set(
      userId,
      (this.users.get(userId) ?? []).filter((m) => m.clientMsgId !== clientMsgId),
    );
  }
}

const KEY_PREFIX = "sealroom.outbox.";
const listSchema = z.array(z.unknown());

/**
 * A Web Storage (localStorage) store: one JSON list per user. What does not parse is dropped, entry
 * by entry (storage is the device's, but it is still input). A full or disabled storage leaves the
 * messages in memory only, as before.
 */
export class StorageOutboxStore implements OutboxStore {
  constructor(private readonly storage: WebStorage | undefined = safeLocalStorage()) {}

  load(userId: number): StoredMessage[] {
    let raw: string | null | undefined;
    try {
      raw = this.storage?.getItem(KEY_PREFIX + userId);
    } catch {
      return [];
    }
    if (!raw) return [];
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return [];
    }
    const list = listSchema.safeParse(json);
    if (!list.success) return [];
    return list.data.flatMap((item) => {
      const parsed = storedMessageSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
  }

  put(userId: number, message: StoredMessage): void {
    this.write(userId, upsert(this.load(userId), message));
  }

  remove(userId: number, clientMsgId: string): void {
    this.write(
      userId,
      this.load(userId).filter((m) => m.clientMsgId !== clientMsgId),
    );
  }

  private write(userId: number, list: StoredMessage[]): void {
    try {
      if (list.length === 0) this.storage?.removeItem(KEY_PREFIX + userId);
      else this.storage?.setItem(KEY_PREFIX + userId, JSON.stringify(list));
    } catch {
      // Full or disabled: the outbox still holds the message in memory for this page.
    }
  }
}

function upsert(list: readonly StoredMessage[], message: StoredMessage): StoredMessage[] {
  const at = list.findIndex((m) => m.clientMsgId === message.clientMsgId);
  return at === -1 ? [...list, message] : list.map((m, i) => (i === at ? message : m));
}

/**
 * What the store uses of Web Storage. Declared here rather than taken from the DOM types, which
 * Node-only consumers of the SDK (the gateway's and the bench's typechecks) do not load.
 */
export interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function safeLocalStorage(): WebStorage | undefined {
  try {
    // Node has no localStorage, or one that throws until configured: read it without assuming.
    const storage: unknown = Reflect.get(globalThis, "localStorage");
    return isWebStorage(storage) ? storage : undefined;
  } catch {
    return undefined;
  }
}

function isWebStorage(value: unknown): value is WebStorage {
  if (typeof value !== "object" || value === null) return false;
  return (
    "getItem" in value &&
    typeof value.getItem === "function" &&
    "setItem" in value &&
    typeof value.setItem === "function" &&
    "removeItem" in value &&
    typeof value.removeItem === "function"
  );
}
