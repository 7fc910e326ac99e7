/**
 * The chat service as MLS's Delivery Service (docs/E2E.md section 3; docs/protocol/chat.md,
 * "End-to-end encrypted conversations"). It reads only what MLS leaves in the clear (@sealroom/e2e:
 * inspectMessage, the group id, epoch and content type; inspectProposals, a PublicMessage's Adds;
 * inspectMembership, a GroupInfo's leaves and external senders), never a key, and orders the
 * group's messages in the conversation log: a message enters only for the conversation's group
 * and current epoch, and a commit moves the epoch in the same transaction that assigns its seq,
 * so of two commits made in one epoch exactly one gets in.
 */
import {
  E2eError,
  inspectGroupInfo,
  inspectMembership,
  inspectMessage,
  inspectProposals,
  inspectSender,
  type ExternalSenderKey,
  type InspectedAdd,
  type InspectedLeaf,
} from "@sealroom/e2e";
import {
  CHAT_LIMITS,
  MLS_LIMITS,
  type MlsEntry,
  type MlsEntryKind,
  type MlsSendAck,
  type MlsWelcome,
  type mlsSendBody,
} from "@sealroom/proto/chat";
import { AppError } from "@sealroom/proto/errors";
import type { SqlDb } from "@sealroom/db/sql";
import type { z } from "zod";
import { recipients, resolveAccess, userOrPlaceholder } from "./access.js";
import { takeWithin } from "./bounds.js";
import { append, conversationFor } from "./entries.js";
import { belongs, readers } from "./group-readers.js";
import { assertComplete, assertSender, assertWelcomed, LeavesCache, type SenderFacts } from "./mls-senders.js";
import type { Publish } from "./publish.js";
import { queries, type Queries } from "./queries.js";
import type { Writer } from "./writer.js";

export interface MlsDeps {
  db: SqlDb;
  writer: Writer;
  publish: Publish;
  /** The server's external sender: every group must list it (server-sender.ts). */
  sender: ExternalSenderKey;
  /** After a commit is accepted (a new epoch): the reconciler looks at the new tree. */
  onCommit?: (conversationId: string) => void;
}

type SendBody = z.output<typeof mlsSendBody>;

/** Until group re-creation exists, every conversation's group is generation 0 (docs/E2E.md section 4). */
export const groupIdOf = (conversationId: string) => `sealroom:1:${conversationId}:0`;

const badRequest = (message: string) => new AppError("BAD_REQUEST", message);

/** base64url to bytes; only the canonical spelling, so the stored text is exactly what was sent. */
function bytesOf(field: string, text: string): Uint8Array {
  const bytes = Buffer.from(text, "base64url");
  if (bytes.toString("base64url") !== text) throw badRequest(`${field} is not canonical base64url.`);
  return bytes;
}

function inspect<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof E2eError) throw badRequest(`${field} is not a well-formed MLS message.`);
    throw err;
  }
}

/**
 * What the framing says the message is, checked against everything but the log's state. `epoch`:
 * the one the message was made in. A commit brings its GroupInfo and, maybe, its Welcome.
 */
type Checked =
  | ({ kind: Exclude<MlsEntryKind, "mls.commit">; epoch: number } & Membership)
  | ({
      kind: "mls.commit";
      epoch: number;
      groupInfo: string;
      welcome: SendBody["welcome"];
    } & Membership);

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/**
 * The sender and the proposals a handshake message carries by value (Adds, Removes by leaf index,
 * references, other types); an application message has none and an encrypted sender.
 */
type Membership = Omit<SenderFacts, "kind">;

/** Checked against social, the key directory and the calling device in the transaction. */
function membershipOf(kind: "application" | "proposal" | "commit", message: Uint8Array): Membership {
  const sender = inspect("message", () => inspectSender(message));
  if (kind === "application") return { sender, adds: [], removes: [], references: 0, others: [] };
  const { adds, removes, references, others } = inspect("message", () => inspectProposals(message));
  return { sender, adds, removes, references, others };
}

function check(conversationId: string, body: SendBody, serverKey: Uint8Array): Checked {
  const message = bytesOf("message", body.message);
  const header = inspect("message", () => inspectMessage(message));
  if (header.wireFormat !== "public" && header.wireFormat !== "private") {
    throw badRequest("message must be an MLS PublicMessage or PrivateMessage.");
  }
  if (header.groupId !== groupIdOf(conversationId)) {
    throw badRequest("message belongs to another MLS group than this conversation's.");
  }
  // docs/E2E.md section 3: handshake messages in the clear (the DS reads them), content encrypted.
  if (header.contentType === "application" ? header.wireFormat !== "private" : header.wireFormat !== "public") {
    throw badRequest("Commits and proposals travel as PublicMessages, application messages as PrivateMessages.");
  }
  if (header.contentType !== "commit") {
    if (body.groupInfo !== undefined || body.welcome !== undefined) {
      throw badRequest("groupInfo and welcome go only with a commit.");
    }
    if (header.contentType !== "application" && body.notify !== undefined) {
      throw badRequest("notify goes only with an application message.");
    }
    const kind = header.contentType === "application" ? "mls.app" : "mls.proposal";
    return { kind, epoch: header.epoch, ...membershipOf(header.contentType, message) };
  }
  const { groupInfo, welcome } = body;
  if (groupInfo === undefined) throw badRequest("A commit needs the GroupInfo of the epoch it creates.");
  if (body.notify !== undefined) throw badRequest("notify goes only with an application message.");
  const infoBytes = bytesOf("groupInfo", groupInfo);
  const info = inspect("groupInfo", () => inspectGroupInfo(infoBytes));
  if (info.groupId !== header.groupId || info.epoch !== header.epoch + 1) {
    throw badRequest("groupInfo must be of this group and of the epoch the commit creates.");
  }
  // docs/E2E.md section 3: the server can always propose removals, in every epoch.
  const senders = inspect("groupInfo", () => inspectMembership(infoBytes)).externalSenderKeys;
  if (!senders.some((key) => sameBytes(key, serverKey))) {
    throw badRequest("groupInfo must list the server's external sender (chat.mls.serverSender).");
  }
  if (welcome) {
    const framing = inspect("welcome", () => inspectMessage(bytesOf("welcome.message", welcome.message)));
    if (framing.wireFormat !== "welcome") throw badRequest("welcome.message is not an MLS Welcome.");
    if (new Set(welcome.deviceIds).size !== welcome.deviceIds.length) {
      throw badRequest("welcome.deviceIds names a device twice.");
    }
  }
  return { kind: "mls.commit", epoch: header.epoch, ...membershipOf("commit", message), groupInfo, welcome };
}

const notAllowed = () =>
  new AppError(
    "FORBIDDEN",
    "An Add must name a registered device (with its key) of a user who may be in the conversation.",
  );

/**
 * Each Add names a device of a current participant, with the key the key directory holds for it.
 * Adds by reference were checked when their proposal entered the log.
 */
async function assertAdds(q: Queries, members: readonly number[], adds: readonly InspectedAdd[]): Promise<void> {
  for (const add of adds) {
    if (!add.member || !members.includes(add.member.userId)) throw notAllowed();
    const device = await q.deviceById.get(add.member.deviceId);
    if (device?.userId !== add.member.userId) throw notAllowed();
    if (device.signatureKey !== Buffer.from(add.signatureKey).toString("base64url")) throw notAllowed();
  }
}

/**
 * A member may remove only leaves that no longer belong (group-readers.ts): the ones the server
 * proposes too. Otherwise one member could push others out of the group's keys, which social's
 * rules do not allow. `removes` are leaf indexes of the current epoch's tree, whose GroupInfo the
 * last accepted commit stored.
 */
async function assertRemoves(
  q: Queries,
  leaves: readonly InspectedLeaf[],
  key: string,
  removes: readonly number[],
): Promise<void> {
  if (removes.length === 0) return;
  const allowed = await readers(q, key);
  for (const index of removes) {
    const leaf = leaves.find((l) => l.leafIndex === index);
    if (!leaf || (await belongs(q, allowed, leaf))) {
      throw new AppError("FORBIDDEN", "A Remove may name only a device that no longer belongs in the conversation.");
    }
  }
}

/**
 * A group's first commit: besides the devices it adds, its tree holds one leaf, the founder's,
 * which must be the calling session's device under its registered key. Later commits can only
 * add leaves through checked Adds; this closes the one way in that no Add names.
 */
async function assertFounder(
  q: Queries,
  callerDeviceId: string,
  key: string,
  c: Checked,
): Promise<readonly InspectedLeaf[] | undefined> {
  if (c.kind !== "mls.commit") return undefined;
  const added = new Set(c.adds.map((a) => a.member?.deviceId));
  const leaves = inspectMembership(new Uint8Array(Buffer.from(c.groupInfo, "base64url"))).leaves;
  const founders = leaves.filter((l) => !added.has(l.member?.deviceId));
  const founder = founders.length === 1 ? founders[0] : undefined;
  if (!founder || founder.member?.deviceId !== callerDeviceId || !(await belongs(q, await readers(q, key), founder))) {
    throw new AppError(
      "FORBIDDEN",
      "A group's first commit must hold, besides the devices it adds, only the calling device under its registered key.",
    );
  }
  return leaves;
}

/** The epoch the group is in once an entry of this kind and epoch is in the log. */
const epochAfter = (c: Checked) => (c.kind === "mls.commit" ? c.epoch + 1 : c.epoch);

function assertEpoch(current: number | null, c: Checked): void {
  if (current === null) {
    if (c.kind === "mls.commit" && c.epoch === 0) return;
    throw new AppError(
      "CONFLICT",
      "This conversation has no end-to-end group yet: its first commit (of epoch 0) establishes it.",
    );
  }
  if (c.epoch !== current) {
    throw new AppError(
      "STALE_EPOCH",
      `The conversation's group is at epoch ${current}, this message is of epoch ${c.epoch}: catch up on the log and try again.`,
    );
  }
}

const conflict = () => new AppError("CONFLICT", "This clientMsgId was already used for another message.");

export function createMls({ db, writer, publish, sender, onCommit }: MlsDeps) {
  const trees = new LeavesCache();
  /** The Device row of the calling session (auth's key directory). */
  async function deviceOf(q: Queries, sessionId: string): Promise<{ id: string; userId: number }> {
    const device = await q.deviceBySession.get(sessionId);
    if (!device) throw new AppError("DEVICE_NOT_REGISTERED");
    return device;
  }

  return {
    async send(userId: number, sessionId: string, body: SendBody): Promise<MlsSendAck> {
      const { conversationId, clientMsgId } = body;
      const checked = check(conversationId, body, sender.signaturePublicKey);
      return writer.submit(
        async (tx, now) => {
          const q = queries(tx);
          // Idempotent forever, as chat.send: decided first, so a retry succeeds even after a kick.
          const dup = await q.messageByClientId.get(userId, clientMsgId);
          if (dup) {
            if (dup.key !== conversationId || dup.kind !== checked.kind || dup.body !== body.message) throw conflict();
            const ts = Math.trunc(dup.createdMs);
            return { value: { id: dup.id, conversationId, seq: dup.seq, ts, clientMsgId, epoch: epochAfter(checked) } };
          }
          const access = await resolveAccess(q, userId, conversationId, "post", { lock: true });
          const conv = await conversationFor(q, access, now);
          assertEpoch(conv.mlsEpoch, checked);
          const caller = await deviceOf(q, sessionId);
          const leaves = await trees.current(q, conv);
          const treeEpoch = conv.mlsEpoch;
          const founders =
            conv.mlsEpoch !== null ? undefined : await assertFounder(q, caller.id, conversationId, checked);
          const members = await recipients(q, access);
          await assertSender(q, caller, checked, leaves, founders, members);
          if (checked.kind === "mls.app") await assertComplete(q, access, leaves);
          await assertAdds(q, members, checked.adds);
          // An External Commit's Removes (a resync of the caller's own old leaf) were checked above.
          if (checked.sender.kind !== "new_member_commit") {
            await assertRemoves(q, leaves ?? [], conversationId, checked.removes);
          }
          const welcomed: { id: string; userId: number }[] = [];
          const welcome = checked.kind === "mls.commit" ? checked.welcome : undefined;
          if (checked.kind === "mls.commit") assertWelcomed(checked.adds, welcome?.deviceIds ?? []);
          for (const deviceId of welcome?.deviceIds ?? []) {
            const device = await q.deviceById.get(deviceId);
            if (!device || !members.includes(device.userId)) {
              throw new AppError("FORBIDDEN", "A Welcome can only go to devices of the conversation's members.");
            }
            welcomed.push(device);
          }
          const notify = checked.kind === "mls.app" && body.notify === true;
          const { id, seq } = await append(
            q,
            conv,
            {
              kind: checked.kind,
              senderId: userId,
              clientMsgId,
              body: body.message,
              targetSeq: null,
              // Only new messages move a conversation up the list and count as unread: not key
              // updates, membership commits, edits, deletions or reactions.
              activity: notify,
              notify,
            },
            now,
          );
          const epoch = epochAfter(checked);
          if (checked.kind === "mls.commit") {
            await q.setMlsEpoch.run(epoch, conv.id);
            conv.mlsEpoch = epoch;
            await q.upsertGroupInfo.run(conv.id, epoch, checked.groupInfo, now);
            if (welcome) {
              for (const device of welcomed) {
                await q.insertWelcome.run(device.id, conv.id, epoch, welcome.message, now);
              }
            }
          }
          const sender = await userOrPlaceholder(q, userId);
          const entry: MlsEntry = {
            kind: checked.kind,
            id,
            conversationId,
            seq,
            ts: now,
            senderId: userId,
            clientMsgId,
            message: body.message,
          };
          const group = access.kind === "group" ? { id: access.groupId, name: access.groupName } : null;
          return {
            value: { id, conversationId, seq, ts: now, clientMsgId, epoch },
            after: () => {
              // A commit moved the epoch: its tree is the next send's to read.
              if (leaves && treeEpoch !== null && checked.kind !== "mls.commit") {
                trees.remember(conv.id, treeEpoch, leaves);
              }
              publish(members, "chat.message.created.v1", { entry, sender, group, preview: "" });
              for (const device of welcomed) {
                publish([device.userId], "chat.mls.welcome.v1", { conversationId, deviceId: device.id });
              }
              if (checked.kind === "mls.commit") onCommit?.(conversationId);
            },
          };
        },
        { key: conversationId },
      );
    },

    /** The calling device's Welcomes, oldest first, within the page's count and byte bounds. */
    welcomes(sessionId: string): Promise<{ welcomes: MlsWelcome[]; more: boolean }> {
      return db.snapshot(async (tx) => {
        const q = queries(tx);
        const device = await deviceOf(q, sessionId);
        const rows = await q.welcomesOf.all(device.id, device.userId, MLS_LIMITS.welcomesPageMax + 1);
        const items = rows
          .slice(0, MLS_LIMITS.welcomesPageMax)
          .map((r) => ({ id: r.id, conversationId: r.key, epoch: r.epoch, message: r.data }));
        const { taken, cut } = takeWithin(items, { welcomes: [], more: true }, CHAT_LIMITS.replyBytesMax);
        return { welcomes: taken, more: cut || rows.length > MLS_LIMITS.welcomesPageMax };
      });
    },

    /** Deletes the calling device's Welcomes among `ids`; others' rows stay whatever the ids. */
    ackWelcomes(sessionId: string, ids: readonly number[]): Promise<Record<string, never>> {
      return writer.submit(
        async (tx) => {
          const q = queries(tx);
          const device = await deviceOf(q, sessionId);
          for (const id of ids) await q.deleteWelcome.run(id, device.id);
          return { value: {} };
        },
        { key: `device:${sessionId}` },
      );
    },

    /** The server's external sender, as every group must list it. */
    serverSender(): { externalSender: string } {
      return { externalSender: Buffer.from(sender.encodedDescriptor()).toString("base64url") };
    },

    /** The current epoch's GroupInfo, for current participants only. */
    groupInfo(userId: number, conversationId: string) {
      return db.snapshot(async (tx) => {
        const q = queries(tx);
        const access = await resolveAccess(q, userId, conversationId, "read");
        if (access.kind === "group" && access.former) {
          throw new AppError("FORBIDDEN", "You are no longer a member of this group.");
        }
        const row = access.conv && (await q.groupInfo.get(access.conv.id));
        if (!row) throw new AppError("NOT_FOUND", "This conversation has no end-to-end group.");
        return { conversationId, epoch: row.epoch, groupInfo: row.data };
      });
    },
  };
}
