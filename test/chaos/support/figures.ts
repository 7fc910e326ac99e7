/**
 * What every fault scenario reports, printed as one block and kept in test-results/chaos/<name>.json
 * so the numbers in SECURITY.md come from a run, not from memory.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface Figures {
  scenario: string;
  sent: number;
  acknowledged: number;
  /** Acknowledged messages missing afterwards (from the database or from a client's log). */
  lost: number;
  duplicates: number;
  gaps: number;
  /** Milliseconds from each fault to the system working again, in the order of the faults. */
  recoveryMs: number[];
  /** Peak resident memory per process, MiB. */
  peakMiB: Record<string, number>;
  /** Anything else the scenario measured. */
  extra?: Record<string, unknown>;
}

/** The engine of the run (testkit's tempDatabase() follows SEALROOM_TEST_DB). */
export const ENGINE = process.env.SEALROOM_TEST_DB === "postgresql" ? "postgresql" : "sqlite";

export function report(f: Figures): void {
  const lines = [
    `chaos: ${f.scenario} [${ENGINE}]`,
    `  sent ${f.sent}, acknowledged ${f.acknowledged}, lost ${f.lost}, duplicates ${f.duplicates}, gaps ${f.gaps}`,
    `  recovery ms: ${f.recoveryMs.length ? f.recoveryMs.map((n) => Math.round(n)).join(", ") : "n/a"}`,
    `  peak memory MiB: ${Object.entries(f.peakMiB)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    ...(f.extra
      ? Object.entries(f.extra).map(([k, v]) => `  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
      : []),
  ];
  console.log(lines.join("\n"));
  const dir = path.join(root, "test-results/chaos");
  mkdirSync(dir, { recursive: true });
  // SQLite keeps the names the docs cite; PostgreSQL's figures sit beside them.
  const file = f.scenario.replace(/[^a-z0-9]+/gi, "-").toLowerCase() + (ENGINE === "sqlite" ? "" : `-${ENGINE}`);
  writeFileSync(
    path.join(dir, `${file}.json`),
    `${JSON.stringify({ at: new Date().toISOString(), engine: ENGINE, ...f }, null, 2)}\n`,
  );
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
