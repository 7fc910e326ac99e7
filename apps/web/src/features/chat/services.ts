/** The chat side of the app, created once per page next to the client (outside React). */
import {
  ChatStore,
  IdbE2eStateStore,
  IdbSearchIndexStore,
  StorageOutboxStore,
  type HistoryBackupApi,
  type SealroomClient,
} from "@sealroom/sdk/browser";
import { browserDeviceName } from "./device-name.js";
import { DraftStore } from "./drafts.js";
import { Notifier } from "./notifications.js";
import { PeopleStore, type PeopleLike } from "./people.js";

/**
 * End-to-end encryption (docs/E2E.md): every conversation this app sends in becomes an MLS group,
 * with this browser's device keys and group states in IndexedDB. The one switch: false sends
 * plaintext as before (conversations already encrypted then refuse it with ENCRYPTION_REQUIRED).
 */
export const END_TO_END_ENCRYPTION = true;

/** What the views use of the SDK's ChatStore (tests provide a fake with the same surface). */
export type ChatLike = Pick<
  ChatStore,
  | "subscribe"
  | "getSnapshot"
  | "send"
  | "retry"
  | "discard"
  | "edit"
  | "react"
  | "delete"
  | "markRead"
  | "setSettings"
  | "loadReceipts"
  | "typing"
  | "loadOlder"
  | "loadAround"
  | "onEntry"
  | "sendAttachment"
  | "downloadAttachment"
> & {
  /** This device's end-to-end engine, when encryption is on (its fingerprint for the UI). */
  readonly e2e?: Pick<NonNullable<ChatStore["e2e"]>, "thisDevice"> | undefined;
  /** The history backup (docs/E2E.md section 12), when the store has it. */
  readonly backup?: HistoryBackupApi | undefined;
  /** On-device search (docs/SEARCH.md), when the store has it. */
  readonly search?: Pick<NonNullable<ChatStore["search"]>, "subscribe" | "search" | "revision" | "ready"> | undefined;
};

export interface ChatServices {
  chat: ChatLike;
  people: PeopleLike;
  drafts: DraftStore;
  notifier: Notifier;
}

export function createChatServices(client: SealroomClient): ChatServices {
  // Messages written offline wait in localStorage (like the ticket), so a reload does not lose them.
  const chat = new ChatStore(client, {
    outbox: { store: new StorageOutboxStore() },
    // The search index in IndexedDB beside the end-to-end state (plaintext at rest, deleted at logout).
    search: { store: new IdbSearchIndexStore() },
    e2e: END_TO_END_ENCRYPTION
      ? { store: new IdbE2eStateStore(), deviceName: browserDeviceName(navigator.userAgent) }
      : false,
  });
  chat.start();
  // The index is saved a few seconds after changes; a tab hidden (switched away from, or closing)
  // saves what waits now, so a closed tab loses as little as it can.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") void chat.search?.flush();
  });
  // Friends come from the social feature's store (see ConversationList), not a second overview.
  const people = new PeopleStore(client, { readOverview: false });
  people.start();
  const notifier = new Notifier(client);
  return { chat, people, drafts: new DraftStore(), notifier };
}
