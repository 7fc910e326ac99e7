import { decodeMlsMessage } from "ts-mls";
import { E2eError } from "./errors.js";
import { parseMemberCredential } from "./identity.js";
import type { InspectedAdd } from "./inspect-membership.js";

/**
 * Who sent an MLSMessage, as far as the Delivery Service can tell without keys (docs/E2E.md
 * section 3, "The sender checks"). A PublicMessage names its sender in the clear: a member's leaf
 * index, an external sender's index, or a new member whose External Commit carries its own leaf
 * (in the UpdatePath, with its credential and signature key). A PrivateMessage's sender is inside
 * its encrypted sender data: nothing about it can be read here (`encrypted`). Nothing is verified:
 * members check signatures and membership tags themselves.
 */
export type InspectedSender =
  | { readonly kind: "member"; readonly leafIndex: number }
  | { readonly kind: "external"; readonly senderIndex: number }
  | { readonly kind: "new_member_proposal" }
  /** An External Commit (RFC 9420 section 12.4.3.2); `joiner` is the leaf its UpdatePath brings. */
  | { readonly kind: "new_member_commit"; readonly joiner: InspectedAdd | undefined }
  | { readonly kind: "encrypted" };

const invalid = (what: string, cause?: unknown) =>
  new E2eError("invalid_message", what, cause === undefined ? undefined : { cause });

/** The sender of a PublicMessage or PrivateMessage (MLSMessage bytes). */
export function inspectSender(bytes: Uint8Array): InspectedSender {
  let decoded;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (cause) {
    throw invalid("malformed MLS message", cause);
  }
  if (decoded === undefined || decoded[1] !== bytes.length) throw invalid("malformed MLS message");
  const message = decoded[0];
  if (message.wireformat === "mls_private_message") return { kind: "encrypted" };
  if (message.wireformat !== "mls_public_message") throw invalid("not a group message");
  const content = message.publicMessage.content;
  const sender = content.sender;
  switch (sender.senderType) {
    case "member":
      return { kind: "member", leafIndex: sender.leafIndex };
    case "external":
      return { kind: "external", senderIndex: sender.senderIndex };
    case "new_member_proposal":
      return { kind: "new_member_proposal" };
    case "new_member_commit": {
      const leaf = content.contentType === "commit" ? content.commit.path?.leafNode : undefined;
      return {
        kind: "new_member_commit",
        joiner: leaf && { member: parseMemberCredential(leaf.credential), signatureKey: leaf.signaturePublicKey },
      };
    }
    default:
      return sender satisfies never;
  }
}
