/**
 * @sealroom/e2e: end-to-end encryption for Sealroom conversations with MLS (RFC 9420), over
 * ts-mls, ciphersuite 0x0001. Browser-safe (WebCrypto, no Node APIs). docs/E2E.md is the design.
 */
export { CIPHERSUITE_ID, CIPHERSUITE_NAME, ciphersuite } from "./suite.js";
export { E2eError, type E2eErrorCode } from "./errors.js";
export {
  assertCredentialNames,
  authenticationService,
  CREDENTIAL_PREFIX,
  fingerprint,
  isServerCredential,
  memberCredential,
  parseMemberCredential,
  SERVER_CREDENTIAL_IDENTITY,
  type DeviceCheck,
  type MemberIdentity,
} from "./identity.js";
export { groupIdFor, parseGroupId } from "./group-id.js";
export {
  Device,
  KEY_PACKAGE_LIFETIME_SECONDS,
  LAST_RESORT_EXTENSION,
  type CreateGroupOptions,
  type DeviceOptions,
  type PublishedKeyPackage,
  type SignatureKeyPair,
} from "./device.js";
export { Group, type CommitBundle, type Member, type ProcessedMessage } from "./group.js";
export { ExternalSenderKey } from "./external.js";
export { checkKeyPackage, sealToKeyPackage } from "./key-package.js";
export * from "./content.js";
export * from "./attachment.js";
export * from "./thumbnail.js";
export { inspectSender, type InspectedSender } from "./inspect-sender.js";
export { inspectGroupInfo, inspectMessage, type InspectedMessage, type WireFormat } from "./inspect.js";
export {
  decodeExternalSenderDescriptor,
  encodeExternalSenderDescriptor,
  inspectMembership,
  inspectProposals,
  type InspectedAdd,
  type InspectedLeaf,
  type InspectedMembership,
  type InspectedProposals,
} from "./inspect-membership.js";
/** The server's external sender as `CreateGroupOptions.externalSenders` takes it (ts-mls's type). */
export type { ExternalSender } from "ts-mls";
