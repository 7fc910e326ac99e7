/**
 * Messages, history, receipts and typing: the commands answered by services/chat and the events it
 * pushes (chat-events.ts). Documented in docs/protocol/chat.md.
 *
 * Every conversation is one gapless log of entries numbered `seq` = 1, 2, 3, ... Entries are text
 * messages, group system entries (membership changes), edits and deletions of earlier text
 * messages, and in end-to-end encrypted conversations MLS messages (chat-mls.ts); clients order and sync by `seq` only, never by timestamps. Timestamps are Unix ms,
 * assigned by the server. The actor of every command is the signed-in user stamped by the gateway.
 */
import { z } from "zod";
import { publicUserSchema } from "./auth.js";
import type { CommandSpec } from "./command-spec.js";
import { groupEventTypeSchema, groupRoleSchema } from "./social.js";
import { CHAT_LIMITS } from "./chat-limits.js";
import { bidiPaired } from "./message-text.js";
import {
  chatIdSchema as id,
  chatSeqSchema as seq,
  chatTimestampSchema as timestamp,
  clientMsgIdSchema,
  conversationIdSchema,
  sendAckSchema,
} from "./chat-ids.js";
import { CHAT_BLOB_COMMANDS } from "./chat-blobs.js";
import { BACKUP_CHAT_COMMANDS } from "./backup.js";
import { CHAT_MLS_COMMANDS, mlsAppEntrySchema, mlsCommitEntrySchema, mlsProposalEntrySchema } from "./chat-mls.js";

export { CHAT_LIMITS } from "./chat-limits.js";
export * from "./message-text.js";
export * from "./chat-ids.js";
export * from "./chat-mls.js";

// ---------------------------------------------------------------------------------------------
// Message text
// ---------------------------------------------------------------------------------------------

/**
 * Text as it travels in a command. The transport bound is generous (any frame is at most 64 KiB),
 * so that the service, not the schema, answers a too-long text with PAYLOAD_TOO_LARGE. Unpaired
 * bidi controls are refused here already (BAD_REQUEST), so the gateway turns them away too.
 */
const textField = z
  .string()
  .max(32 * 1024)
  .refine(bidiPaired, "unpaired bidi control");

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

/** A group membership change as the timeline shows it ("alice invited bob", "carol was removed"). */
export const systemEventSchema = z.object({
  /** The GroupEvent it was made from. */
  groupEventId: id,
  type: groupEventTypeSchema,
  actor: publicUserSchema.nullable(),
  target: publicUserSchema.nullable(),
  /** The group's name (created, renamed: the new one, disbanded). */
  name: z.string().max(256).optional(),
  previousName: z.string().max(256).optional(),
  /** The target's new role (role, transferred, created). */
  role: groupRoleSchema.optional(),
  /** The group's new topic (topic; "" when cleared). */
  topic: z.string().max(1024).optional(),
});
export type SystemEvent = z.infer<typeof systemEventSchema>;

const entryBase = { id, conversationId: conversationIdSchema, seq: id, ts: timestamp };

/** A message. `text` is the current text (after edits); "" once deleted (`deletedTs` set). */
export const textEntrySchema = z.object({
  ...entryBase,
  kind: z.literal("text"),
  senderId: id,
  clientMsgId: clientMsgIdSchema,
  text: z.string(),
  editedTs: timestamp.nullable(),
  deletedTs: timestamp.nullable(),
});
/** A group membership change, appended by the service. */
export const systemEntrySchema = z.object({ ...entryBase, kind: z.literal("system"), event: systemEventSchema });
/**
 * The sender changed the text of entry `targetSeq`. `text` is that message's current text (this
 * edit's, or a later one's), "" if it has been deleted since.
 */
export const editEntrySchema = z.object({
  ...entryBase,
  kind: z.literal("edit"),
  senderId: id,
  targetSeq: id,
  text: z.string(),
});
/** The sender deleted entry `targetSeq`: show it as a tombstone. */
export const deleteEntrySchema = z.object({ ...entryBase, kind: z.literal("delete"), senderId: id, targetSeq: id });

/**
 * An entry the reader may not see: an edit or deletion of a message from before their visibility
 * start (a group member who joined later). It only keeps the log gapless; nothing to show or apply.
 */
export const hiddenEntrySchema = z.object({ ...entryBase, kind: z.literal("hidden") });

export const entrySchema = z.discriminatedUnion("kind", [
  textEntrySchema,
  systemEntrySchema,
  editEntrySchema,
  deleteEntrySchema,
  hiddenEntrySchema,
  // End-to-end encrypted conversations (chat-mls.ts): MLS messages, carried unchanged.
  mlsAppEntrySchema,
  mlsCommitEntrySchema,
  mlsProposalEntrySchema,
]);
export type Entry = z.infer<typeof entrySchema>;
export type TextEntry = z.infer<typeof textEntrySchema>;
export type SystemEntry = z.infer<typeof systemEntrySchema>;
export type EditEntry = z.infer<typeof editEntrySchema>;
export type DeleteEntry = z.infer<typeof deleteEntrySchema>;
export type HiddenEntry = z.infer<typeof hiddenEntrySchema>;

export type SendAck = z.infer<typeof sendAckSchema>;

export const changeAckSchema = z.object({
  id,
  conversationId: conversationIdSchema,
  seq: id,
  ts: timestamp,
  targetSeq: id,
});
export type ChangeAck = z.infer<typeof changeAckSchema>;

/**
 * Who wrote the entries of a page or a summary's last entry: `{id, username}` of each sender, once,
 * so a reader can name them without another lookup (a former group member cannot ask for the
 * group's members). Only senders of entries in the reply, never the group's membership.
 */
const peopleField = z.array(publicUserSchema).max(CHAT_LIMITS.pageMax).optional();

/** A page of a conversation's log, ascending by seq. */
export const pageSchema = z.object({
  conversationId: conversationIdSchema,
  entries: z.array(entrySchema).max(CHAT_LIMITS.pageMax),
  /** The conversation's last seq when the page was read. */
  lastSeq: seq,
  /** Entries with seq > visibleFromSeq are readable by the caller (a group member: from their join). */
  visibleFromSeq: seq,
  /**
   * The page holds fewer than `limit` entries because it reached replyBytesMax, not the end:
   * ask again from its edge (sync: after its last entry; history: before its first).
   */
  truncated: z.boolean(),
  /** The senders of the page's text, edit and delete entries (optional: older services omit it). */
  people: peopleField,
});
export type Page = z.infer<typeof pageSchema>;

/** The caller's read state of a conversation. */
export const readStateSchema = z.object({
  /** The caller's read pointer: entries up to it are read. */
  readSeq: seq,
  /** Text messages of others after readSeq, not deleted, counted up to `countedSeq` (at most unreadMax). */
  unread: z.number().int().nonnegative().max(CHAT_LIMITS.unreadMax),
  /** The conversation's last seq when `unread` was counted. */
  countedSeq: seq,
});
export type ReadState = z.infer<typeof readStateSchema>;

/**
 * The caller's own settings of one conversation (chat.settings.set), the same on all their devices.
 * Server-side metadata, not end-to-end encrypted (SECURITY.md). Mute, pin and archive change how a
 * client lists and notifies; nobody else learns of them.
 */
export const conversationSettingsSchema = z.object({
  /** No notifications (a mention of the user still notifies). `until` null: until unmuted. */
  muted: z.object({ until: timestamp.nullable() }).nullable(),
  /** Listed above the others. */
  pinned: z.boolean(),
  /**
   * Listed under "Archived" instead of the main list. A new message of someone else brings it back
   * (the service reports `false` from then on), unless the conversation is muted.
   */
  archived: z.boolean(),
  /** "Mark as unread": shown unread until the user reads it (chat.markRead clears it). */
  markedUnread: z.boolean(),
});
export type ConversationSettings = z.infer<typeof conversationSettingsSchema>;

/** Nothing set: what a conversation without settings has. */
export const NO_SETTINGS: ConversationSettings = Object.freeze({
  muted: null,
  pinned: false,
  archived: false,
  markedUnread: false,
});

/** Whether `settings` mute the conversation at `now` (Unix ms): forever, or until a later time. */
export function isMuted(settings: ConversationSettings | undefined, now: number): boolean {
  const muted = settings?.muted;
  return muted != null && (muted.until === null || muted.until > now);
}

/** One conversation in the caller's list. */
export const conversationSummarySchema = z.object({
  conversationId: conversationIdSchema,
  kind: z.enum(["dm", "group"]),
  /** DM: the other participant. */
  peer: publicUserSchema.nullable(),
  /**
   * Group: its id and current name; `disbanded` groups are read-only. `removed`: the caller left or
   * was removed; the history stays readable up to `lastSeq` (the name is the one at that moment).
   */
  group: z
    .object({
      id,
      name: z.string().max(256),
      disbanded: z.boolean(),
      removed: z
        .object({ reason: z.enum(["left", "kicked"]), by: publicUserSchema.nullable(), ts: timestamp })
        .optional(),
    })
    .nullable(),
  lastSeq: seq,
  /** Unix ms of the last entry (0: none yet). */
  lastActivityTs: timestamp,
  visibleFromSeq: seq,
  /** The last text or system entry the caller can see, if any. */
  last: z.union([textEntrySchema, systemEntrySchema]).nullable(),
  read: readStateSchema,
  /** The sender of `last` when it is a text entry (optional: older services omit it). */
  people: peopleField,
  /** The caller's settings of the conversation (optional: older services omit it). */
  settings: conversationSettingsSchema.optional(),
});
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

export const receiptSchema = z.object({ userId: id, readSeq: seq });
export type Receipt = z.infer<typeof receiptSchema>;

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

const conversationTarget = { conversationId: conversationIdSchema };
const pageLimit = z.number().int().min(1).max(CHAT_LIMITS.pageMax).default(CHAT_LIMITS.pageDefault);

export const sendBody = z.strictObject({ ...conversationTarget, clientMsgId: clientMsgIdSchema, text: textField });
export const historyBody = z.strictObject({ ...conversationTarget, beforeSeq: id.optional(), limit: pageLimit });
export const syncBody = z.strictObject({ ...conversationTarget, afterSeq: seq, limit: pageLimit });
export const markReadBody = z.strictObject({ ...conversationTarget, seq });
export const editBody = z.strictObject({ ...conversationTarget, seq: id, text: textField });
export const deleteBody = z.strictObject({ ...conversationTarget, seq: id });
const conversationOnly = z.strictObject(conversationTarget);
/** Where the previous chat.conversations page ended: its last summary's activity and id. */
export const conversationsCursorSchema = z.strictObject({
  lastActivityTs: timestamp,
  conversationId: conversationIdSchema,
});
export type ConversationsCursor = z.infer<typeof conversationsCursorSchema>;
/**
 * Changes the caller's settings of a conversation: each field given replaces that setting, the
 * others stay. `muted`: null unmutes; `until` null mutes until unmuted.
 */
export const settingsBody = z.strictObject({
  ...conversationTarget,
  muted: z.strictObject({ until: timestamp.nullable() }).nullable().optional(),
  pinned: z.boolean().optional(),
  archived: z.boolean().optional(),
  markedUnread: z.boolean().optional(),
});
export const conversationsBody = z.strictObject({ after: conversationsCursorSchema.optional() });

/**
 * Commands answered by services/chat; every one needs a signed-in connection. A conversation the
 * caller may not read answers NOT_FOUND, whether or not it exists.
 */
export const CHAT_COMMANDS = {
  /**
   * Appends a text message. Acked only after commit; a retry with the same clientMsgId returns the
   * original ack (the message exists once); the same clientMsgId with another conversation or text
   * is CONFLICT. DM: the two must be friends and neither may have blocked the other (FORBIDDEN).
   * Group: current members of a group that is not disbanded.
   */
  "chat.send": { service: "chat", access: "user", body: sendBody, value: sendAckSchema },
  /** Entries before `beforeSeq` (default: the newest), newest page first, each page ascending. */
  "chat.history": { service: "chat", access: "user", body: historyBody, value: pageSchema },
  /** Entries after `afterSeq`, ascending: call again from the last one until it reaches lastSeq. */
  "chat.sync": { service: "chat", access: "user", body: syncBody, value: pageSchema },
  /**
   * The caller's DMs and groups, most recently active first (ties by conversationId), with previews
   * and unread counts, in pages of at most conversationsMax summaries and replyBytesMax bytes.
   * `more`: the list goes on; ask again with `after` = the last summary's lastActivityTs and id.
   */
  "chat.conversations": {
    service: "chat",
    access: "user",
    body: conversationsBody,
    value: z.object({
      conversations: z.array(conversationSummarySchema).max(CHAT_LIMITS.conversationsMax),
      more: z.boolean(),
    }),
  },
  /** Moves the caller's read pointer forward to `seq` (never back; clamped to lastSeq). */
  "chat.markRead": {
    service: "chat",
    access: "user",
    body: markReadBody,
    value: z.object({ conversationId: conversationIdSchema, read: readStateSchema }),
  },
  /** Read pointers of the conversation's participants (DM: both; group: every current member). */
  "chat.receipts": {
    service: "chat",
    access: "user",
    body: conversationOnly,
    value: z.object({ conversationId: conversationIdSchema, receipts: z.array(receiptSchema).max(5000) }),
  },
  /** "I am typing": forwarded to the others at most once per typingIntervalMs; never stored. */
  "chat.typing": { service: "chat", access: "user", body: conversationOnly, value: z.object({}) },
  /** Replaces the text of one of the caller's own messages (appends an `edit` entry). */
  "chat.edit": { service: "chat", access: "user", body: editBody, value: changeAckSchema },
  /** Deletes one of the caller's own messages (appends a `delete` entry; the message becomes a tombstone). */
  "chat.delete": { service: "chat", access: "user", body: deleteBody, value: changeAckSchema },
  /**
   * Changes the caller's own settings of a conversation they may read (mute, pin, archive, mark
   * unread); answers the settings now in force and sends chat.settings.v1 to the caller's devices.
   */
  "chat.settings.set": {
    service: "chat",
    access: "user",
    body: settingsBody,
    value: z.object({ conversationId: conversationIdSchema, settings: conversationSettingsSchema }),
  },
  ...CHAT_MLS_COMMANDS,
  ...CHAT_BLOB_COMMANDS,
  ...BACKUP_CHAT_COMMANDS,
} as const satisfies Record<string, CommandSpec>;
