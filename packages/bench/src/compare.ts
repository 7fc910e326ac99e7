#!/usr/bin/env node
/**
 * node packages/bench/dist/compare.js bench-results/latest.json
 * For an A/B report (--baseline): per step, the mean over runs of CPU µs per message per process
 * and of p50/p99, baseline against current. Means over alternated runs are steadier than either
 * run on a shared machine.
 */
import { readFileSync } from "node:fs";
import type { BenchReport, ScenarioRun } from "./types.js";

type Row = Record<string, number>;

function means(runs: ScenarioRun[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const run of runs) {
    for (const step of run.steps) {
      const row = out.get(step.label) ?? {};
      const add = (k: string, v: number) => (row[k] = (row[k] ?? 0) + (Number.isFinite(v) ? v : 0) / runs.length);
      for (const [k, v] of Object.entries(step.cpuUsPerMsg)) add(k, v);
      add("p50", step.latencyMs.p50);
      add("p99", step.latencyMs.p99);
      add("load", step.load1);
      out.set(step.label, row);
    }
  }
  return out;
}

const fmt = (row: Row | undefined) =>
  row
    ? Object.entries(row)
        .map(([k, v]) => `${k} ${v < 10 ? v.toFixed(1) : Math.round(v)}`)
        .join(", ")
    : "-";

const report = JSON.parse(readFileSync(process.argv[2] ?? "bench-results/latest.json", "utf8")) as BenchReport;
for (const s of report.scenarios) {
  if (!s.baseline) continue;
  const base = means(s.baseline.runs);
  const now = means(s.runs);
  console.log(`${s.id}: mean of ${s.runs.length} alternated run(s) each, ${s.baseline.label} vs current`);
  for (const [label, row] of now) {
    console.log(`  ${label}\n    before: ${fmt(base.get(label))}\n    after:  ${fmt(row)}`);
  }
}
