/** What services publish for every gateway: revocations and per-user events (subjects.ts). */
import { z } from "zod";

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
