import {
  decodeMlsMessage,
  encodeExternalSender,
  encodeMlsMessage,
  proposeExternal,
  type ExternalSender,
  type GroupInfo,
} from "ts-mls";
import { ratchetTreeFromExtension } from "ts-mls/groupInfo.js";
import { fromUtf8, packParts, unpackParts, utf8 } from "./bytes.js";
import { E2eError } from "./errors.js";
import { parseMemberCredential, SERVER_CREDENTIAL_IDENTITY, type MemberIdentity } from "./identity.js";
import { ciphersuite } from "./suite.js";

const STATE_MAGIC = "sealroom-e2e-external-sender:1";

function groupInfoOf(bytes: Uint8Array): GroupInfo {
  let decoded;
  try {
    decoded = decodeMlsMessage(bytes, 0)?.[0];
  } catch (cause) {
    throw new E2eError("invalid_message", "not a GroupInfo", { cause });
  }
  if (decoded?.wireformat !== "mls_group_info") throw new E2eError("invalid_message", "not a GroupInfo");
  return decoded.groupInfo;
}

/**
 * The server's MLS external sender (RFC 9420 section 12.1.8.1): an Ed25519 key pair whose public
 * half every group lists in its external_senders extension, so that the server can propose the
 * removal of devices that social says are no longer allowed. It cannot read anything, add anyone
 * or commit: a member device commits its proposals (Group.commitPending).
 */
export class ExternalSenderKey {
  private constructor(
    readonly signaturePublicKey: Uint8Array,
    private readonly signKey: Uint8Array,
  ) {}

  static async create(): Promise<ExternalSenderKey> {
    const cs = await ciphersuite();
    const { publicKey, signKey } = await cs.signature.keygen();
    return new ExternalSenderKey(publicKey, signKey);
  }

  /** What groups list (CreateGroupOptions.externalSenders). */
  descriptor(): ExternalSender {
    return {
      signaturePublicKey: this.signaturePublicKey,
      credential: { credentialType: "basic", identity: utf8(SERVER_CREDENTIAL_IDENTITY) },
    };
  }

  /**
   * Remove proposals (MLSMessage bytes, PublicMessage from an external sender), one per leaf of
   * `target` (a user: all its devices; or one device), for the epoch of `groupInfo` (the latest
   * GroupInfo a member published with its commit).
   */
  async proposeRemove(groupInfo: Uint8Array, target: { userId: number; deviceId?: string }): Promise<Uint8Array[]> {
    const decoded = groupInfoOf(groupInfo);
    const tree = ratchetTreeFromExtension(decoded);
    if (tree === undefined) throw new E2eError("invalid_message", "GroupInfo without ratchet tree");
    const leaves: number[] = [];
    tree.forEach((node, nodeIndex) => {
      if (node?.nodeType !== "leaf") return;
      const id: MemberIdentity | undefined = parseMemberCredential(node.leaf.credential);
      if (
        id !== undefined &&
        id.userId === target.userId &&
        (target.deviceId === undefined || id.deviceId === target.deviceId)
      ) {
        leaves.push(nodeIndex / 2);
      }
    });
    return this.proposeRemoveLeaves(groupInfo, leaves);
  }

  /**
   * Remove proposals for these leaf indexes (the reconciler's: it already read the leaves with
   * inspectMembership), for the epoch of `groupInfo`.
   */
  async proposeRemoveLeaves(groupInfo: Uint8Array, leafIndexes: readonly number[]): Promise<Uint8Array[]> {
    const cs = await ciphersuite();
    const decoded = groupInfoOf(groupInfo);
    const out: Uint8Array[] = [];
    for (const removed of leafIndexes) {
      const message = await proposeExternal(
        decoded,
        { proposalType: "remove", remove: { removed } },
        this.signaturePublicKey,
        this.signKey,
        cs,
      );
      out.push(encodeMlsMessage(message));
    }
    return out;
  }

  /** descriptor() as bytes (TLS ExternalSender), what the server hands clients (chat.mls.serverSender). */
  encodedDescriptor(): Uint8Array {
    return encodeExternalSender(this.descriptor());
  }

  exportState(): Uint8Array {
    return packParts([utf8(STATE_MAGIC), this.signaturePublicKey, this.signKey]);
  }

  static importState(bytes: Uint8Array): ExternalSenderKey {
    const [magic, pub, priv] = unpackParts(bytes);
    if (!magic || fromUtf8(magic) !== STATE_MAGIC || !pub || !priv) {
      throw new E2eError("invalid_state", "not an external sender state");
    }
    return new ExternalSenderKey(pub, priv);
  }
}
