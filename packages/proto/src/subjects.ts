/**
 * NATS subjects. Gateways publish client commands on `cmd.<command type>` (services answer in queue
 * groups); services publish deliveries on `evt.user.<userId>` (every gateway holding a socket of that
 * user subscribes); `ctl.*` are control broadcasts that every gateway receives; `gw.*` are reports
 * from gateways to a service's queue group.
 */
export const SUBJECTS = {
  /** Request/reply: one client command, e.g. `cmd.auth.login`. */
  command: (type: string) => `cmd.${type}` as const,
  /** Wildcard a service subscribes to for its command family, e.g. `cmd.auth.>`. */
  commandFamily: (family: string) => `cmd.${family}.>` as const,
  /** Events for one user, fanned out to all of that user's sockets on every gateway. */
  userEvents: (userId: number) => `evt.user.${userId}` as const,
  /**
   * Broadcast: close the sockets of revoked sessions (logout, password change). Also heard by the
   * chat service (queue group): auth deleted those sessions' devices, whose MLS leaves it then
   * proposes to remove (services/chat/src/reconciler.ts).
   */
  sessionRevoked: "ctl.session.revoked",
  /**
   * Doorbell after a group change committed (`{groupId, eventId}`, see social.ts): the chat service
   * reads the GroupEvent rows from its own cursor, so a lost doorbell only delays it.
   */
  groupEvents: "evt.social.group",
  /** Request/reply, gateway -> social queue group: signed-in connection counts (presence). */
  presenceReport: "gw.presence.report",
  /** Request/reply, gateway -> social queue group: renews the gateway's presence lease. */
  presenceHeartbeat: "gw.presence.heartbeat",
  /** Request/reply, gateway -> social queue group: the gateway is stopping; its users left it. */
  presenceDown: "gw.presence.down",
  /** Request/reply health check of a service, e.g. `health.auth`. */
  health: (service: ServiceName) => `health.${service}` as const,
} as const;

export const SERVICES = ["auth", "chat", "social"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Queue group per service, so several instances share the load and each command is handled once. */
export const QUEUE: Record<ServiceName, string> = { auth: "auth", chat: "chat", social: "social" };
