/**
 * The revocations this gateway received in the last few seconds. A resume reply can be overtaken by
 * the broadcast of a revocation of its session (a logout committed just after the resume, on another
 * auth instance, broadcast first): the socket was not signed in yet when the broadcast closed the
 * session's sockets, so it signed in afterwards on a revoked session. A resume that succeeded
 * committed before any revocation of its session (every revocation deletes the unused tickets a
 * resume needs), so every such broadcast received while it was in flight applies to it.
 */
import type { SessionRevoked } from "@sealroom/proto/broadcasts";

export class RecentRevocations {
  private readonly entries: Array<{ at: number; event: SessionRevoked }> = [];

  /** `keepMs`: longer than any command can be in flight (COMMAND_TIMEOUT_MS). */
  constructor(
    private readonly gatewayId: string,
    private readonly keepMs: number,
  ) {}

  add(event: SessionRevoked, now = performance.now()): void {
    this.entries.push({ at: now, event });
    while (this.entries.length > 0 && this.entries[0]!.at < now - this.keepMs) this.entries.shift();
  }

  /** Whether a revocation received at or after `since` covers this connection's session. */
  covers(userId: number, sessionId: string, connId: string, since: number): boolean {
    return this.entries.some(
      ({ at, event }) =>
        at >= since &&
        event.userId === userId &&
        (event.sessionIds === undefined || event.sessionIds.includes(sessionId)) &&
        !(event.exceptConn?.gatewayId === this.gatewayId && event.exceptConn.connId === connId),
    );
  }
}
