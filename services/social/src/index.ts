/**
 * The social service: friends, blocks, groups with roles and invitations, notices, and presence
 * across gateways. See docs/protocol/social.md.
 */
export { createSocialService, type SocialService, type SocialServiceDeps } from "./service.js";
export { defaultSocialConfig, resolveSocialConfig, type SocialConfig, type SocialConfigInput } from "./config.js";
export type { Clock } from "./clock.js";
