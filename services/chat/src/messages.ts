/**
 * Writing to a conversation: send, edit, delete. Each is a writer job, so the permission check, the
 * seq assignment and the insert happen in one transaction (a concurrent kick or block cannot slip a
 * message in), the ack is returned after commit and the live events published after commit.
 */
import { checkMessageText, previewOf, type ChangeAck, type SendAck, type TextEntry } from "@sealroom/proto/chat";
import { AppError } from "@sealroom/proto/errors";
import type { Logger } from "@sealroom/runtime";
import { recipients, resolveAccess, userOrPlaceholder, type Access } from "./access.js";
import { append, conversationFor } from "./entries.js";
import type { Publish } from "./publish.js";
import { queries, type MessageRow, type Queries } from "./queries.js";
import type { Writer } from "./writer.js";

export interface MessageDeps {
  writer: Writer;
  publish: Publish;
  log: Logger;
  /** ChatConfig.requireEncryption: plaintext refused everywhere, not only where a group exists. */
  requireEncryption?: boolean;
}

export function validText(text: string): void {
  const check = checkMessageText(text);
  if (check.ok) return;
  if (check.reason === "too-long") throw new AppError("PAYLOAD_TOO_LARGE", "Messages are at most 4,000 characters.");
  if (check.reason === "empty") throw new AppError("BAD_REQUEST", "A message needs some text.");
  if (check.reason === "bidi")
    throw new AppError(
      "BAD_REQUEST",
      "The text has a bidi control (U+202A-U+202E, U+2066-U+2069) that is not closed within its line.",
    );
  throw new AppError("BAD_REQUEST", "The text contains control characters.");
}

const conflict = () => new AppError("CONFLICT", "This clientMsgId was already used for another message.");

export function createMessages({ writer, publish, requireEncryption = false }: MessageDeps) {
  /**
   * Plaintext never enters a conversation whose MLS group exists (docs/E2E.md section 3), nor any
   * conversation on a server that requires encryption.
   */
  function assertPlaintextAllowed(conv: { mlsEpoch: number | null } | undefined): void {
    if (requireEncryption)
      throw new AppError("ENCRYPTION_REQUIRED", "This server accepts only end-to-end encrypted messages.");
    if (conv && conv.mlsEpoch !== null) throw new AppError("ENCRYPTION_REQUIRED");
  }

  /**
   * Who gets the live edit or deletion of message `targetSeq`: those who may read that message.
   * A group member who joined after it would learn its text (or of it) from the change; their
   * sync shows the change as a `hidden` entry instead (entries.ts toEntry).
   */
  async function readersOf(q: Queries, access: Access, targetSeq: number): Promise<number[]> {
    if (access.kind === "dm") return recipients(q, access);
    return (await q.groupMemberIdsSeeing.all(access.groupId, targetSeq)).map((r) => r.userId);
  }

  /** The target of an edit or delete: the caller's own, visible, undeleted text message. */
  async function ownText(
    q: Queries,
    convId: number,
    seq: number,
    visibleFrom: number,
    userId: number,
  ): Promise<MessageRow> {
    const target = seq > visibleFrom ? await q.messageBySeq.get(convId, seq) : undefined;
    if (!target) throw new AppError("NOT_FOUND", "No such message.");
    if (target.kind !== "text" || target.senderId !== userId) {
      throw new AppError("FORBIDDEN", "You can only change your own messages.");
    }
    if (target.deletedMs !== null) throw new AppError("CONFLICT", "This message has been deleted.");
    return target;
  }

  return {
    async send(userId: number, conversationId: string, clientMsgId: string, text: string): Promise<SendAck> {
      validText(text);
      return writer.submit(
        async (tx, now) => {
          const q = queries(tx);
          // Idempotent forever: the first thing decided, so a retry succeeds even after a kick.
          const dup = await q.messageByClientId.get(userId, clientMsgId);
          if (dup) {
            const changed = dup.editedMs !== null || dup.deletedMs !== null;
            if (dup.key !== conversationId || dup.kind !== "text" || (!changed && dup.body !== text)) throw conflict();
            return { value: { id: dup.id, conversationId, seq: dup.seq, ts: Math.trunc(dup.createdMs), clientMsgId } };
          }
          const access = await resolveAccess(q, userId, conversationId, "post", { lock: true });
          assertPlaintextAllowed(access.conv);
          const conv = await conversationFor(q, access, now);
          const { id, seq } = await append(
            q,
            conv,
            { kind: "text", senderId: userId, clientMsgId, body: text, targetSeq: null, activity: true },
            now,
          );
          const to = await recipients(q, access);
          const sender = await userOrPlaceholder(q, userId);
          const entry: TextEntry = {
            kind: "text",
            id,
            conversationId,
            seq,
            ts: now,
            senderId: userId,
            clientMsgId,
            text,
            editedTs: null,
            deletedTs: null,
          };
          const group = access.kind === "group" ? { id: access.groupId, name: access.groupName } : null;
          return {
            value: { id, conversationId, seq, ts: now, clientMsgId },
            after: () => publish(to, "chat.message.created.v1", { entry, sender, group, preview: previewOf(text) }),
          };
        },
        { key: conversationId },
      );
    },

    async edit(userId: number, conversationId: string, seq: number, text: string): Promise<ChangeAck> {
      validText(text);
      return writer.submit(
        async (tx, now) => {
          const q = queries(tx);
          const access = await resolveAccess(q, userId, conversationId, "post", { lock: true });
          if (!access.conv) throw new AppError("NOT_FOUND", "No such message.");
          assertPlaintextAllowed(access.conv);
          const target = await ownText(q, access.conv.id, seq, access.visibleFrom, userId);
          await q.editMessage.run(text, now, target.id);
          const conv = await conversationFor(q, access, now);
          const added = await append(
            q,
            conv,
            { kind: "edit", senderId: userId, clientMsgId: null, body: "", targetSeq: seq, activity: false },
            now,
          );
          const to = await readersOf(q, access, seq);
          const entry = {
            kind: "edit" as const,
            conversationId,
            ts: now,
            senderId: userId,
            targetSeq: seq,
            text,
            ...added,
          };
          return {
            value: { id: added.id, conversationId, seq: added.seq, ts: now, targetSeq: seq },
            after: () => publish(to, "chat.message.updated.v1", { entry }),
          };
        },
        { key: conversationId },
      );
    },

    async delete(userId: number, conversationId: string, seq: number): Promise<ChangeAck> {
      return writer.submit(
        async (tx, now) => {
          const q = queries(tx);
          const access = await resolveAccess(q, userId, conversationId, "delete", { lock: true });
          if (!access.conv) throw new AppError("NOT_FOUND", "No such message.");
          const target = await ownText(q, access.conv.id, seq, access.visibleFrom, userId);
          await q.deleteMessage.run(now, target.id);
          const conv = await conversationFor(q, access, now);
          const added = await append(
            q,
            conv,
            { kind: "delete", senderId: userId, clientMsgId: null, body: "", targetSeq: seq, activity: false },
            now,
          );
          const to = await readersOf(q, access, seq);
          const entry = {
            kind: "delete" as const,
            conversationId,
            ts: now,
            senderId: userId,
            targetSeq: seq,
            ...added,
          };
          return {
            value: { id: added.id, conversationId, seq: added.seq, ts: now, targetSeq: seq },
            after: () => publish(to, "chat.message.updated.v1", { entry }),
          };
        },
        { key: conversationId },
      );
    },
  };
}
