/**
 * `ctl.session.revoked` from the auth service (logout, logout everywhere, password change, a
 * reused ticket): every gateway closes the matching signed-in sockets it holds.
 */
import { sessionRevokedSchema, type SessionRevoked } from "@sealroom/proto/broadcasts";
import { SUBJECTS } from "@sealroom/proto/subjects";
import type { Logger, NatsConnection, Subscription } from "@sealroom/runtime";

/** Whether a revocation covers a connection signed in with `sessionId`. */
export function revokes(msg: SessionRevoked, sessionId: string | undefined): boolean {
  if (msg.sessionIds && (sessionId === undefined || !msg.sessionIds.includes(sessionId))) return false;
  if (msg.exceptSessionId !== undefined && sessionId === msg.exceptSessionId) return false;
  return true;
}

/** The signed-in connections of a user on this gateway (users.ts). */
export interface RevocableConnections {
  connectionsOf(userId: number): Iterable<{ readonly sessionId: string | undefined; revoke(): void }>;
}

export function subscribeRevocations(nc: NatsConnection, log: Logger, users: RevocableConnections): Subscription {
  return nc.subscribe(SUBJECTS.sessionRevoked, {
    callback: (_err, msg) => {
      let data: unknown;
      try {
        data = msg.json();
      } catch {
        data = undefined;
      }
      const parsed = sessionRevokedSchema.safeParse(data);
      if (!parsed.success) return log.warn("malformed revocation dropped");
      // A copy: revoking removes the connection from the set being walked.
      for (const conn of [...users.connectionsOf(parsed.data.userId)]) {
        if (revokes(parsed.data, conn.sessionId)) conn.revoke();
      }
    },
  });
}
