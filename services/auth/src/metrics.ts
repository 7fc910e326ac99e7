import { Counter, Gauge, type Metrics } from "@sealroom/runtime";

/** Auth-specific metrics, registered next to the shared request metrics. */
export function createAuthMetrics(metrics: Metrics) {
  const registers = [metrics.registry];
  return {
    ...metrics,
    hashesInFlight: new Gauge({
      name: "sealroom_auth_hashes_in_flight",
      help: "Password hashes being computed",
      registers,
    }),
    hashQueue: new Gauge({
      name: "sealroom_auth_hash_queue",
      help: "Requests waiting for a password hash slot",
      registers,
    }),
    busy: new Counter({
      name: "sealroom_auth_busy_total",
      help: "Requests refused with AUTH_BUSY because the hash queue, or the address's or account's share of it, was full",
      registers,
    }),
    dropped: new Counter({
      name: "sealroom_auth_dropped_total",
      help: "Requests dropped unhashed because their slot came after the gateway's timeout",
      registers,
    }),
    throttled: new Counter({
      name: "sealroom_auth_throttled_total",
      help: "Requests refused with AUTH_THROTTLED, by the key that tripped",
      labelNames: ["scope"] as const,
      registers,
    }),
    lockouts: new Counter({
      name: "sealroom_auth_lockouts_total",
      help: "Soft lockouts started, by key scope",
      labelNames: ["scope"] as const,
      registers,
    }),
    logins: new Counter({
      name: "sealroom_auth_logins_total",
      help: "Password checks (login, password change) by outcome",
      labelNames: ["outcome"] as const,
      registers,
    }),
    ticketReuse: new Counter({
      name: "sealroom_auth_ticket_reuse_total",
      help: "Resume tickets presented twice (the session was revoked)",
      registers,
    }),
    ticketRetries: new Counter({
      name: "sealroom_auth_ticket_retries_total",
      help: "Resume tickets presented again within the retry grace after a lost reply (the ticket that resume issued was replaced)",
      registers,
    }),
  };
}

export type AuthMetrics = ReturnType<typeof createAuthMetrics>;
