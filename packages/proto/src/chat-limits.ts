/** Limits of the chat contracts (docs/protocol/chat.md, "Limits"). */
export const CHAT_LIMITS = {
  /** Characters (Unicode code points) in one message. Longer: PAYLOAD_TOO_LARGE. */
  textMax: 4000,
  /** Length of a clientMsgId. */
  clientMsgIdMax: 64,
  /** Entries per history or sync page. */
  pageDefault: 50,
  pageMax: 200,
  /** Conversations per chat.conversations page (the most recently active first). */
  conversationsMax: 1000,
  /**
   * Bytes (UTF-8 JSON) of one history, sync or conversations reply at most. A page stops early at
   * this bound and says so (`truncated`, `more`); a single entry always fits (at most ~25 KB). Half
   * of NATS's max_payload (NATS_MAX_PAYLOAD, 1 MiB), so the envelope always fits around it.
   */
  replyBytesMax: 512 * 1024,
  /** Unread counts stop counting here (a UI shows "999+"). */
  unreadMax: 999,
  /** Code points of the preview carried by chat.message.created.v1 and the conversation list. */
  previewMax: 120,
  /** A user's typing notices per conversation are forwarded at most once per this interval. */
  typingIntervalMs: 2000,
  /** How long a client shows "typing" after a typing.started.v1 without a newer one. */
  typingTtlMs: 5000,
  /** Groups with more members than this get no live chat.read.v1 of other members (chat.receipts). */
  readEventsGroupMax: 100,
} as const;
