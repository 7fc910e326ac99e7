/**
 * Tunables of the social service, with production defaults; tests shrink the time-based ones (the
 * services' one config shape: packages/runtime merge-config.ts). `env.ts` maps the environment onto
 * a partial of it.
 */
import { SOCIAL_LIMITS } from "@sealroom/proto/social";
import { mergeConfig, type DeepPartial } from "@sealroom/runtime";

export interface SocialConfig {
  /** Most members of one group (owner included); invitations cannot be accepted beyond it. */
  groupSizeCap: number;
  /** Active groups one user can be a member of. */
  groupsPerUserCap: number;
  /** How long an invitation stays valid. */
  invitationTtlMs: number;
  /** Per user and instance: searches per second, and the burst allowed. */
  searchPerSec: number;
  searchBurst: number;
  /**
   * Per user and instance: profile pictures fetched per second, and the burst allowed. Its own
   * budget, not search's: a member list of a large group loads its pictures at once, and a viewer
   * can only fetch those of people they may see anyway.
   */
  avatarReadsPerSec: number;
  avatarReadsBurst: number;
  /**
   * Per user and instance, over all their connections and gateways: changes (friend requests, blocks,
   * group changes, invitations, notice acks) per second, and the burst allowed.
   */
  writePerSec: number;
  writeBurst: number;
  /** Presence transitions are collected this long, then pushed once per user (latest state wins). */
  presenceBatchMs: number;
  /** How often each instance looks for expired gateway leases. */
  presenceSweepMs: number;
  /** Rows of users who left a gateway are kept this long, so a late report cannot revive them. */
  presenceTombstoneMs: number;
  /** Most users one presence change is pushed to (friends plus fellow group members). */
  presenceFanoutCap: number;
}

export type SocialConfigInput = DeepPartial<SocialConfig>;

export const defaultSocialConfig: SocialConfig = {
  groupSizeCap: 500,
  groupsPerUserCap: SOCIAL_LIMITS.groupsPerUserMax,
  invitationTtlMs: 7 * 24 * 60 * 60 * 1000,
  searchPerSec: 5,
  searchBurst: 20,
  avatarReadsPerSec: 20,
  avatarReadsBurst: 200,
  writePerSec: 10,
  writeBurst: 60,
  presenceBatchMs: 250,
  presenceSweepMs: 5_000,
  presenceTombstoneMs: 60_000,
  presenceFanoutCap: 10_000,
};

/** Merges overrides into the defaults and checks them against the contract's hard limits. */
export function resolveSocialConfig(input: SocialConfigInput = {}): SocialConfig {
  const config = mergeConfig(defaultSocialConfig, input);
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`invalid social config: ${what}`);
  };
  check(config.groupSizeCap >= 1 && config.groupSizeCap <= SOCIAL_LIMITS.groupMembersMax, "groupSizeCap");
  check(config.groupsPerUserCap >= 1 && config.groupsPerUserCap <= SOCIAL_LIMITS.groupsPerUserMax, "groupsPerUserCap");
  check(config.invitationTtlMs >= 1000, "invitationTtlMs");
  check(config.searchPerSec > 0 && config.searchBurst >= 1, "search rate");
  check(config.avatarReadsPerSec > 0 && config.avatarReadsBurst >= 1, "avatar read rate");
  check(config.writePerSec > 0 && config.writeBurst >= 1, "write rate");
  check(config.presenceBatchMs >= 0 && config.presenceSweepMs >= 10, "presence timers");
  check(config.presenceTombstoneMs >= 0 && config.presenceFanoutCap >= 1, "presence limits");
  return config;
}
