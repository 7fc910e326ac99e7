import { decodeMlsMessage, type MLSMessage } from "ts-mls";
import { fromUtf8 } from "./bytes.js";
import { E2eError } from "./errors.js";

/**
 * What the Delivery Service reads of an MLSMessage without any key (docs/E2E.md section 3): its
 * wire format and, for group messages, the group id, epoch and content type, which RFC 9420
 * carries in the clear in a PublicMessage and in a PrivateMessage's header alike. Nothing here
 * verifies a signature or decrypts: the DS orders and routes, members authenticate.
 */
export type WireFormat = "public" | "private" | "welcome" | "group_info" | "key_package";

export type InspectedMessage =
  | {
      readonly wireFormat: "public" | "private";
      /** The group id as UTF-8 text (Sealroom's group ids are text, group-id.ts); invalid UTF-8 is refused. */
      readonly groupId: string;
      readonly epoch: number;
      readonly contentType: "application" | "proposal" | "commit";
    }
  | { readonly wireFormat: "welcome" | "group_info" | "key_package" };

function decodeWhole(bytes: Uint8Array): MLSMessage {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (cause) {
    throw new E2eError("invalid_message", "malformed MLS message", { cause });
  }
  if (decoded === undefined) throw new E2eError("invalid_message", "malformed MLS message");
  // Trailing bytes would let two different byte strings stand for one message.
  if (decoded[1] !== bytes.length) throw new E2eError("invalid_message", "bytes after the MLS message");
  return decoded[0];
}

function textOf(groupId: Uint8Array): string {
  try {
    return fromUtf8(groupId);
  } catch (cause) {
    throw new E2eError("invalid_message", "the group id is not UTF-8 text", { cause });
  }
}

function epochOf(epoch: bigint): number {
  if (epoch > BigInt(Number.MAX_SAFE_INTEGER)) throw new E2eError("invalid_message", "epoch out of range");
  return Number(epoch);
}

/** The framing of an MLSMessage (bytes as sent). Malformed bytes: E2eError `invalid_message`. */
export function inspectMessage(bytes: Uint8Array): InspectedMessage {
  const message = decodeWhole(bytes);
  switch (message.wireformat) {
    case "mls_public_message": {
      const content = message.publicMessage.content;
      return {
        wireFormat: "public",
        groupId: textOf(content.groupId),
        epoch: epochOf(content.epoch),
        contentType: content.contentType,
      };
    }
    case "mls_private_message": {
      const pm = message.privateMessage;
      return {
        wireFormat: "private",
        groupId: textOf(pm.groupId),
        epoch: epochOf(pm.epoch),
        contentType: pm.contentType,
      };
    }
    case "mls_welcome":
      return { wireFormat: "welcome" };
    case "mls_group_info":
      return { wireFormat: "group_info" };
    case "mls_key_package":
      return { wireFormat: "key_package" };
    default:
      return message satisfies never;
  }
}

/** The group id and epoch of a GroupInfo (MLSMessage bytes), unverified. */
export function inspectGroupInfo(bytes: Uint8Array): { groupId: string; epoch: number } {
  const message = decodeWhole(bytes);
  if (message.wireformat !== "mls_group_info") throw new E2eError("invalid_message", "not a GroupInfo");
  const context = message.groupInfo.groupContext;
  return { groupId: textOf(context.groupId), epoch: epochOf(context.epoch) };
}
