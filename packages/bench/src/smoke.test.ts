/**
 * The benchmark keeps working: every scenario once, with tiny counts, against the real stack
 * (services/*\/dist, so after `npm run build`). Asserts structure and sane values, never speed.
 */
import { describe, expect, it } from "vitest";
import { runBench, SCENARIOS } from "./index.js";

describe("benchmark smoke run", () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.id}: ${scenario.title}`, { timeout: 90_000 }, async () => {
      const report = await runBench({ scenarios: [scenario.id], runs: 1, quick: true, print: false });
      const [result] = report.scenarios;
      expect(result?.id).toBe(scenario.id);
      expect(typeof result!.verdict.met).toBe("boolean");
      const run = result!.runs[result!.medianRun]!;
      expect(run.steps.length).toBeGreaterThan(0);
      for (const step of run.steps) {
        expect(step.reach, step.label).toBe(100);
        expect(step.duplicates, step.label).toBe(0);
        expect(step.outOfOrder, step.label).toBe(0);
        expect(step.errors + step.timeouts, step.label).toBe(0);
        expect(step.delivered, step.label).toBeGreaterThan(0);
        // Every process of the stack was measured.
        for (const proc of ["gateway", "chat", "auth", "social", "nats-server", "generator"]) {
          expect(step.cpuUsPerMsg[proc], `${step.label} ${proc}`).toBeGreaterThanOrEqual(0);
        }
        expect(Object.keys(step.eventLoopP99Ms).sort()).toEqual(["auth", "chat", "gateway", "social"]);
        if (scenario.id !== "s4") {
          expect(step.latencyMs.count, step.label).toBeGreaterThan(0);
          expect(step.latencyMs.p50).toBeGreaterThan(0);
          expect(step.latencyMs.p99).toBeGreaterThanOrEqual(step.latencyMs.p50);
          expect(step.latencyMs.max).toBeGreaterThanOrEqual(step.latencyMs.p99);
        }
      }
    });
  }
});
