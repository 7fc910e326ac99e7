/**
 * The benchmark keeps working: every scenario once, with tiny counts, against the real stack
 * (services/*\/dist, so after `npm run build`). Asserts structure and sane values, never speed.
 *
 * The scenarios run side by side, a few at a time: each starts its own stack (own nats-server,
 * database, data directory and ports), and most of a smoke run is waiting for them to start.
 * This process is every scenario's generator, so the "generator" CPU and RSS figures of one
 * scenario include its neighbours': checked here as measured, never as a value (`npm run bench`
 * runs scenarios one after another, so its reports are not affected).
 */
import { describe, it } from "vitest";
import { runBench, SCENARIOS } from "./index.js";

/** More at once would only queue on the CPU (2 cores in CI) and risk the steps' timeouts. */
const AT_ONCE = 3;

function limiter(max: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await fn();
    } finally {
      // A waiter takes over this slot (running stays the same), else the slot is freed.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

const slot = limiter(AT_ONCE);

describe.concurrent("benchmark smoke run", () => {
  for (const scenario of SCENARIOS) {
    // The timeout counts the wait for a slot too: 90 s for the run itself, as when they ran in turn.
    it(`${scenario.id}: ${scenario.title}`, { timeout: 180_000 }, async ({ expect }) => {
      const report = await slot(() => runBench({ scenarios: [scenario.id], runs: 1, quick: true, print: false }));
      const [result] = report.scenarios;
      expect(result?.id).toBe(scenario.id);
      expect(typeof result!.verdict.met).toBe("boolean");
      const run = result!.runs[result!.medianRun]!;
      // A failed run is recorded with its error and no steps.
      expect(run.steps.length, String(run.summary.error)).toBeGreaterThan(0);
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
