/**
 * Sending in an encrypted conversation (docs/E2E.md section 3, "Sending" and "The committer
 * rule"): the device about to send first makes its group complete (joined from a Welcome, joined
 * by itself with an External Commit, created, or with the Adds of member devices it lacks and the
 * server's pending proposals committed), then encrypts and sends. STALE_EPOCH (another commit
 * won) means: catch up and make it again; GROUP_INCOMPLETE (the DS knows of a member device the
 * cached lists did not): ask the directory again, add it, and make it again.
 */
import {
  decodeExternalSenderDescriptor,
  E2eError,
  encodeContent,
  type Content,
  type Device,
  type ExternalSender,
} from "@sealroom/e2e";
import type { SendAck } from "@sealroom/proto/chat";
import type { CommandBody, CommandValue } from "@sealroom/proto/commands";
import { AppError, type Result } from "@sealroom/proto/errors";
import type { SealroomClient } from "../client.js";
import { newClientMsgId } from "../chat/outbox.js";
import { b64, fromB64 } from "./base64url.js";
import type { Surfaced } from "./contents.js";
import type { ConversationStates } from "./conversations.js";
import type { DeviceDirectory } from "./directory.js";
import type { GroupRecord } from "./group-record.js";
import { LostGroup, type LogReader } from "./log-reader.js";
import { claimMissing } from "./members.js";

export interface GroupSenderHost {
  readonly client: Pick<SealroomClient, "request" | "call">;
  readonly states: ConversationStates;
  readonly directory: DeviceDirectory;
  readonly reader: LogReader;
  /** Rounds of catching up after STALE_EPOCH before a send gives up for now (retryable). */
  readonly maxStaleRetries: number;
  /** This device's own application messages by clientMsgId (it cannot decrypt what it sent). */
  readonly own: Map<string, Content>;
  /** The signed-in user (throws when nobody is). */
  userId(): number;
  /** Joins from the Welcomes waiting for this device; fails when the inbox could not be read. */
  fetchWelcomes(): Promise<void>;
}

/** Tries of one chat.mls.send whose outcome is unknown before the failure is the caller's (about 15 s). */
const DELIVER_ATTEMPTS = 6;

/** Another commit won: catch up and make the message again. */
class StaleEpoch extends Error {}

export class GroupSender {
  /** Times a commit or message of this device lost to another commit (STALE_EPOCH) and was made again. */
  staleRetries = 0;
  private externalSender: Promise<ExternalSender> | undefined;

  constructor(private readonly host: GroupSenderHost) {}

  /** Sends one content; it is read into the conversation's contents (and saved) at the ack. */
  async send(
    conversationId: string,
    clientMsgId: string,
    content: Content,
    device: Device,
  ): Promise<{ ack: SendAck; surfaced: Surfaced[] }> {
    const envelope = encodeContent(content);
    let stuck = 0;
    for (let round = 0; round <= this.host.maxStaleRetries; round++) {
      try {
        const record = await this.membership(conversationId, device);
        const message = await record.group.encrypt(envelope);
        await this.host.states.save(conversationId, record);
        this.host.own.set(clientMsgId, content);
        // A text is a new message: the server counts it as unread for the others and moves the
        // conversation up their lists; an edit or deletion is not (docs/E2E.md section 3).
        const notify = content.type === "text" ? { notify: true } : {};
        const sent = await this.deliver({ conversationId, clientMsgId, message: b64(message), ...notify });
        if (!sent.ok && sent.error.code === "GROUP_INCOMPLETE") {
          // The cached member or device lists missed a new member or device: asked again, added.
          this.host.directory.invalidate();
          throw new StaleEpoch();
        }
        if (!sent.ok) throw sent.error.code === "STALE_EPOCH" ? new StaleEpoch() : AppError.from(sent.error);
        const { id, seq, ts } = sent.value;
        const ack = { id, conversationId, seq, ts, clientMsgId };
        // MLS cannot decrypt its own messages: what this device keeps of the message is all there is.
        const surfaced = this.host.states
          .contentsOf(conversationId)
          .read({ senderId: this.host.userId(), ...ack }, content);
        this.host.states.settle(conversationId, record, seq);
        await this.host.states.save(conversationId, record);
        return { ack, surfaced };
      } catch (err) {
        if (!(err instanceof StaleEpoch)) throw err;
        this.staleRetries++;
        const judged = await this.host.states.record(conversationId, device);
        stuck = (await this.catchUp(conversationId, device)) ? 0 : stuck + 1;
        // Twice the log read to its end without reaching the group's epoch: the device was left
        // behind (removed and invited back: what happened in between is not its to read). It
        // forgets the group and joins again (a Welcome of a member's Add, or an External Commit).
        if (stuck >= 2) {
          if (judged) await this.host.states.drop(conversationId, judged);
          stuck = 0;
        }
      }
    }
    throw new AppError("UNAVAILABLE", "Other devices kept changing the conversation's group; trying again later.");
  }

  /** The conversation's group with every member device in it: joined, created or completed first. */
  private async membership(conversationId: string, device: Device): Promise<GroupRecord> {
    let record = await this.host.states.record(conversationId, device);
    if (record && !record.group.active) {
      // Removed from it (kicked, then invited back): joined again as a new member.
      await this.host.states.drop(conversationId, record);
      record = undefined;
    }
    if (!record) {
      await this.host.fetchWelcomes();
      record = await this.host.states.record(conversationId, device);
    }
    if (!record) {
      const info = await this.host.client.call("chat.mls.groupInfo", { conversationId });
      if (!info.ok && info.error.code !== "NOT_FOUND") throw AppError.from(info.error);
      if (!info.ok) return this.establish(conversationId, device);
      // The group exists without this device (a new device, no Welcome waiting): it joins by itself.
      record = await this.joinExternal(conversationId, device, fromB64(info.value.groupInfo));
    }
    const missing = await claimMissing(
      this.host.client,
      this.host.directory,
      conversationId,
      record.group,
      device.identity,
    );
    if (missing.keyPackages.length === 0 && record.group.pendingProposalCount === 0) return record;
    const bundle =
      missing.keyPackages.length > 0
        ? await record.group.addMembers(missing.keyPackages)
        : await record.group.commitPending();
    try {
      const seq = await this.sendCommit(conversationId, bundle, missing.deviceIds);
      record.group.mergePendingCommit();
      this.host.states.settle(conversationId, record, seq);
    } catch (err) {
      // An Add the DS refused: the cached member or device lists were older than a change on the
      // server (a member gone, a device signed out). Asked again, and the commit made again.
      if (err instanceof AppError && err.code === "FORBIDDEN" && missing.keyPackages.length > 0) {
        this.host.directory.invalidate();
        throw new StaleEpoch();
      }
      throw err;
    } finally {
      if (record.group.hasPendingCommit) record.group.discardPendingCommit();
    }
    await this.host.states.save(conversationId, record);
    return record;
  }

  /** The conversation's first commit: a new group with every member device (this one's first). */
  private async establish(conversationId: string, device: Device): Promise<GroupRecord> {
    // The server is every group's external sender (it proposes removals); the DS refuses a group without it.
    const group = await device.createGroup(conversationId, { externalSenders: [await this.serverSender()] });
    const missing = await claimMissing(this.host.client, this.host.directory, conversationId, group, device.identity);
    const bundle =
      missing.keyPackages.length > 0 ? await group.addMembers(missing.keyPackages) : await group.commitPending();
    const seq = await this.sendCommit(conversationId, bundle, missing.deviceIds).catch((err: unknown) => {
      // As for a later commit (membership): an Add refused because the lists were old; asked again.
      if (err instanceof AppError && err.code === "FORBIDDEN" && missing.keyPackages.length > 0) {
        this.host.directory.invalidate();
        throw new StaleEpoch();
      }
      throw err;
    });
    group.mergePendingCommit();
    const record: GroupRecord = { group, seq, joinedEpoch: 0n };
    await this.host.states.adopt(conversationId, record);
    return record;
  }

  /**
   * An External Commit from the group's current GroupInfo (RFC 9420 section 12.4.3.2): the DS
   * admits it only for this device of a participant, in the GroupInfo's epoch. STALE_EPOCH (a
   * commit got in first, maybe the Add of this very device) is thrown for send's catch-up, which
   * fetches Welcomes first: a device that was added meanwhile joins by its Welcome instead.
   */
  private async joinExternal(conversationId: string, device: Device, groupInfo: Uint8Array): Promise<GroupRecord> {
    let joined;
    try {
      joined = await device.joinExternal(groupInfo);
    } catch (err) {
      // The tree holds a leaf the key directory does not vouch for (counted in refusedLeaves), or
      // is malformed: not a group to join; a member's next send may add this device (retryable).
      if (err instanceof E2eError)
        throw new AppError("UNAVAILABLE", "This device cannot join the conversation's group.");
      throw err;
    }
    const seq = await this.sendCommit(conversationId, joined.bundle, []);
    // Nothing before the join is readable here (section 1): the reader starts after the commit.
    const record: GroupRecord = { group: joined.group, seq, joinedEpoch: joined.group.epoch };
    await this.host.states.adopt(conversationId, record);
    return record;
  }

  /** The server's external sender: one per installation, so asked once per engine. */
  private serverSender(): Promise<ExternalSender> {
    this.externalSender ??= this.host.client
      .request("chat.mls.serverSender", {})
      .then((v) => decodeExternalSenderDescriptor(fromB64(v.externalSender)));
    this.externalSender.catch(() => (this.externalSender = undefined));
    return this.externalSender;
  }

  private async sendCommit(
    conversationId: string,
    bundle: { commit: Uint8Array; groupInfo: Uint8Array; welcome?: Uint8Array },
    deviceIds: string[],
  ): Promise<number> {
    const sent = await this.deliver({
      conversationId,
      clientMsgId: newClientMsgId(),
      message: b64(bundle.commit),
      groupInfo: b64(bundle.groupInfo),
      ...(bundle.welcome && deviceIds.length > 0 ? { welcome: { message: b64(bundle.welcome), deviceIds } } : {}),
    });
    if (!sent.ok) throw sent.error.code === "STALE_EPOCH" ? new StaleEpoch() : AppError.from(sent.error);
    return sent.value.seq;
  }

  /**
   * chat.mls.send, repeated as it is while its outcome is unknown (a lost reply, the chat service
   * restarting, a timeout): the DS answers a repeat of what it stored with the first one's ack (same
   * clientMsgId and bytes), so a commit the server took is merged here and not thrown away, which
   * would leave this device's leaf in the group with keys it no longer has (everything sent to it
   * unreadable until it joined again). Made again instead, the same clientMsgId would carry other
   * bytes: CONFLICT for a message the server did store.
   */
  private async deliver(body: CommandBody<"chat.mls.send">): Promise<Result<CommandValue<"chat.mls.send">>> {
    for (let attempt = 1; ; attempt++) {
      const sent = await this.host.client.call("chat.mls.send", body);
      if (sent.ok || !sent.error.retryable || attempt >= DELIVER_ATTEMPTS) return sent;
      await new Promise((r) => setTimeout(r, Math.min(4000, 200 * 2 ** attempt)));
    }
  }

  /**
   * After STALE_EPOCH: the log read to its end, or the Welcome of the group that won. False when
   * the device's group did not move (nothing to catch up on: another commit may still be on its
   * way, or the device cannot catch up at all); a group it was removed from is dropped at once.
   */
  private async catchUp(conversationId: string, device: Device): Promise<boolean> {
    const record = await this.host.states.record(conversationId, device);
    if (!record) {
      await this.host.fetchWelcomes();
      return true;
    }
    const epoch = record.group.epoch;
    try {
      await this.host.reader.fill(conversationId, record);
    } catch (err) {
      if (!(err instanceof LostGroup)) throw err;
      await this.host.states.drop(conversationId, record);
      return true;
    }
    if (!record.group.active) {
      await this.host.states.drop(conversationId, record);
      return true;
    }
    return record.group.epoch !== epoch;
  }
}
