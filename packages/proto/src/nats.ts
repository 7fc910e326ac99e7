/** Messages between gateways and services over NATS. */
import { z } from "zod";

/**
 * The largest NATS message Sealroom's deployments configure (`max_payload`, deploy/nats/limits.conf;
 * also nats-server's default). A service's reply above the connected server's limit cannot be
 * sent at all, so services bound their replies well below this and answer REPLY_TOO_LARGE rather
 * than nothing (packages/runtime serveCommands).
 */
export const NATS_MAX_PAYLOAD = 1024 * 1024;

/**
 * Who sent a command, stamped by the gateway. Services trust only this, never ids in the body.
 * `userId` and `sessionId` are present exactly when the connection is signed in.
 */
export const requestContextSchema = z.object({
  gatewayId: z.string().max(64),
  connId: z.string().max(64),
  /** The client's address as the gateway sees it (after trusted proxies). */
  ip: z.string().max(64),
  userId: z.number().int().positive().optional(),
  sessionId: z.string().max(64).optional(),
});
export type RequestContext = z.infer<typeof requestContextSchema>;

export const commandEnvelopeSchema = z.object({ ctx: requestContextSchema, body: z.unknown() });
export type CommandEnvelope = z.infer<typeof commandEnvelopeSchema>;

/** `ctl.session.revoked`: gateways close matching sockets with SESSION_REVOKED. */
export const sessionRevokedSchema = z.object({
  userId: z.number().int().positive(),
  /** Only these sessions; absent means every session of the user. */
  sessionIds: z.array(z.string().max(64)).max(1000).optional(),
  /**
   * Every matching socket except this one connection (a password change: the connection that made it
   * moves to a new session). A connection, not a session: a thief who resumed with a stolen ticket
   * shares the victim's session id, so sparing the session spared him too.
   */
  exceptConn: z.object({ gatewayId: z.string().max(64), connId: z.string().max(64) }).optional(),
});
export type SessionRevoked = z.infer<typeof sessionRevokedSchema>;

/** `evt.user.<id>`: an event for every socket of one user. */
export const userEventSchema = z.object({ type: z.string().max(64), body: z.unknown() });
export type UserEvent = z.infer<typeof userEventSchema>;

export const healthSchema = z.object({
  service: z.string(),
  instance: z.string(),
  uptimeMs: z.number(),
});
export type Health = z.infer<typeof healthSchema>;

// Presence reports: gateways -> the social service (request/reply in the "social" queue group).
// The model is described in docs/protocol/social.md, "Presence".

/** A gateway's lease lasts this long after its last message; bounded so a bad value cannot pin users. */
const ttlMs = z.number().int().min(200).max(5 * 60_000);
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
    .array(z.object({ userId: z.number().int().positive().max(2 ** 31 - 1), connections: z.number().int().nonnegative().max(100_000) }))
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
