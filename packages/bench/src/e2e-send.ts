#!/usr/bin/env node
/**
 * npm run bench:e2e-send -w @sealroom/bench [-- --pairs N] [--messages N] [--members N]
 *
 * What end-to-end encryption costs per message, client side and server side (issue #15: S2 and S3
 * with encryption on), against the same traffic in plaintext, through the whole stack as separate
 * processes (as `npm run bench` runs it). S2-like: N DMs, both users of each with one SDK device
 * (ChatStore), each sender sending M messages one after another, all DMs at once. S3-like: one
 * group of K members, one sender, M messages, every member's device reading them. Measured: the
 * rate at which the messages were acked and read by every receiver, the generator's CPU (every SDK
 * device lives in this process: the senders' encryption and the receivers' decryption) and the
 * server processes' CPU (gateway, auth, social, chat, nats-server), each per message sent.
 */
import { parseArgs } from "node:util";
import { ChatStore, MemoryE2eStateStore, dmConversationId, groupConversationId } from "@sealroom/sdk/node";
import { closeAll, seedFriendships, seedGroup, seedUsers, signIn } from "./population.js";
import { cpuMeter } from "./procstat.js";
import { startStack, type Stack } from "./stack.js";

const { values } = parseArgs({
  options: { pairs: { type: "string" }, messages: { type: "string" }, members: { type: "string" } },
});
const pairs = Number(values.pairs ?? 20);
const messages = Number(values.messages ?? 20);
const members = Number(values.members ?? 20);

interface Result {
  scenario: string;
  encrypted: boolean;
  sent: number;
  perSecond: number;
  clientUsPerMessage: number;
  serverUsPerMessage: number;
}

type Conversation = { id: string; sender: ChatStore; readers: ChatStore[] };

/** Each device's keys registered (tried again: on a loaded machine a first upload can time out). */
async function ready(store: ChatStore): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.e2e?.deviceReady();
    } catch (err) {
      if (attempt === 5) throw err;
    }
  }
}

/** A small KeyPackage stock: making them is setup, not what is measured. */
const storeOpts = (encrypted: boolean) =>
  encrypted ? { e2e: { store: new MemoryE2eStateStore(), lowWater: 2, target: 4 } } : { e2e: false as const };

async function measure(stack: Stack, scenario: string, encrypted: boolean, convs: Conversation[]): Promise<Result> {
  const all = new Set(convs.flatMap((c) => [c.sender, ...c.readers]));
  for (const s of all) await ready(s);
  const texts = (reader: ChatStore, id: string, prefix: string) =>
    (reader.getSnapshot().byId[id]?.entries ?? []).filter((e) => e.kind === "text" && e.text.startsWith(prefix)).length;
  const allRead = async (count: number, prefix: string) => {
    const deadline = Date.now() + 120_000;
    while (!convs.every((c) => c.readers.every((r) => texts(r, c.id, prefix) >= count))) {
      if (Date.now() > deadline) throw new Error(`${scenario}: not every message was read within 120 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  // The first message of each conversation makes its group (encrypted) and every reader joins it
  // from its Welcome (and makes new KeyPackages): not what is measured.
  await Promise.all(convs.map((c) => c.sender.send(c.id, "warm-up")));
  await allRead(1, "warm-up");
  await new Promise((r) => setTimeout(r, 2000));
  const meter = cpuMeter(stack.pids);
  const started = performance.now();
  await Promise.all(
    convs.map(async (c) => {
      for (let i = 0; i < messages; i++) await c.sender.send(c.id, `m ${i} ${"x".repeat(40)}`);
    }),
  );
  await allRead(messages, "m ");
  const seconds = (performance.now() - started) / 1000;
  const cpu = meter();
  const sent = convs.length * messages;
  const server = Object.entries(cpu).reduce((sum, [name, s]) => (name === "generator" ? sum : sum + s), 0);
  return {
    scenario,
    encrypted,
    sent,
    perSecond: sent / seconds,
    clientUsPerMessage: ((cpu.generator ?? 0) * 1e6) / sent,
    serverUsPerMessage: (server * 1e6) / sent,
  };
}

async function dms(stack: Stack, encrypted: boolean): Promise<Result> {
  const users = await seedUsers(stack, pairs * 2, encrypted ? "de" : "dp");
  const couples = Array.from({ length: pairs }, (_, i) => [users[2 * i]!, users[2 * i + 1]!] as const);
  await seedFriendships(
    stack,
    couples.map(([a, b]) => [a.id, b.id]),
  );
  const clients = await signIn(stack, users);
  const stores = clients.map((c) => new ChatStore(c, storeOpts(encrypted)));
  try {
    for (const s of stores) s.start();
    const convs = couples.map(([a, b], i) => ({
      id: dmConversationId(a.id, b.id),
      sender: stores[2 * i]!,
      readers: [stores[2 * i + 1]!],
    }));
    return await measure(stack, `S2-like: ${pairs} DMs`, encrypted, convs);
  } finally {
    for (const s of stores) s.stop();
    closeAll(clients);
  }
}

async function group(stack: Stack, encrypted: boolean): Promise<Result> {
  const users = await seedUsers(stack, members, encrypted ? "ge" : "gp");
  const groupId = await seedGroup(
    stack,
    encrypted ? "encrypted" : "plaintext",
    users.map((u) => u.id),
  );
  const clients = await signIn(stack, users);
  const stores = clients.map((c) => new ChatStore(c, storeOpts(encrypted)));
  try {
    for (const s of stores) s.start();
    const [sender, ...readers] = stores;
    const convs = [{ id: groupConversationId(groupId), sender: sender!, readers }];
    return await measure(stack, `S3-like: group of ${members}`, encrypted, convs);
  } finally {
    for (const s of stores) s.stop();
    closeAll(clients);
  }
}

const stack = await startStack();
try {
  const results: Result[] = [];
  for (const encrypted of [false, true]) results.push(await dms(stack, encrypted));
  for (const encrypted of [false, true]) results.push(await group(stack, encrypted));
  console.log(`${messages} messages per sender; every SDK device in this process (the generator)`);
  console.log(
    "| scenario | content | messages | sent and read per s | client CPU us/message | server CPU us/message |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of results) {
    const content = r.encrypted ? "end-to-end encrypted" : "plaintext";
    console.log(
      `| ${r.scenario} | ${content} | ${r.sent} | ${r.perSecond.toFixed(0)} | ${r.clientUsPerMessage.toFixed(0)} | ${r.serverUsPerMessage.toFixed(0)} |`,
    );
  }
} finally {
  await stack.stop();
}
