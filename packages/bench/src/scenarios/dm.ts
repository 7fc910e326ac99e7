/** Friend pairs sending DMs open-loop: the load of S2, and the background load of S6. */
import { dmConversationId, type SealroomClient } from "@sealroom/sdk/node";
import { Deliveries, Outcomes, openLoop, stampOf, stampText, until } from "../load.js";
import { randomPairs, seedFriendships, seedUsers, signIn, type BenchUser } from "../population.js";
import type { Stack } from "../stack.js";
import { makeStep, probe } from "../step.js";
import type { Step } from "../types.js";

interface Member extends BenchUser {
  client: SealroomClient;
}

export interface DmFixture {
  pairs: Array<{ a: Member; b: Member; dm: string }>;
  clients: SealroomClient[];
  /** Where deliveries of the current step are counted. */
  deliveries: Deliveries;
}

interface CreatedBody {
  entry: { conversationId: string; seq: number; senderId: number | null; text: string };
}

/** Counts every chat.message.created.v1 that reaches `me` from someone else into `sink()`. */
export function onMessages(
  client: SealroomClient,
  me: number,
  sink: (conv: string, seq: number, scheduled: number) => void,
): void {
  client.on("event", (type, body) => {
    if (type !== "chat.message.created.v1") return;
    const { entry } = body as CreatedBody;
    if (entry.senderId === me) return; // the sender's own copy, for its other devices
    sink(entry.conversationId, entry.seq, stampOf(entry.text));
  });
}

export async function dmFixture(stack: Stack, users: number): Promise<DmFixture> {
  const seeded = await seedUsers(stack, users, "d");
  const pairsOfUsers = randomPairs(seeded);
  await seedFriendships(
    stack,
    pairsOfUsers.map(([a, b]) => [a.id, b.id]),
  );
  const clients = await signIn(stack, seeded);
  const members = seeded.map((u, i) => ({ ...u, client: clients[i]! }));
  const byId = new Map(members.map((m) => [m.id, m]));
  const fx: DmFixture = {
    pairs: pairsOfUsers.map(([a, b]) => ({ a: byId.get(a.id)!, b: byId.get(b.id)!, dm: dmConversationId(a.id, b.id) })),
    clients,
    deliveries: new Deliveries(),
  };
  for (const m of members)
    onMessages(m.client, m.id, (conv, seq, scheduled) => fx.deliveries.add(m.id, conv, seq, scheduled));
  return fx;
}

let msgSeq = 0;

export function sendDm(fx: DmFixture, i: number, scheduled: number, outcomes: Outcomes): void {
  const pair = fx.pairs[i % fx.pairs.length]!;
  const from = Math.floor(i / fx.pairs.length) % 2 === 0 ? pair.a : pair.b;
  const n = ++msgSeq;
  void from.client
    .call("chat.send", { conversationId: pair.dm, clientMsgId: `m${n}`, text: stampText(scheduled, `dm ${n}`) })
    .then((r) => outcomes.add(r));
}

/**
 * One open-loop step of DMs at `rate` per second; waits (bounded) for every reply and delivery.
 * `label` names the step (default "<rate> DM/s"); `extra` is asked for its figures at the end.
 */
export async function dmStep(
  stack: Stack,
  fx: DmFixture,
  rate: number,
  seconds: number,
  opts: { label?: string; extra?: () => Record<string, number | string> } = {},
): Promise<Step> {
  fx.deliveries = new Deliveries();
  const outcomes = new Outcomes();
  const p = await probe(stack);
  const t0 = performance.now();
  const { sent, seconds: sendSeconds } = await openLoop(rate, seconds, (i, at) => sendDm(fx, i, at, outcomes));
  await until(() => outcomes.settled >= sent && fx.deliveries.delivered >= outcomes.ok, 20_000);
  const m = await p.stop();
  return makeStep({
    label: opts.label ?? `${rate} DM/s`,
    offered: rate,
    unit: "DM/s",
    sent,
    expected: outcomes.ok,
    seconds: Math.max(sendSeconds, (fx.deliveries.lastAt - t0) / 1000),
    deliveries: fx.deliveries,
    outcomes,
    cpu: m.cpu,
    eventLoop: m.eventLoop,
    perCount: outcomes.ok,
    ...(opts.extra ? { extra: opts.extra() } : {}),
  });
}
