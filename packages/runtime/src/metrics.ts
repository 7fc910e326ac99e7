import { createHistogram, performance } from "node:perf_hooks";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { replacePerHandleDefaults } from "./process-metrics.js";

export { Counter, Gauge, Histogram, Registry } from "prom-client";

/** How long one event-loop delay window lasts; the gauges report the last complete window. */
const LOOP_WINDOW_MS = 10_000;

interface LoopWindow {
  last?: { p50: number; p99: number; max: number };
}

/** How often the loop's delay is sampled, as Node's own monitor does by default. */
const LOOP_SAMPLE_MS = 5;

/**
 * One event-loop delay histogram per window length for the whole process (the loop is the
 * process's, and each sampler is a timer), read and reset at the end of every window.
 * prom-client's own `nodejs_eventloop_lag_*` quantiles cover the time since the previous scrape of
 * that registry (it resets on collect), so they depend on who scrapes how often; these cover a fixed
 * window whoever reads them.
 *
 * The sampler is ours rather than `monitorEventLoopDelay`: that monitor's `reset()` also forgets
 * when it last ticked, so a block that ends just as the window closes (the window's timer running
 * before the monitor's) was never recorded at all. Here the time of the last tick survives the
 * reset and such a block lands in the next window.
 */
const loopWindows = new Map<number, LoopWindow>();

function loopWindow(windowMs: number): LoopWindow {
  const existing = loopWindows.get(windowMs);
  if (existing) return existing;
  const state: LoopWindow = {};
  loopWindows.set(windowMs, state);
  const histogram = createHistogram();
  let lastTick = performance.now();
  const sampler = setInterval(() => {
    const now = performance.now();
    // Like Node's monitor, a sample is the whole time between two ticks (nanoseconds, at least 1).
    histogram.record(Math.max(1, Math.round((now - lastTick) * 1e6)));
    lastTick = now;
  }, LOOP_SAMPLE_MS);
  sampler.unref();
  const timer = setInterval(() => {
    if (histogram.count > 0) {
      state.last = {
        p50: histogram.percentile(50) / 1e9,
        p99: histogram.percentile(99) / 1e9,
        max: histogram.max / 1e9,
      };
    }
    histogram.reset();
  }, windowMs);
  timer.unref();
  return state;
}

/**
 * A process's metric registry with the default Node metrics and the metrics every service shares:
 * commands by subject and outcome, their latency, errors by code, commands in flight, the NATS
 * connection, database latency and event-loop delay.
 */
export function createMetrics(service: string, opts: { loopWindowMs?: number } = {}) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  replacePerHandleDefaults(registry);
  const registers = [registry];
  const requests = new Counter({
    name: "sealroom_requests_total",
    help: "Commands handled, by subject and outcome (ok or an error code)",
    labelNames: ["subject", "outcome"] as const,
    registers,
  });
  const latency = new Histogram({
    name: "sealroom_request_duration_seconds",
    help: "Time to handle a command, by subject",
    labelNames: ["subject"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const errors = new Counter({
    name: "sealroom_request_errors_total",
    help: "Commands answered with an error, by error code",
    labelNames: ["code"] as const,
    registers,
  });
  const inFlight = new Gauge({
    name: "sealroom_requests_in_flight",
    help: "Commands received and not yet answered",
    registers,
  });
  const natsConnected = new Gauge({
    name: "sealroom_nats_connected",
    help: "1 while the NATS connection is up",
    registers,
  });
  const natsReconnects = new Counter({
    name: "sealroom_nats_reconnects_total",
    help: "Times the NATS connection came back after a disconnect",
    registers,
  });
  const natsDisconnects = new Counter({
    name: "sealroom_nats_disconnects_total",
    help: "Times the NATS connection was lost",
    registers,
  });
  const dbLatency = new Histogram({
    name: "sealroom_db_query_duration_seconds",
    help: "Time of one database statement through Prisma, by kind (query, execute)",
    labelNames: ["kind"] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  });
  const windowMs = opts.loopWindowMs ?? LOOP_WINDOW_MS;
  const window = loopWindow(windowMs);
  const loopDelay = new Gauge({
    name: "sealroom_event_loop_delay_seconds",
    help: `Event-loop delay over the last ${windowMs / 1000} s window, by quantile (0.5, 0.99, 1 = max)`,
    labelNames: ["quantile"] as const,
    registers,
    collect() {
      const last = window.last;
      if (!last) return;
      this.set({ quantile: "0.5" }, last.p50);
      this.set({ quantile: "0.99" }, last.p99);
      this.set({ quantile: "1" }, last.max);
    },
  });
  return {
    registry,
    requests,
    latency,
    errors,
    inFlight,
    natsConnected,
    natsReconnects,
    natsDisconnects,
    dbLatency,
    loopDelay,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
