import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroupInfoWithExternalPubAndRatchetTree,
  decodeGroupState,
  decodeMlsMessage,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  processMessage as mlsProcessMessage,
  zeroOutUint8Array,
  type ClientState,
  type IncomingMessageCallback,
  type MLSMessage,
  type Proposal,
} from "ts-mls";
import { unprotectPrivateMessage } from "ts-mls/messageProtection.js";
import { equalBytes, fromUtf8, packParts, toHex, unpackParts, utf8 } from "./bytes.js";
import type { Device } from "./device.js";
import { E2eError } from "./errors.js";
import { parseGroupId } from "./group-id.js";
import { parseMemberCredential, type MemberIdentity } from "./identity.js";
import { ciphersuite } from "./suite.js";

/** A leaf of the group: a device, where it sits in the tree, and its signature key. */
export interface Member extends MemberIdentity {
  readonly leafIndex: number;
  readonly signaturePublicKey: Uint8Array;
}

/** What a commit this device created sends: to the Delivery Service and to the new members. */
export interface CommitBundle {
  /** The epoch the commit was made in: the DS accepts it only while this is the current epoch. */
  readonly epoch: bigint;
  /** MLSMessage bytes (a PublicMessage: the DS can read the proposals, docs/E2E.md). */
  readonly commit: Uint8Array;
  /** MLSMessage bytes of the Welcome for added devices (with the ratchet tree), if any. */
  readonly welcome?: Uint8Array;
  /** MLSMessage bytes of the new epoch's GroupInfo (ratchet tree, external pub) for the DS. */
  readonly groupInfo: Uint8Array;
}

export type ProcessedMessage =
  | {
      readonly kind: "application";
      readonly epoch: bigint;
      readonly sender: Member;
      readonly data: Uint8Array;
    }
  | {
      readonly kind: "commit";
      /** The epoch the group is in now. */
      readonly epoch: bigint;
      /** Undefined for a commit from a non-member (an external join). */
      readonly committer?: Member;
      readonly added: Member[];
      readonly removed: Member[];
      /** This device was removed: the group is finished for it. */
      readonly removedSelf: boolean;
      /** It was this device's own pending commit, echoed by the DS and now merged. */
      readonly own: boolean;
    }
  | {
      readonly kind: "proposal";
      readonly epoch: bigint;
      readonly proposalType: Proposal["proposalType"];
      /** Proposed by the server (an external sender), not by a member. */
      readonly fromServer: boolean;
      readonly sender?: Member;
      /** For a Remove: the member it removes. */
      readonly target?: Member;
    };

const STATE_MAGIC = "sealroom-e2e-group:1";

function encodeMessage(message: MLSMessage): Uint8Array {
  return encodeMlsMessage(message);
}

function membersOf(state: ClientState): Member[] {
  const out: Member[] = [];
  state.ratchetTree.forEach((node, nodeIndex) => {
    if (node?.nodeType !== "leaf") return;
    const id = parseMemberCredential(node.leaf.credential);
    if (id === undefined) return;
    out.push({
      ...id,
      leafIndex: nodeIndex / 2,
      signaturePublicKey: node.leaf.signaturePublicKey,
    });
  });
  return out;
}

/**
 * One conversation's MLS group as one device sees it. Every method either succeeds and moves the
 * state on, or throws (an E2eError) and leaves it as it was; persist `exportState()` after each
 * successful call.
 *
 * Commits made here stay pending until the Delivery Service accepts them: `mergePendingCommit()`
 * (or processing the commit's own bytes from the log) applies one, `discardPendingCommit()` drops
 * one that lost a race (`stale_epoch`); then catch up and try again.
 */
export class Group {
  private pending: { bundle: CommitBundle; state: ClientState; consumed: Uint8Array[] } | undefined;

  private constructor(
    private state: ClientState,
    private readonly device: Device,
  ) {}

  /** @internal */
  static fromState(state: ClientState, device: Device): Group {
    return new Group(state, device);
  }

  get groupId(): Uint8Array {
    return this.state.groupContext.groupId;
  }

  /** The conversation id the group id names (group-id.ts). */
  get conversationId(): string | undefined {
    return parseGroupId(this.groupId)?.conversationId;
  }

  get epoch(): bigint {
    return this.state.groupContext.epoch;
  }

  /** False once this device was removed from the group. */
  get active(): boolean {
    return this.state.groupActiveState.kind === "active";
  }

  get hasPendingCommit(): boolean {
    return this.pending !== undefined;
  }

  /** Proposals received and not yet committed (e.g. the server's Remove proposals). */
  get pendingProposalCount(): number {
    return Object.keys(this.state.unappliedProposals).length;
  }

  members(): Member[] {
    return membersOf(this.state);
  }

  /** This device's own leaf index. */
  get ownLeafIndex(): number {
    return this.state.privatePath.leafIndex;
  }

  private assertActive(): void {
    if (!this.active) throw new E2eError("not_member", "this device was removed from the group");
  }

  /** Encrypts application data (a content envelope, content.ts) as a PrivateMessage. */
  async encrypt(data: Uint8Array): Promise<Uint8Array> {
    this.assertActive();
    const cs = await ciphersuite();
    const { newState, privateMessage, consumed } = await createApplicationMessage(this.state, data, cs);
    this.state = newState;
    consumed.forEach(zeroOutUint8Array);
    return encodeMessage({ wireformat: "mls_private_message", version: "mls10", privateMessage });
  }

  /**
   * Decrypts an application message. Throws `invalid_message` for a handshake message (use
   * processMessage for the log, which handles every kind).
   */
  async decrypt(bytes: Uint8Array): Promise<{ sender: Member; data: Uint8Array; epoch: bigint }> {
    const result = await this.processMessage(bytes);
    if (result.kind !== "application") {
      throw new E2eError("invalid_message", `expected an application message, got a ${result.kind}`);
    }
    return result;
  }

  /** Commits Add proposals for these KeyPackages (MLSMessage bytes from the key directory). */
  async addMembers(keyPackages: readonly Uint8Array[]): Promise<CommitBundle> {
    const proposals: Proposal[] = keyPackages.map((bytes) => {
      const decoded = decodeMlsMessage(bytes, 0)?.[0];
      if (decoded?.wireformat !== "mls_key_package") {
        throw new E2eError("invalid_message", "not a KeyPackage");
      }
      if (parseMemberCredential(decoded.keyPackage.leafNode.credential) === undefined) {
        throw new E2eError("identity_mismatch", "the KeyPackage does not name a Sealroom device");
      }
      return { proposalType: "add", add: { keyPackage: decoded.keyPackage } };
    });
    return this.commit(proposals);
  }

  /** Commits Remove proposals for every leaf of these users (all devices) or devices. */
  async removeMembers(
    targets: readonly (MemberIdentity | { userId: number; deviceId?: undefined })[],
  ): Promise<CommitBundle> {
    const leaves = this.members().filter((m) =>
      targets.some((t) => t.userId === m.userId && (t.deviceId === undefined || t.deviceId === m.deviceId)),
    );
    if (leaves.length === 0) throw new E2eError("invalid_message", "none of them is in the group");
    return this.commit(leaves.map((m) => ({ proposalType: "remove", remove: { removed: m.leafIndex } })));
  }

  /**
   * Commits the proposals received so far (the server's Remove proposals): the next member
   * device to send does this first. Also a plain key update (post-compromise security) when there
   * are none.
   */
  commitPending(): Promise<CommitBundle> {
    return this.commit([]);
  }

  private async commit(extraProposals: Proposal[]): Promise<CommitBundle> {
    this.assertActive();
    if (this.pending) throw new E2eError("invalid_message", "a commit is already pending");
    const cs = await ciphersuite();
    const epoch = this.epoch;
    let result;
    try {
      result = await createCommit(
        { state: this.state, cipherSuite: cs },
        { extraProposals, ratchetTreeExtension: true, wireAsPublicMessage: true },
      );
    } catch (cause) {
      if (cause instanceof E2eError) throw cause;
      throw new E2eError("invalid_message", "cannot commit these proposals", { cause });
    }
    // `consumed` holds secrets of the current epoch too: wiped only when the commit is merged
    // (wiping now broke the state this device keeps until the DS decides).
    const groupInfo = await createGroupInfoWithExternalPubAndRatchetTree(result.newState, [], cs);
    const bundle: CommitBundle = {
      epoch,
      commit: encodeMessage(result.commit),
      welcome:
        result.welcome === undefined
          ? undefined
          : encodeMessage({ wireformat: "mls_welcome", version: "mls10", welcome: result.welcome }),
      groupInfo: encodeMessage({ wireformat: "mls_group_info", version: "mls10", groupInfo }),
    };
    this.pending = { bundle, state: result.newState, consumed: result.consumed };
    return bundle;
  }

  /** Applies this device's pending commit (the DS accepted it). */
  mergePendingCommit(): void {
    if (!this.pending) throw new E2eError("invalid_message", "no pending commit");
    this.state = this.pending.state;
    this.pending.consumed.forEach(zeroOutUint8Array);
    this.pending = undefined;
  }

  /** Drops this device's pending commit (the DS refused it as stale). */
  discardPendingCommit(): void {
    this.pending = undefined;
  }

  /** The current epoch's GroupInfo (MLSMessage bytes), for the DS and external joins. */
  async groupInfo(): Promise<Uint8Array> {
    const cs = await ciphersuite();
    const groupInfo = await createGroupInfoWithExternalPubAndRatchetTree(this.state, [], cs);
    return encodeMessage({ wireformat: "mls_group_info", version: "mls10", groupInfo });
  }

  /**
   * Processes one message from the conversation log: an application message (decrypted, with its
   * authenticated sender), a proposal (stored until committed), or a commit (the group moves to
   * the next epoch). Refuses with a typed E2eError: `wrong_group`, `stale_epoch` (a handshake
   * message of an epoch already left), `future_epoch`, `not_member`, `invalid_message`.
   */
  async processMessage(bytes: Uint8Array): Promise<ProcessedMessage> {
    if (this.pending && equalBytes(bytes, this.pending.bundle.commit)) {
      const before = this.members();
      this.mergePendingCommit();
      return this.commitResult(before, undefined, true, this.members());
    }
    const cs = await ciphersuite();
    let decoded;
    try {
      decoded = decodeMlsMessage(bytes, 0)?.[0];
    } catch (cause) {
      throw new E2eError("invalid_message", "malformed MLS message", { cause });
    }
    if (decoded?.wireformat !== "mls_private_message" && decoded?.wireformat !== "mls_public_message") {
      throw new E2eError("invalid_message", "not a group message");
    }
    const header =
      decoded.wireformat === "mls_private_message"
        ? {
            groupId: decoded.privateMessage.groupId,
            epoch: decoded.privateMessage.epoch,
            contentType: decoded.privateMessage.contentType,
          }
        : {
            groupId: decoded.publicMessage.content.groupId,
            epoch: decoded.publicMessage.content.epoch,
            contentType: decoded.publicMessage.content.contentType,
          };
    if (!equalBytes(header.groupId, this.groupId)) {
      throw new E2eError("wrong_group", "the message belongs to another group");
    }
    if (header.epoch > this.epoch) {
      throw new E2eError(
        this.active ? "future_epoch" : "not_member",
        `message of epoch ${header.epoch}, the group is at ${this.epoch}`,
      );
    }
    if (!this.active) throw new E2eError("not_member", "this device was removed from the group");
    if (header.contentType !== "application" && header.epoch < this.epoch) {
      throw new E2eError(
        "stale_epoch",
        `a ${header.contentType} of epoch ${header.epoch}; the group is at ${this.epoch}`,
      );
    }

    // Application messages: decrypt here to learn the authenticated sender (ts-mls's
    // processMessage returns only the bytes). Same checks, including the epochs kept for late
    // messages (keyRetentionConfig.retainKeysForEpochs).
    if (decoded.wireformat === "mls_private_message" && header.contentType === "application") {
      const pm = decoded.privateMessage;
      const current = pm.epoch === this.epoch;
      const receiver = current ? undefined : this.state.historicalReceiverData.get(pm.epoch);
      if (!current && receiver === undefined) {
        throw new E2eError("stale_epoch", `epoch ${pm.epoch} is too old to decrypt`);
      }
      let result;
      try {
        result = await unprotectPrivateMessage(
          receiver?.senderDataSecret ?? this.state.keySchedule.senderDataSecret,
          pm,
          receiver?.secretTree ?? this.state.secretTree,
          receiver?.ratchetTree ?? this.state.ratchetTree,
          receiver?.groupContext ?? this.state.groupContext,
          this.state.clientConfig.keyRetentionConfig,
          cs,
        );
      } catch (cause) {
        throw new E2eError("invalid_message", "cannot decrypt or authenticate", { cause });
      }
      const content = result.content.content;
      if (content.contentType !== "application" || content.sender.senderType !== "member") {
        throw new E2eError("invalid_message", "not an application message from a member");
      }
      const tree = receiver?.ratchetTree ?? this.state.ratchetTree;
      const leaf = tree[content.sender.leafIndex * 2];
      const id = leaf?.nodeType === "leaf" ? parseMemberCredential(leaf.leaf.credential) : undefined;
      if (leaf?.nodeType !== "leaf" || id === undefined) {
        throw new E2eError("invalid_message", "sender is not a member");
      }
      if (current) {
        this.state = { ...this.state, secretTree: result.tree };
      } else if (receiver) {
        const historical = new Map(this.state.historicalReceiverData);
        historical.set(pm.epoch, { ...receiver, secretTree: result.tree });
        this.state = { ...this.state, historicalReceiverData: historical };
      }
      result.consumed.forEach(zeroOutUint8Array);
      return {
        kind: "application",
        epoch: pm.epoch,
        sender: {
          ...id,
          leafIndex: content.sender.leafIndex,
          signaturePublicKey: leaf.leaf.signaturePublicKey,
        },
        data: content.applicationData,
      };
    }

    // Handshake messages. The callback sees what ts-mls is about to apply: external senders may
    // only propose removals.
    let seen:
      | { kind: "commit"; committer?: number }
      | { kind: "proposal"; proposal: Proposal; sender?: number; fromServer: boolean }
      | undefined;
    const callback: IncomingMessageCallback = (incoming) => {
      if (incoming.kind === "commit") {
        seen = { kind: "commit", committer: incoming.senderLeafIndex };
        return acceptAll(incoming);
      }
      const fromServer =
        decoded.wireformat === "mls_public_message" && decoded.publicMessage.content.sender.senderType === "external";
      seen = {
        kind: "proposal",
        proposal: incoming.proposal.proposal,
        sender: incoming.proposal.senderLeafIndex,
        fromServer,
      };
      if (fromServer && incoming.proposal.proposal.proposalType !== "remove") return "reject";
      return "accept";
    };
    const before = this.members();
    let result;
    try {
      result = await mlsProcessMessage(decoded, this.state, emptyPskIndex, callback, cs);
    } catch (cause) {
      if (cause instanceof E2eError) throw cause;
      throw new E2eError("invalid_message", "the group refuses this message", { cause });
    }
    if (result.kind !== "newState" || seen === undefined) {
      throw new E2eError("invalid_message", "unexpected message kind");
    }
    if (result.actionTaken === "reject") {
      throw new E2eError("invalid_message", "the group refuses this proposal");
    }
    const previousState = this.state;
    this.state = result.newState;
    result.consumed.forEach(zeroOutUint8Array);
    if (seen.kind === "commit") {
      this.pending = undefined; // another commit won: ours (if any) is stale now
      return this.commitResult(before, seen.committer, false, membersOf(result.newState));
    }
    const proposal = seen.proposal;
    const target =
      proposal.proposalType === "remove"
        ? membersOf(previousState).find((m) => m.leafIndex === proposal.remove.removed)
        : undefined;
    const senderLeaf = seen.sender;
    const sender = senderLeaf === undefined ? undefined : before.find((m) => m.leafIndex === senderLeaf);
    return {
      kind: "proposal",
      epoch: this.epoch,
      proposalType: proposal.proposalType,
      fromServer: seen.fromServer,
      ...(sender ? { sender } : {}),
      ...(target ? { target } : {}),
    };
  }

  private commitResult(
    before: Member[],
    committerLeaf: number | undefined,
    own: boolean,
    after: Member[],
  ): ProcessedMessage {
    const key = (m: Member) => `${m.leafIndex}:${toHex(m.signaturePublicKey)}`;
    const beforeKeys = new Set(before.map(key));
    const afterKeys = new Set(after.map(key));
    const committer = own
      ? before.find((m) => m.leafIndex === this.ownLeafIndex)
      : before.find((m) => m.leafIndex === committerLeaf);
    return {
      kind: "commit",
      epoch: this.epoch,
      ...(committer ? { committer } : {}),
      added: after.filter((m) => !beforeKeys.has(key(m))),
      removed: before.filter((m) => !afterKeys.has(key(m))),
      removedSelf: !this.active,
      own,
    };
  }

  /**
   * The group's persistent state: ts-mls's GroupState encoding (RFC structures plus the private
   * keys of this leaf and the retained epochs' receiver secrets). A pending commit is not
   * included: after a restart, make it again.
   */
  exportState(): Uint8Array {
    return packParts([utf8(STATE_MAGIC), encodeGroupState(this.state)]);
  }

  static importState(bytes: Uint8Array, device: Device): Group {
    try {
      const [magic, encoded] = unpackParts(bytes);
      if (magic === undefined || fromUtf8(magic) !== STATE_MAGIC || encoded === undefined) {
        throw new Error("magic");
      }
      const state = decodeGroupState(encoded, 0)?.[0];
      if (state === undefined) throw new Error("group state");
      return new Group({ ...state, clientConfig: device.clientConfig }, device);
    } catch (cause) {
      throw new E2eError("invalid_state", "not a group state", { cause });
    }
  }
}
