/** Measuring one load step: CPU per process, event-loop delay, and the Step record. */
import type { Deliveries, Outcomes } from "./load.js";
import { cpuMeter, eventLoopSampler, loadAverage, round } from "./procstat.js";
import type { Stack } from "./stack.js";
import { THRESHOLDS, type Step } from "./types.js";

export interface Probe {
  stop(): Promise<{ cpu: Record<string, number>; eventLoop: Record<string, number> }>;
}

export async function probe(stack: Stack, sampleEveryMs = 1000): Promise<Probe> {
  const sampler = eventLoopSampler(stack.metricsUrls as Record<string, string>, sampleEveryMs);
  await sampler.ready;
  const cpu = cpuMeter(stack.pids);
  return {
    async stop() {
      const spent = cpu();
      return { cpu: spent, eventLoop: await sampler.stop() };
    },
  };
}

export interface StepInput {
  label: string;
  /** In deliveries per second (what `achieved` counts). */
  offered: number;
  unit: string;
  sent: number;
  expected: number;
  /** Seconds from the first scheduled send to the last delivery (or the send window, if longer). */
  seconds: number;
  deliveries: Deliveries;
  outcomes: Outcomes;
  cpu: Record<string, number>;
  eventLoop: Record<string, number>;
  /** What CPU time is divided by (messages acked, logins, pages...). */
  perCount: number;
  extra?: Record<string, number | string>;
  /** Judge latency against this instead of THRESHOLDS.p99Ms. */
  p99LimitMs?: number;
}

export function makeStep(s: StepInput): Step {
  const latency = s.deliveries.latency.summary();
  const reach = s.expected === 0 ? 100 : (100 * s.deliveries.delivered) / s.expected;
  const elWorst = Math.max(0, ...Object.values(s.eventLoop));
  const pass =
    latency.p99 <= (s.p99LimitMs ?? THRESHOLDS.p99Ms) &&
    reach >= THRESHOLDS.reachPct &&
    elWorst <= THRESHOLDS.eventLoopP99Ms &&
    s.outcomes.errors + s.outcomes.timeouts === 0;
  return {
    label: s.label,
    offered: s.offered,
    achieved: round(s.deliveries.delivered / Math.max(1e-9, s.seconds)),
    unit: s.unit,
    sent: s.sent,
    expected: s.expected,
    delivered: s.deliveries.delivered,
    reach: round(reach, 3),
    duplicates: s.deliveries.duplicates,
    outOfOrder: s.deliveries.outOfOrder,
    errors: s.outcomes.errors,
    timeouts: s.outcomes.timeouts,
    latencyMs: latency,
    cpuUsPerMsg: Object.fromEntries(
      Object.entries(s.cpu).map(([k, v]) => [k, round((v * 1e6) / Math.max(1, s.perCount), 1)]),
    ),
    eventLoopP99Ms: s.eventLoop,
    load1: loadAverage()[0] ?? 0,
    pass,
    ...(s.extra ? { extra: s.extra } : {}),
  };
}
