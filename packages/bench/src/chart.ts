#!/usr/bin/env node
/**
 * node packages/bench/dist/chart.js out.svg a.json [b.json ...]
 * One latency chart from the scenarios of several reports (e.g. runs made one scenario at a time).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { latencyChart } from "./report.js";
import type { BenchReport } from "./types.js";

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  console.error("usage: node packages/bench/dist/chart.js out.svg report.json [report.json ...]");
  process.exit(2);
}
const reports = inputs.map((f) => JSON.parse(readFileSync(f, "utf8")) as BenchReport);
const merged: BenchReport = { ...reports[0]!, scenarios: reports.flatMap((r) => r.scenarios) };
merged.loadAverageStart = reports.map((r) => r.loadAverageStart[0] ?? 0);
writeFileSync(out, latencyChart(merged));
console.log(`wrote ${out} (${merged.scenarios.map((s) => s.id).join(", ")})`);
