import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export { Counter, Gauge, Histogram, Registry } from "prom-client";

/** A process's metric registry with the default Node metrics and the request metrics every service shares. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "sealroom_requests_total",
    help: "Commands handled, by subject and outcome (ok or an error code)",
    labelNames: ["subject", "outcome"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "sealroom_request_duration_seconds",
    help: "Time to handle a command, by subject",
    labelNames: ["subject"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, requests, latency };
}

export type Metrics = ReturnType<typeof createMetrics>;
