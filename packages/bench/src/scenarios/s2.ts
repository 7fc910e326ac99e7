/** S2, DM throughput: users in random friend pairs, open-loop, ramped until a threshold breaks. */
import { closeAll } from "../population.js";
import { startStack } from "../stack.js";
import type { RunContext, Scenario, ScenarioRun, Step } from "../types.js";
import { dmFixture, dmStep } from "./dm.js";

export const S2_RATES = [500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 7000, 8000];

export const s2: Scenario = {
  id: "s2",
  title: "DM throughput: 500 users in random pairs, open-loop ramp",
  target: ">= 7,000 DM/s sustained at p99 <= 50 ms, 100% reach",
  async run(ctx: RunContext): Promise<ScenarioRun> {
    const users = ctx.quick ? 20 : 500;
    const rates = ctx.quick ? [50, 100] : (process.env.BENCH_S2_RATES?.split(",").map(Number) ?? S2_RATES);
    const stack = await startStack({ nodeFlags: ctx.nodeFlags, override: ctx.override });
    let clients: Array<{ close(): void }> = [];
    try {
      const fx = await dmFixture(stack, users);
      clients = fx.clients;
      await dmStep(stack, fx, ctx.quick ? 20 : 300, ctx.quick ? 0.5 : 2); // warm-up
      const steps: Step[] = [];
      for (const rate of rates) {
        const step = await dmStep(stack, fx, rate, ctx.stepSeconds);
        steps.push(step);
        ctx.log(
          `  s2 ${step.label}: p99 ${step.latencyMs.p99} ms, reach ${step.reach}%, ${step.pass ? "pass" : "FAIL"}`,
        );
        if (!step.pass && !ctx.fullRamp) break;
      }
      const passing = steps.filter((s) => s.pass);
      const last = passing.at(-1);
      return { steps, summary: { capacityDmPerSec: last?.offered ?? 0, p99AtCapacityMs: last?.latencyMs.p99 ?? null } };
    } finally {
      closeAll(clients);
      await stack.stop();
    }
  },
  key: (run) => Number(run.summary.capacityDmPerSec),
  judge(run) {
    const cap = Number(run.summary.capacityDmPerSec);
    const dup = run.steps.reduce((n, s) => n + s.duplicates, 0);
    return {
      met: cap >= 5000 && dup === 0,
      detail: `last passing step ${cap} DM/s (p99 ${run.summary.p99AtCapacityMs} ms)`,
    };
  },
};
