import {
  createGroupInfoWithExternalPubAndRatchetTree,
  decodeMlsMessage,
  defaultCapabilities,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroupExternal,
  type ClientConfig,
} from "ts-mls";
import { ratchetTreeFromExtension } from "ts-mls/groupInfo.js";
import { equalBytes } from "./bytes.js";
import { E2eError } from "./errors.js";
import type { CommitBundle } from "./group.js";
import { memberCredential, type MemberIdentity } from "./identity.js";
import { ciphersuite } from "./suite.js";

/** What Device.joinExternal needs of the device (its keys stay private to it). */
export interface Joiner {
  readonly identity: MemberIdentity;
  readonly signaturePublicKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
  readonly clientConfig: ClientConfig;
}

/**
 * An External Commit (RFC 9420 section 12.4.3.2) from a published GroupInfo (MLSMessage bytes
 * carrying the external_pub and ratchet_tree extensions, as every Sealroom commit's does): the
 * joiner's new leaf and UpdatePath, the ExternalInit, and the Remove of this device's own old
 * leaf if the tree still holds one (a resync: the device lost its group state). Returns the
 * joined state and the bundle for the Delivery Service; nothing else is changed, so a refused
 * (stale) join is simply dropped and made again from the newer GroupInfo.
 */
export async function externalJoin(joiner: Joiner, groupInfoBytes: Uint8Array) {
  const cs = await ciphersuite();
  let decoded;
  try {
    decoded = decodeMlsMessage(groupInfoBytes, 0)?.[0];
  } catch (cause) {
    throw new E2eError("invalid_message", "not a GroupInfo", { cause });
  }
  if (decoded?.wireformat !== "mls_group_info") throw new E2eError("invalid_message", "not a GroupInfo");
  const groupInfo = decoded.groupInfo;
  let tree;
  try {
    tree = ratchetTreeFromExtension(groupInfo);
  } catch (cause) {
    throw new E2eError("invalid_message", "malformed ratchet tree", { cause });
  }
  if (tree === undefined) throw new E2eError("invalid_message", "GroupInfo without ratchet tree");
  const resync = tree.some(
    (node) => node?.nodeType === "leaf" && equalBytes(node.leaf.signaturePublicKey, joiner.signaturePublicKey),
  );
  // A leaf made for this group only: never published, so no one-time KeyPackage is used up.
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    memberCredential(joiner.identity),
    defaultCapabilities(),
    { notBefore: 0n, notAfter: 2n ** 63n - 1n },
    [],
    { signKey: joiner.signaturePrivateKey, publicKey: joiner.signaturePublicKey },
    cs,
  );
  let joined;
  try {
    joined = await joinGroupExternal(
      groupInfo,
      publicPackage,
      privatePackage,
      resync,
      cs,
      undefined,
      joiner.clientConfig,
    );
  } catch (cause) {
    // The tree failed validation (a leaf the directory does not vouch for, a bad signature).
    throw new E2eError("invalid_message", "cannot join from this GroupInfo", { cause });
  }
  const newGroupInfo = await createGroupInfoWithExternalPubAndRatchetTree(joined.newState, [], cs);
  const bundle: CommitBundle = {
    epoch: groupInfo.groupContext.epoch,
    commit: encodeMlsMessage({
      wireformat: "mls_public_message",
      version: "mls10",
      publicMessage: joined.publicMessage,
    }),
    groupInfo: encodeMlsMessage({ wireformat: "mls_group_info", version: "mls10", groupInfo: newGroupInfo }),
  };
  return { state: joined.newState, bundle, resync };
}
