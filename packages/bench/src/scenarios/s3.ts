/**
 * S3, group fan-out 1->N: one member sends to a group of N other members, open-loop; every
 * delivery counts. Offered load is in deliveries per second (messages/s x N).
 */
import { groupConversationId, type SealroomClient } from "@sealroom/sdk/node";
import { Deliveries, Outcomes, openLoop, stampText, until } from "../load.js";
import { closeAll, seedGroup, seedUsers, signIn } from "../population.js";
import { startStack, type Stack } from "../stack.js";
import { makeStep, probe } from "../step.js";
import type { RunContext, Scenario, ScenarioRun, Step } from "../types.js";
import { onMessages } from "./dm.js";

/** Messages per second per group size, ramped until a threshold breaks. */
const PLAN: Array<{ n: number; rates: number[]; p99LimitMs: number }> = [
  { n: 10, rates: [50, 100, 200, 500, 1000, 2000], p99LimitMs: 50 },
  { n: 100, rates: [20, 50, 100, 200, 300, 400], p99LimitMs: 50 },
  { n: 1000, rates: [10, 20, 40], p99LimitMs: 150 },
];
const QUICK_PLAN = [
  { n: 5, rates: [20], p99LimitMs: 50 },
  { n: 20, rates: [10], p99LimitMs: 150 },
];

let msgSeq = 0;

async function fanOutStep(
  stack: Stack,
  sender: SealroomClient,
  conv: string,
  n: number,
  rate: number,
  seconds: number,
  sink: { d: Deliveries },
  p99LimitMs: number,
): Promise<Step> {
  sink.d = new Deliveries();
  const outcomes = new Outcomes();
  const p = await probe(stack);
  const t0 = performance.now();
  const { sent, seconds: sendSeconds } = await openLoop(rate, seconds, (_i, at) => {
    const k = ++msgSeq;
    void sender
      .call("chat.send", { conversationId: conv, clientMsgId: `g${k}`, text: stampText(at, `g ${k}`) })
      .then((r) => outcomes.add(r));
  });
  await until(() => outcomes.settled >= sent && sink.d.delivered >= outcomes.ok * n, 30_000);
  const m = await p.stop();
  return makeStep({
    label: `N=${n} ${rate} msg/s`,
    offered: rate * n,
    unit: "deliveries/s",
    sent,
    expected: outcomes.ok * n,
    seconds: Math.max(sendSeconds, (sink.d.lastAt - t0) / 1000),
    deliveries: sink.d,
    outcomes,
    cpu: m.cpu,
    eventLoop: m.eventLoop,
    perCount: outcomes.ok * n,
    p99LimitMs,
    extra: { groupSize: n, messagesPerSec: rate },
  });
}

export const s3: Scenario = {
  id: "s3",
  title: "group fan-out 1->N (N = 10, 100, 1000)",
  target: "N=100: 20k deliveries/s at p99 <= 50 ms; N=1000: p99 <= 150 ms at 10 msg/s",
  async run(ctx: RunContext): Promise<ScenarioRun> {
    const plan = ctx.quick ? QUICK_PLAN : PLAN;
    const maxN = Math.max(...plan.map((p) => p.n));
    const stack = await startStack({ nodeFlags: ctx.nodeFlags, override: ctx.override });
    let clients: SealroomClient[] = [];
    try {
      const users = await seedUsers(stack, maxN + 1, "g");
      const groups: string[] = [];
      for (const p of plan) {
        const members = users.slice(0, p.n + 1).map((u) => u.id);
        groups.push(groupConversationId(await seedGroup(stack, `bench ${p.n}`, members)));
      }
      clients = await signIn(stack, users);
      const sink = { d: new Deliveries() };
      users.forEach((u, i) => onMessages(clients[i]!, u.id, (conv, seq, at) => sink.d.add(u.id, conv, seq, at)));
      const steps: Step[] = [];
      const summary: ScenarioRun["summary"] = {};
      for (const [gi, p] of plan.entries()) {
        await fanOutStep(stack, clients[0]!, groups[gi]!, p.n, p.rates[0]!, ctx.quick ? 0.3 : 1, sink, p.p99LimitMs); // warm-up
        for (const rate of p.rates) {
          const step = await fanOutStep(
            stack,
            clients[0]!,
            groups[gi]!,
            p.n,
            rate,
            ctx.stepSeconds,
            sink,
            p.p99LimitMs,
          );
          steps.push(step);
          ctx.log(
            `  s3 ${step.label}: ${step.achieved} deliveries/s, p99 ${step.latencyMs.p99} ms, reach ${step.reach}%, ${step.pass ? "pass" : "FAIL"}`,
          );
          if (step.pass) {
            summary[`capacityN${p.n}`] = step.offered;
            summary[`p99N${p.n}Ms`] = step.latencyMs.p99;
          }
          if (!step.pass && !ctx.fullRamp) break;
        }
        summary[`capacityN${p.n}`] ??= 0;
        summary[`p99N${p.n}Ms`] ??= null;
        // N=1000 is judged at 10 msg/s (its first step), whatever the ramp does after it.
        summary[`firstStepP99N${p.n}Ms`] = steps.find((s) => s.extra?.groupSize === p.n)?.latencyMs.p99 ?? null;
      }
      return { steps, summary };
    } finally {
      closeAll(clients);
      await stack.stop();
    }
  },
  key: (run) => Number(run.summary.capacityN100 ?? run.summary.capacityN20 ?? 0),
  judge(run) {
    const s = run.summary;
    if (s.capacityN100 === undefined) return { met: Number(s.capacityN20) > 0, detail: `smoke: ${JSON.stringify(s)}` };
    const n100 = Number(s.capacityN100);
    const n1000 = s.firstStepP99N1000Ms === null ? Infinity : Number(s.firstStepP99N1000Ms);
    return {
      met: n100 >= 20_000 && n1000 <= 150,
      detail: `N=100: last passing ${n100} deliveries/s (p99 ${s.p99N100Ms} ms); N=1000 at 10 msg/s: p99 ${s.firstStepP99N1000Ms} ms; N=10: ${s.capacityN10} deliveries/s`,
    };
  },
};
