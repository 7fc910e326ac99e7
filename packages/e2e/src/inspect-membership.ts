import {
  decodeExternalSender,
  decodeMlsMessage,
  encodeExternalSender,
  type ExternalSender,
  type Proposal,
} from "ts-mls";
import { ratchetTreeFromExtension } from "ts-mls/groupInfo.js";
import { E2eError } from "./errors.js";
import { parseMemberCredential, type MemberIdentity } from "./identity.js";
import { inspectGroupInfo } from "./inspect.js";

/**
 * What the Delivery Service reads of a group's membership without any key (docs/E2E.md section 3,
 * "Membership sync"): the leaves and external senders of a published GroupInfo, and the Adds and
 * Removes of a commit or proposal sent as a PublicMessage. Nothing here verifies a signature: the
 * DS uses it to refuse what social does not allow and to find the leaves it must propose to
 * remove; members still authenticate everything themselves.
 */

/** A leaf of the ratchet tree; `member` undefined: its credential is not a Sealroom device's. */
export interface InspectedLeaf {
  readonly leafIndex: number;
  readonly member: MemberIdentity | undefined;
  readonly signatureKey: Uint8Array;
}

export interface InspectedMembership {
  readonly groupId: string;
  readonly epoch: number;
  readonly leaves: readonly InspectedLeaf[];
  /** The signature public keys of the group's external senders (its external_senders extensions). */
  readonly externalSenderKeys: readonly Uint8Array[];
}

/** An Add as the DS sees it: who the added KeyPackage names, and with which device key. */
export interface InspectedAdd {
  readonly member: MemberIdentity | undefined;
  readonly signatureKey: Uint8Array;
}

export interface InspectedProposals {
  readonly adds: readonly InspectedAdd[];
  /** Leaf indexes of the Remove proposals. */
  readonly removes: readonly number[];
  /** Proposals a commit names by reference (ProposalRef): already in the log as proposals. */
  readonly references: number;
  /** Any other proposal type (update, psk, group_context_extensions, ...), by name or number. */
  readonly others: readonly string[];
}

const invalid = (what: string, cause?: unknown) =>
  new E2eError("invalid_message", what, cause === undefined ? undefined : { cause });

function decode(bytes: Uint8Array) {
  let decoded;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (cause) {
    throw invalid("malformed MLS message", cause);
  }
  if (decoded === undefined || decoded[1] !== bytes.length) throw invalid("malformed MLS message");
  return decoded[0];
}

/** The leaves and external senders of a GroupInfo (MLSMessage bytes carrying the ratchet tree). */
export function inspectMembership(groupInfo: Uint8Array): InspectedMembership {
  const { groupId, epoch } = inspectGroupInfo(groupInfo);
  const message = decode(groupInfo);
  if (message.wireformat !== "mls_group_info") throw invalid("not a GroupInfo");
  let tree;
  try {
    tree = ratchetTreeFromExtension(message.groupInfo);
  } catch (cause) {
    throw invalid("malformed ratchet tree", cause);
  }
  if (tree === undefined) throw invalid("GroupInfo without ratchet tree");
  const leaves: InspectedLeaf[] = [];
  tree.forEach((node, nodeIndex) => {
    if (node?.nodeType !== "leaf") return;
    const { credential, signaturePublicKey } = node.leaf;
    leaves.push({
      leafIndex: nodeIndex / 2,
      member: parseMemberCredential(credential),
      signatureKey: signaturePublicKey,
    });
  });
  const externalSenderKeys = message.groupInfo.groupContext.extensions
    .filter((e) => e.extensionType === "external_senders")
    .map((e) => {
      const sender = decodeExternalSender(e.extensionData, 0);
      if (sender === undefined) throw invalid("malformed external_senders extension");
      return sender[0].signaturePublicKey;
    });
  return { groupId, epoch, leaves, externalSenderKeys };
}

/** The proposals of a commit or proposal sent as a PublicMessage (MLSMessage bytes). */
export function inspectProposals(bytes: Uint8Array): InspectedProposals {
  const message = decode(bytes);
  if (message.wireformat !== "mls_public_message") throw invalid("not a PublicMessage");
  const content = message.publicMessage.content;
  const proposals: Proposal[] = [];
  let references = 0;
  if (content.contentType === "proposal") proposals.push(content.proposal);
  else if (content.contentType === "commit") {
    for (const p of content.commit.proposals) {
      if (p.proposalOrRefType === "reference") references++;
      else proposals.push(p.proposal);
    }
  } else throw invalid("neither a commit nor a proposal");
  const adds: InspectedAdd[] = [];
  const removes: number[] = [];
  const others: string[] = [];
  for (const p of proposals) {
    if (p.proposalType === "add") {
      const leaf = p.add.keyPackage.leafNode;
      adds.push({ member: parseMemberCredential(leaf.credential), signatureKey: leaf.signaturePublicKey });
    } else if (p.proposalType === "remove") removes.push(p.remove.removed);
    else others.push(String(p.proposalType));
  }
  return { adds, removes, references, others };
}

/** An external sender as sent to clients (TLS encoding, what `externalSenders` takes once decoded). */
export function encodeExternalSenderDescriptor(sender: ExternalSender): Uint8Array {
  return encodeExternalSender(sender);
}

/** The inverse of encodeExternalSenderDescriptor; malformed bytes: E2eError `invalid_message`. */
export function decodeExternalSenderDescriptor(bytes: Uint8Array): ExternalSender {
  let decoded;
  try {
    decoded = decodeExternalSender(bytes, 0);
  } catch (cause) {
    throw invalid("malformed external sender", cause);
  }
  if (decoded === undefined || decoded[1] !== bytes.length) throw invalid("malformed external sender");
  return decoded[0];
}
