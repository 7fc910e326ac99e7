/**
 * The identifiers of the chat contracts (row ids, seqs, timestamps, conversation ids, the
 * clientMsgId of a send) and a send's acknowledgement. Apart from chat.ts so that chat-mls.ts can
 * use them without a cycle; chat.ts re-exports everything here.
 */
import { z } from "zod";
import { CHAT_LIMITS } from "./chat-limits.js";

const id = z
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1);
const seq = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 31 - 1);
/** Unix milliseconds. */
const timestamp = z.number().int().nonnegative();
/** A row id, a seq and a timestamp as the chat contracts bound them (chat-events.ts uses them too). */
export { id as chatIdSchema, seq as chatSeqSchema, timestamp as chatTimestampSchema };

// ---------------------------------------------------------------------------------------------
// Conversation ids
// ---------------------------------------------------------------------------------------------

const DM_RE = /^dm:([1-9][0-9]{0,9}):([1-9][0-9]{0,9})$/;
const GROUP_RE = /^group:([1-9][0-9]{0,9})$/;

export type ConversationRef = { kind: "dm"; low: number; high: number } | { kind: "group"; groupId: number };

/**
 * Parses a conversation id: `dm:<low>:<high>` (two distinct user ids, the smaller first) or
 * `group:<groupId>`. Undefined for anything else, including a non-canonical DM id.
 */
export function parseConversationId(value: string): ConversationRef | undefined {
  const dm = DM_RE.exec(value);
  if (dm) {
    const low = Number(dm[1]);
    const high = Number(dm[2]);
    if (low >= high || high > 2 ** 31 - 1) return undefined;
    return { kind: "dm", low, high };
  }
  const group = GROUP_RE.exec(value);
  if (group) {
    const groupId = Number(group[1]);
    return groupId <= 2 ** 31 - 1 ? { kind: "group", groupId } : undefined;
  }
  return undefined;
}

/** The id of the direct conversation between two users (either order). */
export function dmConversationId(a: number, b: number): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

export function groupConversationId(groupId: number): string {
  return `group:${groupId}`;
}

/** A conversation id: `dm:<low>:<high>` or `group:<groupId>`. */
export const conversationIdSchema = z
  .string()
  .max(32)
  .refine((v) => parseConversationId(v) !== undefined, "not a conversation id");

/** Client-generated idempotency key of a send: printable ASCII, reused on every retry. */
export const clientMsgIdSchema = z
  .string()
  .min(1)
  .max(CHAT_LIMITS.clientMsgIdMax)
  .regex(/^[\x21-\x7E]+$/, "printable ASCII without spaces");

/** What a send, edit or delete returns once its entry is committed (chat-mls.ts extends it). */
export const sendAckSchema = z.object({
  id,
  conversationId: conversationIdSchema,
  seq: id,
  ts: timestamp,
  clientMsgId: clientMsgIdSchema,
});
