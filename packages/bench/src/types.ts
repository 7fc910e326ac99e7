import type { Percentiles } from "./load.js";
import type { ProcName } from "./stack.js";

/** One measured load level of a scenario. */
export interface Step {
  label: string;
  /** Offered rate, in `unit`. */
  offered: number;
  achieved: number;
  unit: string;
  sent: number;
  expected: number;
  delivered: number;
  /** delivered / expected, percent. */
  reach: number;
  duplicates: number;
  outOfOrder: number;
  errors: number;
  timeouts: number;
  latencyMs: Percentiles;
  /** CPU microseconds per message (per `perWhat`) per process, the generator included. */
  cpuUsPerMsg: Record<string, number>;
  /** Worst 1-second event-loop delay p99 per Node service, ms. */
  eventLoopP99Ms: Record<string, number>;
  /** Load average (1 min) at the end of the step: how busy the shared machine was. */
  load1: number;
  /** The capacity thresholds (docs/DEVELOPMENT.md, "Performance method") held at this step. */
  pass: boolean;
  extra?: Record<string, number | string>;
}

export interface ScenarioRun {
  steps: Step[];
  summary: Record<string, number | string | boolean | null>;
}

export interface Verdict {
  met: boolean;
  detail: string;
}

export interface RunContext {
  /** Tiny counts and seconds: the smoke run of `npm test`. */
  quick: boolean;
  /** Seconds per load step (open-loop scenarios). */
  stepSeconds: number;
  /** Keep ramping after a failing step (to see the whole curve). */
  fullRamp?: boolean;
  nodeFlags?: Partial<Record<ProcName, string[]>>;
  override?: { dir: string; services: ProcName[] };
  /** S5's sizes (defaults 1,000 logins, 5,000 resumes; 0 skips that storm) and whether handshakes are part of the login storm. */
  s5?: S5Options;
  log(line: string): void;
}

export interface S5Options {
  logins?: number;
  resumes?: number;
  /** Each login-storm client also connects (full handshake, RSA at the gateway) within the storm. */
  connectInStorm?: boolean;
  /** BENCH_ENV's 1 MiB argon2 instead of the production cost: the gateway's own share of a storm, alone. */
  cheapHash?: boolean;
}

export interface Scenario {
  id: string;
  title: string;
  target: string;
  run(ctx: RunContext): Promise<ScenarioRun>;
  /** The number the median run is chosen by. */
  key(run: ScenarioRun): number;
  judge(run: ScenarioRun): Verdict;
}

export interface ScenarioResult {
  id: string;
  title: string;
  target: string;
  command: string;
  runs: ScenarioRun[];
  medianRun: number;
  verdict: Verdict;
  /** The same scenario on the baseline code, its runs alternated with these (A/B). */
  baseline?: { label: string; runs: ScenarioRun[]; medianRun: number; verdict: Verdict };
}

export interface BenchReport {
  startedAt: string;
  commit: string;
  node: string;
  cores: number;
  cpuModel: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  /** `engine`: the database the stacks ran on (testkit's SEALROOM_TEST_DB, `--engine`). */
  options: { runs: number; quick: boolean; stepSeconds: number; engine: "sqlite" | "postgresql" };
  scenarios: ScenarioResult[];
}

/** The capacity thresholds of docs/DEVELOPMENT.md ("Performance method and scenarios"). */
export const THRESHOLDS = { p99Ms: 50, reachPct: 99.9, eventLoopP99Ms: 20 } as const;
