/**
 * S1, DM ping-pong: two friends, one message in flight. A sends; when B receives, B sends back.
 * Latency per hop = receive time - send time (closed loop, so scheduled = actual send).
 */
import { dmConversationId } from "@sealroom/sdk/node";
import { Deliveries, Outcomes, Latency, stampText } from "../load.js";
import { round } from "../procstat.js";
import { closeAll, seedFriendships, seedUsers, signIn } from "../population.js";
import { startStack } from "../stack.js";
import { makeStep, probe } from "../step.js";
import type { RunContext, Scenario, ScenarioRun } from "../types.js";
import { onMessages } from "./dm.js";

export const s1: Scenario = {
  id: "s1",
  title: "DM ping-pong: 2 users, one message in flight",
  target: "p50 <= 1 ms, p99 <= 5 ms per hop",
  async run(ctx: RunContext): Promise<ScenarioRun> {
    const roundTrips = ctx.quick ? 50 : 5000;
    const stack = await startStack({ nodeFlags: ctx.nodeFlags, override: ctx.override });
    const clients = [];
    try {
      const users = await seedUsers(stack, 2, "p");
      const [a, b] = users as [(typeof users)[0], (typeof users)[0]];
      await seedFriendships(stack, [[a.id, b.id]]);
      clients.push(...(await signIn(stack, users)));
      const [ca, cb] = clients as [NonNullable<(typeof clients)[0]>, NonNullable<(typeof clients)[0]>];
      const dm = dmConversationId(a.id, b.id);
      let deliveries = new Deliveries();
      const outcomes = new Outcomes();
      let roundTrip = new Latency();
      let n = 0;
      let remaining = 0;
      let done: () => void = () => {};
      let startedAt = 0;
      const send = (from: typeof ca, tag: string) => {
        void from
          .call("chat.send", { conversationId: dm, clientMsgId: `p${++n}`, text: stampText(performance.now(), tag) })
          .then((r) => outcomes.add(r));
      };
      // B answers every ping; A, on a pong, records the round trip and pings again.
      onMessages(cb, b.id, (conv, seq, at) => {
        deliveries.add(b.id, conv, seq, at);
        send(cb, "pong");
      });
      onMessages(ca, a.id, (conv, seq, at) => {
        deliveries.add(a.id, conv, seq, at);
        roundTrip.record(performance.now() - startedAt);
        if (--remaining <= 0) return done();
        startedAt = performance.now();
        send(ca, "ping");
      });
      const pingPong = (count: number) =>
        new Promise<void>((resolve) => {
          remaining = count;
          done = resolve;
          startedAt = performance.now();
          send(ca, "ping");
        });
      await pingPong(ctx.quick ? 10 : 300); // warm-up
      deliveries = new Deliveries();
      const before = outcomes.ok;
      roundTrip = new Latency();
      const p = await probe(stack);
      const t0 = performance.now();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 120_000).unref());
      await Promise.race([pingPong(roundTrips), timeout]);
      const seconds = (performance.now() - t0) / 1000;
      const m = await p.stop();
      const messages = outcomes.ok - before;
      const step = makeStep({
        label: `${roundTrips} round trips`,
        offered: round((2 * roundTrips) / seconds),
        unit: "hops/s",
        sent: 2 * roundTrips,
        expected: 2 * roundTrips,
        seconds,
        deliveries,
        outcomes,
        cpu: m.cpu,
        eventLoop: m.eventLoop,
        perCount: messages,
        p99LimitMs: 5,
        extra: { roundTripP50Ms: roundTrip.summary().p50, roundTripP99Ms: roundTrip.summary().p99 },
      });
      return {
        steps: [step],
        summary: { p50Ms: step.latencyMs.p50, p99Ms: step.latencyMs.p99, roundTripP50Ms: roundTrip.summary().p50 },
      };
    } finally {
      closeAll(clients);
      await stack.stop();
    }
  },
  key: (run) => Number(run.summary.p99Ms),
  judge(run) {
    const s = run.steps[0]!;
    const met = s.latencyMs.p50 <= 1 && s.latencyMs.p99 <= 5 && s.reach === 100 && s.duplicates === 0;
    return { met, detail: `per hop p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, reach ${s.reach}%` };
  },
};
