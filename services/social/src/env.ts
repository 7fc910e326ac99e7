import { z } from "zod";
import { DATABASE_URL_HINT, isDatabaseUrl } from "@sealroom/db/engine";
import { baseEnv, intFromEnv, parseEnv } from "@sealroom/runtime";
import { SOCIAL_LIMITS } from "@sealroom/proto/social";
import { DEFAULT_CONFIG, type SocialConfigInput } from "./config.js";

const schema = z.object({
  ...baseEnv,
  /** The database every service shares: `file:/path/to/sealroom.db` (SQLite) or `postgresql://...`. */
  DATABASE_URL: z.string().refine(isDatabaseUrl, DATABASE_URL_HINT),
  /** Most members of one group. */
  GROUP_SIZE_CAP: intFromEnv(DEFAULT_CONFIG.groupSizeCap, 1).refine((n) => n <= SOCIAL_LIMITS.groupMembersMax, {
    message: `at most ${SOCIAL_LIMITS.groupMembersMax}`,
  }),
  /** How long a group invitation stays valid. */
  INVITATION_TTL_MS: intFromEnv(DEFAULT_CONFIG.invitationTtlMs, 1000),
  /** How often this instance looks for gateways whose presence lease expired. */
  PRESENCE_SWEEP_MS: intFromEnv(DEFAULT_CONFIG.presenceSweepMs, 10),
  /** Presence changes are collected this long, then pushed once per user. */
  PRESENCE_BATCH_MS: intFromEnv(DEFAULT_CONFIG.presenceBatchMs, 0),
});

export type SocialEnv = z.output<typeof schema>;

/** The only place the social service reads `process.env`. */
export const loadEnv = (env: NodeJS.ProcessEnv = process.env): SocialEnv => parseEnv(schema, env);

export function configFromEnv(env: SocialEnv): SocialConfigInput {
  return {
    groupSizeCap: env.GROUP_SIZE_CAP,
    invitationTtlMs: env.INVITATION_TTL_MS,
    presenceSweepMs: env.PRESENCE_SWEEP_MS,
    presenceBatchMs: env.PRESENCE_BATCH_MS,
  };
}
