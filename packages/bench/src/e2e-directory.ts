#!/usr/bin/env node
/**
 * npm run bench:e2e-directory -w @sealroom/bench [-- --members N] [--messages N]
 *
 * What the SDK's end-to-end engine asks the directory per message it sends (docs/E2E.md, "Device
 * lists"): member lists (social.groups.get) and device lists (auth.keys.devices), in a group of N
 * users with one device each, one member sending M messages after the first (which establishes
 * the group). Two groups side by side: the sender's engine with its cache (the default), and
 * with `deviceCacheMs: 0` (every list asked again: the engine before the cache, one device list per
 * member user per send). Counted by the engine itself (`directoryRequests`); the wall time per send
 * is printed too, for scale only (it includes encryption and the round trip). The whole stack runs
 * as separate processes, as `npm run bench` does.
 */
import { parseArgs } from "node:util";
import { ChatStore, MemoryE2eStateStore, groupConversationId } from "@sealroom/sdk/node";
import { closeAll, seedGroup, seedUsers, signIn } from "./population.js";
import { startStack, type Stack } from "./stack.js";

const { values } = parseArgs({ options: { members: { type: "string" }, messages: { type: "string" } } });
const members = Number(values.members ?? 8);
const messages = Number(values.messages ?? 20);

interface Run {
  label: string;
  requestsPerMessage: number;
  msPerMessage: number;
}

async function run(stack: Stack, label: string, deviceCacheMs: number | undefined): Promise<Run> {
  const users = await seedUsers(stack, members, `d${deviceCacheMs ?? "c"}`);
  const groupId = await seedGroup(
    stack,
    label,
    users.map((u) => u.id),
  );
  const conv = groupConversationId(groupId);
  const clients = await signIn(stack, users);
  const stores = clients.map(
    (client, i) =>
      new ChatStore(client, {
        e2e: { store: new MemoryE2eStateStore(), ...(i === 0 && deviceCacheMs !== undefined ? { deviceCacheMs } : {}) },
      }),
  );
  try {
    for (const s of stores) s.start();
    for (const s of stores) await s.e2e?.deviceReady();
    const sender = stores[0]!;
    await sender.send(conv, "the message that establishes the group");
    const before = sender.e2e?.directoryRequests ?? 0;
    const started = performance.now();
    for (let i = 0; i < messages; i++) await sender.send(conv, `message ${i}`);
    const elapsed = performance.now() - started;
    const requests = (sender.e2e?.directoryRequests ?? 0) - before;
    return { label, requestsPerMessage: requests / messages, msPerMessage: elapsed / messages };
  } finally {
    for (const s of stores) s.stop();
    closeAll(clients);
  }
}

const stack = await startStack();
try {
  const runs = [await run(stack, "without cache", 0), await run(stack, "with cache", undefined)];
  console.log(`group of ${members} users, one device each; ${messages} messages from one member`);
  console.log("| engine | directory requests per message | ms per message (send to ack) |");
  console.log("|---|---|---|");
  for (const r of runs) {
    console.log(`| ${r.label} | ${r.requestsPerMessage.toFixed(2)} | ${r.msPerMessage.toFixed(1)} |`);
  }
} finally {
  await stack.stop();
}
