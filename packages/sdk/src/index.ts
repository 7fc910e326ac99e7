export {
  SealroomClient,
  type ClientEvents,
  type ClientOptions,
  type ConnectionState,
  type SignedOutReason,
} from "./client.js";
export { Link, type SocketFactory, type SocketLike } from "./link.js";
export {
  KeyMismatchError,
  KeyRejectedError,
  MemoryPinStore,
  normalizePin,
  verifyPin,
  type PinPolicy,
  type PinStore,
} from "./pins.js";
export { MemoryTicketStore, type StoredTicket, type TicketStore } from "./tickets.js";
export { AppError } from "@sealroom/proto/errors";
export type { ErrorCode } from "@sealroom/proto/errors";
export * from "./social.js";
export { AvatarCache, type AvatarOwner, type AvatarPicture } from "./avatar-cache.js";
export {
  SocialStore,
  displayNameOf,
  roleAfter,
  type GroupGoneReason,
  type SocialSnapshot,
  type SocialStatus,
  type SocialStoreClient,
} from "./social-store.js";
export * from "./chat/index.js";
export { MemoryE2eStateStore, type E2eStateStore, type StoredBackupKey } from "./e2e/state-store.js";
// argon2id (hash-wasm) loads only when a passphrase is used (crypto.ts imports it dynamically).
export {
  HistoryBackup,
  PASSPHRASE_MIN_CHARS,
  passphraseProblem,
  type BackupKeyStore,
  type HistoryBackupOptions,
} from "./backup/history-backup.js";
export type * from "./backup/types.js";
// Types only: a value export would put MLS in every browser bundle (the store loads the engine lazily).
export type { E2eEngine, E2eOptions, ThisDevice } from "./e2e/engine.js";
export { LazyE2eEngine } from "./e2e/lazy-engine.js";
export { LocalSearch, type SearchConfig } from "./search/local-search.js";
export { MemorySearchIndexStore, type SearchIndexStore } from "./search/index-store.js";
export { SEARCH_QUERY_MAX } from "./search/limits.js";
// Types only: MiniSearch loads with the first sign-in (LocalSearch imports it dynamically).
export type {
  IndexedMessage,
  IndexJson,
  Range,
  SearchFilters,
  SearchHit,
  SearchOptions,
  SearchResults,
} from "./search/message-index.js";
export type { E2eStatus, E2eTextEntry } from "./e2e/log-reader.js";
export type * from "./backup/types.js";
export type { Attachment, AttachmentThumb, Reaction } from "./e2e/contents.js";
export {
  downloadAttachment,
  TransferCancelled,
  uploadAttachment,
  type AttachmentRef,
  type BlobClient,
  type TransferOptions,
} from "./attachments/transfer.js";
export { isE2eText } from "./e2e/contents.js";
