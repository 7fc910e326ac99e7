/** Chat for applications: the synced store, its outbox, and the chat contracts' types and helpers. */
export { ChatStore } from "./store.js";
export type { ChatSnapshot, ChatStoreOptions, ConversationView, SyncStatus } from "./types.js";
export { ConversationLog, type TimelineEntry } from "./log.js";
export { Outbox, newClientMsgId, type OutboxOptions, type PendingMessage, type TextExtras } from "./outbox.js";
export {
  MemoryOutboxStore,
  StorageOutboxStore,
  storedMessageSchema,
  type OutboxStore,
  type StoredMessage,
  type WebStorage,
} from "./outbox-store.js";
export {
  CHAT_EVENTS,
  chatEventSchema,
  isChatEventType,
  parseChatEvent,
  type ChatEvent,
  type ChatEventBody,
  type ChatEventType,
} from "@sealroom/proto/chat-events";
export {
  CHAT_LIMITS,
  bidiPaired,
  checkMessageText,
  dmConversationId,
  groupConversationId,
  isMuted,
  NO_SETTINGS,
  parseConversationId,
  previewOf,
  textLength,
} from "@sealroom/proto/chat";
export type {
  ChangeAck,
  ConversationRef,
  ConversationSettings,
  ConversationSummary,
  DeleteEntry,
  EditEntry,
  Entry,
  Page,
  ReadState,
  Receipt,
  SendAck,
  SystemEntry,
  SystemEvent,
  TextEntry,
} from "@sealroom/proto/chat";
