/**
 * End-to-end encrypted conversations: the chat service as MLS's Delivery Service (docs/E2E.md
 * section 3). Its entries (MLS messages in the conversation log), the commands that append them,
 * the per-device Welcome inbox and the published GroupInfo. Documented in docs/protocol/chat.md,
 * "End-to-end encrypted conversations". The service reads only what MLS leaves in the clear (group
 * id, epoch, content type; a commit's or proposal's Adds; a GroupInfo's leaves and external
 * senders); it holds no member's key, only its own external sender key, which can propose removals.
 */
import { z } from "zod";
import {
  chatIdSchema as id,
  chatSeqSchema as seq,
  chatTimestampSchema as timestamp,
  clientMsgIdSchema,
  conversationIdSchema,
  sendAckSchema,
} from "./chat-ids.js";
import type { CommandSpec } from "./command-spec.js";
import { deviceIdSchema } from "./keys.js";

export const MLS_LIMITS = {
  /**
   * Decoded bytes of one MLS message, GroupInfo or Welcome. A command is at most 64 KiB of JSON
   * (MAX_MESSAGE_BYTES) and base64url adds a third, so 48 KiB is what one field could ever use;
   * the frame bounds a commit, its GroupInfo and its Welcome together (docs/E2E.md section 8).
   */
  messageBytesMax: 48 * 1024,
  /**
   * Devices one Welcome admits. The frame bound comes first: a commit that establishes a group
   * with every device at once fits one command up to about 48 devices (docs/E2E.md section 8).
   */
  welcomeDevicesMax: 100,
  /** Welcomes per chat.mls.welcomes page (and at most replyBytesMax of JSON). */
  welcomesPageMax: 50,
} as const;

/** base64url characters of `bytes` decoded bytes, without padding. */
const base64urlLength = (bytes: number) => Math.ceil((bytes * 4) / 3);

/**
 * MLSMessage bytes as base64url without padding (RFC 4648 section 5), at most messageBytesMax
 * decoded. The service also refuses a non-canonical spelling (BAD_REQUEST), so what it stores and
 * hands out is exactly what was sent.
 */
export const mlsBytesSchema = z
  .string()
  .min(2)
  .max(base64urlLength(MLS_LIMITS.messageBytesMax))
  .regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

export const MLS_ENTRY_KINDS = ["mls.app", "mls.commit", "mls.proposal"] as const;
export type MlsEntryKind = (typeof MLS_ENTRY_KINDS)[number];

const mlsEntryOf = <K extends MlsEntryKind>(kind: K) =>
  z.object({
    id,
    conversationId: conversationIdSchema,
    seq: id,
    ts: timestamp,
    kind: z.literal(kind),
    senderId: id,
    /** The sender's idempotency key: how a device recognises its own application messages. */
    clientMsgId: clientMsgIdSchema,
    /** The MLSMessage as sent, base64url: only member devices can read an application message. */
    message: mlsBytesSchema,
  });

/** An MLS application message (a PrivateMessage): ciphertext of a content envelope. */
export const mlsAppEntrySchema = mlsEntryOf("mls.app");
/** An MLS commit (a PublicMessage): the group moves to the next epoch. */
export const mlsCommitEntrySchema = mlsEntryOf("mls.commit");
/**
 * An MLS proposal (a PublicMessage), committed later by a member. `senderId` null: the server's
 * own Remove proposal (the reconciler's, as the group's external sender), whose clientMsgId is
 * `mls-remove:<conversation row id>:<epoch>:<leaf index>`.
 */
export const mlsProposalEntrySchema = mlsEntryOf("mls.proposal").extend({ senderId: id.nullable() });
export type MlsEntry =
  z.infer<typeof mlsAppEntrySchema> | z.infer<typeof mlsCommitEntrySchema> | z.infer<typeof mlsProposalEntrySchema>;

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

export const mlsSendBody = z.strictObject({
  conversationId: conversationIdSchema,
  clientMsgId: clientMsgIdSchema,
  /** A commit or proposal (PublicMessage) or an application message (PrivateMessage). */
  message: mlsBytesSchema,
  /** With a commit, required: the GroupInfo of the epoch the commit creates. */
  groupInfo: mlsBytesSchema.optional(),
  /**
   * With an application message only: it is a new message for the others (it counts as unread for
   * them and moves the conversation up their lists), as a text is; an edit, delete or reaction
   * leaves it out. The server cannot read the content, so the sending device says.
   */
  notify: z.boolean().optional(),
  /** With a commit that adds devices: its Welcome and the devices it admits. */
  welcome: z
    .strictObject({
      message: mlsBytesSchema,
      deviceIds: z.array(deviceIdSchema).min(1).max(MLS_LIMITS.welcomeDevicesMax),
    })
    .optional(),
});

export const mlsSendAckSchema = sendAckSchema.extend({
  /** The group's epoch once this entry is in the log (a commit's: the one it creates). */
  epoch: seq,
});
export type MlsSendAck = z.infer<typeof mlsSendAckSchema>;

export const mlsWelcomeSchema = z.object({
  id,
  conversationId: conversationIdSchema,
  /** The epoch the Welcome admits the device to. */
  epoch: seq,
  message: mlsBytesSchema,
});
export type MlsWelcome = z.infer<typeof mlsWelcomeSchema>;

export const CHAT_MLS_COMMANDS = {
  /**
   * Appends an MLS message to an end-to-end encrypted conversation: the Delivery Service's one
   * write. Same posting rights and clientMsgId idempotency as chat.send; the message must be of
   * the conversation's group and current epoch (STALE_EPOCH otherwise); a commit also moves the
   * epoch, stores its GroupInfo and its Welcome for each admitted device, in the same transaction.
   */
  "chat.mls.send": { service: "chat", access: "user", body: mlsSendBody, value: mlsSendAckSchema },
  /** The Welcomes waiting for the calling device, oldest first; `more`: ack these and ask again. */
  "chat.mls.welcomes": {
    service: "chat",
    access: "user",
    body: z.strictObject({}),
    value: z.object({ welcomes: z.array(mlsWelcomeSchema).max(MLS_LIMITS.welcomesPageMax), more: z.boolean() }),
  },
  /** Deletes the calling device's Welcomes of these ids (others' and unknown ids are ignored). */
  "chat.mls.ackWelcomes": {
    service: "chat",
    access: "user",
    body: z.strictObject({ ids: z.array(id).min(1).max(MLS_LIMITS.welcomesPageMax) }),
    value: z.object({}),
  },
  /** The GroupInfo of the conversation's current epoch (for External Commits and the server's proposals). */
  "chat.mls.groupInfo": {
    service: "chat",
    access: "user",
    body: z.strictObject({ conversationId: conversationIdSchema }),
    value: z.object({ conversationId: conversationIdSchema, epoch: seq, groupInfo: mlsBytesSchema }),
  },
  /**
   * The server's MLS external sender (an ExternalSender, TLS-encoded, base64url): every group a
   * client creates lists it (CreateGroupOptions.externalSenders), so the server can propose the
   * removal of devices social no longer allows; the DS refuses a commit whose GroupInfo lacks it.
   */
  "chat.mls.serverSender": {
    service: "chat",
    access: "user",
    body: z.strictObject({}),
    value: z.object({ externalSender: mlsBytesSchema }),
  },
} as const satisfies Record<string, CommandSpec>;
