/**
 * S4, idle connections: authenticated sessions on one gateway, ramped in levels. At each level:
 * the gateway's RSS per session (growth over the empty gateway), its idle CPU and event-loop delay
 * over a quiet window, and how fast the sessions were opened (handshake + password login).
 */
import type { SealroomClient } from "@sealroom/sdk/node";
import { Deliveries, Outcomes, sleep } from "../load.js";
import { cpuMeter, round, rssBytes } from "../procstat.js";
import { closeAll, seedUsers, signIn } from "../population.js";
import { startStack } from "../stack.js";
import { makeStep, probe } from "../step.js";
import type { RunContext, Scenario, ScenarioRun, Step } from "../types.js";

const PER_USER = 20;

export const s4: Scenario = {
  id: "s4",
  title: "idle connections: authenticated sessions on one gateway",
  target: "<= 16 KiB RSS per authenticated session, idle CPU <= 5% (at 10k sessions)",
  async run(ctx: RunContext): Promise<ScenarioRun> {
    const levels = ctx.quick ? [20, 40] : [1000, 2500, 5000, 10_000];
    // The top level is watched for one whole heartbeat period (30 s: every socket pinged once).
    const idleSecondsAt = (level: number) => (ctx.quick ? 0.5 : level === Math.max(...levels) ? 30 : 5);
    const settleMs = ctx.quick ? 200 : 1000;
    const stack = await startStack({ nodeFlags: ctx.nodeFlags, override: ctx.override });
    const clients: SealroomClient[] = [];
    try {
      const users = await seedUsers(stack, Math.ceil(Math.max(...levels) / PER_USER), "i");
      await sleep(settleMs);
      const rss0 = rssBytes(stack.pids.gateway);
      const genRss0 = process.memoryUsage().rss;
      const steps: Step[] = [];
      for (const level of levels) {
        // Users in order, PER_USER connections each, so a level is a whole number of users' devices.
        const wanted = level - clients.length;
        const batch = users.slice(clients.length / PER_USER, level / PER_USER);
        const t0 = performance.now();
        const p = await probe(stack);
        clients.push(...(await signIn(stack, batch, { perUser: PER_USER, parallel: 64 })));
        const openSeconds = (performance.now() - t0) / 1000;
        const opening = await p.stop();
        await sleep(settleMs);
        const idleSeconds = idleSecondsAt(level);
        // One scrape at the end covers the window: a scrape a second would be most of the idle work.
        const quiet = await probe(stack, idleSeconds * 1000);
        const idleCpu = cpuMeter({ gateway: stack.pids.gateway });
        await sleep(idleSeconds * 1000);
        const idle = idleCpu();
        const q = await quiet.stop();
        const rss = rssBytes(stack.pids.gateway);
        const ready = clients.filter((c) => c.state === "ready").length;
        const outcomes = new Outcomes();
        outcomes.ok = ready;
        outcomes.errors = clients.length - ready;
        const d = new Deliveries();
        d.delivered = ready;
        const step = makeStep({
          label: `${level} sessions`,
          offered: level,
          unit: "sessions",
          sent: wanted,
          expected: level,
          seconds: 1,
          deliveries: d,
          outcomes,
          cpu: opening.cpu,
          eventLoop: q.eventLoop,
          perCount: wanted,
          extra: {
            gatewayRssMiB: round(rss / 2 ** 20, 1),
            rssPerSessionKiB: round((rss - rss0) / 1024 / level, 1),
            idleCpuPct: round((100 * (idle.gateway ?? 0)) / idleSeconds, 2),
            sessionsOpenedPerSec: round(wanted / openSeconds),
            generatorRssPerSessionKiB: round((process.memoryUsage().rss - genRss0) / 1024 / level, 1),
            openingEventLoopP99Ms: Object.entries(opening.eventLoop)
              .map(([k, v]) => `${k} ${v}`)
              .join(", "),
          },
        });
        // Idle is judged by memory and CPU, not by latency (nothing is sent).
        step.pass =
          step.reach === 100 && Number(step.extra!.rssPerSessionKiB) <= 16 && Number(step.extra!.idleCpuPct) <= 5;
        steps.push(step);
        ctx.log(`  s4 ${step.label}: ${JSON.stringify(step.extra)}`);
      }
      const top = steps.at(-1)!;
      return {
        steps,
        summary: {
          sessions: top.delivered,
          rssPerSessionKiB: top.extra!.rssPerSessionKiB!,
          idleCpuPct: top.extra!.idleCpuPct!,
          sessionsOpenedPerSec: top.extra!.sessionsOpenedPerSec!,
        },
      };
    } finally {
      closeAll(clients);
      await stack.stop();
    }
  },
  key: (run) => Number(run.summary.rssPerSessionKiB),
  judge(run) {
    const s = run.summary;
    const met =
      Number(s.rssPerSessionKiB) <= 16 && Number(s.idleCpuPct) <= 5 && run.steps.every((x) => x.reach === 100);
    return {
      met,
      detail: `${s.sessions} sessions: ${s.rssPerSessionKiB} KiB RSS per session, idle CPU ${s.idleCpuPct}%`,
    };
  },
};
