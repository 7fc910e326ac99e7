import { Counter, Gauge, Histogram, createMetrics, type Metrics } from "@sealroom/runtime";

/** The gateway's metrics on top of the process's shared ones (made here when not given). */
export function createGatewayMetrics(base: Metrics = createMetrics("gateway")) {
  const registers = [base.registry];
  return {
    ...base,
    connections: new Gauge({
      name: "sealroom_gateway_connections",
      help: "Open WebSocket connections by state",
      labelNames: ["state"] as const,
      registers,
    }),
    handshakes: new Counter({
      name: "sealroom_gateway_handshakes_total",
      help: "Completed and failed handshakes",
      labelNames: ["outcome"] as const,
      registers,
    }),
    rsaDecryptions: new Counter({
      name: "sealroom_gateway_rsa_decryptions_total",
      help: "RSA private-key operations (one per full handshake; none for a resumed one)",
      registers,
    }),
    resumptions: new Counter({
      name: "sealroom_gateway_resumptions_total",
      help: "ResumeHellos by outcome: accepted (no RSA operation) or refused (the client falls back)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    frames: new Counter({
      name: "sealroom_gateway_frames_total",
      help: "Encrypted frames by direction",
      labelNames: ["direction"] as const,
      registers,
    }),
    errors: new Counter({
      name: "sealroom_gateway_errors_total",
      help: "Command errors returned to clients, by code",
      labelNames: ["code"] as const,
      registers,
    }),
    closes: new Counter({
      name: "sealroom_gateway_closes_total",
      help: "Connections closed by the gateway, by close code",
      labelNames: ["code"] as const,
      registers,
    }),
    rejectedUpgrades: new Counter({
      name: "sealroom_gateway_rejected_upgrades_total",
      help: "WebSocket upgrades refused, by reason",
      labelNames: ["reason"] as const,
      registers,
    }),
    commandLatency: new Histogram({
      name: "sealroom_gateway_command_duration_seconds",
      help: "Time from a decrypted command to its reply being sent, by command type",
      labelNames: ["type"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/**
 * The per-frame metrics with their labels bound once per gateway: prom-client hashes a labels
 * object on every inc()/observe(), a few microseconds per message on the hot path.
 */
export interface HotCounters {
  framesIn: { inc(n?: number): void };
  framesOut: { inc(n?: number): void };
  latency(type: string): { observe(v: number): void };
}

const hotCountersOf = new WeakMap<GatewayMetrics, HotCounters>();

/** The gateway's bound counters, made on first use and shared by all its connections. */
export function hotCounters(m: GatewayMetrics): HotCounters {
  let c = hotCountersOf.get(m);
  if (!c) {
    const byType = new Map<string, { observe(v: number): void }>();
    c = {
      framesIn: m.frames.labels({ direction: "in" }),
      framesOut: m.frames.labels({ direction: "out" }),
      latency(type) {
        let h = byType.get(type);
        if (!h) byType.set(type, (h = m.commandLatency.labels({ type })));
        return h;
      },
    };
    hotCountersOf.set(m, c);
  }
  return c;
}
