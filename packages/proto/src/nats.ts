/** Messages between gateways and services over NATS. */
import { z } from "zod";

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
  /** Every session except this one (password change). */
  exceptSessionId: z.string().max(64).optional(),
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
