/**
 * Runs scenarios and writes their report: `runBench({ scenarios: ["s2"], runs: 3 })`. Each run of a
 * scenario gets a fresh stack; the reported run is the median by the scenario's key number.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { testEngine } from "@sealroom/testkit";
import { loadAverage } from "./procstat.js";
import { latencyChart, printHeader, printScenario } from "./report.js";
import { SCENARIOS } from "./scenarios/index.js";
import { repoRoot, type ProcName } from "./stack.js";
import type { BenchReport, S5Options, Scenario, ScenarioResult, ScenarioRun } from "./types.js";

export { SCENARIOS } from "./scenarios/index.js";
export type * from "./types.js";

export interface BenchOptions {
  scenarios?: string[];
  runs?: number;
  quick?: boolean;
  stepSeconds?: number;
  fullRamp?: boolean;
  s5?: S5Options;
  /** Where the JSON, the SVG and the HTML go; undefined writes nothing. */
  outDir?: string;
  nodeFlags?: Partial<Record<ProcName, string[]>>;
  /** A/B: alternate every run with one on these services' baseline build (see baseline.mjs). */
  baseline?: { dir: string; services: ProcName[]; label: string };
  print?: boolean;
}

function commit(): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "services", "packages"], {
      cwd: repoRoot,
      encoding: "utf8",
    }).trim();
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return "unknown";
  }
}

/** A run that failed is recorded as such (the other scenarios still run) and never chosen as the median. */
async function attempt(run: () => Promise<ScenarioRun>, log: (line: string) => void): Promise<ScenarioRun> {
  try {
    return await run();
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log(`  run failed: ${error}`);
    return { steps: [], summary: { error } };
  }
}

function judge(scenario: Scenario, run: ScenarioRun) {
  if (run.summary.error !== undefined) return { met: false, detail: `the run failed: ${String(run.summary.error)}` };
  return scenario.judge(run);
}

/** The run whose key is the median (lower middle for an even count). */
function medianIndex(runs: ScenarioRun[], key: (r: ScenarioRun) => number): number {
  const keyOf = (r: ScenarioRun) => (r.summary.error !== undefined ? Infinity : key(r));
  const order = runs.map((r, i) => ({ i, k: keyOf(r) })).sort((a, b) => a.k - b.k);
  return order[Math.floor((order.length - 1) / 2)]!.i;
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchReport> {
  const ids = opts.scenarios?.length ? opts.scenarios : SCENARIOS.map((s) => s.id);
  const runs = Math.max(1, opts.runs ?? 3);
  const quick = opts.quick ?? false;
  const stepSeconds = opts.stepSeconds ?? (quick ? 0.5 : 5);
  const print = opts.print ?? true;
  const log = (line: string) => {
    if (print) console.log(line);
  };
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    commit: commit(),
    node: process.version,
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    loadAverageStart: loadAverage(),
    loadAverageEnd: [],
    options: { runs, quick, stepSeconds, engine: testEngine() },
    scenarios: [],
  };
  if (print) printHeader(report);
  for (const id of ids) {
    const scenario = SCENARIOS.find((s) => s.id === id);
    if (!scenario) throw new Error(`unknown scenario ${id}; known: ${SCENARIOS.map((s) => s.id).join(", ")}`);
    const results: ScenarioRun[] = [];
    const baseRuns: ScenarioRun[] = [];
    const ctx = {
      quick,
      stepSeconds,
      fullRamp: opts.fullRamp ?? false,
      ...(opts.s5 ? { s5: opts.s5 } : {}),
      ...(opts.nodeFlags ? { nodeFlags: opts.nodeFlags } : {}),
      log,
    };
    for (let r = 0; r < runs; r++) {
      if (opts.baseline) {
        log(`${id}: run ${r + 1}/${runs} on the baseline (${opts.baseline.label})…`);
        baseRuns.push(await attempt(() => scenario.run({ ...ctx, override: opts.baseline! }), log));
      }
      log(`${id}: run ${r + 1}/${runs}…`);
      results.push(await attempt(() => scenario.run(ctx), log));
    }
    const medianRun = medianIndex(results, scenario.key);
    const result: ScenarioResult = {
      id,
      title: scenario.title,
      target: scenario.target,
      command: `npm run bench -- ${id}${runs === 3 ? "" : ` --runs ${runs}`}`,
      runs: results,
      medianRun,
      verdict: judge(scenario, results[medianRun]!),
    };
    if (opts.baseline) {
      const m = medianIndex(baseRuns, scenario.key);
      result.baseline = {
        label: opts.baseline.label,
        runs: baseRuns,
        medianRun: m,
        verdict: judge(scenario, baseRuns[m]!),
      };
    }
    report.scenarios.push(result);
    if (print) printScenario(result);
  }
  report.loadAverageEnd = loadAverage();
  if (opts.outDir) writeReport(report, opts.outDir);
  return report;
}

export function writeReport(report: BenchReport, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, "-");
  const base = path.join(outDir, `bench-${stamp}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const svg = latencyChart(report);
  writeFileSync(`${base}.svg`, svg);
  writeFileSync(path.join(outDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(outDir, "latest.svg"), svg);
  console.log(`\nwrote ${base}.json and ${base}.svg (also latest.json, latest.svg)`);
}
