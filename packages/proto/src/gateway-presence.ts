/**
 * Presence reports: gateways -> the social service (request/reply in the "social" queue group).
 * The model is described in docs/protocol/social.md, "Presence".
 */
import { z } from "zod";

/** A gateway's lease lasts this long after its last message; bounded so a bad value cannot pin users. */
const ttlMs = z
  .number()
  .int()
  .min(200)
  .max(5 * 60_000);
const gatewayId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** Most entries in one report. */
export const PRESENCE_REPORT_MAX_ENTRIES = 200;

/**
 * `gw.presence.report`: signed-in connection counts of some users on one gateway (0 = none left).
 * `stamp` grows strictly with every report of a gateway (its clock, made monotonic), so a report
 * that arrives late never overwrites a newer count. `reset`: these entries and the ones that
 * follow replace everything the gateway reported before (sent at start and when asked to resync).
 * Also renews the gateway's lease.
 */
export const presenceReportSchema = z.object({
  gatewayId,
  ttlMs,
  stamp: z.number().int().nonnegative(),
  reset: z.boolean(),
  entries: z
    .array(
      z.object({
        userId: z
          .number()
          .int()
          .positive()
          .max(2 ** 31 - 1),
        connections: z.number().int().nonnegative().max(100_000),
      }),
    )
    .max(PRESENCE_REPORT_MAX_ENTRIES),
});
export type PresenceReport = z.infer<typeof presenceReportSchema>;

/** `gw.presence.heartbeat`: renews the gateway's lease (every ~10 s; the lease lasts `ttlMs`). */
export const presenceHeartbeatSchema = z.object({ gatewayId, ttlMs });
export type PresenceHeartbeat = z.infer<typeof presenceHeartbeatSchema>;

/** `gw.presence.down`: a gateway stopping gracefully; its users' connections there are gone. */
export const presenceDownSchema = z.object({ gatewayId });
export type PresenceDown = z.infer<typeof presenceDownSchema>;

/**
 * Reply to a report or heartbeat. `resync`: the service had no live lease for the gateway (it was
 * presumed dead, its users set offline): send a full report with `reset: true`.
 */
export const presenceAckSchema = z.object({ resync: z.boolean() });
export type PresenceAck = z.infer<typeof presenceAckSchema>;
