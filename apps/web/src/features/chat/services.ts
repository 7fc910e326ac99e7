/** The chat side of the app, created once per page next to the client (outside React). */
import { ChatStore, StorageOutboxStore, type SealroomClient } from "@sealroom/sdk/browser";
import { DraftStore } from "./drafts.js";
import { Notifier } from "./notifications.js";
import { PeopleStore, type PeopleLike } from "./people.js";

/** What the views use of the SDK's ChatStore (tests provide a fake with the same surface). */
export type ChatLike = Pick<
  ChatStore,
  | "subscribe"
  | "getSnapshot"
  | "send"
  | "retry"
  | "discard"
  | "edit"
  | "delete"
  | "markRead"
  | "loadReceipts"
  | "typing"
  | "loadOlder"
  | "onEntry"
>;

export interface ChatServices {
  chat: ChatLike;
  people: PeopleLike;
  drafts: DraftStore;
  notifier: Notifier;
}

export function createChatServices(client: SealroomClient): ChatServices {
  // Messages written offline wait in localStorage (like the ticket), so a reload does not lose them.
  const chat = new ChatStore(client, { outbox: { store: new StorageOutboxStore() } });
  chat.start();
  // Friends come from the social feature's store (see ConversationList), not a second overview.
  const people = new PeopleStore(client, { readOverview: false });
  people.start();
  const notifier = new Notifier(client);
  return { chat, people, drafts: new DraftStore(), notifier };
}
