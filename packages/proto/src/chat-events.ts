/**
 * The events services/chat pushes to users (`evt.user.<id>`, forwarded by the gateways as
 * `{t:"event", type, body}`). Documented in docs/protocol/chat.md.
 */
import { z } from "zod";
import { publicUserSchema } from "./auth.js";
import {
  chatIdSchema as id,
  chatSeqSchema as seq,
  conversationIdSchema,
  conversationSettingsSchema,
  deleteEntrySchema,
  editEntrySchema,
  mlsAppEntrySchema,
  mlsCommitEntrySchema,
  mlsProposalEntrySchema,
  readStateSchema,
  systemEntrySchema,
  textEntrySchema,
} from "./chat.js";
import { deviceIdSchema } from "./keys.js";
import { parseUntrusted } from "./parse.js";

export const CHAT_EVENTS = {
  /**
   * A new text, system or MLS entry, to every participant who can read it (the sender's devices
   * too). Carries what a notification needs: the sender, the group, a preview.
   */
  "chat.message.created.v1": z.object({
    entry: z.union([
      textEntrySchema,
      systemEntrySchema,
      mlsAppEntrySchema,
      mlsCommitEntrySchema,
      mlsProposalEntrySchema,
    ]),
    /** Who wrote it (text and MLS entries); null for system entries. */
    sender: publicUserSchema.nullable(),
    /** The group (group conversations). */
    group: z.object({ id, name: z.string().max(256) }).nullable(),
    /** The text's first characters ("" for system and MLS entries: the server cannot read those). */
    preview: z.string(),
  }),
  /** An edit or delete entry: apply it to `targetSeq` (and count it in the log: it has a seq). */
  "chat.message.updated.v1": z.object({ entry: z.union([editEntrySchema, deleteEntrySchema]) }),
  /**
   * A read pointer moved: to the user's own devices (with their new read state) and to the other
   * participants (DM partner; members of groups up to readEventsGroupMax members), never across a block.
   */
  "chat.read.v1": z.object({
    conversationId: conversationIdSchema,
    userId: id,
    readSeq: seq,
    /** Present only in the copy sent to the user's own devices. */
    read: readStateSchema.optional(),
  }),
  /** Someone is typing (droppable, never stored): show it for typingTtlMs. */
  "typing.started.v1": z.object({ conversationId: conversationIdSchema, user: publicUserSchema }),
  /**
   * A Welcome for device `deviceId` of the user was stored (chat.mls.send with a commit): that
   * device fetches its inbox (chat.mls.welcomes). To all of the user's sockets; others ignore it.
   */
  "chat.mls.welcome.v1": z.object({ conversationId: conversationIdSchema, deviceId: deviceIdSchema }),
  /**
   * The user's settings of a conversation changed (chat.settings.set, or chat.markRead clearing
   * "marked unread"): to all of the user's sockets, so their other devices follow.
   */
  "chat.settings.v1": z.object({ conversationId: conversationIdSchema, settings: conversationSettingsSchema }),
} as const;

export type ChatEventType = keyof typeof CHAT_EVENTS;
export type ChatEventBody<T extends ChatEventType> = z.infer<(typeof CHAT_EVENTS)[T]>;

export function isChatEventType(type: string): type is ChatEventType {
  return Object.hasOwn(CHAT_EVENTS, type);
}

/**
 * Every chat event with its body, one discriminated union (as `{type, body}`), so a consumer
 * switches on `type` and gets the body's type without casts.
 */
export const chatEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chat.message.created.v1"), body: CHAT_EVENTS["chat.message.created.v1"] }),
  z.object({ type: z.literal("chat.message.updated.v1"), body: CHAT_EVENTS["chat.message.updated.v1"] }),
  z.object({ type: z.literal("chat.read.v1"), body: CHAT_EVENTS["chat.read.v1"] }),
  z.object({ type: z.literal("typing.started.v1"), body: CHAT_EVENTS["typing.started.v1"] }),
  z.object({ type: z.literal("chat.mls.welcome.v1"), body: CHAT_EVENTS["chat.mls.welcome.v1"] }),
  z.object({ type: z.literal("chat.settings.v1"), body: CHAT_EVENTS["chat.settings.v1"] }),
]);
export type ChatEvent = z.infer<typeof chatEventSchema>;

// The union names every event type of CHAT_EVENTS (a new event that is not added fails to compile).
const everyEventInTheUnion: [ChatEventType] extends [ChatEvent["type"]] ? true : never = true;
void everyEventInTheUnion;

/** Validates a pushed event; undefined if it is not a (well-formed) chat event. */
export function parseChatEvent(type: string, body: unknown): ChatEvent | undefined {
  if (!isChatEventType(type)) return undefined;
  const parsed = parseUntrusted(chatEventSchema, { type, body });
  return parsed.success ? parsed.data : undefined;
}
